"""Event times as CRM and marketing exports write them → timezone-aware UTC ``datetime``.

Accepted: ISO 8601 (``2024-03-05``, ``2024-03-05T14:22:00Z``, with offset or fraction), ``2024/03/05``,
German ``05.03.2024 14:22``, US ``03/05/2024 2:22 PM`` (slashes are read month first, as Salesforce and
HubSpot write them in US locale; write ISO 8601 to avoid the ambiguity) and Unix epoch seconds or
milliseconds (HubSpot). Times without an offset are taken as UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)
_EPOCH = re.compile(r"^(?:\d{10}|\d{13})$")  # seconds or milliseconds
EARLIEST_YEAR = 1990
# Clocks of exporting systems drift; a timestamp a little ahead of ours is not an error.
FUTURE_TOLERANCE = timedelta(days=1)


def parse_timestamp(text: str, *, now: datetime) -> datetime:
    """Parse one cell to UTC; raises ``ValueError`` whose message is the reason.

    Refused: unreadable text, years before 1990 and times more than a day after ``now``.
    """
    value = " ".join(text.split())
    parsed = _parse(value)
    if parsed is None:
        raise ValueError(f"not a date/time: {text!r} (use ISO 8601, e.g. 2024-03-05T14:22:00Z)")
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if parsed.year < EARLIEST_YEAR:
        raise ValueError(f"date before {EARLIEST_YEAR}: {text!r}")
    if parsed > now + FUTURE_TOLERANCE:
        raise ValueError(f"date in the future: {text!r}")
    return parsed


def _parse(value: str) -> datetime | None:
    if _EPOCH.match(value):
        seconds = int(value) / 1000 if len(value) == 13 else int(value)
        return datetime.fromtimestamp(seconds, UTC)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for pattern in _FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None
