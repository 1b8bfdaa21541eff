"""Scheduling safety with real processes: two cleanups started at once (one runs, one exits cleanly),
and a cleanup killed with SIGKILL mid-run (no half-applied merge; the next run finishes the job)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from enrich.store.schema import account, contact, field_value, merge_proposal, run
from enrich.store.values import Candidate, record_new_entity_values
from tests.cleanup_data import NOW
from tests.conftest import CliResult

CLEANUP = ("cleanup", "--apply", "--only", "duplicates", "--lease-seconds", "30")


def seed_duplicate_pairs(engine: Engine, pairs: int) -> None:
    """``pairs`` companies entered twice (same domain and city, name in capitals), two contacts each."""
    with engine.begin() as conn:
        values = []
        for number in range(pairs):
            for twin, name in enumerate((f"Company {number:05d} GmbH", f"COMPANY {number:05d} GMBH")):
                domain = f"company{number:05d}.de"
                account_id = conn.execute(
                    insert(account).returning(account.c.id),
                    {"name": name, "domain": domain, "country": "DE", "city": "Berlin",
                     "crm_id": None if twin else f"C{number}", "source": "test", "custom": {},
                     "created_at": NOW, "updated_at": NOW},
                ).scalar_one()  # fmt: skip
                values += [
                    (account_id, Candidate(name_, value, value, 1.0, "crm"))
                    for name_, value in (
                        ("name", name),
                        ("domain", domain),
                        ("country", "DE"),
                        ("city", "Berlin"),
                    )
                ]
                conn.execute(
                    insert(contact),
                    [{"account_id": account_id, "email": f"p{k}.{account_id}@example.com", "custom": {},
                      "created_at": NOW, "updated_at": NOW} for k in range(2)],
                )  # fmt: skip
        record_new_entity_values(conn, "account", values, now=NOW)


# Imports first (the slow part), then "ready", then wait for the starting signal: processes started
# this way call `leadscore` within milliseconds of each other, however busy the machine is.
LAUNCHER = """
import os, sys, time
from enrich.cli.main import main
go = sys.argv[1]
if go:
    open(go + "." + str(os.getpid()), "w").close()
    while not os.path.exists(go):
        time.sleep(0.005)
sys.exit(main(sys.argv[2:]))
"""


def start_cli(url: str, *args: str, go: Path | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", LAUNCHER, str(go or ""), "--db", url, *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_together(
    url: str, args: tuple[str, ...], count: int, directory: Path
) -> list[subprocess.Popen[str]]:
    """``count`` CLI processes that start their command at the same moment."""
    go = directory / "go"
    processes = [start_cli(url, *args, go=go) for _ in range(count)]
    deadline = time.monotonic() + 60
    while len(list(directory.glob("go.*"))) < count:
        assert time.monotonic() < deadline, "the processes never got ready"
        assert all(process.poll() is None for process in processes), [p.communicate() for p in processes]
        time.sleep(0.01)
    go.touch()
    return processes


def scalar(engine: Engine, query: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(query) or 0)  # type: ignore[call-overload]


def merged_count(engine: Engine) -> int:
    return scalar(engine, select(func.count()).where(account.c.merged_into_id.is_not(None)))


def assert_nothing_half_merged(engine: Engine, pairs: int) -> None:
    with engine.connect() as conn:
        merged = set(conn.scalars(select(account.c.id).where(account.c.merged_into_id.is_not(None))))
        done = {
            row.merge_account_id: row.keep_account_id
            for row in conn.execute(select(merge_proposal).where(merge_proposal.c.status == "merged"))
        }
        on_merged = conn.scalar(select(func.count()).where(contact.c.account_id.in_(merged)))
        values_on_merged = conn.scalar(
            select(func.count()).where(
                field_value.c.entity_type == "account", field_value.c.entity_id.in_(merged)
            )
        )
        contacts = conn.scalar(select(func.count()).select_from(contact))
    assert set(done) == merged, "every merged account has its merged proposal, and only those"
    assert on_merged == 0 and values_on_merged == 0, "a merged account kept contacts or values"
    assert contacts == pairs * 4, "no contact was lost"


def test_two_cleanups_started_at_once_one_runs_one_exits_cleanly(
    store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    pairs = 120
    seed_duplicate_pairs(store, pairs)
    processes = start_together(sqlite_url, CLEANUP, 2, tmp_path)
    results = [(process.wait(timeout=120), *process.communicate()) for process in processes]
    assert [code for code, _, _ in results] == [0, 0], results
    skipped = [err for _, _, err in results if "another cleanup is running" in " ".join(err.split())]
    assert len(skipped) == 1, f"exactly one run must have found the lock held: {results}"
    with store.connect() as conn:
        runs = list(conn.execute(select(run.c.status).where(run.c.kind == "cleanup")))
    assert [row.status for row in runs] == ["finished"], "only the run that held the lock is recorded"
    assert merged_count(store) == pairs
    assert_nothing_half_merged(store, pairs)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_cleanup_killed_mid_run_leaves_no_half_merge_and_the_next_run_finishes(
    store: Engine, sqlite_url: str, run_cli: Callable[..., CliResult]
) -> None:
    pairs = 160
    seed_duplicate_pairs(store, pairs)
    process = start_cli(sqlite_url, *CLEANUP)
    deadline = time.monotonic() + 90
    while merged_count(store) < 5:
        assert process.poll() is None, f"the run ended before it could be killed: {process.communicate()}"
        assert time.monotonic() < deadline, "the run never started merging"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = merged_count(store)
    assert 5 <= killed_at < pairs, "killed mid-run"
    assert_nothing_half_merged(store, pairs)

    result = run_cli("--db", sqlite_url, *CLEANUP)
    assert result.exit_code == 0, result.output
    assert "took over the lock of a dead run" in " ".join(result.stdout.split())
    assert merged_count(store) == pairs, "the next run finished the job"
    assert_nothing_half_merged(store, pairs)
    with store.connect() as conn:
        runs = conn.execute(
            select(run.c.status, run.c.detail).where(run.c.kind == "cleanup").order_by(run.c.id)
        ).all()
    assert [row.status for row in runs] == ["killed", "finished"]
    assert "lock was taken over" in runs[0].detail["ended"]
