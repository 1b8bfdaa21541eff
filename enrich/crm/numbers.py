"""Counts and amounts as CRM exports write them → ``int`` or ``NumRange``.

Accepted: thousands separators (``1.200``, ``1,200``, ``1 200``, ``1'200``), decimal commas and points,
scientific notation (Data Loader writes ``1.2E7``), unit words (``10k``, ``2.5M``, ``3,5 Mio.``, ``2 Mrd``),
currency signs and codes (dropped: amounts are taken in whole units of whatever currency the CRM uses),
ranges (``50-200``, ``50–200``, ``10k to 50k``) and open ranges (``1,000+``).

Separator rule: with both ``.`` and ``,`` present the last one is the decimal mark. With only one kind,
a mark followed by exactly three digits is a thousands separator (``1.200`` is 1200, as in German and
English exports), except before a unit word, where it is the decimal mark (``2.500M`` is 2.5 million).
A value that is not a whole number after its unit is refused instead of rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_UNITS: dict[str, int] = {
    **dict.fromkeys(("k", "tsd", "tsd.", "thousand", "tausend"), 1_000),
    **dict.fromkeys(
        ("m", "mm", "mn", "mio", "mio.", "mill", "mill.", "million", "millions", "millionen"), 10**6
    ),
    **dict.fromkeys(
        ("b", "bn", "bil", "billion", "billions", "mrd", "mrd.", "milliarde", "milliarden"), 10**9
    ),
}
_CURRENCY = re.compile(r"(?i)(?:us\$|[$€£¥₹]|\b(?:usd|eur|gbp|chf|jpy|cad|aud|sek|nok|dkk|pln)\b)")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_RANGE = re.compile(r"^(?P<low>.*?\d.*?)\s*(?:-|–|—|\bto\b|\bbis\b)\s*(?P<high>.*\d.*)$", re.IGNORECASE)
_AMOUNT = re.compile(r"^(?P<number>\d[\d.,' ]*(?:e[+-]?\d+)?)\s*(?P<unit>[a-z.]*)$", re.IGNORECASE)


@dataclass(frozen=True)
class NumRange:
    """A range, as CRMs give when the exact figure is unknown; ``max`` is None when open (``1000+``)."""

    min: int
    max: int | None

    def __str__(self) -> str:
        return f"{self.min}+" if self.max is None else f"{self.min}-{self.max}"

    def as_json(self) -> dict[str, int | None]:
        return {"min": self.min, "max": self.max}


def parse_number(text: str) -> int | NumRange:
    """Parse one cell; raises ``ValueError`` whose message is the reason, fit to show a person."""
    cleaned = _SPACES.sub(" ", _CURRENCY.sub("", text)).strip()
    if not cleaned:
        raise ValueError(f"not a number: {text!r}")
    if cleaned.startswith(("-", "−")):
        raise ValueError(f"negative numbers are not allowed: {text!r}")
    if cleaned.endswith("+"):
        return NumRange(_parse_amount(cleaned[:-1].strip(), text), None)
    match = _RANGE.match(cleaned)
    if match is None:
        return _parse_amount(cleaned, text)
    low_text, high_text = match["low"].strip(), match["high"].strip()
    high_unit = _split_unit(high_text)[1]
    if high_unit and not _split_unit(low_text)[1]:
        low_text = f"{low_text} {high_unit}"  # "10-50k" means 10k to 50k
    low, high = _parse_amount(low_text, text), _parse_amount(high_text, text)
    if low > high:
        raise ValueError(f"range goes down ({low} > {high}): {text!r}")
    return NumRange(low, high)


def _split_unit(text: str) -> tuple[str, str]:
    match = _AMOUNT.match(text)
    return (match["number"].strip(), match["unit"].lower()) if match else (text, "")


def _parse_amount(text: str, original: str) -> int:
    match = _AMOUNT.match(text)
    if match is None:
        raise ValueError(f"not a number: {original!r}")
    number, unit = match["number"].strip(), match["unit"].lower()
    if unit and unit not in _UNITS:
        raise ValueError(f"unknown unit {match['unit']!r} in {original!r}")
    try:
        value = Decimal(_plain_decimal(number, has_unit=bool(unit))) * _UNITS.get(unit, 1)
    except InvalidOperation:
        raise ValueError(f"not a number: {original!r}") from None
    if value != value.to_integral_value():
        raise ValueError(f"not a whole number: {original!r}")
    return int(value)


def _plain_decimal(number: str, *, has_unit: bool) -> str:
    """``1.234,5`` → ``1234.5``: decide which mark is the decimal one; all others must group by thousands."""
    mantissa, _, exponent = number.lower().partition("e")
    groups = re.split(r"[.,' ]", mantissa)
    separators = re.findall(r"[.,' ]", mantissa)
    fraction = ""
    if separators and _ends_with_decimal_mark(
        separators, groups[-1], unit_follows=has_unit or bool(exponent)
    ):
        fraction = "." + groups.pop()
        separators.pop()
    if separators and (
        len(set(separators)) > 1
        or not 1 <= len(groups[0]) <= 3
        or any(len(group) != 3 for group in groups[1:])
    ):
        raise InvalidOperation
    return "".join(groups) + fraction + (f"e{exponent}" if exponent else "")


def _ends_with_decimal_mark(separators: list[str], last_group: str, *, unit_follows: bool) -> bool:
    last = separators[-1]
    if last not in ".," or last in separators[:-1]:
        return False  # spaces and apostrophes only group; a repeated mark groups ("1.200.000")
    if len(separators) > 1:
        return True  # a different mark after the grouping ones ("1.234,5", "1 200,5")
    return unit_follows or len(last_group) != 3
