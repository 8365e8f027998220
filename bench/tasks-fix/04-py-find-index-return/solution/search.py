def find_index(items, target):
    """The index of the first item equal to target, or -1 when absent."""
    for i, item in enumerate(items):
        if item == target:
            return i
    return -1
