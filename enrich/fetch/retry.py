"""The fetcher's one retry policy (tenacity): which failures are retried, and how long to wait.

Retried: 429, 500, 502, 503, 504 and connection errors, at most ``MAX_ATTEMPTS`` attempts in all.
The wait is the server's Retry-After when it sent one (seconds or an HTTP date; at most
``RETRY_AFTER_CAP_S``, beyond that the host is given up for the run by the fetcher), otherwise
exponential back-off with jitter: 0.5 s, 1 s, 2 s … capped at ``BACKOFF_CAP_S``, plus up to 50%.
Never retried: other 4xx, refusals, the time and size caps.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from enrich.fetch.politeness import Sleep
from enrich.fetch.result import RefusalReason

MAX_ATTEMPTS = 3
RETRY_AFTER_CAP_S = 60.0
BACKOFF_FIRST_S = 0.5
BACKOFF_CAP_S = 8.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RetryableFailure(Exception):
    """An attempt failed in a way that may pass: a retry-worthy status or a connection error."""

    def __init__(
        self, reason: RefusalReason, host: str, detail: str, retry_after_s: float | None = None
    ) -> None:
        super().__init__(detail)
        self.reason = reason
        self.host = host
        self.detail = detail
        self.retry_after_s = retry_after_s


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def backoff_s(attempt_number: int, rng: random.Random) -> float:
    """Exponential back-off with up to 50% jitter, for the wait after attempt ``attempt_number``."""
    base: float = min(BACKOFF_CAP_S, BACKOFF_FIRST_S * 2.0 ** (attempt_number - 1))
    return base + rng.uniform(0.0, base / 2)


def _wait_for(rng: random.Random) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, RetryableFailure) and failure.retry_after_s is not None:
            return failure.retry_after_s
        return backoff_s(state.attempt_number, rng)

    return wait


def retrying(*, sleep: Sleep, rng: random.Random, max_attempts: int = MAX_ATTEMPTS) -> AsyncRetrying:
    """The retry loop: ``async for attempt in retrying(...): with attempt: ...``; re-raises the last
    ``RetryableFailure`` when attempts run out, and lets every other exception through at once."""
    return AsyncRetrying(
        retry=retry_if_exception_type(RetryableFailure),
        stop=stop_after_attempt(max_attempts),
        wait=_wait_for(rng),
        sleep=sleep,
        reraise=True,
    )
