"""What the detail page shows about one value: the quote in its page, the source link, competing
candidates, the account's scores and how a decision would change them, and the value's audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from enrich.review import AuditEvent, ReviewItem, candidates_for, get_item, history
from enrich.review.scoring import AccountScorer, ScoreChange, preview_score_change
from enrich.store.schema import blob, score

CONTEXT_CHARS = 300


@dataclass(frozen=True)
class QuoteInContext:
    """The evidence quote and up to ``CONTEXT_CHARS`` of page text either side of it."""

    before: str
    quote: str
    after: str
    clipped_before: bool
    clipped_after: bool
    located: bool  # False: the quote was not found in the stored page text and is shown alone


@dataclass(frozen=True)
class StoredScore:
    ruleset: str
    fit: float | None
    band: str | None
    tier: str | None
    priority: float | None
    scored_at: datetime


@dataclass(frozen=True)
class ValueDetail:
    item: ReviewItem
    quote: QuoteInContext | None
    source_link: str | None  # only http(s) addresses become links
    candidates: list[ReviewItem]
    scores: list[StoredScore]
    preview: ScoreChange | None
    events: list[AuditEvent]


def load_value_detail(conn: Connection, value_id: int, scorer: AccountScorer | None) -> ValueDetail | None:
    """Everything the detail page needs for ``value_id``, or None when there is no such value."""
    item = get_item(conn, value_id)
    if item is None:
        return None
    page_text = None
    if item.page_sha256:
        page_text = conn.scalar(select(blob.c.text).where(blob.c.sha256 == item.page_sha256))
    return ValueDetail(
        item=item,
        quote=quote_in_context(page_text, item.evidence, item.evidence_start, item.evidence_end),
        source_link=web_link(item.source_url),
        candidates=candidates_for(conn, item),
        scores=_stored_scores(conn, item.account_id),
        preview=(
            preview_score_change(conn, scorer, item.account_id, item.field, item.value)
            if item.status == "pending_review"
            else None
        ),
        events=history(conn, value_id=value_id),
    )


def quote_in_context(
    page_text: str | None,
    evidence: str | None,
    start: int | None,
    end: int | None,
    *,
    radius: int = CONTEXT_CHARS,
) -> QuoteInContext | None:
    """Locate the quote by its stored offsets, or by searching for it when the offsets do not match
    the page text; None when there is neither a quote nor offsets."""
    if page_text is None or not (evidence or (start is not None and end is not None)):
        return None if not evidence else QuoteInContext("", evidence, "", False, False, located=False)
    located = _offsets_fit(page_text, evidence, start, end)
    if located is None and evidence:
        found = page_text.find(evidence)
        located = (found, found + len(evidence)) if found >= 0 else None
    if located is None:
        return None if not evidence else QuoteInContext("", evidence, "", False, False, located=False)
    first, last = located
    context_start, context_end = max(0, first - radius), min(len(page_text), last + radius)
    return QuoteInContext(
        before=page_text[context_start:first],
        quote=page_text[first:last],
        after=page_text[last:context_end],
        clipped_before=context_start > 0,
        clipped_after=context_end < len(page_text),
        located=True,
    )


def _offsets_fit(
    page_text: str, evidence: str | None, start: int | None, end: int | None
) -> tuple[int, int] | None:
    if start is None or end is None or not 0 <= start < end <= len(page_text):
        return None
    if evidence and page_text[start:end] != evidence:
        return None
    return start, end


def web_link(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) address that is safe to put in an href, else None
    (``javascript:``, ``data:`` and the like are shown as text, never linked)."""
    if not url or any(ord(char) < 0x21 or char in "\"'<>`\\" for char in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return url


def host_of(url: str | None) -> str:
    return (urlsplit(url).hostname or "") if url else ""


def _stored_scores(conn: Connection, account_id: int | None) -> list[StoredScore]:
    if account_id is None:
        return []
    rows = conn.execute(
        select(score)
        .where(score.c.entity_type == "account", score.c.entity_id == account_id)
        .order_by(score.c.ruleset_name)
    )
    return [_stored_score(row) for row in rows]


def _stored_score(row: Any) -> StoredScore:
    return StoredScore(
        ruleset=f"{row.ruleset_name}@{row.ruleset_version}",
        fit=row.fit,
        band=row.band,
        tier=row.tier,
        priority=row.priority,
        scored_at=row.scored_at,
    )
