"""The ``run`` table's life cycle: every command that runs a job opens a row, closes it, and a row whose
process was killed is recognised as such instead of reading "running" forever.

A run records its owner (``host:pid``). On the same host, a "running" run whose process no longer
exists was killed (SIGKILL, OOM, a crashed container); runs of other hosts cannot be checked and keep
their status until they finish.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from enrich.store.jobs import process_alive
from enrich.store.schema import run

KILLED = "killed"


def run_owner() -> str:
    """``host:pid`` of this process, as run rows and job leases record it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def begin_run(conn: Connection, kind: str, *, now: datetime, detail: Mapping[str, Any]) -> int:
    """Insert a ``running`` row for ``kind`` with this process as its owner; returns the run id."""
    row = {
        "kind": kind,
        "status": "running",
        "started_at": now,
        "counts": {},
        "detail": {**detail, "owner": run_owner()},
    }
    return int(conn.execute(insert(run).returning(run.c.id), row).scalar_one())


def killed(
    status: str, detail: Mapping[str, Any] | None, *, alive: Callable[[int], bool] = process_alive
) -> bool:
    """Whether a run with this status and detail belongs to a dead process on this host."""
    if status != "running" or not detail:
        return False
    host, _, pid = str(detail.get("owner", "")).rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not alive(int(pid))


def close_killed_runs(engine: Engine, *, now: datetime, alive: Callable[[int], bool] = process_alive) -> int:
    """Mark this host's ``running`` runs whose process is gone as ``killed``; returns how many."""
    with engine.begin() as conn:
        rows = conn.execute(select(run.c.id, run.c.status, run.c.detail).where(run.c.status == "running"))
        dead = [row.id for row in rows if killed(row.status, row.detail, alive=alive)]
        if dead:
            conn.execute(
                update(run)
                .where(run.c.id.in_(dead), run.c.status == "running")
                .values(status=KILLED, finished_at=now)
            )
    return len(dead)
