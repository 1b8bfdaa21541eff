"""Normalising one account's values: countries, industries, numbers, domains, whitespace and case of names.

Each proposal is a :class:`FieldChange` with the value it replaces, why, and a confidence; those at or
above the accept threshold are applied, the rest go to review. Values that cannot be read (an unknown
country, "lots" employees) become a :class:`Flag` for review; an industry string that neither the list
nor the synonym table knows becomes a ``research`` flag for the industry smart field. Pure: no I/O.

Confidences, fixed and documented here because they decide what happens without a person:

=========================================================  ==========
whitespace in names and cities                              0.99
country name or code → ISO 3166 alpha-2 ("Deutschland")     0.97
a number written as text ("1.200", "50-200", "2,5 Mio.")    0.97
domain read from the website URL, or a domain tidied        0.95
industry: the list's label in another case/spacing          0.98
industry: a synonym of a listed label                       0.92
industry: near-spelling of a label or synonym               0.70 (review)
case of an all-caps or all-lowercase name                   0.60 (review)
=========================================================  ==========
"""

from __future__ import annotations

from collections.abc import Callable

from enrich.cleanup.industries import IndustryVocabulary
from enrich.cleanup.model import AccountSnapshot, Action, FieldChange, FieldState, Flag
from enrich.countries import require_country_code
from enrich.crm.domains import registrable_domain
from enrich.numbers import NumRange, parse_crm_number
from enrich.store.values import JsonValue

_Propose = Callable[[FieldState, JsonValue, str, float], None]
_Flag = Callable[..., None]

WHITESPACE_CONFIDENCE = 0.99
COUNTRY_CONFIDENCE = 0.97
NUMBER_CONFIDENCE = 0.97
DOMAIN_CONFIDENCE = 0.95
CASE_CONFIDENCE = 0.60
NUMERIC_FIELDS = ("employee_count", "annual_revenue", "founded_year")

_LEGAL_FORM_CASE = {
    "gmbh": "GmbH", "ag": "AG", "se": "SE", "kg": "KG", "kgaa": "KGaA", "ohg": "OHG", "ug": "UG",
    "mbh": "mbH", "ggmbh": "gGmbH", "inc": "Inc", "inc.": "Inc.", "ltd": "Ltd", "ltd.": "Ltd.",
    "llc": "LLC", "llp": "LLP", "plc": "plc", "corp": "Corp", "corp.": "Corp.", "co": "Co", "co.": "Co.",
    "bv": "BV", "b.v.": "B.V.", "nv": "NV", "n.v.": "N.V.", "sa": "SA", "s.a.": "S.A.", "sas": "SAS",
    "sarl": "SARL", "ab": "AB", "as": "AS", "spa": "SpA", "s.p.a.": "S.p.A.", "srl": "Srl", "e.k.": "e.K.",
}  # fmt: skip
_LOWER_JOINERS = frozenset({"und", "and", "of", "for", "the", "der", "die", "das", "de", "la", "et", "&"})


def normalise_account(
    snapshot: AccountSnapshot, vocabulary: IndustryVocabulary, *, accept_threshold: float
) -> tuple[list[FieldChange], list[Flag]]:
    """Every normalisation the account needs, and every value that could not be normalised."""
    changes: list[FieldChange] = []
    flags: list[Flag] = []

    def propose(state: FieldState, after: JsonValue, why: str, confidence: float) -> None:
        action: Action = "apply" if confidence >= accept_threshold else "review"
        changes.append(
            FieldChange(
                snapshot.account_id, snapshot.label, state.field, state.value, after, why, confidence,
                state.source_kind, state.row_id, state.row_version, before_text=state.value_text,
                action=action,
            )
        )  # fmt: skip

    def flag(state: FieldState, why: str, action: Action = "review") -> None:
        flags.append(
            Flag(
                snapshot.account_id, snapshot.label, state.field, state.value, why, state.row_id,
                state.row_version, step="normalise", action=action,
            )
        )  # fmt: skip

    fields = snapshot.fields
    if (name := fields.get("name")) is not None and isinstance(name.value, str):
        _name(name, propose)
    if (city := fields.get("city")) is not None and isinstance(city.value, str):
        tidy = " ".join(city.value.split())
        if tidy != city.value:
            propose(city, tidy, "extra whitespace in the city", WHITESPACE_CONFIDENCE)
    if (country := fields.get("country")) is not None and country.value is not None:
        _country(country, propose, flag)
    for field in NUMERIC_FIELDS:
        state = fields.get(field)
        if state is not None and state.value is not None:
            _number(state, propose, flag)
    _domain(snapshot, propose, flag)
    if (industry := fields.get("industry")) is not None and isinstance(industry.value, str):
        _industry(industry, vocabulary, propose, flag)
    return changes, flags


