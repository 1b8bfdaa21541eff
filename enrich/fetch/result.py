"""What a fetch produces: a ``FetchResult`` for a page, or a ``FetchRefused`` that names a ``RefusalReason``.

Refusals are exceptions (``enrich.errors.FetchRefused``) so a caller cannot mistake one for a page;
``reason`` is one of the ``RefusalReason`` values, stable for machines, and the message is for people.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from enrich.errors import FetchRefused


class RefusalReason(StrEnum):
    """Why a URL was not fetched. The values are stable: scripts and the store match on them."""

    SCHEME = "scheme"  # not http(s)
    ADDRESS_CLASS = "address_class"  # loopback, private, link-local, metadata, encoded host, port
    ROBOTS = "robots"  # robots.txt disallows it, or robots.txt could not be read
    SIZE = "size"  # decoded body larger than fetch_max_bytes
    TIME = "time"  # the fetch took longer than fetch_timeout_s on the wire
    CONTENT_TYPE = "content_type"  # not HTML, text, JSON or XML (or an unusable encoding)
    REDIRECTS = "redirects"  # too many redirects, or a loop
    HOST_FAILING = "host_failing"  # the host is skipped for the rest of this run
    HTTP_STATUS = "http_status"  # the final answer was not 2xx
    CONNECT_ERROR = "connect_error"  # no connection could be made or kept


def refusal(reason: RefusalReason, url: str, detail: str) -> FetchRefused:
    """A ``FetchRefused`` whose message starts with the reason, so people read what scripts match on."""
    return FetchRefused(f"refused ({reason.value}): {detail}", reason=reason.value, url=url)


def text_sha256(text: str) -> str:
    """sha256 of the text as stored (UTF-8): the key of the ``blob`` table and of provenance."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FetchResult:
    """One fetched page. ``url`` is what was asked for; ``final_url`` is where redirects ended.

    URLs keep the real hostname (never a connect-to address); ``text`` is decoded with the declared or
    detected charset; ``sha256`` is ``text_sha256(text)``; ``bytes_read`` counts decoded body bytes.
    """

    url: str
    final_url: str
    status_code: int
    content_type: str
    text: str
    sha256: str
    bytes_read: int
    elapsed_s: float
    fetched_at: datetime
    redirects: tuple[str, ...] = ()
    from_cache: bool = False

    def summary(self) -> dict[str, Any]:
        """Everything but the text, JSON-ready (used by ``leadscore fetch --json``)."""
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status_code": self.status_code,
            "content_type": self.content_type,
            "sha256": self.sha256,
            "bytes_read": self.bytes_read,
            "elapsed_s": round(self.elapsed_s, 3),
            "fetched_at": self.fetched_at.isoformat(),
            "redirects": list(self.redirects),
            "from_cache": self.from_cache,
        }
