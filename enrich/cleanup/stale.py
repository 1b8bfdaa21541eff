"""Stale values: found by the gap finder, researched again by the enrichment agent, then reconciled.

``stale_values`` asks :func:`enrich.gaps.find_gaps` which accepted values are past their field's expiry
(``FIELD_EXPIRY``, or ``--stale-after``). ``queue_research`` puts one enrichment job per account on the
worker's queue, naming only the fields to research (the stale ones, plus ``industry`` where its text is
unknown to the vocabulary and only the smart field can tell); the enrichment run then records what it
finds through the normal confidence and review path. ``reconcile`` looks at what the run found for each
stale value: the same value → the stale row's ``verified_at`` moves to now (it is fresh again); another
value → it went through confidence/review like any finding; nothing → left as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from enrich.cleanup.model import AccountSnapshot, StaleValue
from enrich.gaps import RESEARCHABLE_FIELDS, KnownValue, derive_domain, find_gaps
from enrich.store import jobs
from enrich.store.schema import account, contact, field_value
from scoring.fields import account_record


@dataclass
class StaleOutcome:
    queued_accounts: int = 0
    unchanged: int = 0  # found again: verification time refreshed
    changed: int = 0  # a different value, recorded through the confidence/review path
    not_found: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "queued_accounts": self.queued_accounts,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "not_found": self.not_found,
        }


def stale_values(
    snapshot: AccountSnapshot,
    *,
    now: datetime,
    stale_after: timedelta | None = None,
    fields: Sequence[str] = RESEARCHABLE_FIELDS,
) -> list[StaleValue]:
    """The account's accepted values past their expiry (the gap finder's ``stale`` gaps)."""
    known = {
        name: KnownValue(name, state.source_kind, state.confidence, state.observed_at, state.checked_at)
        for name, state in snapshot.fields.items()
        if state.observed_at is not None and name in fields
    }
    if not known:
        return []
    record = account_record(dict(snapshot.columns), {})
    gaps = find_gaps(snapshot.account_id, record, known, now=now, fields=fields, stale_after=stale_after)
    stale = []
    for gap in gaps.gaps:
        if gap.reason != "stale":
            continue
        state = snapshot.fields[gap.field]
        assert state.checked_at is not None
        stale.append(
            StaleValue(
                snapshot.account_id, snapshot.label, gap.field, state.value, state.checked_at, state.row_id
            )
        )
    return stale


def queue_research(
    engine: Engine,
    stale: Iterable[StaleValue],
    *,
    industry_accounts: Collection[int] = (),
    now: datetime,
    recheck_after: timedelta,
) -> int:
    """One enrichment job per account with the fields to research; returns the accounts queued (an
    account researched less than ``recheck_after`` ago is not asked again)."""
    reasons: dict[int, dict[str, str]] = {}
    for item in stale:
        reasons.setdefault(item.account_id, {})[item.field] = "stale"
    for account_id in industry_accounts:
        reasons.setdefault(account_id, {}).setdefault("industry", "unknown industry")
    if not reasons:
        return 0
    queued = 0
    ids = sorted(reasons)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with engine.begin() as conn:
            query = select(account.c.id, account.c.domain).where(account.c.id.in_(chunk))
            domains: dict[int, str | None] = {int(row_id): domain for row_id, domain in conn.execute(query)}
            emails: dict[int, list[str | None]] = {}
            for account_id, email in conn.execute(
                select(contact.c.account_id, contact.c.email).where(contact.c.account_id.in_(chunk))
            ):
                emails.setdefault(account_id, []).append(email)
            entries: list[tuple[int, float, Mapping[str, Any]]] = []
            for account_id in chunk:
                domain = domains.get(account_id) or derive_domain(emails.get(account_id, []))
                payload = {
                    "fields": sorted(reasons[account_id]),
                    "reasons": reasons[account_id],
                    "domain": domain,
                    "domain_derived": domains.get(account_id) is None and domain is not None,
                    "queued_by": "cleanup",
                }
                entries.append((account_id, float(len(reasons[account_id])), payload))
            queued += jobs.enqueue(conn, entries, now=now, recheck_after=recheck_after)
    return queued


def reconcile(
    engine: Engine, stale: Iterable[StaleValue], *, research_run_id: int, started: datetime, now: datetime
) -> StaleOutcome:
    """Compare what the research run found with each stale value (see the module doc)."""
    outcome = StaleOutcome()
    for item in stale:
        with engine.begin() as conn:
            found = conn.execute(
                select(
                    field_value.c.id, field_value.c.value, field_value.c.run_id, field_value.c.verified_at
                ).where(
                    field_value.c.entity_type == "account",
                    field_value.c.entity_id == item.account_id,
                    field_value.c.field == item.field,
                    field_value.c.status != "superseded",
                )
            ).all()
            fresh = [
                row
                for row in found
                if row.run_id == research_run_id
                or (row.verified_at is not None and row.verified_at >= started)
            ]
            if any(row.value == item.value for row in fresh):
                if item.row_id is not None:
                    conn.execute(
                        update(field_value).where(field_value.c.id == item.row_id).values(verified_at=now)
                    )
                outcome.unchanged += 1
            elif fresh:
                outcome.changed += 1
            else:
                outcome.not_found += 1
    return outcome