def _name(state: FieldState, propose: _Propose) -> None:
    assert isinstance(state.value, str)
    tidy = " ".join(state.value.split())
    if tidy != state.value:
        propose(state, tidy, "extra whitespace in the name", WHITESPACE_CONFIDENCE)
        return  # the case, if wrong too, is proposed on the next run, from the tidied name
    cased = proper_case(tidy)
    if cased is not None and cased != tidy:
        propose(state, cased, "name written in all capitals or all lower case", CASE_CONFIDENCE)


def proper_case(name: str) -> str | None:
    """``"ACME SOFTWARE GMBH"`` → ``"Acme Software GmbH"``; None for names whose case looks deliberate
    (mixed case, or capitals only in short words such as "IBM" or "SAP AG")."""
    letters = [char for char in name if char.isalpha()]
    if not letters:
        return None
    upper = all(char.isupper() for char in letters)
    lower = all(char.islower() for char in letters)
    words = name.split()
    if not (lower or (upper and any(sum(c.isalpha() for c in word) >= 4 for word in words))):
        return None
    cased = []
    for index, word in enumerate(words):
        folded = word.casefold()
        if folded in _LEGAL_FORM_CASE:
            cased.append(_LEGAL_FORM_CASE[folded])
        elif index > 0 and folded in _LOWER_JOINERS:
            cased.append(folded)
        elif upper and sum(char.isalpha() for char in word) <= 3:
            cased.append(word)  # an acronym: "IBM", "SAP", "BMW"
        else:
            cased.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(cased)


def _country(state: FieldState, propose: _Propose, flag: _Flag) -> None:
    text = state.value if isinstance(state.value, str) else str(state.value)
    try:
        code = require_country_code(text)
    except ValueError:
        flag(state, f"unknown country {text!r}: not an ISO 3166 country name or code")
        return
    if code != state.value:
        propose(state, code, f"country {text!r} as ISO 3166 alpha-2", COUNTRY_CONFIDENCE)


def _number(state: FieldState, propose: _Propose, flag: _Flag) -> None:
    value = state.value
    if isinstance(value, bool):
        flag(state, f"{state.field} is a yes/no value, not a number")
        return
    if isinstance(value, int):
        return
    if isinstance(value, dict):
        low, high = value.get("min"), value.get("max")
        if low is not None and low == high:
            propose(state, low, f"range {low}-{high} is one number", NUMBER_CONFIDENCE)
        elif low is not None and high is not None and low > high:
            flag(state, f"{state.field} range {low}-{high} runs backwards")
        return
    text = str(value)
    try:
        parsed = parse_crm_number(text)
    except ValueError as error:
        flag(state, f"{state.field} cannot be read as a number: {error}")
        return
    if state.field == "founded_year" and isinstance(parsed, NumRange):
        flag(state, f"founded_year {text!r} is a range, not a year")
        return
    after: JsonValue = parsed.as_json() if isinstance(parsed, NumRange) else parsed
    if isinstance(parsed, NumRange) and parsed.min == parsed.max:
        after = parsed.min
    propose(state, after, f"{state.field} {text!r} written as text", NUMBER_CONFIDENCE)


def _domain(snapshot: AccountSnapshot, propose: _Propose, flag: _Flag) -> None:
    domain = snapshot.fields.get("domain")
    if domain is not None and isinstance(domain.value, str):
        try:
            tidy = registrable_domain(domain.value)
        except ValueError:
            # left alone, not sent to review: without its domain the account could not be researched
            # (internal and test domains such as acme.example have no public suffix)
            return
        if tidy != domain.value:
            propose(domain, tidy, f"domain {domain.value!r} as its registrable domain", DOMAIN_CONFIDENCE)
        return
    website = snapshot.fields.get("website")
    if domain is None and website is not None and isinstance(website.value, str):
        try:
            found = registrable_domain(website.value)
        except ValueError:
            return  # a website we cannot read gives no domain; the website itself is left alone
        empty = FieldState("domain", None, None, website.source_kind, website.confidence)
        propose(empty, found, f"domain read from the website {website.value!r}", DOMAIN_CONFIDENCE)


def _industry(state: FieldState, vocabulary: IndustryVocabulary, propose: _Propose, flag: _Flag) -> None:
    assert isinstance(state.value, str)
    text = state.value
    if not vocabulary.labels:
        return
    reading = vocabulary.read(text)
    if reading.kind == "mapped" and reading.match is not None:
        match = reading.match
        why = {
            "exact": f"industry {text!r} is the list's {match.label!r}",
            "synonym": f"industry {text!r} is a synonym of {match.label!r}",
            "fuzzy": f"industry {text!r} looks like {match.matched!r}, i.e. {match.label!r}",
        }[match.how]
        propose(state, match.label, why, match.confidence)
    elif reading.kind == "unknown":
        flag(
            state,
            f"industry {text!r} is neither in the ruleset's list nor a known synonym: asking the industry "
            "smart field",
            action="research",
        )
    elif reading.kind == "outside_list" and " ".join(text.split()) != text:
        propose(state, " ".join(text.split()), "extra whitespace in the industry", WHITESPACE_CONFIDENCE)
