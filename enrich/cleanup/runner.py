"""One cleanup, dry or applied: plan → (lock, record the run, write, research, re-score) → summary.

A dry run only reads: it plans every step and shows how band, tier and hand-off would move, and
writes nothing at all (no run row, no lock). ``apply`` takes the cleanup lock (a second run exits
with :class:`~enrich.errors.LockHeld`), records a ``cleanup`` run, writes the plan, has the enrichment
agent research the stale values (the ``research`` callable the CLI passes in: ``run_enrichment``),
re-scores every affected account and finishes the run with its counts. A run killed half-way leaves
its finished transactions and nothing half-done; the next run takes the lock over, marks the killed
run ``killed`` and, planning again from the store, finishes the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from enrich.cleanup.apply import ACTOR, ApplyCounts, apply_merges, apply_values, pending_from_cleanup
from enrich.cleanup.industries import IndustryVocabulary
from enrich.cleanup.lock import DEFAULT_LEASE, RunLock
from enrich.cleanup.merge import StepHook
from enrich.cleanup.model import CleanupPlan
from enrich.cleanup.plan import CleanupOptions, Progress, plan_cleanup, planned_columns
from enrich.cleanup.rescore import Standing, compare, standings
from enrich.cleanup.stale import StaleOutcome, queue_research, reconcile
from enrich.clock import Clock, utc_now
from enrich.store.merges import count_pending_merges
from enrich.store.runs import KILLED, begin_run
from enrich.store.schema import run
from scoring.ruleset import Ruleset


@dataclass(frozen=True)
class ResearchResult:
    """What the enrichment run found for the queued accounts."""

    run_id: int
    accounts_done: int
    values_accepted: int
    pending_review: int
    stopped: str | None = None


Research = Callable[[], ResearchResult]


@dataclass
class CleanupSummary:
    dry_run: bool
    plan: CleanupPlan
    started_at: datetime
    finished_at: datetime | None = None
    run_id: int | None = None
    status: str = "running"
    applied: ApplyCounts | None = None
    stale: StaleOutcome | None = None
    research: ResearchResult | None = None
    awaiting_review: int = 0
    taken_over_from: str | None = None

    @property
    def duration_s(self) -> float:
        end = self.finished_at or utc_now()
        return (end - self.started_at).total_seconds()

    def counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = dict(self.plan.counts())
        if self.applied is not None:
            counts |= {f"applied_{key}": value for key, value in self.applied.to_dict().items()}
        if self.stale is not None:
            counts |= {f"stale_{key}": value for key, value in self.stale.to_dict().items()}
        if self.plan.score_move is not None:
            move = self.plan.score_move
            counts |= {
                "rescored": move.accounts,
                "band_changed": move.band_changed,
                "tier_changed": move.tier_changed,
                "handoff_changed": move.handoff_changed,
            }
        counts |= {"awaiting_review": self.awaiting_review, "duration_s": round(self.duration_s, 3)}
        return counts

    def run_counts(self) -> dict[str, int]:
        """The few counts ``leadscore runs`` shows (the full set goes to the run's detail)."""
        plan, applied = self.plan.counts(), self.applied or ApplyCounts()
        move = self.plan.score_move
        counts = {
            "scanned": plan["accounts_scanned"],
            "normalised": applied.values_normalised,
            "flagged": applied.flags_to_review,
            "proposed": applied.values_to_review + applied.merge_proposals,
            "merged": applied.merged,
            "stale": plan["stale_values"],
            "band_changed": move.band_changed if move else 0,
            "tier_changed": move.tier_changed if move else 0,
            "handoff_changed": move.handoff_changed if move else 0,
            "awaiting_review": self.awaiting_review,
        }
        if self.stale is not None:
            counts["refreshed"] = self.stale.unchanged
        return counts

    def to_dict(self, *, lazy: bool = False) -> dict[str, Any]:
        """The summary as plain data; ``lazy``: the plan's proposals as iterators (see CleanupPlan)."""
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "counts": self.counts(),
            "research_run_id": self.research.run_id if self.research else None,
            "taken_over_from": self.taken_over_from,
            "plan": self.plan.to_dict(lazy=lazy),
        }


