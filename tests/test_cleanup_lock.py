"""The cleanup lock: one holder at a time, taken over from a dead process or an expired lease, never
from a live one; a run that lost its lock writes nothing more — on SQLite and on PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from enrich.cleanup.lock import LockLost, RunLock
from enrich.errors import LockHeld
from enrich.store.db import check_schema, create_store_engine
from enrich.store.schema import run_lock
from tests.cleanup_data import NOW


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Engine]:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_store_engine(url)
    check_schema(engine)
    yield engine
    engine.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> object:
        return self.now


def dead_pid() -> int:
    """The pid of a process that has just exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def lock(engine: Engine, clock: Clock, owner: str | None = None, **kwargs: object) -> RunLock:
    extra = {"owner": owner} if owner else {}
    return RunLock(engine, clock=clock, lease=timedelta(minutes=2), **extra, **kwargs)  # type: ignore[arg-type]


def holder(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(select(run_lock.c.owner).where(run_lock.c.name == "cleanup"))


def test_a_second_run_is_refused_while_the_first_holds_the_lock(engine: Engine) -> None:
    clock = Clock()
    first, second = lock(engine, clock), lock(engine, clock)
    first.acquire()
    with pytest.raises(LockHeld, match="another cleanup is running") as refused:
        second.acquire()
    assert refused.value.exit_code == 0, "a scheduled second start is not an error"
    first.release()
    second.acquire()
    assert holder(engine) == second.owner


def test_two_runs_racing_for_the_lock_get_exactly_one_holder(engine: Engine) -> None:
    clock = Clock()
    locks = [lock(engine, clock) for _ in range(6)]
    start = threading.Barrier(len(locks))
    outcomes: list[str] = []

    def contend(candidate: RunLock) -> None:
        start.wait()
        try:
            candidate.acquire()
            outcomes.append("held")
        except LockHeld:
            outcomes.append("refused")

    threads = [threading.Thread(target=contend, args=(candidate,)) for candidate in locks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["held"] + ["refused"] * 5


def test_the_lock_of_a_dead_process_on_this_machine_is_taken_over_at_once(engine: Engine) -> None:
    clock = Clock()
    crashed = lock(engine, clock, owner=f"{socket.gethostname()}:{dead_pid()}:abcd")
    crashed.acquire()
    successor = lock(engine, clock)
    successor.acquire()
    assert successor.taken_over_from is not None and successor.taken_over_from.owner == crashed.owner
    assert holder(engine) == successor.owner


def test_a_live_holder_keeps_the_lock_and_one_on_another_machine_until_its_lease_ends(engine: Engine) -> None:
    clock = Clock()
    lock(engine, clock, owner="build-server-7:4242:beef").acquire()  # another machine: pid unknowable
    with pytest.raises(LockHeld):
        lock(engine, clock).acquire()
    clock.now = NOW + timedelta(minutes=2, seconds=1)
    successor = lock(engine, clock)
    successor.acquire()
    assert successor.taken_over_from is not None and successor.taken_over_from.host == "build-server-7"


def test_a_run_that_lost_its_lock_writes_nothing_more(engine: Engine) -> None:
    clock = Clock()
    slow = lock(engine, clock, owner="build-server-7:4242:beef")
    slow.acquire()
    clock.now = NOW + timedelta(minutes=5)  # it hung past its lease; another run took over
    lock(engine, clock).acquire()
    with pytest.raises(LockLost), engine.begin() as conn:
        conn.execute(update(run_lock).values(acquired_at=NOW))  # stands for the write it wanted to do
        slow.fence(conn)
    with engine.connect() as conn:
        assert conn.scalar(select(run_lock.c.acquired_at)) == clock.now, "the fenced transaction rolled back"
    with pytest.raises(LockLost):
        slow.check()


def test_the_heartbeat_renews_the_lease_and_release_frees_the_lock(engine: Engine) -> None:
    clock = Clock()
    beating = RunLock(engine, clock=clock, lease=timedelta(seconds=0.3))
    with beating.held():
        clock.now = NOW + timedelta(minutes=10)
        renewed = threading.Event()
        for _ in range(100):
            with engine.connect() as conn:
                if conn.scalar(select(run_lock.c.expires_at)) > NOW + timedelta(minutes=9):
                    renewed.set()
                    break
            threading.Event().wait(0.05)
        assert renewed.is_set(), "the heartbeat did not extend the lease"
    assert holder(engine) is None
