"""Numbers as written on English and German pages, for checking that a quote contains a value.

A *mention* is one written number with every value it can mean. Ambiguity is kept, not guessed:
``1.200`` is 1200 (German grouping) or 1.2 (English decimal); ``1,200`` likewise the other way
round. A quote contains an integer value when any reading of any mention equals it exactly.

Understood: grouping with ``.``, ``,``, ``'``, spaces (U+00A0 and U+202F included): ``1.200``,
``1,200``, ``1 200``, ``1'200``; decimals with ``.`` or ``,``; scale words and suffixes right after
the number: ``k``/``Tsd.``/``thousand``/``Tausend``, ``m``/``mn``/``Mio.``/``million(s)``/``Millionen``,
``bn``/``Mrd.``/``billion(s)``/``Milliarde(n)``; ``billion`` also reads as 10^12 because German
``Billion`` means that. Not understood (the model is told to quote digits): numbers in words
(``twelve``, ``zwölf``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_GROUP = r"[.,'\u00a0\u202f\u2009 ]"
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<number>\d{1,3}(?:" + _GROUP + r"\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?(?P<scale>[A-Za-zÄÖÜäöü]+\.?))?"
)

_SCALES: dict[str, tuple[int, ...]] = {
    "k": (10**3,),
    "tsd": (10**3,),
    "tsd.": (10**3,),
    "thousand": (10**3,),
    "tausend": (10**3,),
    "m": (10**6,),
    "mn": (10**6,),
    "mio": (10**6,),
    "mio.": (10**6,),
    "million": (10**6,),
    "millions": (10**6,),
    "millionen": (10**6,),
    "bn": (10**9,),
    "b": (10**9,),
    "mrd": (10**9,),
    "mrd.": (10**9,),
    "milliarde": (10**9,),
    "milliarden": (10**9,),
    "billion": (10**9, 10**12),
    "billions": (10**9,),
    "billionen": (10**12,),
}


@dataclass(frozen=True)
class NumberMention:
    """One number as written (``text``), and every value it can mean."""

    text: str
    start: int
    end: int
    readings: frozenset[Decimal]


def _plain_readings(written: str) -> set[Decimal]:
    """Readings of the digits alone, before any scale word."""
    compact = re.sub(r"['\u00a0\u202f\u2009 ]", "", written)
    dots, commas = compact.count("."), compact.count(",")
    if not dots and not commas:
        return {Decimal(compact)}
    if dots and commas:
        decimal_mark = "." if compact.rfind(".") > compact.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        return {Decimal(compact.replace(group_mark, "").replace(decimal_mark, "."))}
    mark = "." if dots else ","
    grouped = Decimal(compact.replace(mark, ""))
    if compact.count(mark) > 1:
        return {grouped}
    as_decimal = Decimal(compact.replace(mark, "."))
    digits_after = len(compact) - compact.index(mark) - 1
    # one mark followed by exactly three digits is a thousands group or a decimal point: keep both
    return {grouped, as_decimal} if digits_after == 3 else {as_decimal}


def number_mentions(text: str) -> list[NumberMention]:
    """Every written number in ``text`` with all its readings (see the module docstring)."""
    mentions: list[NumberMention] = []
    for match in _NUMBER.finditer(text):
        written = match.group("number")
        readings = _plain_readings(written)
        scale_word = (match.group("scale") or "").lower()
        end = match.end("number")
        if scale_word not in _SCALES:  # "million." at a sentence end: the dot is not part of it
            scale_word = scale_word.rstrip(".")
        scales = _SCALES.get(scale_word)
        if scales:
            scaled = {reading * scale for reading in readings for scale in scales}
            # a lone letter ("5 m", "3 B") may be a unit or the next word, so the plain reading stays
            readings = scaled | readings if len(scale_word) == 1 else scaled
            end = match.start("scale") + len(scale_word)
        mentions.append(NumberMention(text[match.start() : end], match.start(), end, frozenset(readings)))
    return mentions


def find_integer(text: str, value: int) -> NumberMention | None:
    """The first mention in ``text`` that can mean ``value``, or None."""
    target = Decimal(value)
    for mention in number_mentions(text):
        if target in mention.readings:
            return mention
    return None
