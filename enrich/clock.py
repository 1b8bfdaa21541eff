"""The wall clock, injected: ``Clock`` is what functions take, ``utc_now`` is the default they get.

Every time the project stores or compares is an aware UTC datetime (the store's ``UtcDateTime`` hands
them back so), so a clock returns one too; tests pass a fixed one instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)
