"""What the cleanup reads and what it proposes: plain, frozen data passed between its steps.

An :class:`AccountSnapshot` is one live account as the pure steps see it: its columns and, per field,
the accepted value in force with the row that holds it (so a change can name the history it extends).
The steps return :class:`FieldChange` (normalise), :class:`Flag` (implausible), :class:`MergePlan`
(duplicates) and :class:`StaleValue` (stale); a :class:`CleanupPlan` holds them all and is what both a
dry run prints and ``--apply`` writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from enrich.cleanup.spool import Spool
from enrich.store.values import JsonValue, display_value

Step = Literal["normalise", "duplicates", "stale", "implausible"]
STEPS: tuple[Step, ...] = ("normalise", "duplicates", "stale", "implausible")
Action = Literal["apply", "review", "research"]


@dataclass(frozen=True, slots=True)
class FieldState:
    """The accepted value of one field and the ``field_value`` row holding it (``row_id`` None when
    only the account column holds it, e.g. rows written before value history existed)."""

    field: str
    value: JsonValue | None
    value_text: str | None
    source_kind: str
    confidence: float
    row_id: int | None = None
    row_version: int | None = None
    observed_at: datetime | None = None
    checked_at: datetime | None = None  # newest of observed and verified
    reviewed_by: str | None = None  # a reviewer approved or typed it: implausibility is not re-flagged


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    account_id: int
    crm_id: str | None
    name: str
    domain: str | None
    website: str | None
    country: str | None
    city: str | None
    columns: Mapping[str, Any]  # the account row as stored (the scorer's input)
    fields: Mapping[str, FieldState]  # accepted value per field
    register: str | None = None  # commercial register entry from the imprint ("HRB 1234, Amtsgericht X")
    vat_id: str | None = None
    contacts: int = 0
    activities: int = 0
    created_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.domain})" if self.domain else self.name


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A proposed new value for one field, with the value it replaces (kept in history) and why."""

    account_id: int
    account_label: str
    field: str
    before: JsonValue | None
    after: JsonValue
    why: str
    confidence: float
    source_kind: str  # the replaced value's source: a normalised CRM value is still the CRM's
    row_id: int | None
    row_version: int | None
    before_text: str | None = None
    action: Action = "apply"
    step: Step = "normalise"

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "account_id": self.account_id,
            "account": self.account_label,
            "field": self.field,
            "before": display_value(self.before),
            "after": display_value(self.after),
            "why": self.why,
            "confidence": round(self.confidence, 3),
            "action": self.action,
        }


@dataclass(frozen=True, slots=True)
class Flag:
    """A value that cannot be right (or could not be normalised): sent to review with the reason.

    ``action`` is ``review`` (the value's row goes to the review queue) or ``research`` (the value is
    left alone and the field is researched, e.g. an industry outside the known vocabulary)."""

    account_id: int
    account_label: str
    field: str
    value: JsonValue | None
    why: str
    row_id: int | None
    row_version: int | None
    step: Step = "implausible"
    action: Action = "review"

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "account_id": self.account_id,
            "account": self.account_label,
            "field": self.field,
            "value": display_value(self.value),
            "why": self.why,
            "action": self.action,
        }


@dataclass(frozen=True, slots=True)
class MergePlan:
    """Two accounts that are probably one company: ``merge_id`` would be merged into ``keep_id``."""

    keep_id: int
    merge_id: int
    keep_label: str
    merge_label: str
    similarity: float
    evidence: Mapping[str, Any]
    automatic: bool  # at or above the automatic-merge threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "keep_id": self.keep_id,
            "keep": self.keep_label,
            "merge_id": self.merge_id,
            "merge": self.merge_label,
            "similarity": round(self.similarity, 3),
            "action": "merge" if self.automatic else "review",
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class StaleValue:
    """An accepted value older than its field's expiry: the enrichment agent researches it again."""

    account_id: int
    account_label: str
    field: str
    value: JsonValue | None
    checked_at: datetime
    row_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "account": self.account_label,
            "field": self.field,
            "value": display_value(self.value),
            "checked_at": self.checked_at.isoformat(),
            "action": "research",
        }


@dataclass(frozen=True, slots=True)
class ScoreMove:
    """How many affected accounts changed band, tier or hand-off eligibility because of the cleanup."""

    ruleset: str
    accounts: int = 0
    band_changed: int = 0
    tier_changed: int = 0
    handoff_changed: int = 0
    examples: tuple[tuple[int, str, str, str], ...] = ()  # (account, what, before, after)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "accounts": self.accounts,
            "band_changed": self.band_changed,
            "tier_changed": self.tier_changed,
            "handoff_changed": self.handoff_changed,
            "examples": [list(example) for example in self.examples],
        }


@dataclass
class CleanupPlan:
    """Every proposal of one cleanup, in the order the steps ran (account by account).

    Changes, flags and stale values are spooled (one per value, 150,000 on 100k accounts): read them
    front to back, as often as needed. Merge proposals are few and stay a list."""

    steps: tuple[Step, ...]
    accounts_scanned: int = 0
    changes: Spool[FieldChange] = field(default_factory=Spool)
    flags: Spool[Flag] = field(default_factory=Spool)
    merges: list[MergePlan] = field(default_factory=list)
    stale: Spool[StaleValue] = field(default_factory=Spool)
    pairs_compared: int = 0
    all_pairs: int = 0
    score_move: ScoreMove | None = None

    def counts(self) -> dict[str, int]:
        changes = Counter(item.action for item in self.changes)  # one pass over each spool
        flags = Counter(item.action for item in self.flags)
        return {
            "accounts_scanned": self.accounts_scanned,
            "changes_apply": changes["apply"],
            "changes_review": changes["review"],
            "flags_review": flags["review"],
            "flags_research": flags["research"],
            "merges_automatic": sum(1 for item in self.merges if item.automatic),
            "merges_review": sum(1 for item in self.merges if not item.automatic),
            "stale_values": len(self.stale),
            "pairs_compared": self.pairs_compared,
            "all_pairs": self.all_pairs,
        }

    def to_dict(self, *, lazy: bool = False) -> dict[str, Any]:
        """The plan as plain data; ``lazy``: the proposals as iterators of dicts, to be written out one
        at a time (``enrich.cleanup.report.write_json``) rather than held as lists."""
        listed: Callable[[Iterable[Any]], Iterable[Any]] = iter if lazy else list
        return {
            "steps": list(self.steps),
            "counts": self.counts(),
            "changes": listed(item.to_dict() for item in self.changes),
            "flags": listed(item.to_dict() for item in self.flags),
            "merges": listed(item.to_dict() for item in self.merges),
            "stale": listed(item.to_dict() for item in self.stale),
            "score_move": self.score_move.to_dict() if self.score_move else None,
        }
