def grade(score):
    """Letter grade: 90 and above 'A', 80 and above 'B', 70 and above 'C', else 'F'."""
    if score > 90:
        return "A"
    if score > 80:
        return "B"
    if score > 70:
        return "C"
    return "F"
