"""Planning a cleanup: every step over every (or every changed) live account, nothing written.

The steps run in order on each account: *normalise*, then *implausible* and *stale* on the account as
it would be after normalisation (so "1.200" employees is checked as 1200), and *duplicates* over all
accounts at the end (names, domains and countries normalised first). The plan is exactly what a dry
run prints and what ``--apply`` writes; applying it again finds nothing left to do.

With ``since``, the per-account steps look only at accounts created or changed since then, and
duplicate detection compares those accounts with all others (an old pair is not compared again).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, or_, select

from enrich.cleanup.apply import CLEANUP_EXTRACTOR
from enrich.cleanup.duplicates import AccountKey, account_key, find_duplicates
from enrich.cleanup.implausible import implausible_values
from enrich.cleanup.industries import IndustryVocabulary
from enrich.cleanup.model import STEPS, AccountSnapshot, CleanupPlan, MergePlan, Step
from enrich.cleanup.normalise import normalise_account
from enrich.cleanup.snapshot import iter_snapshots, with_values
from enrich.cleanup.stale import stale_values
from enrich.gaps import RESEARCHABLE_FIELDS
from enrich.store.merges import pair_states
from enrich.store.schema import account, field_value
from enrich.store.values import JsonValue, account_columns

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CleanupOptions:
    steps: tuple[Step, ...] = STEPS
    since: datetime | None = None
    accept_threshold: float = 0.85
    stale_after: timedelta | None = None  # overrides every field's expiry
    recheck_after: timedelta = timedelta(days=7)  # an account researched this recently is not asked again


def plan_cleanup(
    engine: Engine,
    options: CleanupOptions,
    *,
    vocabulary: IndustryVocabulary,
    now: datetime,
    progress: Progress | None = None,
) -> CleanupPlan:
    """Every proposal of the selected steps; the store is only read."""
    plan = CleanupPlan(options.steps)
    wants = set(options.steps)
    focus = changed_since(engine, options.since) if options.since is not None else None
    keys: list[AccountKey] = []
    # duplicates compare the changed accounts with all accounts, so then every account is read
    source = (
        iter_snapshots(engine)
        if "duplicates" in wants or focus is None
        else iter_snapshots(engine, only=focus)
    )
    with engine.connect() as conn:
        waiting = _waiting_proposals(conn)
    for batch in source:
        for snapshot in batch:
            if focus is None or snapshot.account_id in focus:
                snapshot = _per_account(plan, snapshot, options, vocabulary, now, waiting)
                plan.accounts_scanned += 1
            if "duplicates" in wants:
                keys.append(account_key(snapshot))
        if progress is not None:
            progress(len(batch))
    if "duplicates" in wants:
        with engine.connect() as conn:
            states = pair_states(conn)
        found = find_duplicates(keys, focus=focus)
        # an automatic merge still pending was left by a killed run: it is planned again, to finish it
        plan.merges = [
            item
            for item in found.plans
            if (state := states.get(frozenset((item.keep_id, item.merge_id)))) is None
            or (state == "pending_review" and item.automatic)
        ]
        plan.merges = _collapse(plan.merges)
        plan.pairs_compared, plan.all_pairs = found.pairs_compared, found.all_pairs
    return plan


def _collapse(plans: list[MergePlan]) -> list[MergePlan]:
    """Drop review proposals that automatic merges make redundant: with B merged into A, the proposals
    (A, C) and (B, C) ask the same question; the best one is kept (plans come best first)."""
    parent: dict[int, int] = {}

    def root(account_id: int) -> int:
        while account_id in parent:
            account_id = parent[account_id]
        return account_id

    for item in plans:
        if item.automatic and root(item.merge_id) != root(item.keep_id):
            parent[root(item.merge_id)] = root(item.keep_id)
    kept: list[MergePlan] = []
    asked: set[frozenset[int]] = set()
    for item in plans:
        if item.automatic:
            kept.append(item)
            continue
        question = frozenset((root(item.keep_id), root(item.merge_id)))
        if len(question) == 2 and question not in asked:
            asked.add(question)
            kept.append(item)
    return kept


def _waiting_proposals(conn: Connection) -> set[tuple[int, str, str]]:
    rows = conn.execute(
        select(field_value.c.entity_id, field_value.c.field, field_value.c.value).where(
            field_value.c.entity_type == "account",
            field_value.c.extractor == CLEANUP_EXTRACTOR,
            field_value.c.status.in_(("pending_review", "rejected")),
        )
    )
    return {(int(entity_id), name, repr(value)) for entity_id, name, value in rows}


def _per_account(
    plan: CleanupPlan,
    snapshot: AccountSnapshot,
    options: CleanupOptions,
    vocabulary: IndustryVocabulary,
    now: datetime,
    waiting: Collection[tuple[int, str, str]] = frozenset(),
) -> AccountSnapshot:
    """Run the per-account steps; returns the snapshot as it will be after the applied changes.

    A proposal in ``waiting`` (it waits for a reviewer, or a reviewer rejected it) is not made again."""
    wants = set(options.steps)
    flagged: set[str] = set()
    if "normalise" in wants:
        changes, flags = normalise_account(snapshot, vocabulary, accept_threshold=options.accept_threshold)
        plan.changes.extend(
            change
            for change in changes
            if change.action == "apply"
            or (change.account_id, change.field, repr(change.after)) not in waiting
        )
        plan.flags.extend(flags)
        flagged |= {flag.field for flag in flags if flag.action == "review"}
        applied: dict[str, JsonValue] = {c.field: c.after for c in changes if c.action == "apply"}
        snapshot = with_values(snapshot, applied)
    if "implausible" in wants:
        for flag in implausible_values(snapshot, now=now):
            if flag.field not in flagged:
                plan.flags.append(flag)
                flagged.add(flag.field)
    if "stale" in wants:
        fields = [name for name in RESEARCHABLE_FIELDS if name not in flagged]
        plan.stale.extend(stale_values(snapshot, now=now, stale_after=options.stale_after, fields=fields))
    return snapshot


def changed_since(engine: Engine, since: datetime) -> set[int]:
    """Live accounts created or changed since ``since``, or with a value observed since."""
    values = select(field_value.c.entity_id).where(
        field_value.c.entity_type == "account", field_value.c.observed_at >= since
    )
    query = select(account.c.id).where(
        account.c.merged_into_id.is_(None),
        or_(account.c.updated_at >= since, account.c.created_at >= since, account.c.id.in_(values)),
    )
    with engine.connect() as conn:
        return set(conn.scalars(query))


def planned_columns(plan: CleanupPlan) -> dict[int, dict[str, object]]:
    """The account columns the plan would change: applied values set, values sent to review cleared."""
    overlay: dict[int, dict[str, object]] = {}
    for change in plan.changes:
        if change.action == "apply":
            overlay.setdefault(change.account_id, {}).update(account_columns(change.field, change.after))
    for flag in plan.flags:
        if flag.action == "review":
            overlay.setdefault(flag.account_id, {}).update(account_columns(flag.field, None))
    return overlay
