"""Which pages of a company's site to fetch: from the homepage's links and the sitemap, ranked.

Only pages on the same site (same registrable domain; ``www`` and apex are equal, subdomains count),
only http(s), no fragments, no mailto/tel/javascript, no files (PDF, images), de-duplicated. Imprint and
about pages come first because they carry most firmographics; then careers (head counts) and contact
(addresses). At most ``max_pages`` pages per account, the homepage included.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import tldextract

from enrich.extract.markup import closing_indices, plain_text, scan_tags

PageRole = Literal["homepage", "imprint", "about", "careers", "contact"]

DEFAULT_MAX_PAGES = 6
# Rank order: what to fetch first when pages are scarce.
ROLE_ORDER: tuple[PageRole, ...] = ("homepage", "imprint", "about", "careers", "contact")


def _words(alternatives: str) -> re.Pattern[str]:
    """Alternatives that must stand as words in a path or label ("stellen" but not "bestellen")."""
    return re.compile(rf"(?<![a-zäöü])(?:{alternatives})(?![a-zäöü])", re.I)


_ROLE_WORDS: dict[PageRole, re.Pattern[str]] = {
    "imprint": _words(
        r"impressum|imprint|legal[-_ ]?notice|site[-_ ]?notice|anbieterkennzeichnung|mentions[-_ ]l[ée]gales|"
        r"legal[-_ ]information|corporate[-_ ]information|rechtliche[-_ ]hinweise"
    ),
    "about": _words(
        r"about(?:[-_ ]?us)?|über[-_ ]uns|ueber[-_ ]uns|uber[-_ ]uns|wir[-_ ]über[-_ ]uns|company|"
        r"unternehmen|who[-_ ]we[-_ ]are|our[-_ ]story|facts(?:[-_ ](?:and|&)[-_ ]figures)?|"
        r"zahlen[-_ ](?:und[-_ ])?fakten|profil[e]?|portrait|portr[äa]t|firmenprofil|unternehmensprofil|"
        r"at[-_ ]a[-_ ]glance|auf[-_ ]einen[-_ ]blick"
    ),
    "careers": _words(
        r"careers?|jobs?|karriere|stellenangebote|stellen|work[-_ ]with[-_ ]us|join[-_ ]us|arbeiten[-_ ]bei"
    ),
    "contact": _words(r"contact(?:[-_ ]us)?|kontakt|locations|standorte|anfahrt|offices"),
}
# A link that matches one of these is never the page we want, whatever else it matches.
_EXCLUDED = re.compile(
    r"privacy|datenschutz|cookie|terms|agb|nutzungsbedingungen|login|log-in|signin|sign-in|register|cart|"
    r"warenkorb|checkout|newsletter|press-?release|pressemitteilung|/blog/.+|/news/.+|/tag/|/category/|\.rss",
    re.I,
)
_FILE_EXTENSIONS = re.compile(
    r"\.(?:pdf|jpe?g|png|gif|svg|webp|zip|docx?|xlsx?|pptx?|mp4|mp3|ics|vcf|xml)$", re.I
)
_LOC = re.compile(
    r"<(?:\w+:)?loc>\s*(?:<!\[CDATA\[)?\s*(?P<url>.*?)\s*(?:\]\]>)?\s*</(?:\w+:)?loc>", re.S | re.I
)
# Navigation labels are short; a long link text is a teaser ("Acme named top company to work for").
_MAX_LABEL_WORDS = 4
_SITEMAP_INDEX = re.compile(r"<(?:\w+:)?sitemapindex\b", re.I)


@dataclass(frozen=True)
class PageCandidate:
    """A page worth fetching: its URL, the role it plays and what made us think so."""

    url: str
    role: PageRole
    reason: str


@lru_cache(maxsize=1)
def _public_suffixes() -> tldextract.TLDExtract:
    # The snapshot shipped with tldextract: no download, no cache directory.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(host: str) -> str:
    """``www.acme.co.uk`` -> ``acme.co.uk``; hosts without a known suffix keep their last two labels."""
    host = host.strip().strip(".").lower()
    parts = _public_suffixes()(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 else host


def same_site(url: str, site_url: str) -> bool:
    """True when both URLs are http(s) on the same registrable domain."""
    first, second = urlsplit(url), urlsplit(site_url)
    if first.scheme not in {"http", "https"} or not first.hostname or not second.hostname:
        return False
    return registrable_domain(first.hostname) == registrable_domain(second.hostname)


def canonical_url(url: str) -> str:
    """The URL without fragment, with a lower-case host and ``/`` for an empty path (for de-duplication)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _dedupe_key(url: str) -> str:
    """``www`` and apex, http and https, trailing slash or not: the same page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/') or '/'}?{parts.query}"


def _role_of(url: str, label: str) -> tuple[PageRole, str] | None:
    path = urlsplit(url).path
    if _EXCLUDED.search(path) or _EXCLUDED.search(label) or _FILE_EXTENSIONS.search(path):
        return None
    short_label = label if len(label.split()) <= _MAX_LABEL_WORDS else ""
    for role in ROLE_ORDER[1:]:
        pattern = _ROLE_WORDS[role]
        if short_label and (found := pattern.search(short_label)):
            return role, f"link text {found.group()!r}"
        if found := pattern.search(path):
            return role, f"path {found.group()!r}"
    return None


def links(page_html: str, page_url: str) -> list[tuple[str, str]]:
    """Every ``<a href>`` of a page as (absolute URL without fragment, link text), in page order."""
    tags = scan_tags(page_html)
    base = page_url
    for tag in tags:
        if tag.kind == "start" and tag.name == "base" and tag.attr("href"):
            base = urljoin(page_url, tag.attr("href") or "")
            break
    found: list[tuple[str, str]] = []
    closings = closing_indices(tags)
    for index, tag in enumerate(tags):
        href = tag.attr("href") if tag.kind == "start" and tag.name == "a" else None
        if not href or href.strip().lower().startswith(("mailto:", "tel:", "javascript:", "data:", "#")):
            continue
        closing = closings.get(index)
        label = plain_text(page_html[tag.end : tags[closing].start]) if closing is not None else ""
        label = label or tag.attr("title") or tag.attr("aria-label") or ""
        found.append((canonical_url(urljoin(base, href.strip())), label))
    return found


def _sitemap_urls(sitemap_xml: str) -> list[str]:
    return [canonical_url(html.unescape(match.group("url"))) for match in _LOC.finditer(sitemap_xml)]


def _sitemap_ranked(sitemap_xml: str, site_url: str) -> list[PageCandidate]:
    return _rank([(url, "") for url in _sitemap_urls(sitemap_xml)], site_url, source="sitemap")


def sitemap_candidates(sitemap_xml: str, site_url: str) -> list[str]:
    """Page URLs in a sitemap that look like imprint/about/careers/contact pages of this site, ranked."""
    return [candidate.url for candidate in _sitemap_ranked(sitemap_xml, site_url)]


def child_sitemaps(sitemap_xml: str, site_url: str) -> list[str]:
    """The sitemaps a sitemap index points to (same site only); empty for an ordinary sitemap."""
    if not _SITEMAP_INDEX.search(sitemap_xml):
        return []
    return [url for url in dict.fromkeys(_sitemap_urls(sitemap_xml)) if same_site(url, site_url)]


def _rank(found: list[tuple[str, str]], site_url: str, *, source: str) -> list[PageCandidate]:
    """Same-site pages with a role, de-duplicated, best first: by role, then link text over path, then
    shorter paths, then page order."""
    scored: list[tuple[tuple[int, int, int, int], PageCandidate]] = []
    seen: set[str] = {_dedupe_key(site_url)}
    for position, (url, label) in enumerate(found):
        if not same_site(url, site_url) or _dedupe_key(url) in seen:
            continue
        role = _role_of(url, label)
        if role is None:
            continue
        seen.add(_dedupe_key(url))
        by_text = 0 if role[1].startswith("link text") else 1
        depth = urlsplit(url).path.rstrip("/").count("/")
        key = (ROLE_ORDER.index(role[0]), by_text, depth, position)
        scored.append((key, PageCandidate(url, role[0], f"{source}: {role[1]}")))
    return [candidate for _, candidate in sorted(scored, key=lambda pair: pair[0])]


def discover_pages(
    homepage_url: str,
    homepage_html: str,
    *,
    sitemap_xml: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> list[PageCandidate]:
    """The pages to fetch for one account, homepage first, at most ``max_pages`` in all.

    The best page of each role is taken first (imprint, about, careers, contact), then the runners-up in
    rank order; links on the homepage win over sitemap entries for the same role.
    """
    homepage = PageCandidate(canonical_url(homepage_url), "homepage", "homepage")
    ranked = _rank(links(homepage_html, homepage_url), homepage_url, source="homepage link")
    if sitemap_xml:
        linked = {_dedupe_key(candidate.url) for candidate in ranked}
        from_sitemap = _sitemap_ranked(sitemap_xml, homepage_url)
        ranked += [candidate for candidate in from_sitemap if _dedupe_key(candidate.url) not in linked]
    firsts: list[PageCandidate] = []
    rest: list[PageCandidate] = []
    roles_taken: set[PageRole] = set()
    for role in ROLE_ORDER[1:]:
        for candidate in ranked:
            if candidate.role == role:
                (rest if role in roles_taken else firsts).append(candidate)
                roles_taken.add(role)
    return [homepage, *firsts, *rest][: max(1, max_pages)]
