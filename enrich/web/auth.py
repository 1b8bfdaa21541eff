"""Reviewer accounts (argon2id password hashes in the ``reviewer`` table) and login throttling."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from enrich.errors import ConflictError, InputError, Problem
from enrich.store.schema import reviewer

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
# argon2id with the library's recommended parameters (RFC 9106 low-memory profile); tests pass cheaper ones
DEFAULT_HASHER = PasswordHasher()


@dataclass(frozen=True)
class ReviewerAccount:
    username: str
    disabled: bool
    created_at: datetime


def add_reviewer(
    conn: Connection, username: str, password: str, *, now: datetime, hasher: PasswordHasher = DEFAULT_HASHER
) -> None:
    """Create a reviewer; ``InputError`` for a bad name or short password, ``ConflictError`` if taken."""
    problems = []
    if not _USERNAME.match(username):
        problems.append(
            Problem("reviewer", None, "username", "use 1-100 letters, digits, '.', '_', '@' or '-'")
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem("reviewer", None, "password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
        )
    if problems:
        raise InputError(f"cannot add reviewer {username!r}", problems)
    if conn.scalar(select(reviewer.c.id).where(reviewer.c.username == username)) is not None:
        raise ConflictError(f"reviewer {username!r} already exists", hint="pick another name")
    conn.execute(
        insert(reviewer).values(
            username=username, password_hash=hasher.hash(password), disabled=False, created_at=now
        )
    )


def list_reviewers(conn: Connection) -> list[ReviewerAccount]:
    rows = conn.execute(select(reviewer).order_by(reviewer.c.username))
    return [ReviewerAccount(row.username, bool(row.disabled), row.created_at) for row in rows]


def set_reviewer_disabled(conn: Connection, username: str, *, disabled: bool) -> None:
    """Disable (or re-enable) a reviewer; a disabled reviewer's open sessions stop working at once."""
    result = conn.execute(update(reviewer).where(reviewer.c.username == username).values(disabled=disabled))
    if result.rowcount != 1:
        raise InputError(f"no reviewer named {username!r}", hint="see `leadscore reviewer list`")


def is_active_reviewer(conn: Connection, username: str) -> bool:
    disabled = conn.scalar(select(reviewer.c.disabled).where(reviewer.c.username == username))
    return disabled is not None and not disabled


def authenticate(
    conn: Connection, username: str, password: str, *, hasher: PasswordHasher = DEFAULT_HASHER
) -> bool:
    """True only for an enabled reviewer with this password; upgrades the stored hash if its
    parameters are out of date."""
    row = conn.execute(select(reviewer).where(reviewer.c.username == username)).first()
    # an unknown name is checked against a dummy hash, so that it costs as long as a wrong password
    stored = row.password_hash if row is not None else _dummy_hash(hasher)
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if row is None or row.disabled:
        return False
    if hasher.check_needs_rehash(stored):
        conn.execute(
            update(reviewer).where(reviewer.c.id == row.id).values(password_hash=hasher.hash(password))
        )
    return True


_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("leadscore: no such reviewer")
    return _dummy_hashes[key]


class LoginThrottle:
    """Failed logins counted per key (username, client address) in a sliding window, in memory.

    Simple by design: limits live in one server process and reset when it restarts.
    """

    def __init__(
        self,
        *,
        max_failures_per_user: int = 5,
        max_failures_per_address: int = 20,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self._limits = {"user": max_failures_per_user, "addr": max_failures_per_address}
        self._window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, address: str) -> list[str]:
        return [f"user:{username.strip().lower()}", f"addr:{address}"]

    def retry_after(self, keys: list[str]) -> float | None:
        """Seconds until another attempt is allowed for any of ``keys``, or None if allowed now."""
        now = self._clock()
        waits = []
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if len(failures) >= self._limits[key.split(":", 1)[0]]:
                    waits.append(failures[0] + self._window_s - now)
        return max(waits) if waits else None

    def failed(self, keys: list[str]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= self._max_keys:
                # bounded memory under a flood of made-up names: forget the stalest keys first
                for stale in sorted(self._failures, key=lambda k: self._failures[k][-1])[
                    : self._max_keys // 10
                ]:
                    del self._failures[stale]
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self.keys(username, "")[0], None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self._window_s:
            failures.popleft()
        return failures
