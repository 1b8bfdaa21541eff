"""Whole numbers as English and German pages write them: 1,200 / 1.200 / 1 200 (NBSP) / 1'200 / 1,5 Mio.

The rule that keeps both languages apart without guessing the page's language: a separator followed by
exactly three digits (repeated consistently) groups thousands; any other fraction is a decimal and only
counts when a multiplier follows ("1,5 Mio.", "2.1 million"). Counts of people are never fractional.
"""

from __future__ import annotations

import re

# Thousands separators seen in the wild: comma, dot, apostrophe (Swiss), NBSP and narrow NBSP.
THOUSANDS_SEPARATORS = ",.'’\u00a0\u202f"

# A number as it may stand in running text; neither preceded nor followed by a digit or a separator
# plus digit, so a match never starts or stops in the middle of a longer number ("40" of "40,450").
NUMBER_PATTERN = (
    r"(?<![\d.,'’\u00a0\u202f])(?:\d{1,3}(?:[,.'’\u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?)"
    r"(?![\d]|[,.'’\u00a0\u202f]\d)"
)

MULTIPLIER_PATTERN = (
    r"(?:million(?:s)?|mio\.?|millionen|mn|thousand|tausend|tsd\.?|k(?![a-zäöü]))(?![a-zäöü])"
)

_GROUPED = re.compile(r"\d{1,3}(?P<sep>[,.'’\u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*")
_DECIMAL = re.compile(r"(?P<whole>\d+)[.,](?P<fraction>\d+)")
_MULTIPLIERS = {
    "million": 1_000_000,
    "millions": 1_000_000,
    "mio": 1_000_000,
    "millionen": 1_000_000,
    "mn": 1_000_000,
    "thousand": 1_000,
    "tausend": 1_000,
    "tsd": 1_000,
    "k": 1_000,
}


def multiplier_value(multiplier: str | None) -> int:
    """1 for no multiplier, else the factor of "Mio.", "million", "k", "Tsd." ..."""
    if not multiplier:
        return 1
    return _MULTIPLIERS.get(multiplier.lower().rstrip("."), 1)


def parse_whole_number(number: str, multiplier: str | None = None) -> int | None:
    """The whole number written as ``number`` (times ``multiplier``), or None if it is not one.

    >>> parse_whole_number("1.200"), parse_whole_number("1,200"), parse_whole_number("1,5", "Mio.")
    (1200, 1200, 1500000)
    """
    number = number.strip()
    factor = multiplier_value(multiplier)
    if number.isdigit():
        return int(number) * factor
    if _GROUPED.fullmatch(number):
        return int(re.sub(r"\D", "", number)) * factor
    decimal = _DECIMAL.fullmatch(number)
    if decimal is None or factor == 1:
        return None
    whole, fraction = decimal.group("whole"), decimal.group("fraction")
    scaled = int(whole + fraction) * factor
    divisor: int = 10 ** len(fraction)
    return scaled // divisor if scaled % divisor == 0 else round(scaled / divisor)
