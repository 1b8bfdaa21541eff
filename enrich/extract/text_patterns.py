"""Facts stated in a page's visible text, in English and German: head count, founding year, head office.

Works on the visible text (``markup.visible_text``) so comments, scripts and hidden elements never become
evidence, and maps every match back to the stored text's offsets.

Qualifiers, decided once for all fields:
- "over / more than / mehr als / über N", "N+"  -> value N, qualifier ``at_least`` (a lower bound)
- "about / around / rund / etwa / ca. N"        -> value N, qualifier ``approx``
- "between N and M", "N-M", "N bis M"           -> ``ValueRange(N, M)``, qualifier ``range``
- "since / seit YEAR" for the founding year     -> value YEAR, qualifier ``at_most`` (founded then or before)
The confidence rules weigh the qualifier; the value itself is never rounded or invented.

Decoys refused: numbers with a currency sign, years read as head counts ("in 2023 employees ..."),
counts of someone else's people ("payroll for 2 million employees at client companies"), and a company's
history ("founded in 1998 with 3 people").
"""

from __future__ import annotations

import re

from enrich.extract.base import Document, FieldValue, Finding, FindingMaker, Qualifier, Statement, ValueRange
from enrich.extract.places import CITY_PATTERN, resolve_place
from enrich.numbers import MULTIPLIER_PATTERN, NUMBER_PATTERN, parse_page_number

_SP = r"[^\S\n]+"  # spaces within one block, NBSP included, never a block break
_OSP = r"[^\S\n]*"
_AT_LEAST = (
    r"over|more than|in excess of|upwards of|above|at least|north of|über|ueber|mehr als|mindestens|gut"
)
_APPROX = (
    r"about|around|approximately|approx\.|roughly|nearly|almost|some|close to|~|rund|etwa|ca\.|circa|"
    r"knapp|fast|annähernd|ungefähr|nahezu"
)
_QUALIFIER = rf"(?P<qual>{_AT_LEAST}|{_APPROX})"
_COUNT = rf"(?P<num>{NUMBER_PATTERN})(?:{_OSP}(?P<mult>{MULTIPLIER_PATTERN}))?(?P<plus>\+)?"
_ADJECTIVES = (
    r"(?:(?:full[- ]time|permanent|dedicated|talented|skilled|passionate|committed|motivated|engagierte[n]?|"
    r"qualifizierte[n]?|hochqualifizierte[n]?|motivierte[n]?|festangestellte[n]?)" + _SP + r")*"
)
_STRONG_NOUN = (
    r"employees|employee|staff members|staff|team members|colleagues|co-workers|coworkers|workers|associates|"
    r"FTEs?|Mitarbeiter:innen|Mitarbeiter\*innen|MitarbeiterInnen|Mitarbeiter(?:innen)?"
    r"(?:" + _SP + r"und" + _SP + r"Mitarbeiter(?:innen)?)?|Mitarbeitende[n]?|Beschäftigte[n]?|"
    r"Angestellte[n]?|Kolleginnen und Kollegen|Kolleg(?:inn)?en"
)
# Words that count people but not necessarily one's own: they need support from the sentence.
_WEAK_NOUN = r"people|persons|Menschen|Personen|experts|professionals|specialists|Experten|Fachkräfte"
_NOUN = rf"{_ADJECTIVES}(?:(?P<strong>{_STRONG_NOUN})|(?P<weak>{_WEAK_NOUN}))(?!\w)"
_END_OF_PHRASE = rf"(?=[^\S\n]*(?:[.,;:!)\n]|$|{_WEAK_NOUN}|{_STRONG_NOUN}))"

_EMPLOYEE_PATTERNS = [
    # After "1,400+" the noun may follow at once: a stats tile (<strong>1,400+</strong><span>employees</span>)
    # has no space between its inline elements in the visible text.
    re.compile(rf"(?:{_QUALIFIER}{_SP})?{_COUNT}(?:{_SP}|(?<=\+)){_NOUN}", re.I),
    re.compile(
        rf"(?:between|zwischen){_SP}(?P<num>{NUMBER_PATTERN}){_SP}(?:and|und){_SP}"
        rf"(?P<num2>{NUMBER_PATTERN}){_SP}{_NOUN}",
        re.I,
    ),
    re.compile(
        rf"(?P<num>{NUMBER_PATTERN}){_OSP}(?:[-–—]|{_SP}(?:to|bis){_SP}){_OSP}(?P<num2>{NUMBER_PATTERN}){_SP}{_NOUN}",
        re.I,
    ),
    re.compile(
        rf"\b(?P<trigger>team{_SP}of|team{_SP}(?:von|aus)|workforce{_SP}of|headcount{_SP}of|employs|employing|"
        rf"beschäftigt|beschäftigen){_SP}(?:(?:heute|derzeit|aktuell|weltweit|insgesamt|today|now|currently)"
        rf"{_SP})*(?:{_QUALIFIER}{_SP})?{_COUNT}(?:{_SP}{_NOUN}|{_END_OF_PHRASE})",
        re.I,
    ),
    re.compile(
        r"\b(?:number of employees|employees|headcount|mitarbeiterzahl|anzahl der mitarbeiter(?:innen)?|"
        rf"mitarbeiter(?:innen)?|mitarbeitende|beschäftigte){_OSP}(?::?[^\S\n]*\n|:|\t){_OSP}(?:{_QUALIFIER}{_SP})?"
        rf"{_COUNT}(?=[^\S\n]*(?:\n|\t|$))",
        re.I,
    ),
]

