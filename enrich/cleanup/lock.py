"""One cleanup at a time per database: a lease in the ``run_lock`` table that a dead run cannot keep.

The lock is a row (``name``, ``owner``, ``acquired_at``, ``expires_at``). Taking it is one
``INSERT … ON CONFLICT DO NOTHING``: of two runs starting at once, the database lets exactly one insert
(SQLite serialises writers, PostgreSQL has the primary key). The holder renews its lease from a
heartbeat thread; a holder that dies stops renewing, and the next run takes the lock over:

* at once, when the holder ran on this machine and its process is gone (owner is ``host:pid:nonce``);
* otherwise once the lease has expired (another machine's process cannot be checked from here).

Taking over is a compare-and-swap on the old owner, so two runs that both find a dead holder cannot
both win. Every write that must not happen after a takeover (a merge) calls :meth:`RunLock.fence` in
its own transaction: that extends the lease *in the same transaction* and raises :class:`LockLost` if
the row is no longer ours, so a run that hung past its lease and lost the lock writes nothing more.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from enrich.clock import Clock, utc_now
from enrich.errors import ConflictError, LockHeld
from enrich.store.conflicts import conflict_insert
from enrich.store.jobs import process_alive
from enrich.store.schema import run_lock

CLEANUP_LOCK = "cleanup"
DEFAULT_LEASE = timedelta(minutes=2)
log = logging.getLogger(__name__)


class LockLost(ConflictError):
    """The lease expired and another run took the lock over: this run must stop writing."""


@dataclass(frozen=True)
class Holder:
    owner: str
    acquired_at: datetime
    expires_at: datetime

    @property
    def host(self) -> str:
        return self.owner.split(":", 1)[0]

    @property
    def pid(self) -> int | None:
        parts = self.owner.split(":")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def new_owner() -> str:
    """``host:pid:nonce``: the nonce tells two runs apart even when a pid is reused."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class RunLock:
    engine: Engine
    name: str = CLEANUP_LOCK
    owner: str = field(default_factory=new_owner)
    lease: timedelta = DEFAULT_LEASE
    clock: Clock = utc_now
    alive: Callable[[int], bool] = process_alive
    taken_over_from: Holder | None = None
    _lost: threading.Event = field(default_factory=threading.Event)

    @property
    def host(self) -> str:
        return self.owner.split(":", 1)[0]

    def acquire(self) -> None:
        """Take the lock, or raise :class:`LockHeld` naming the holder (exit code 0: nothing to do)."""
        now = self.clock()
        with self.engine.begin() as conn:
            statement = conflict_insert(conn, run_lock)
            assert statement is not None, "run locks need SQLite or PostgreSQL"
            inserted = conn.execute(
                statement.values(
                    name=self.name, owner=self.owner, acquired_at=now, expires_at=now + self.lease
                )
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(run_lock.c.name)  # rowcount is not reliable for this statement on psycopg
            ).first()
            if inserted is not None:
                return
            holder = self.holder(conn)
            if holder is not None and self._abandoned(holder, now):
                taken = conn.execute(
                    update(run_lock)
                    .where(run_lock.c.name == self.name, run_lock.c.owner == holder.owner)
                    .values(owner=self.owner, acquired_at=now, expires_at=now + self.lease)
                )
                if taken.rowcount == 1:
                    self.taken_over_from = holder
                    log.warning(
                        "took over the %s lock from %s (process gone or lease expired)",
                        self.name,
                        holder.owner,
                    )
                    return
        if holder is None:  # released between our insert and our read: try once more
            return self.acquire()
        raise LockHeld(
            f"another {self.name} is running ({holder.owner}, since {_time(holder.acquired_at)}, "
            f"lease until {_time(holder.expires_at)}); this one exits without doing anything",
        )

    def holder(self, conn: Connection) -> Holder | None:
        row = conn.execute(select(run_lock).where(run_lock.c.name == self.name)).first()
        return None if row is None else Holder(row.owner, row.acquired_at, row.expires_at)

    def fence(self, conn: Connection) -> None:
        """Inside the caller's transaction: extend the lease, or raise :class:`LockLost` (rolling it back)."""
        if self._lost.is_set():
            raise LockLost(
                f"the {self.name} lock was taken over by another run", hint="run the cleanup again"
            )
        now = self.clock()
        renewed = conn.execute(
            update(run_lock)
            .where(run_lock.c.name == self.name, run_lock.c.owner == self.owner)
            .values(expires_at=now + self.lease)
        )
        if renewed.rowcount != 1:
            self._lost.set()
            raise LockLost(
                f"the {self.name} lock was taken over by another run", hint="run the cleanup again"
            )

    def renew(self) -> None:
        with self.engine.begin() as conn:
            self.fence(conn)

    def check(self) -> None:
        """Raise :class:`LockLost` if the heartbeat found the lock taken over."""
        if self._lost.is_set():
            raise LockLost(
                f"the {self.name} lock was taken over by another run", hint="run the cleanup again"
            )

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(run_lock).where(run_lock.c.name == self.name, run_lock.c.owner == self.owner))

    @contextmanager
    def held(self) -> Iterator[RunLock]:
        """Acquire, renew from a heartbeat thread every third of the lease, release at the end.

        A run killed with SIGKILL never reaches the release: the next run takes the lock over."""
        self.acquire()
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(stop,), name=f"{self.name}-lock", daemon=True)
        beat.start()
        try:
            yield self
        finally:
            stop.set()
            beat.join()
            if not self._lost.is_set():
                self.release()

    def _heartbeat(self, stop: threading.Event) -> None:
        interval = max(0.05, self.lease.total_seconds() / 3)
        while not stop.wait(interval):
            try:
                self.renew()
            except LockLost:
                log.error("the %s lock was taken over by another run; stopping at the next step", self.name)
                return
            except SQLAlchemyError as error:  # a busy database: the lease has two more beats to spare
                log.warning("could not renew the %s lock: %s", self.name, error)

    def _lost_error(self) -> LockLost:
        return LockLost(f"the {self.name} lock was taken over by another run", hint="run the cleanup again")

    def _abandoned(self, holder: Holder, now: datetime) -> bool:
        if holder.expires_at < now:
            return True
        pid = holder.pid
        return holder.host == self.host and pid is not None and pid != os.getpid() and not self.alive(pid)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
