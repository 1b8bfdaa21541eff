"""The job queue with leases: how enrichment survives crashes and scales to many workers.

A job is one account to research. Workers *claim* jobs by leasing them (``lease_owner``,
``lease_until``) and bump a *fencing token*; results are written in the same transaction that marks
the job done, and only if the token is still theirs. A worker killed mid-run simply lets its lease
expire: the next claim takes the job again, and nothing was written for it (all-or-nothing per
account). On PostgreSQL the claim selects with ``FOR UPDATE SKIP LOCKED`` so many workers never block or
double-claim; on SQLite the ``UPDATE … RETURNING`` that follows re-checks that each job is still free.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from enrich.errors import ConflictError
from enrich.store.schema import job

KIND_ENRICH = "enrich"


@dataclass(frozen=True)
class Lease:
    job_id: int
    account_id: int
    payload: Mapping[str, Any]
    fencing_token: int
    owner: str
    attempts: int


class LeaseLost(ConflictError):
    """The job's lease expired and another worker took it: this worker's results are discarded."""


def _insert_for(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def enqueue(
    conn: Connection,
    entries: Sequence[tuple[int, float, Mapping[str, Any]]],
    *,
    now: datetime,
    recheck_after: timedelta = timedelta(0),
    kind: str = KIND_ENRICH,
) -> int:
    """Queue (account_id, priority, payload) entries; idempotent.

    A job already queued gets the new priority and payload; a finished or failed job is queued again
    once it is older than ``recheck_after`` (a site that had no figure last week is not asked again
    every run); a job leased by a live worker is left alone. Returns rows touched.
    """
    if not entries:
        return 0
    insert = _insert_for(conn)
    statement = insert(job).values(
        [
            {
                "entity_type": "account",
                "entity_id": account_id,
                "kind": kind,
                "state": "queued",
                "priority": priority,
                "payload": dict(payload),
                "attempts": 0,
                "fencing_token": 0,
                "created_at": now,
                "updated_at": now,
            }
            for account_id, priority, payload in entries
        ]
    )
    requeue = _requeueable(now, recheck_after)
    statement = statement.on_conflict_do_update(
        index_elements=[job.c.entity_type, job.c.entity_id, job.c.kind],
        set_={
            "state": "queued",
            "priority": statement.excluded.priority,
            "payload": statement.excluded.payload,
            "last_error": None,
            "updated_at": now,
        },
        where=requeue,
    )
    # Counted from RETURNING: psycopg reports rowcount -1 for this statement on PostgreSQL.
    return len(conn.execute(statement.returning(job.c.id)).all())


def _requeueable(now: datetime, recheck_after: timedelta) -> ColumnElement[bool]:
    """Jobs ``enqueue`` may queue again: queued, lease expired, or done longer than ``recheck_after`` ago."""
    return or_(
        job.c.state == "queued",
        and_(job.c.state == "leased", job.c.lease_until < now),
        and_(job.c.state.in_(("done", "failed")), job.c.updated_at <= now - recheck_after),
    )


def not_requeueable(
    conn: Connection,
    account_ids: Sequence[int],
    *,
    now: datetime,
    recheck_after: timedelta = timedelta(0),
    kind: str = KIND_ENRICH,
) -> set[int]:
    """The accounts among ``account_ids`` that ``enqueue`` would leave alone: leased by a live worker,
    or researched more recently than ``recheck_after``."""
    if not account_ids:
        return set()
    rows = conn.execute(
        select(job.c.entity_id).where(
            job.c.entity_type == "account",
            job.c.kind == kind,
            job.c.entity_id.in_(list(account_ids)),
            not_(_requeueable(now, recheck_after)),
        )
    )
    return {int(account_id) for account_id in rows.scalars()}


def claim(
    engine: Engine, *, owner: str, now: datetime, lease: timedelta, limit: int, kind: str = KIND_ENRICH
) -> list[Lease]:
    """Lease up to ``limit`` queued (or lease-expired) jobs, best priority first."""
    claimable = and_(
        job.c.kind == kind,
        or_(job.c.state == "queued", and_(job.c.state == "leased", job.c.lease_until < now)),
    )
    candidates = (
        select(job.c.id)
        .where(claimable)
        .order_by(job.c.priority.desc(), job.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # Two statements, not ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``: PostgreSQL
    # may run that subquery again for every row the UPDATE visits, skip the rows the UPDATE itself has
    # just changed as locked, and so lease every queued job instead of ``limit``.
    with engine.begin() as conn:
        chosen = list(conn.scalars(candidates))
        if not chosen:
            return []
        rows = conn.execute(_lease_statement(chosen, claimable, owner=owner, now=now, lease=lease)).all()
    leases = [
        Lease(row.id, row.entity_id, row.payload or {}, row.fencing_token, owner, row.attempts)
        for row in rows
    ]
    rank = {job_id: position for position, job_id in enumerate(chosen)}  # priority order
    return sorted(leases, key=lambda item: rank[item.job_id])


def _lease_statement(
    job_ids: Sequence[int], claimable: ColumnElement[bool], *, owner: str, now: datetime, lease: timedelta
) -> Any:
    # ``claimable`` is checked again: on SQLite, another process may have leased a job in between.
    return (
        update(job)
        .where(job.c.id.in_(list(job_ids)), claimable)
        .values(
            state="leased",
            lease_owner=owner,
            lease_until=now + lease,
            fencing_token=job.c.fencing_token + 1,
            attempts=job.c.attempts + 1,
            updated_at=now,
        )
        .returning(job.c.id, job.c.entity_id, job.c.payload, job.c.fencing_token, job.c.attempts)
    )


def finish(
    conn: Connection, lease: Lease, *, now: datetime, state: str = "done", error: str | None = None
) -> None:
    """Mark the leased job done (or failed) inside the caller's transaction, if the lease is still ours.

    Raises LeaseLost otherwise, so the caller's transaction — with the results — is rolled back.
    """
    result = conn.execute(
        update(job)
        .where(
            job.c.id == lease.job_id,
            job.c.state == "leased",
            job.c.lease_owner == lease.owner,
            job.c.fencing_token == lease.fencing_token,
        )
        .values(state=state, lease_owner=None, lease_until=None, last_error=error, updated_at=now)
    )
    if result.rowcount != 1:
        raise LeaseLost(f"lease on job {lease.job_id} was lost (expired and taken by another worker)")


def release(engine: Engine, leases: Sequence[Lease], *, now: datetime, error: str | None = None) -> int:
    """Give unfinished leases back (Ctrl-C, budget spent): the jobs are queued again at once."""
    released = 0
    with engine.begin() as conn:
        for lease in leases:
            result = conn.execute(
                update(job)
                .where(
                    job.c.id == lease.job_id,
                    job.c.fencing_token == lease.fencing_token,
                    job.c.state == "leased",
                )
                .values(state="queued", lease_owner=None, lease_until=None, last_error=error, updated_at=now)
            )
            released += int(result.rowcount or 0)
    return released


def queue_counts(conn: Connection, kind: str = KIND_ENRICH) -> dict[str, int]:
    rows = conn.execute(select(job.c.state, func.count()).where(job.c.kind == kind).group_by(job.c.state))
    return {state: int(count) for state, count in rows}


def reap_dead_local_leases(engine: Engine, *, host: str, alive: Callable[[int], bool], now: datetime) -> int:
    """Expire leases held by workers on this host whose process is gone (killed, crashed).

    Owners are ``host:pid``; a lease of a dead local process need not wait for ``lease_until``. Leases
    of other hosts always wait for their expiry (we cannot see their processes).
    """
    with engine.begin() as conn:
        held = conn.execute(
            select(job.c.id, job.c.lease_owner).where(
                job.c.state == "leased", job.c.lease_owner.like(f"{host}:%")
            )
        ).all()
        dead = [row.id for row in held if not alive(int(row.lease_owner.rsplit(":", 1)[1]))]
        if dead:
            conn.execute(update(job).where(job.c.id.in_(dead)).values(lease_until=now))
    return len(dead)


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
