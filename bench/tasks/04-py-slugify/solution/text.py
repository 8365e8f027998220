"""String helpers."""

import re


def normalize_spaces(text):
    """Collapse runs of whitespace into single spaces and trim the ends."""
    return " ".join(text.split())


def slugify(text):
    """Lowercase text, turn each run of non-[a-z0-9] characters into one hyphen, trim hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
