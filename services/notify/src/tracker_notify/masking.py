"""How a channel's target is shown: a URL keeps its scheme and host, and the first characters
of its path, so people can tell channels apart without the API ever showing the secret part
(a Slack incoming-webhook URL is itself the credential)."""

from urllib.parse import urlsplit

SHOWN_PATH_CHARACTERS = 12


def mask_url(url: str) -> str:
    """`https://hooks.slack.com/services/T0123/B0456/xyz` → `https://hooks.slack.com/services/…`
    (at most `SHOWN_PATH_CHARACTERS` of the path; no query, no credentials, no port's user)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    path = parts.path[:SHOWN_PATH_CHARACTERS]
    return f"{parts.scheme}://{host}{path}…"
