"""Response bodies: which content types are fetched, bounded decompression, and decoding to text.

The size cap counts *decoded* bytes and is enforced while decompressing, with zlib's ``max_length``
so no single step can inflate more than the bytes still allowed: a gzip bomb costs at most
``max_bytes`` of memory, never its decoded size. Only ``gzip`` and ``deflate`` are offered in
``Accept-Encoding``; any other encoding is refused rather than guessed at.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import AsyncIterator

from enrich.fetch.result import RefusalReason, refusal

PAGE_MEDIA_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/json",
        "application/ld+json",
        "application/xml",  # sitemaps
        "text/xml",
    }
)

_GZIP_MAGIC = b"\x1f\x8b"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")


def media_type(content_type: str) -> str:
    """``text/html; charset=utf-8`` → ``text/html``."""
    return content_type.split(";", 1)[0].strip().lower()


def declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def check_page_type(content_type: str, url: str) -> None:
    """Refuse (``content_type``) anything that is not HTML, plain text, JSON or XML."""
    kind = media_type(content_type)
    if kind not in PAGE_MEDIA_TYPES:
        shown = kind or "no Content-Type"
        raise refusal(
            RefusalReason.CONTENT_TYPE, url, f"{url}: {shown} is not fetched (only HTML, text, JSON, XML)"
        )


class _Inflater:
    """zlib decompression that never produces more than it is asked for in one step."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._engine: zlib._Decompress | None = None

    def _start(self, first: bytes) -> zlib._Decompress:
        if self._encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped, but servers also send raw deflate.
        looks_wrapped = len(first) >= 2 and (first[0] & 0x0F) == 8 and (first[0] * 256 + first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if looks_wrapped else -zlib.MAX_WBITS)

    def inflate(self, data: bytes, room: int) -> tuple[bytes, bytes]:
        """Decode at most ``room`` bytes from ``data``; returns (decoded, input not yet consumed)."""
        if self._engine is None:
            self._engine = self._start(data)
        engine = self._engine
        decoded = engine.decompress(data, room)
        rest = engine.unconsumed_tail
        if engine.eof:
            rest = engine.unused_data
            # Concatenated gzip members are one body; anything else after the end is ignored.
            self._engine = None
            if not (self._encoding == "gzip" and rest.startswith(_GZIP_MAGIC)):
                rest = b""
        return decoded, rest


async def read_capped(
    raw_chunks: AsyncIterator[bytes], content_encoding: str, max_bytes: int, url: str
) -> bytes:
    """Read a body from its raw (still encoded) chunks; refuse (``size``) past ``max_bytes`` decoded.

    Stops reading the moment the cap is crossed, so a slow or endless body is not drained.
    """
    encodings = [part.strip().lower() for part in content_encoding.split(",") if part.strip()]
    encodings = [part for part in encodings if part != "identity"]
    if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
        raise refusal(
            RefusalReason.CONTENT_TYPE, url, f"{url}: unsupported Content-Encoding {content_encoding!r}"
        )
    inflater = (
        _Inflater("gzip" if encodings and encodings[0] != "deflate" else "deflate") if encodings else None
    )
    parts: list[bytes] = []
    total = 0
    async for chunk in raw_chunks:
        pending = chunk
        while pending:
            if inflater is None:
                decoded, pending = pending, b""
            else:
                try:
                    # One byte beyond the cap is enough to prove the body is too large.
                    decoded, pending = inflater.inflate(pending, max_bytes - total + 1)
                except zlib.error as exc:
                    raise refusal(
                        RefusalReason.CONTENT_TYPE, url, f"{url}: body does not decompress: {exc}"
                    ) from exc
            total += len(decoded)
            if total > max_bytes:
                raise refusal(
                    RefusalReason.SIZE, url, f"{url}: body is larger than {max_bytes} bytes (decoded)"
                )
            parts.append(decoded)
    return b"".join(parts)


def _usable(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _sniffed_charset(body: bytes, kind: str) -> str | None:
    head = body[:4096]
    if kind in ("text/html", "application/xhtml+xml"):
        found = _META_CHARSET.search(head)
        if found:
            return _usable(found.group(1).decode("ascii"))
    if kind.endswith("xml"):
        found = _XML_ENCODING.search(head)
        if found:
            return _usable(found.group(1).decode("ascii"))
    return None


def decode_text(body: bytes, content_type: str) -> str:
    """Decode a body: byte-order mark, then the declared charset, then ``<meta charset>`` or the XML
    declaration, then UTF-8, and finally windows-1252 (what browsers assume for unlabelled Latin text).
    Undecodable bytes become U+FFFD rather than failing the page."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(name, errors="replace").lstrip("\ufeff")
    charset = _usable(declared_charset(content_type)) or _sniffed_charset(body, media_type(content_type))
    if charset:
        return body.decode(charset, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")
