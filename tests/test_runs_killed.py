"""A run whose process was killed reads "killed", not "running" forever (``leadscore runs``)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from enrich.store.runs import begin_run, close_killed_runs
from enrich.store.schema import run

NOW = datetime(2026, 12, 1, tzinfo=UTC)

# Opens a run and dies without closing it, as a SIGKILLed worker would.
ORPHAN = (
    "import os, sys\n"
    "from datetime import UTC, datetime\n"
    "from enrich.store.db import create_store_engine\n"
    "from enrich.store.runs import begin_run\n"
    "engine = create_store_engine(sys.argv[1])\n"
    "with engine.begin() as conn:\n"
    "    print(begin_run(conn, 'enrich', now=datetime.now(UTC), detail={}))\n"
    "sys.stdout.flush()\n"
    "os._exit(9)\n"
)


def _orphan(sqlite_url: str) -> int:
    child = subprocess.run(
        [sys.executable, "-c", ORPHAN, sqlite_url], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 9, child.stderr
    return int(child.stdout.strip())


def test_a_run_of_a_dead_process_is_listed_as_killed_and_closed_by_the_next_worker(
    store: Engine, sqlite_url: str, run_cli: Callable[..., Any]
) -> None:
    orphan = _orphan(sqlite_url)
    with store.begin() as conn:
        mine = begin_run(conn, "score", now=NOW, detail={})  # this process: alive
        remote = begin_run(conn, "enrich", now=NOW, detail={})
        conn.execute(run.update().where(run.c.id == remote).values(detail={"owner": "other-host:1"}))

    listed = run_cli("--db", sqlite_url, "runs", "--json")
    assert listed.exit_code == 0, listed.output
    status = {item["id"]: item["status"] for item in json.loads(listed.stdout)}
    assert status == {orphan: "killed", mine: "running", remote: "running"}, (
        "only a dead local process is killed"
    )

    assert close_killed_runs(store, now=NOW) == 1
    with store.connect() as conn:
        rows = dict(conn.execute(select(run.c.id, run.c.status)).all())
    assert rows == {orphan: "killed", mine: "running", remote: "running"}
    assert close_killed_runs(store, now=NOW) == 0, "closing is idempotent"
