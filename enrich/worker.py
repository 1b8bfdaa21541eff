"""The enrichment worker: plan the gaps into the job queue, then lease → research → decide → record.

``plan`` runs the gap finder over the live accounts and queues one job per account with gaps (value of
information as priority). ``work`` keeps up to ``concurrency`` accounts in research at once, leasing
a job whenever a slot frees up (the fetcher keeps each host at one request at a time). Each account's
results are written in ONE transaction together with the job's completion, guarded by the job's fencing token:
a worker killed mid-run writes nothing half, its lease expires, and the next run picks the account up
again without fetching fresh pages a second time (page cache). Ctrl-C and an exhausted LLM budget
release the leases at once and end the run cleanly; the next run resumes.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine, select, update

from enrich.clock import Clock, utc_now
from enrich.errors import BudgetExceeded, UpstreamError
from enrich.fetch.fetcher import Fetcher
from enrich.gaps import RESEARCHABLE_FIELDS, KnownValue, derive_domain, find_gaps
from enrich.llm.research import SmartFieldResearcher
from enrich.llm.smart_fields import SmartField
from enrich.research import EXTRA_FACTS, Outcome, Target, research_account
from enrich.store import jobs
from enrich.store.jobs import Lease
from enrich.store.pages import record_refusals
from enrich.store.research_log import record_value_once
from enrich.store.runs import begin_run, close_killed_runs, run_owner
from enrich.store.schema import account, contact, field_value, page, run
from enrich.store.values import current_values
from scoring.fields import account_record
from scoring.ruleset import Ruleset

ProgressHook = Callable[["RunSummary"], None]
PLAN_BATCH = 500


@dataclass(frozen=True)
class EnrichOptions:
    fields: tuple[str, ...] = RESEARCHABLE_FIELDS
    limit: int | None = None
    stale_after: timedelta | None = None
    concurrency: int = 8
    only_decisive: bool = False
    accept_threshold: float = 0.85
    max_pages: int = 6
    lease: timedelta = timedelta(minutes=10)
    recheck_after: timedelta = timedelta(days=7)  # an account researched this recently is not asked again
    owner: str = field(default_factory=run_owner)


@dataclass
class RunSummary:
    run_id: int = 0
    planned: int = 0
    accounts_done: int = 0
    accounts_failed: int = 0
    fields_accepted: int = 0
    pending_review: int = 0
    rejected: int = 0
    pages_fetched: int = 0
    pages_from_cache: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    needs_llm: Counter[str] = field(default_factory=Counter)
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    stopped: str | None = None  # why the run ended early (budget, LLM unavailable, interrupted)
    llm_unavailable: str | None = None  # the LLM failure that stopped the run (exit code 3)
    rescored: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "planned": self.planned,
            "accounts_done": self.accounts_done,
            "accounts_failed": self.accounts_failed,
            "fields_accepted": self.fields_accepted,
            "pending_review": self.pending_review,
            "rejected": self.rejected,
            "pages_fetched": self.pages_fetched,
            "pages_from_cache": self.pages_from_cache,
            "refusals": dict(self.refusals),
            "problems": dict(self.problems),
            "needs_llm": dict(self.needs_llm),
            "llm_calls": self.llm_calls,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": round(self.cost_usd, 6),
            "stopped": self.stopped,
            "llm_unavailable": self.llm_unavailable,
            "rescored": self.rescored,
        }


def plan(engine: Engine, options: EnrichOptions, *, now: datetime, ruleset: Ruleset | None = None) -> int:
    """Queue every live account with gaps (idempotent); returns how many accounts were queued.

    With ``options.limit`` the most valuable accounts of all are queued (value of information), not the
    first ones by id; accounts researched too recently to be queued again leave their place to others.
    """
    queued = 0
    last_id = 0
    most_valuable: list[tuple[float, int, tuple[int, float, Mapping[str, Any]]]] = []  # min-heap
    while True:
        with engine.begin() as conn:
            rows = (
                conn.execute(
                    select(account)
                    .where(account.c.merged_into_id.is_(None), account.c.id > last_id)
                    .order_by(account.c.id)
                    .limit(PLAN_BATCH)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            last_id = rows[-1]["id"]
            ids = [row["id"] for row in rows]
            known = current_values(conn, "account", ids)
            value_ids = [stored.id for fields in known.values() for stored in fields.values()]
            verified = dict(
                conn.execute(
                    select(field_value.c.id, field_value.c.verified_at).where(field_value.c.id.in_(value_ids))
                ).all()
            )
            emails: dict[int, list[str | None]] = {}
            for account_id, email in conn.execute(
                select(contact.c.account_id, contact.c.email).where(contact.c.account_id.in_(ids))
            ):
                emails.setdefault(account_id, []).append(email)
            entries: list[tuple[int, float, Mapping[str, Any]]] = []
            for row in rows:
                record = account_record(dict(row), ruleset.custom_fields if ruleset else {})
                metadata = {
                    name: KnownValue(
                        name,
                        stored.candidate.source_kind,
                        stored.candidate.confidence,
                        stored.observed_at,
                        verified.get(stored.id),
                        stored.decided_by,
                    )
                    for name, stored in known.get(row["id"], {}).items()
                    if stored.status == "accepted"
                }
                gaps = find_gaps(
                    row["id"],
                    record,
                    metadata,
                    now=now,
                    fields=options.fields,
                    stale_after=options.stale_after,
                    accept_threshold=options.accept_threshold,
                    ruleset=ruleset,
                    only_decisive=options.only_decisive,
                )
                if not gaps.gaps:
                    continue
                domain = row["domain"] or derive_domain(emails.get(row["id"], []))
                payload = {
                    "fields": [gap.field for gap in gaps.gaps],
                    "reasons": {gap.field: gap.reason for gap in gaps.gaps},
                    "domain": domain,
                    "domain_derived": row["domain"] is None and domain is not None,
                }
                entries.append((row["id"], gaps.value, payload))
            if options.limit is None:
                queued += jobs.enqueue(conn, entries, now=now, recheck_after=options.recheck_after)
                continue
            blocked = jobs.not_requeueable(
                conn, [entry[0] for entry in entries], now=now, recheck_after=options.recheck_after
            )
            for entry in entries:
                if entry[0] in blocked:
                    continue
                item = (entry[1], -entry[0], entry)  # equal value: the older account first
                if len(most_valuable) < options.limit:
                    heapq.heappush(most_valuable, item)
                elif item > most_valuable[0]:
                    heapq.heapreplace(most_valuable, item)
    if most_valuable:
        chosen = [entry for _, _, entry in most_valuable]
        with engine.begin() as conn:
            queued += jobs.enqueue(conn, chosen, now=now, recheck_after=options.recheck_after)
    return queued


def _target(engine: Engine, lease: Lease) -> Target:
    with engine.connect() as conn:
        row = conn.execute(
            select(account.c.name, account.c.domain, account.c.website).where(
                account.c.id == lease.account_id
            )
        ).one()
    domain = row.domain or lease.payload.get("domain")
    website = row.website if row.domain or not lease.payload.get("domain_derived") else None
    return Target(lease.account_id, row.name, domain, website)


def _record(engine: Engine, lease: Lease, outcome: Outcome, *, run_id: int, now: datetime) -> list[str]:
    """Write one account's results and finish its job in one transaction (fenced).

    Returns the status each value has in the store, which is not always the one asked for: a finding
    that disagrees with a CRM or reviewer value waits for review instead of being accepted.
    """
    with engine.begin() as conn:
        row_ids = [
            record_value_once(
                conn, "account", lease.account_id, candidate, status=status, now=now, run_id=run_id
            )[0]
            for candidate, status in outcome.values
        ]
        for url, kind in outcome.page_kinds.items():
            conn.execute(update(page).where(page.c.url == url).values(classification=kind))
        record_refusals(conn, outcome.refused, now=now)
        error = outcome.problem if not outcome.values else None
        jobs.finish(conn, lease, now=now, error=error)
        stored = dict(
            conn.execute(
                select(field_value.c.id, field_value.c.status).where(field_value.c.id.in_(row_ids))
            ).all()
        )
    return [stored[row_id] for row_id in row_ids]


def _count(summary: RunSummary, outcome: Outcome, statuses: Sequence[str]) -> None:
    summary.accounts_done += 1
    summary.fields_accepted += statuses.count("accepted")
    summary.pending_review += statuses.count("pending_review")
    summary.rejected += statuses.count("rejected")
    summary.pages_fetched += sum(1 for p in outcome.pages if not p.from_cache)
    summary.pages_from_cache += sum(1 for p in outcome.pages if p.from_cache)
    summary.refusals.update(reason for _, reason in outcome.refused)
    if outcome.problem:
        summary.problems[outcome.problem.split(" (")[0].split(":")[0]] += 1
    summary.needs_llm.update(outcome.needs_llm)


async def work(
    engine: Engine,
    fetcher: Fetcher,
    options: EnrichOptions,
    summary: RunSummary,
    *,
    clock: Clock = utc_now,
    researcher: SmartFieldResearcher | None = None,
    smart_fields: dict[str, SmartField] | None = None,
    allowed_industries: Sequence[str] | None = None,
    progress: ProgressHook | None = None,
) -> None:
    """Lease and research queued accounts until the queue is empty, the budget is spent or Ctrl-C.

    A pool, not batches: whenever one of the ``concurrency`` slots frees up, one more job is leased,
    so a slow site never holds up the accounts that were leased with it.
    """
    slots = max(1, options.concurrency)
    held: dict[int, Lease] = {}
    running: set[asyncio.Task[None]] = set()
    # One writer thread: an account's transaction (tens of statements) must not stall the event loop
    # while other accounts' responses arrive, and one writer never contends with itself for SQLite's lock.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadscore-writer")
    loop = asyncio.get_running_loop()
    jobs.reap_dead_local_leases(
        engine, host=options.owner.rsplit(":", 1)[0], alive=jobs.process_alive, now=clock()
    )
    close_killed_runs(engine, now=clock())

    researching = 0  # accounts between lease and the end of their research (the slots in use)
    slot_freed = asyncio.Event()

    async def one(lease: Lease) -> None:
        nonlocal researching
        try:
            target = _target(engine, lease)
            fields = [name for name in lease.payload.get("fields", options.fields)]
            outcome = await research_account(
                target,
                [*fields, *EXTRA_FACTS],
                fetcher=fetcher,
                now=clock(),
                accept_threshold=options.accept_threshold,
                max_pages=options.max_pages,
                researcher=researcher,
                smart_fields=smart_fields,
                allowed_industries=allowed_industries,
            )
        except UpstreamError:
            # The LLM failed after its retries and would fail for every account: the run stops and the
            # lease is released below (released here, it was claimed again at once: an endless loop).
            summary.accounts_failed += 1
            summary.problems["llm unavailable"] += 1
            raise
        finally:
            # The slot is free once the network part is done: the next account starts researching
            # while this one's results queue for the writer.
            researching -= 1
            slot_freed.set()
        try:
            statuses = await loop.run_in_executor(
                writer, partial(_record, engine, lease, outcome, run_id=summary.run_id, now=clock())
            )
        except jobs.LeaseLost:
            # Another worker took the account over after our lease ran out; it researches and writes
            # it, so our results are dropped (rolled back) and the run goes on with the others.
            held.pop(lease.job_id, None)
            summary.problems["lease lost"] += 1
            return
        held.pop(lease.job_id, None)
        _count(summary, outcome, statuses)
        if progress is not None:
            progress(summary)

    queue_empty = False
    try:
        while True:
            slot_freed.clear()
            # At most ``slots`` accounts research at once, and at most as many again wait for the writer.
            free = min(slots - researching, 2 * slots - len(running))
            if free > 0 and not queue_empty:
                claim = partial(
                    jobs.claim, engine, owner=options.owner, now=clock(), lease=options.lease, limit=free
                )
                batch = await loop.run_in_executor(writer, claim)
                queue_empty = not batch
                for lease in batch:
                    held[lease.job_id] = lease
                    researching += 1
                    running.add(asyncio.create_task(one(lease)))
            if not running:
                return
            freed = asyncio.ensure_future(slot_freed.wait())
            done, _ = await asyncio.wait({*running, freed}, return_when=asyncio.FIRST_COMPLETED)
            freed.cancel()
            for task in done - {freed}:
                running.discard(task)
                task.result()  # re-raises BudgetExceeded and bugs
    except BudgetExceeded as exhausted:
        summary.stopped = f"LLM budget exhausted: {exhausted}"
        await _let_finish(running)
    except UpstreamError as unavailable:
        summary.stopped = summary.llm_unavailable = f"LLM unavailable: {unavailable}"
        await _let_finish(running)
    except (asyncio.CancelledError, KeyboardInterrupt):
        summary.stopped = "interrupted"
        raise
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        # A transaction already handed to the writer completes (or fails its fence) before the
        # remaining leases are given back, so a lease is never released under a committing write.
        writer.shutdown(wait=True)
        if held:
            jobs.release(engine, list(held.values()), now=clock(), error=summary.stopped)
        if researcher is not None:  # what the run paid for, accounts left unfinished included
            usage = researcher.budget.usage
            summary.llm_calls, summary.cost_usd = usage.calls, usage.cost_usd
            summary.tokens_in, summary.tokens_out = usage.tokens_in, usage.tokens_out


async def _let_finish(running: set[asyncio.Task[None]]) -> None:
    """Wait for the accounts in flight when the run stops: their LLM calls are sent and paid for, so
    their answers are recorded and cached rather than thrown away (no prompt is paid for twice).

    No account is leased after the stop; one that hits the budget or the LLM failure too ends without
    writing and its lease is released. Anything else is a bug and raises.
    """
    for ended in await asyncio.gather(*running, return_exceptions=True):
        if isinstance(ended, BaseException) and not isinstance(
            ended, BudgetExceeded | UpstreamError | asyncio.CancelledError
        ):
            raise ended
    running.clear()


def start_run(engine: Engine, *, now: datetime, detail: Mapping[str, Any]) -> int:
    with engine.begin() as conn:
        return begin_run(conn, "enrich", now=now, detail=detail)


def finish_run(engine: Engine, summary: RunSummary, *, now: datetime, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(run)
            .where(run.c.id == summary.run_id)
            .values(
                status=status,
                finished_at=now,
                counts=summary.to_dict(),
                tokens_in=summary.tokens_in,
                tokens_out=summary.tokens_out,
                cost_usd=summary.cost_usd,
            )
        )
