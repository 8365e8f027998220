def is_leap_year(year):
    """Gregorian rule: divisible by 4, except centuries, unless divisible by 400."""
    return (year % 4 == 0 and year % 100 != 0) or year % 400 == 0


def days_in_february(year):
    return 29 if is_leap_year(year) else 28
