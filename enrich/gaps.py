"""The gap finder: which (account, field) pairs the enrichment agent should research, most valuable first.

A field is a gap when it is *missing* (no accepted value, not even a range), *stale* (the accepted
value was observed longer ago than the field's expiry), or *low confidence* (the accepted value is an
agent value below the accept threshold — e.g. accepted before the threshold was raised). CRM and
reviewer values, and values a reviewer approved, are researched again only when stale; what the agent
then finds never replaces them (``enrich.store.values`` stores a disagreeing finding as a pending
alternative).

Ordering is by value of information: a field that can change the account's band, tier or hand-off
(the scorer's missing-field swings, :func:`scoring.engine.decisive_fields`) comes first, weighted by
the points it could swing; ``only_decisive`` drops the rest. Pure: data in, data out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from scoring.engine import decisive_fields
from scoring.fields import Record
from scoring.freemail import is_free_mail
from scoring.ruleset import Ruleset

# Fields the agent can research on a company's own website, with how long a found value stays fresh.
FIELD_EXPIRY: Mapping[str, timedelta | None] = {
    "employee_count": timedelta(days=180),
    "industry": timedelta(days=365),
    "annual_revenue": timedelta(days=365),
    "country": timedelta(days=730),
    "city": timedelta(days=730),
    "founded_year": None,  # a founding year does not go stale
}
RESEARCHABLE_FIELDS: tuple[str, ...] = tuple(FIELD_EXPIRY)
PROTECTED_SOURCES = frozenset({"crm", "reviewer"})

GapReason = Literal["missing", "stale", "low_confidence"]


@dataclass(frozen=True)
class KnownValue:
    """The currently accepted value of one field, as far as the gap finder needs to know it."""

    field: str
    source_kind: str
    confidence: float
    observed_at: datetime
    verified_at: datetime | None = None
    decided_by: str | None = None  # the reviewer who approved it, if a person did

    @property
    def checked_at(self) -> datetime:
        return max(self.observed_at, self.verified_at or self.observed_at)

    @property
    def protected(self) -> bool:
        """A CRM value or a reviewer's decision: researched again only when stale, never replaced."""
        return self.source_kind in PROTECTED_SOURCES or self.decided_by is not None


@dataclass(frozen=True)
class Gap:
    field: str
    reason: GapReason
    decisive: bool  # could change band, tier or hand-off
    swing: float  # fit points the field could move (0 when unknown or not decisive)
    affects: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountGaps:
    account_id: int
    gaps: tuple[Gap, ...]

    @property
    def value(self) -> float:
        """Value of information used to order accounts: decisive gaps first, by the points they swing."""
        return sum((100.0 + gap.swing) if gap.decisive else 1.0 for gap in self.gaps)


def _is_missing(record: Mapping[str, object], name: str) -> bool:
    return record.get(name) in (None, "")


def find_gaps(
    account_id: int,
    record: Record,
    known: Mapping[str, KnownValue],
    *,
    now: datetime,
    fields: Sequence[str] = RESEARCHABLE_FIELDS,
    stale_after: timedelta | None = None,
    accept_threshold: float = 0.85,
    ruleset: Ruleset | None = None,
    only_decisive: bool = False,
) -> AccountGaps:
    """The gaps of one account. ``record`` is the scorer's view (``scoring.fields.account_record``);
    ``known`` maps field → accepted value metadata; ``stale_after`` overrides every field's expiry."""
    decisive = {}
    if ruleset is not None:
        decisive = {item.field: item for item in decisive_fields(ruleset, record)}
    gaps: list[Gap] = []
    for name in fields:
        value = known.get(name)
        reason: GapReason | None = None
        if _is_missing(record, name) or value is None:
            reason = "missing" if _is_missing(record, name) else None
        else:
            expiry = stale_after if stale_after is not None else FIELD_EXPIRY.get(name)
            if expiry is not None and now - value.checked_at > expiry:
                reason = "stale"
            elif not value.protected and value.confidence < accept_threshold:
                reason = "low_confidence"
        if reason is None:
            continue
        swing = decisive.get(name)
        if only_decisive and swing is None:
            continue
        gaps.append(
            Gap(
                field=name,
                reason=reason,
                decisive=swing is not None,
                swing=(swing.up - swing.down) if swing is not None else 0.0,
                affects=swing.affects if swing is not None else (),
            )
        )
    gaps.sort(key=lambda gap: (not gap.decisive, -gap.swing, gap.field))
    return AccountGaps(account_id, tuple(gaps))


def derive_domain(emails: Iterable[str | None]) -> str | None:
    """The most common company e-mail domain among an account's contacts, skipping free-mail providers.

    Returns None when no contact writes from a company domain: then the account has "no website" and
    the agent reports that instead of guessing.
    """
    counts: dict[str, int] = {}
    for email in emails:
        if not email or "@" not in email:
            continue
        domain = email.rsplit("@", 1)[1].strip().lower().rstrip(".")
        if not domain or "." not in domain or is_free_mail(domain):
            continue
        counts[domain] = counts.get(domain, 0) + 1
    if not counts:
        return None
    return min(counts, key=lambda domain: (-counts[domain], domain))
