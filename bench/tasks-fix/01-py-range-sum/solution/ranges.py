def sum_to(n):
    """Sum of the integers 1..n inclusive (0 for n < 1)."""
    total = 0
    for i in range(1, n + 1):
        total += i
    return total