_YEAR = r"(?P<year>1[6-9]\d\d|20\d\d)(?!\d)"
_FOUNDED_PATTERNS: list[tuple[re.Pattern[str], Qualifier]] = [
    (
        re.compile(rf"\b(?:founded|established|gegründet)(?:{_SP}(?:in|im Jahre?|anno))?{_SP}{_YEAR}", re.I),
        "exact",
    ),
    (re.compile(rf"(?:\bfounded|\bestablished|\best\.|gründungsjahr){_OSP}:?{_OSP}{_YEAR}", re.I), "exact"),
    (re.compile(rf"(?<!\d){_YEAR}{_SP}(?:[^\W\d]+{_SP}){{0,3}}gegründet\b"), "exact"),
    (re.compile(rf"\b(?:since|seit){_SP}{_YEAR}", re.I), "at_most"),
    (re.compile(rf"\bstarted{_SP}in{_SP}{_YEAR}", re.I), "approx"),
]

_HEAD_OFFICE = re.compile(
    r"\b(?:(?i:headquartered|based|head office|headquarters(?: (?:is|are))?|HQ)"
    rf"{_SP}in|with{_SP}headquarters{_SP}in|(?:Hauptsitz|Firmensitz|Unternehmenssitz|Zentrale|Sitz)"
    rf"(?:{_SP}(?:des Unternehmens|der Gesellschaft|ist|befindet sich))*{_SP}in|ansässig{_SP}in|"
    rf"(?:Headquarters|HQ|Hauptsitz|Sitz der Gesellschaft|Firmensitz){_OSP}:)"
    rf"{_SP}(?:the{_SP}city{_SP}of{_SP})?(?P<place>{CITY_PATTERN})"
    rf"(?:{_OSP},{_OSP}(?P<region>{CITY_PATTERN}))?(?:{_OSP},{_OSP}(?P<region2>{CITY_PATTERN}))?"
    rf"(?:{_SP}\((?P<paren>[^)\n]{{2,40}})\))?"
)

_FOUNDING_WORDS = re.compile(
    r"\b(?:found(?:ed|ing)|start(?:ed|ing)|began|begun|launched|established|initially|originally|"
    r"gegründet|gründ\w*|gestartet|angefangen|begann|ursprünglich|anfangs)\b",
    re.I,
)
_NOW_WORDS = re.compile(r"\b(?:today|now|currently|heute|inzwischen|mittlerweile|derzeit|aktuell)\b", re.I)
_OTHERS_PEOPLE_BEFORE = re.compile(
    r"\b(?:used by|trusted by|relied on by|serv(?:e|es|ing)|help(?:s|ing)?|empower(?:s|ing)?|"
    r"support(?:s|ing)?|manag(?:e|es|ing)|connect(?:s|ing)?|insur(?:e|es|ing)|pay(?:s|ing)?|for|customers?|clients?|users?|"
    r"genutzt|nutzen|vertrauen|unterstützt|für|kunden)\b[^\d]{0,40}$",
    re.I,
)
_OTHERS_PEOPLE_AFTER = re.compile(
    r"^[^\S\n]*(?:of|at|in|from|bei|von|in)[^\S\n]+(?:our|their|unseren|ihren|unserer)?[^\S\n]*"
    r"(?:customers|clients|client|partner|kunden|member companies)",
    re.I,
)
_WEAK_NOUN_SUPPORT_BEFORE = re.compile(
    r"\b(?:team|employ\w*|workforce|staff|we are|we're|wir sind|beschäftig\w*|arbeiten|work)\b", re.I
)
_WEAK_NOUN_SUPPORT_AFTER = re.compile(
    r"^[^\S\n]*(?:work|working|are employed|strong|across|worldwide|globally|around the (?:world|globe)|"
    r"arbeiten|weltweit|bei uns|in our team|on our team)\b",
    re.I,
)
_YEAR_CONTEXT = re.compile(r"\b(?:in|since|seit|im|the|our|unsere[mn]?|fy|year|jahr|anno)[^\S\n]*$", re.I)
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:USD|EUR|CHF|GBP))[^\S\n]?$")
_SENTENCE_BREAK = re.compile(r"[.!?;](?=\s)|\n")
# "·" and "|" separate the facts of a footer line ("Gegründet 1958 · 240 Mitarbeiter"): each is a clause.
_CLAUSE_BREAK = re.compile(r"[.!?;,·|](?=\s)|\n")
# Where the clause that holds a count ends: a founding word after this belongs to another statement
# ("employs 250 people and was founded in 1998", "… Partner – gegründet 2002").
_NEXT_CLAUSE = re.compile(r"[,;·|–—]|\b(?:and|und)\b", re.I)