@dataclass
class Cleanup:
    """Everything one cleanup needs, built at the edge (the CLI) and passed in."""

    engine: Engine
    options: CleanupOptions
    vocabulary: IndustryVocabulary
    ruleset: Ruleset | None = None
    research: Research | None = None
    smart_fields: bool = False  # an LLM is configured: unknown industries are worth researching
    lease: timedelta = DEFAULT_LEASE
    clock: Clock = utc_now
    progress: Progress | None = None
    step_hook: StepHook | None = None  # tests stop a merge half-way with it
    report: Callable[[str], None] = field(default=lambda _message: None)

    def dry_run(self) -> CleanupSummary:
        """Plan and preview; the store is only read."""
        started = self.clock()
        plan = plan_cleanup(
            self.engine, self.options, vocabulary=self.vocabulary, now=started, progress=self.progress
        )
        if self.ruleset is not None:
            affected = _affected(plan)
            before = standings(self.engine, self.ruleset, affected, as_of=started)
            absorb: dict[int, list[int]] = {}
            for merge in plan.merges:
                if merge.automatic:
                    absorb.setdefault(merge.keep_id, []).append(merge.merge_id)
            merged_away = {merge_id for merged in absorb.values() for merge_id in merged}
            after = standings(
                self.engine, self.ruleset, affected - merged_away, as_of=started,
                overlay=planned_columns(plan), absorb=absorb,
            )  # fmt: skip
            plan.score_move = compare(self.ruleset, before, after)
        return CleanupSummary(True, plan, started, self.clock(), status="dry_run")

    def apply(self) -> CleanupSummary:
        """Take the lock and do it (see the module doc); raises LockHeld when another cleanup runs."""
        lock = RunLock(self.engine, lease=self.lease, clock=self.clock)
        with lock.held():
            started = self.clock()
            summary = CleanupSummary(False, CleanupPlan(self.options.steps), started)
            if lock.taken_over_from is not None:
                summary.taken_over_from = lock.taken_over_from.owner
                _mark_abandoned(self.engine, lock.taken_over_from.owner, lock.owner, started)
            summary.run_id = _start_run(
                self.engine, started, self.options, lock.owner, summary.taken_over_from
            )
            try:
                self._apply(summary, lock)
                summary.status = (
                    "finished" if summary.research is None or not summary.research.stopped else "stopped"
                )
            except KeyboardInterrupt:
                summary.status = "stopped"
                raise
            except BaseException:
                summary.status = "failed"
                raise
            finally:
                summary.finished_at = self.clock()
                _finish_run(self.engine, summary)
        return summary

    def _apply(self, summary: CleanupSummary, lock: RunLock) -> None:
        run_id = summary.run_id
        assert run_id is not None
        now = summary.started_at
        plan = plan_cleanup(
            self.engine, self.options, vocabulary=self.vocabulary, now=now, progress=self.progress
        )
        summary.plan = plan
        lock.check()
        affected = _affected(plan)
        before: dict[int, Standing] = {}
        if self.ruleset is not None:
            before = standings(self.engine, self.ruleset, affected, as_of=now)
        counts = summary.applied = ApplyCounts()
        apply_values(self.engine, plan, fence=lock.fence, now=now, run_id=run_id, counts=counts)
        lock.check()
        apply_merges(
            self.engine, plan, fence=lock.fence, now=now, run_id=run_id, counts=counts,
            step_hook=self.step_hook, check=lock.check,
        )  # fmt: skip
        lock.check()
        research_accounts = (
            {flag.account_id for flag in plan.flags if flag.action == "research"}
            if self.smart_fields
            else set()
        )
        if "stale" in self.options.steps and self.research is not None and (plan.stale or research_accounts):
            outcome = StaleOutcome()
            outcome.queued_accounts = queue_research(
                self.engine, plan.stale, industry_accounts=research_accounts, now=now,
                recheck_after=self.options.recheck_after,
            )  # fmt: skip
            if outcome.queued_accounts:
                self.report(f"researching {outcome.queued_accounts} accounts with stale or unknown values")
                summary.research = self.research()
                lock.check()
                found = reconcile(
                    self.engine, plan.stale, research_run_id=summary.research.run_id, started=now,
                    now=self.clock(),
                )  # fmt: skip
                outcome.unchanged, outcome.changed, outcome.not_found = (
                    found.unchanged,
                    found.changed,
                    found.not_found,
                )
            summary.stale = outcome
        if self.ruleset is not None:
            after = standings(self.engine, self.ruleset, affected, as_of=self.clock(), store=True)
            plan.score_move = compare(self.ruleset, before, after)
        with self.engine.connect() as conn:
            summary.awaiting_review = count_pending_merges(conn) + pending_from_cleanup(conn)
        if summary.research is not None:
            summary.awaiting_review += summary.research.pending_review


def _affected(plan: CleanupPlan) -> set[int]:
    """Accounts whose score the cleanup may move (merged-away accounts drop out of ``standings``)."""
    affected = {change.account_id for change in plan.changes if change.action == "apply"}
    affected |= {flag.account_id for flag in plan.flags}
    affected |= {merge.keep_id for merge in plan.merges if merge.automatic}
    affected |= {merge.merge_id for merge in plan.merges if merge.automatic}
    affected |= {item.account_id for item in plan.stale}
    return affected


def _start_run(
    engine: Engine, started: datetime, options: CleanupOptions, owner: str, took_over: str | None
) -> int:
    detail = {
        "steps": list(options.steps),
        "since": options.since.isoformat() if options.since else None,
        "lock_owner": owner,
        "took_over_from": took_over,
        "actor": ACTOR,
    }
    with engine.begin() as conn:
        return begin_run(conn, "cleanup", now=started, detail=detail)


def _finish_run(engine: Engine, summary: CleanupSummary) -> None:
    with engine.begin() as conn:
        detail = conn.scalar(select(run.c.detail).where(run.c.id == summary.run_id)) or {}
        detail = dict(detail) | {
            "counts": summary.counts(),
            "research_run_id": summary.research.run_id if summary.research else None,
        }
        conn.execute(
            update(run)
            .where(run.c.id == summary.run_id)
            .values(
                status=summary.status,
                finished_at=summary.finished_at,
                counts=summary.run_counts(),
                detail=detail,
            )
        )


def _mark_abandoned(engine: Engine, dead_owner: str, new_owner: str, now: datetime) -> None:
    """The run whose lock we took over was killed: say so in its run row."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(run.c.id, run.c.detail).where(run.c.kind == "cleanup", run.c.status == "running")
        ).all()
        for run_id, detail in rows:
            if isinstance(detail, dict) and detail.get("lock_owner") == dead_owner:
                note = detail | {"ended": f"killed or hung; its lock was taken over by {new_owner}"}
                conn.execute(
                    update(run).where(run.c.id == run_id).values(status=KILLED, finished_at=now, detail=note)
                )
