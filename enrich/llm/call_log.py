"""The ``leadscore.llm`` logger and what goes into it: one line per call, never a key, no query strings."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger("leadscore.llm")


def redact_url(url: str | None) -> str:
    """``url`` without user info, query string or fragment, for logs and messages."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
