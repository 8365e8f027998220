"""Basic statistics."""


def mean(values):
    """Return the arithmetic mean of values."""
    return sum(values) / len(values)


def spread(values):
    """Return the difference between the largest and smallest value."""
    return max(values) - min(values)
