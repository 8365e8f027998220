def format_money(cents):
    """Cents as dollars with two decimals, e.g. 1234 -> '$12.34', 5 -> '$0.05'."""
    return f"${cents // 100}.{cents % 100}"