def _preceding(text: str, index: int, breaks: re.Pattern[str], limit: int = 200) -> str:
    window_start = max(0, index - limit)
    window = text[window_start:index]
    last_break = None
    for last_break in breaks.finditer(window):  # noqa: B007 - only the last one matters
        pass
    return window if last_break is None else window[last_break.end() :]


def _following(text: str, index: int, limit: int = 80) -> str:
    window = text[index : index + limit]
    found = _SENTENCE_BREAK.search(window)
    return window if found is None else window[: found.start()]


def _is_decoy(text: str, match: re.Match[str], number: int) -> bool:
    """True when the count belongs to someone else, to the company's past, or is a price or a year."""
    before_number = text[max(0, match.start("num") - 6) : match.start("num")]
    if _CURRENCY_BEFORE.search(before_number):
        return True
    clause = _preceding(text, match.start(), _CLAUSE_BREAK)
    founding = None
    for founding in _FOUNDING_WORDS.finditer(clause):  # noqa: B007 - the last founding word counts
        pass
    if founding is not None and not _NOW_WORDS.search(clause[founding.end() :]):
        return True
    after = _following(text, match.end())
    if re.search(r"\b(?:gegründet|founded)\b", _NEXT_CLAUSE.split(after, maxsplit=1)[0], re.I):
        return True
    sentence = _preceding(text, match.start(), _SENTENCE_BREAK)
    if _OTHERS_PEOPLE_BEFORE.search(sentence) or _OTHERS_PEOPLE_AFTER.search(after):
        return True
    plain_year = match.group("num").isdigit() and 1900 <= number <= 2100
    if plain_year and (_YEAR_CONTEXT.search(text[max(0, match.start("num") - 12) : match.start("num")])):
        return True
    noun = match.groupdict().get("strong") or ""
    if noun.lower() == "employee" and number != 1:
        return True  # "our 2023 employee survey"
    if match.groupdict().get("weak") and not match.groupdict().get("trigger"):
        supported = _WEAK_NOUN_SUPPORT_BEFORE.search(sentence) or _WEAK_NOUN_SUPPORT_AFTER.search(after)
        return supported is None
    return False


def _qualifier_of(match: re.Match[str]) -> Qualifier:
    qualifier = (match.groupdict().get("qual") or "").lower()
    if match.groupdict().get("plus") or re.fullmatch(_AT_LEAST, qualifier, re.I):
        return "at_least"
    return "approx" if qualifier else "exact"


def _employee_hits(text: str) -> list[Statement]:
    hits: list[Statement] = []
    for pattern in _EMPLOYEE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            number = parse_page_number(match.group("num"), groups.get("mult"))
            if number is None or _is_decoy(text, match, number):
                continue
            value: FieldValue = number
            qualifier = _qualifier_of(match)
            if groups.get("num2"):
                upper = parse_page_number(match.group("num2"))
                if upper is None or upper <= number:
                    continue
                value, qualifier = ValueRange(number, upper), "range"
            value_text = text[
                match.start("num") : match.end("num2") if groups.get("num2") else match.end("num")
            ]
            hits.append(Statement("employee_count", value, value_text, qualifier, match.start(), match.end()))
    return hits


def _founded_hits(text: str) -> list[Statement]:
    hits: list[Statement] = []
    for pattern, qualifier in _FOUNDED_PATTERNS:
        for match in pattern.finditer(text):
            year = int(match.group("year"))
            hits.append(
                Statement("founded_year", year, match.group("year"), qualifier, match.start(), match.end())
            )
    return hits


def _head_office_hits(text: str) -> list[Statement]:
    hits: list[Statement] = []
    for match in _HEAD_OFFICE.finditer(text):
        qualifiers = [match.group(name) for name in ("region", "region2") if match.group(name)]
        if match.group("paren"):
            qualifiers.extend(part.strip() for part in match.group("paren").split(","))
        place = resolve_place(match.group("place"), qualifiers)
        if place is None:
            continue
        if place.city is not None:
            hits.append(Statement("city", place.city, place.city, "exact", match.start(), match.end()))
        if place.country is not None and place.country_text is not None:
            hits.append(
                Statement("country", place.country, place.country_text, "exact", match.start(), match.end())
            )
    return hits


def _without_overlaps(hits: list[Statement]) -> list[Statement]:
    """Per field, the earliest of overlapping matches, the longest at equal starts (two patterns often
    read the same phrase)."""
    kept: list[Statement] = []
    for hit in sorted(hits, key=lambda hit: (hit.field_name, hit.start, -(hit.end - hit.start))):
        previous = kept[-1] if kept else None
        if previous and previous.field_name == hit.field_name and hit.start < previous.end:
            continue
        kept.append(hit)
    return kept


class TextPatternsExtractor:
    """Head count, founding year and head office from sentences and labels in the page text."""

    name = "text_patterns"
    version = "1"

    def extract(self, document: Document) -> list[Finding]:
        text = document.visible.text
        maker = FindingMaker(document, self.name, self.version, "page_text")
        hits = _employee_hits(text) + _founded_hits(text) + _head_office_hits(text)
        return [maker.at_visible(hit) for hit in _without_overlaps(hits)]
