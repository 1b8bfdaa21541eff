"""Counts and amounts as English and German writers put them: ``1.200``, ``1,200``, ``10k``, ``50-200``.

One module, four readers, because the same string must be read differently depending on who wrote it
and what is at stake. They share the scale words (:data:`SCALE_WORDS`) and :class:`NumRange`.

- :func:`parse_crm_number`, a CRM cell, read leniently: currency signs dropped, units, scientific
  notation and ranges accepted; the one separator rule decides between ``1.200`` and ``1.5``.
- :func:`parse_page_number` (with :data:`NUMBER_PATTERN`, :data:`MULTIPLIER_PATTERN`), a number
  in page text, read strictly: a separator followed by exactly three digits groups thousands, any
  other fraction counts only before a multiplier ("1,5 Mio."); counts of people are never fractional.
- :func:`number_mentions` / :func:`find_integer`, every reading of every number in a model's quote,
  ambiguity kept rather than guessed: ``1.200`` is 1200 (German grouping) or 1.2 (English decimal).
- :func:`parse_typed_number` / :func:`split_typed_range`, what a reviewer types: digits, optionally
  grouped by thousands, never a decimal or a unit (``2.5`` is refused, not rounded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_THOUSAND_WORDS = ("k", "tsd", "tsd.", "thousand", "tausend")
_MILLION_WORDS = ("m", "mn", "mio", "mio.", "million", "millions", "millionen")
_BILLION_WORDS = ("b", "bn", "mrd", "mrd.", "milliarde", "milliarden", "billions")
# Scale words after a number, lower case. "billion" is left out here: 10^9 in English, 10^12 in German.
SCALE_WORDS: dict[str, int] = {
    **dict.fromkeys(_THOUSAND_WORDS, 10**3),
    **dict.fromkeys(_MILLION_WORDS, 10**6),
    **dict.fromkeys(_BILLION_WORDS, 10**9),
}


@dataclass(frozen=True)
class NumRange:
    """A range, as CRMs give when the exact figure is unknown; ``max`` is None when open (``1000+``)."""

    min: int
    max: int | None

    def __str__(self) -> str:
        return f"{self.min}+" if self.max is None else f"{self.min}-{self.max}"

    def as_json(self) -> dict[str, int | None]:
        return {"min": self.min, "max": self.max}


# --- CRM cells ------------------------------------------------------------------------------------

# CRM exports also write "mm" (finance: a thousand thousand), "mill." and "bil"; "billion" is 10^9 there.
_CRM_UNITS = SCALE_WORDS | {"mm": 10**6, "mill": 10**6, "mill.": 10**6, "bil": 10**9, "billion": 10**9}
_CURRENCY = re.compile(r"(?i)(?:us\$|[$€£¥₹]|\b(?:usd|eur|gbp|chf|jpy|cad|aud|sek|nok|dkk|pln)\b)")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CRM_RANGE = re.compile(r"^(?P<low>.*?\d.*?)\s*(?:-|–|—|\bto\b|\bbis\b)\s*(?P<high>.*\d.*)$", re.IGNORECASE)
_AMOUNT = re.compile(r"^(?P<number>\d[\d.,' ]*(?:e[+-]?\d+)?)\s*(?P<unit>[a-z.]*)$", re.IGNORECASE)


def parse_crm_number(text: str) -> int | NumRange:
    """One CRM cell as a whole number or range; raises ``ValueError`` whose message is the reason.

    Accepted: thousands separators (``1.200``, ``1,200``, ``1 200``, ``1'200``), decimal commas and
    points, scientific notation (Data Loader writes ``1.2E7``), unit words (``10k``, ``2.5M``,
    ``3,5 Mio.``, ``2 Mrd``), currency signs and codes (dropped: amounts are taken in whole units of
    whatever currency the CRM uses), ranges (``50-200``, ``50–200``, ``10k to 50k``) and open ranges
    (``1,000+``). With both ``.`` and ``,`` present the last one is the decimal mark; with only one
    kind, a mark followed by exactly three digits groups thousands (``1.200`` is 1200), except before
    a unit word, where it is the decimal mark (``2.500M`` is 2.5 million). A value that is not whole
    after its unit is refused instead of rounded.
    """
    cleaned = _SPACES.sub(" ", _CURRENCY.sub("", text)).strip()
    if not cleaned:
        raise ValueError(f"not a number: {text!r}")
    if cleaned.startswith(("-", "−")):
        raise ValueError(f"negative numbers are not allowed: {text!r}")
    if cleaned.endswith("+"):
        return NumRange(_parse_amount(cleaned[:-1].strip(), text), None)
    match = _CRM_RANGE.match(cleaned)
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
    if unit and unit not in _CRM_UNITS:
        raise ValueError(f"unknown unit {match['unit']!r} in {original!r}")
    try:
        value = Decimal(_plain_decimal(number, has_unit=bool(unit))) * _CRM_UNITS.get(unit, 1)
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


# --- numbers in page text -----------------------------------------------------------------------

# A number as it may stand in running text; neither preceded nor followed by a digit or a separator
# plus digit, so a match never starts or stops in the middle of a longer number ("40" of "40,450").
# Thousands separators seen in the wild: comma, dot, apostrophe (Swiss), NBSP and narrow NBSP.
NUMBER_PATTERN = (
    r"(?<![\d.,'’\u00a0\u202f])(?:\d{1,3}(?:[,.'’\u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?)"
    r"(?![\d]|[,.'’\u00a0\u202f]\d)"
)
MULTIPLIER_PATTERN = (
    r"(?:million(?:s)?|mio\.?|millionen|mn|thousand|tausend|tsd\.?|k(?![a-zäöü]))(?![a-zäöü])"
)
# What MULTIPLIER_PATTERN matches: in running text a lone "m" is a unit (metres), and no head count
# runs into billions.
_PAGE_MULTIPLIERS = {word: factor for word, factor in SCALE_WORDS.items() if word != "m" and factor < 10**9}
_GROUPED = re.compile(r"\d{1,3}(?P<sep>[,.'’\u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*")
_DECIMAL = re.compile(r"(?P<whole>\d+)[.,](?P<fraction>\d+)")


def parse_page_number(number: str, multiplier: str | None = None) -> int | None:
    """The whole number a page writes as ``number`` (times ``multiplier``), or None if it is not one.

    >>> parse_page_number("1.200"), parse_page_number("1,200"), parse_page_number("1,5", "Mio.")
    (1200, 1200, 1500000)
    """
    number = number.strip()
    factor = _PAGE_MULTIPLIERS.get(multiplier.lower().rstrip("."), 1) if multiplier else 1
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


# --- numbers in a quote, every reading ------------------------------------------------------------

_MENTION_GROUP = r"[.,'\u00a0\u202f\u2009 ]"
_MENTION = re.compile(
    r"(?<![\w.,])(?P<number>\d{1,3}(?:" + _MENTION_GROUP + r"\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?(?P<scale>[A-Za-zÄÖÜäöü]+\.?))?"
)
# German "Billion" is 10^12 and English "billion" 10^9: a quote's "billion" keeps both readings.
_MENTION_SCALES: dict[str, tuple[int, ...]] = {word: (factor,) for word, factor in SCALE_WORDS.items()} | {
    "billion": (10**9, 10**12),
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
    """Every written number in ``text`` with all its readings.

    Understood: grouping with ``.``, ``,``, ``'``, spaces (U+00A0 and U+202F included); decimals with
    ``.`` or ``,``; scale words and suffixes right after the number (``k``, ``Tsd.``, ``Mio.``,
    ``million(s)``, ``bn``, ``Mrd.``, ``Milliarde(n)``, ``billion``). Not understood (the model is
    told to quote digits): numbers in words (``twelve``, ``zwölf``).
    """
    mentions: list[NumberMention] = []
    for match in _MENTION.finditer(text):
        written = match.group("number")
        readings = _plain_readings(written)
        scale_word = (match.group("scale") or "").lower()
        end = match.end("number")
        if scale_word not in _MENTION_SCALES:  # "million." at a sentence end: the dot is not part of it
            scale_word = scale_word.rstrip(".")
        scales = _MENTION_SCALES.get(scale_word)
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


# --- what a reviewer types ------------------------------------------------------------------------

# 1200, or thousands grouped as 1,200 / 1.200 / 1 200 / 1'200 — never a decimal point ("2.5" is refused)
_TYPED_NUMBER = re.compile(r"^(?:\d+|\d{1,3}(?:[,. _']\d{3})+)$")
_TYPED_RANGE = re.compile(r"^(?P<low>[\d,. _']+?)\s*(?:(?:-|–|to)\s*(?P<high>[\d,. _']+)|(?P<open>\+))$")


def parse_typed_number(text: str) -> int | None:
    """A whole number as a person types it (``1200``, ``1,200``, ``1.200``, ``1 200``), else None."""
    return int(re.sub(r"[,. _']", "", text)) if _TYPED_NUMBER.match(text) else None


def split_typed_range(text: str) -> tuple[str, str | None] | None:
    """The ends of a typed range as written: ``50-200`` / ``50 to 200`` → ``("50", "200")``, ``1000+`` →
    ``("1000", None)``; None when ``text`` is not shaped like a range (the ends are not yet checked)."""
    matched = _TYPED_RANGE.match(text)
    if matched is None:
        return None
    return matched["low"].strip(), None if matched["open"] else matched["high"].strip()
