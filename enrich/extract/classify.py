"""Pages that must never be mined for values, although the server answered 200.

Bot walls and CAPTCHAs, block pages, parked domains, cookie walls with no content behind them and error
pages served with status 200 say nothing about the company, and their boilerplate ("over 1,000,000
domains for sale") would become evidence. Such a page is recorded with its kind and the extractor runner
refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from enrich.extract.base import Document
from enrich.extract.markup import plain_text

PageKind = Literal["ok", "captcha", "blocked", "parked", "cookie_wall", "soft_404"]

_PARKED = re.compile(
    r"this domain (?:name )?(?:is|may be) for sale|buy this domain|domain (?:name )?is parked|parked free|"
    r"courtesy of godaddy|diese domain (?:steht zum verkauf|ist zu verkaufen|kaufen|kann erworben werden)|"
    r"domain (?:kaufen|zu verkaufen)|sedoparking|sedo\.com|parkingcrew|bodis\.com|afternic|dan\.com/buy",
    re.I,
)
_BOT_WALL = re.compile(
    r"checking your browser before accessing|checking if the site connection is secure|attention required!"
    r"[^<\n]{0,5}cloudflare|cf-browser-verification|cf_chl_opt|/cdn-cgi/challenge-platform/|"
    r"ddos protection by cloudflare|verify (?:that )?you are (?:a )?human|are you a robot|"
    r"unusual traffic from your (?:computer|network)|please complete the security check|"
    r"bitte bestätigen sie, dass sie (?:ein mensch|kein roboter) sind|px-captcha|captcha-delivery\.com",
    re.I,
)
_CAPTCHA_WIDGET = re.compile(r"g-recaptcha|h-captcha|hcaptcha\.com|google\.com/recaptcha|cf-turnstile", re.I)
_BLOCKED = re.compile(
    r"access denied|403 forbidden|^forbidden$|you have been blocked|request blocked|zugriff verweigert|"
    r"error 1020|not acceptable!?$|request rejected",
    re.I | re.M,
)
_NOT_FOUND = re.compile(
    r"\b404\b|page not found|^not found$|seite nicht gefunden|seite wurde nicht gefunden|fehler 404|"
    r"page (?:does not|doesn't|could not be found|cannot be found)|seite existiert nicht|nicht gefunden$",
    re.I | re.M,
)
_CONSENT_LINE = re.compile(
    r"cookie|consent|einwilligung|zustimm|datenschutzeinstellungen|privacy settings|"
    r"^(?:accept|reject|decline|settings|akzeptieren|ablehnen|einstellungen|alle akzeptieren|"
    r"accept all|ok|agree|i agree)$",
    re.I,
)
# A page with fewer words than this outside its consent dialog has no content behind the wall.
COOKIE_WALL_CONTENT_WORDS = 25
# A CAPTCHA widget on a short page without a message form is a wall; with one, a contact page.
CAPTCHA_PAGE_MAX_WORDS = 80


@dataclass(frozen=True)
class PageClassification:
    """What a page is; only ``ok`` pages may be mined. ``reason`` quotes what gave it away."""

    kind: PageKind
    reason: str

    @property
    def minable(self) -> bool:
        return self.kind == "ok"


def _headings(document: Document) -> list[str]:
    """The title and the first h1/h2 texts: where error pages say what they are."""
    text = document.page.text
    headings: list[str] = []
    tags = document.tags
    for index, tag in enumerate(tags):
        if tag.kind != "start" or tag.name not in {"title", "h1", "h2"}:
            continue
        if tag.content_end is not None:
            headings.append(plain_text(text[tag.end : tag.content_end]))
            continue
        closing = document.closings.get(index)
        headings.append(plain_text(text[tag.end : tags[closing].start if closing is not None else len(text)]))
        if len(headings) >= 4:
            break
    return headings


def _has_message_form(document: Document) -> bool:
    """A form that asks for a message or an e-mail address: a contact form guarded by a CAPTCHA."""
    return any(
        tag.kind == "start"
        and (tag.name == "textarea" or (tag.name == "input" and (tag.attr("type") or "").lower() == "email"))
        for tag in document.tags
    )


def _found(pattern: re.Pattern[str], *texts: str) -> str | None:
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group()
    return None


def classify_page(document: Document) -> PageClassification:
    """Classify a fetched page; the checks run in order of certainty (parked before soft 404 ...)."""
    visible = document.visible.text
    raw = document.page.text
    words = len(visible.split())
    headings = _headings(document)

    if hit := _found(_PARKED, visible, raw):
        return PageClassification("parked", f"parked domain: {hit!r}")
    if hit := _found(_BOT_WALL, visible, raw):
        return PageClassification("captcha", f"bot wall: {hit!r}")
    if (
        words <= CAPTCHA_PAGE_MAX_WORDS
        and not _has_message_form(document)
        and (hit := _found(_CAPTCHA_WIDGET, raw))
    ):
        return PageClassification("captcha", f"CAPTCHA on a page of {words} words: {hit!r}")
    if hit := _found(_BLOCKED, *headings):
        return PageClassification("blocked", f"block page: {hit!r}")
    if hit := _found(_NOT_FOUND, *headings):
        return PageClassification("soft_404", f"error page served as content: {hit!r}")
    consent_lines = [line for line in visible.splitlines() if _CONSENT_LINE.search(line.strip())]
    if consent_lines:
        content_words = sum(
            len(line.split()) for line in visible.splitlines() if not _CONSENT_LINE.search(line.strip())
        )
        if content_words < COOKIE_WALL_CONTENT_WORDS:
            return PageClassification(
                "cookie_wall",
                f"cookie consent with {content_words} words of content: {consent_lines[0].strip()!r}",
            )
    return PageClassification("ok", "")
