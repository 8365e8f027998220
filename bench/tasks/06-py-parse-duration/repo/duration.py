"""Durations written like "1h2m3s"."""


def format_duration(seconds):
    """Format a whole number of seconds as e.g. "1h2m3s"; zero parts are left out, 0 gives "0s"."""
    if seconds == 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs:
        parts.append(f"{secs}s")
    return "".join(parts)
