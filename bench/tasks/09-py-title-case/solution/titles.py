"""Helpers for book and film titles."""

SMALL_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to"}


def title_case(text):
    """Capitalise each word except small words that are neither first nor last."""
    words = text.split()
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in SMALL_WORDS and 0 < i < len(words) - 1:
            out.append(lower)
        else:
            out.append(word.capitalize())
    return " ".join(out)
