import stats


def summary(values):
    """Return a one-line summary such as 'n=3 mean=2.00 spread=2'."""
    return f"n={len(values)} mean={stats.mean(values):.2f} spread={stats.spread(values)}"
