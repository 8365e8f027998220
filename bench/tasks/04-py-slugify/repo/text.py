"""String helpers."""


def normalize_spaces(text):
    """Collapse runs of whitespace into single spaces and trim the ends."""
    return " ".join(text.split())
