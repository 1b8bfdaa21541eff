"""Website, URL or e-mail address → registrable domain (``https://shop.example.co.uk`` → ``example.co.uk``).

The public-suffix list is tldextract's snapshot bundled with the installed package: the extractor is
built with no list URLs and no cache directory, so it never touches the network or the disk.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache, lru_cache

import tldextract

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST_CHARS = re.compile(r"^[\w.-]+$")


@cache
def offline_extractor() -> tldextract.TLDExtract:
    """The one extractor, built on first use from the bundled snapshot only (no fetch, no cache files)."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


@lru_cache(maxsize=65536)
def registrable_domain(text: str) -> str:
    """The lowercase registrable domain of a website, URL, host name or e-mail address.

    Unicode names are returned in their Unicode form (``xn--mller-kva.de`` → ``müller.de``) so both
    spellings match. Raises ``ValueError`` (the reason as message) for IP addresses, bare public
    suffixes and text that is no host name.
    """
    host = _host_part(text)
    if not host:
        raise ValueError(f"not a web address or e-mail: {text!r}")
    if host[-1].isdigit() or ":" in host or host.endswith("]"):  # no top-level domain ends in a digit
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            pass
        else:
            raise ValueError(f"an IP address has no domain: {text!r}")
    if not _HOST_CHARS.match(host) or ".." in host:
        raise ValueError(f"not a web address or e-mail: {text!r}")
    parts = offline_extractor()(host)
    if not parts.domain or not parts.suffix:
        raise ValueError(f"no registrable domain in {text!r}")
    return _unicode(f"{parts.domain}.{parts.suffix}")


def _host_part(text: str) -> str:
    value = text.strip().strip("<>").strip()
    if "@" in value and not _SCHEME.match(value):
        value = value.rsplit("@", 1)[1]  # an e-mail address (or "Name <a@b.com>")
    value = _SCHEME.sub("", value)
    value = re.split(r"[/?#]", value, maxsplit=1)[0]
    value = value.rsplit("@", 1)[-1]  # user:password@host
    if not value.startswith("["):
        value = value.split(":", 1)[0]  # port
    return value.strip().rstrip(".").lower()


def _unicode(domain: str) -> str:
    if "xn--" not in domain:
        return domain
    try:
        return domain.encode("ascii").decode("idna")
    except UnicodeError:
        return domain
