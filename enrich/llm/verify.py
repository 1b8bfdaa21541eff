"""Checking a model's answer against the fetched pages: type, bounds, verbatim quote, value in quote.

An answer becomes a *verified* candidate only if, in this order,

1. it is a JSON object of the right shape and type (else ``invalid_json``);
2. it states a value (else ``unknown``) within the field's bounds, in the allowed list for enums,
   a real ISO 3166-1 code for countries (else ``out_of_bounds``);
3. its ``evidence`` quote occurs in the visible text of one of the pages, compared after
   ``normalise`` (else ``quote_not_found``); the match is mapped back to exact offsets;
4. the quoted page text is not phrased as an instruction to a model (else ``quote_is_instruction``);
5. the quoted page text contains the value (else ``quote_lacks_value``):
   numbers — a written number that can mean the value (``numbers``), and for numeric fields one of
   the field's keywords too, so a bare number or a phone number is no evidence; ranges — both ends;
   years — the four digits; countries — the country's English or German name (``enrich.countries``);
   enums — the label itself or one of its ``value_terms``, or every word (3+ letters) of the label;
   booleans — one of ``value_terms.true`` / ``value_terms.false`` (the field's keywords when none
   are given); short text — the value itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from enrich.countries import alpha_3, country_names, is_country_code
from enrich.llm.answers import AnswerRejected, ModelAnswer, parse_answer, typed_value
from enrich.llm.injection import looks_like_instruction
from enrich.llm.normalise import normalise, normalised
from enrich.llm.smart_fields import SmartField
from enrich.llm.snippets import mentions_keyword
from enrich.llm.visible_text import PageSpan, SourcePage
from enrich.numbers import NumberMention, find_integer, number_mentions

Status = Literal["verified", "rejected", "unknown"]
Value = int | str | bool | dict[str, int]
_QUOTE_WRAPPERS = "\"'“”„‚‘’«»‹› \t\n"
DEFAULT_MIN_YEAR = 1600


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer (``reason`` is None only when verified)."""

    status: Status
    reason: str | None
    detail: str
    value: Value | None = None
    value_text: str | None = None
    evidence: str | None = None
    match: PageSpan | None = None
    model_confidence: float | None = None
    raw_value: object = None  # what the model answered, kept for the record when rejected


def clean_quote(evidence: str) -> str:
    """The quote without surrounding quote marks, whitespace or ellipses the model added."""
    quote = evidence.strip(_QUOTE_WRAPPERS)
    for ellipsis in ("...", "…"):
        quote = quote.removeprefix(ellipsis).removesuffix(ellipsis)
    return quote.strip(_QUOTE_WRAPPERS)


def locate_quote(quote: str, pages: list[SourcePage]) -> PageSpan | None:
    """The first place, in page order, where ``quote`` occurs after normalisation."""
    needle = normalised(quote)
    if not needle:
        return None
    for page in pages:
        haystack = normalise(page.text)
        index = haystack.text.find(needle)
        if index >= 0:
            start, end = haystack.original_span(index, index + len(needle))
            return PageSpan(page, start, end)
    return None


def find_term(text: str, term: str) -> str | None:
    """``term`` in ``text`` at a word start, compared normalised; returns the matching part of ``text``."""
    needle = normalised(term)
    if not needle:
        return None
    haystack = normalise(text)
    match = re.search(r"(?<!\w)" + re.escape(needle), haystack.text)
    if match is None:
        return None
    start, end = haystack.original_span(match.start(), match.end())
    return text[start:end]


@cache
def _normalised_country_names(code: str) -> tuple[str, ...]:
    # longest first, so "united states of america" wins over "united states" where both match
    return tuple(
        sorted({normalised(name) for name in country_names(code)}, key=lambda name: (-len(name), name))
    )


def find_country(quote: str, code: str) -> str | None:
    """The text in ``quote`` that names country ``code``: a name in English or German, a short form or
    adjective (``enrich.countries.country_names``), or the alpha-3 code in capitals as its own word."""
    for name in _normalised_country_names(code):
        found = find_term(quote, name)
        if found is not None:
            return found
    # alpha-2 codes are not accepted on their own: "IN", "DE", "IT" are everyday words in capitals
    code_3 = alpha_3(code)
    if code_3 and re.search(r"(?<![\w-])" + code_3 + r"(?![\w-])", quote):
        return code_3
    return None


def _check_bounds(
    field: SmartField, value: Value, allowed_values: tuple[str, ...], current_year: int
) -> Value:
    if field.type == "enum":
        by_folded = {label.casefold(): label for label in allowed_values}
        label = by_folded.get(str(value).casefold())
        if label is None:
            raise AnswerRejected("out_of_bounds", f"{value!r} is not one of the allowed values")
        return label
    if field.type == "iso_country":
        if not is_country_code(str(value)):
            raise AnswerRejected("out_of_bounds", f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return value
    if not field.is_numeric:
        return value
    is_year = field.type == "year"
    low = field.min_value if field.min_value is not None else (DEFAULT_MIN_YEAR if is_year else None)
    high = field.max_value if field.max_value is not None else (current_year if is_year else None)
    ends = [value["min"], value["max"]] if isinstance(value, dict) else [value]
    for end in ends:
        assert isinstance(end, int)
        if (low is not None and end < low) or (high is not None and end > high):
            raise AnswerRejected("out_of_bounds", f"{end} is outside {field.name}'s bounds {low}..{high}")
    return value


def _numbers_in(field: SmartField, quote: str, value: Value) -> str:
    if not mentions_keyword(quote, field.keywords):
        raise AnswerRejected("quote_lacks_value", f"the quote does not mention {field.name} (no keyword)")
    if field.type == "year":
        found: NumberMention | None = next((m for m in number_mentions(quote) if m.text == str(value)), None)
        if found is None:
            raise AnswerRejected("quote_lacks_value", f"the quote does not contain the year {value}")
        return found.text
    ends = [value["min"], value["max"]] if isinstance(value, dict) else [value]
    texts = []
    for end in ends:
        assert isinstance(end, int)
        mention = find_integer(quote, end)
        if mention is None:
            raise AnswerRejected("quote_lacks_value", f"the quote does not contain the number {end}")
        texts.append(mention.text)
    return "-".join(texts)


def _support_terms(field: SmartField, value: Value) -> tuple[str, ...]:
    if field.type == "boolean":
        return field.value_terms.get("true" if value else "false") or field.keywords
    assert isinstance(value, str)
    return (value, *field.value_terms.get(value, ()))


def value_in_quote(field: SmartField, quote: str, value: Value) -> str:
    """The text in ``quote`` that states ``value``; AnswerRejected('quote_lacks_value') if none."""
    if field.is_numeric:
        return _numbers_in(field, quote, value)
    if field.type == "iso_country":
        named = find_country(quote, str(value))
        if named is None:
            raise AnswerRejected("quote_lacks_value", f"the quote does not name the country {value}")
        return named
    if field.type == "short_text":
        found = find_term(quote, str(value))
        if found is None:
            raise AnswerRejected("quote_lacks_value", f"the quote does not contain {value!r}")
        return found
    for term in _support_terms(field, value):
        found = find_term(quote, term)
        if found:
            return found
    if field.type == "enum":
        words = [word for word in re.findall(r"\w+", str(value)) if len(word) >= 3]
        if words and all(find_term(quote, word) for word in words):
            return str(value)
    raise AnswerRejected("quote_lacks_value", f"nothing in the quote supports {value!r}")


def verify_answer(
    field: SmartField,
    content: str,
    pages: list[SourcePage],
    *,
    allowed_values: tuple[str, ...] = (),
    current_year: int,
) -> Verdict:
    """Check the model's reply ``content`` for ``field`` against ``pages`` (see the module docstring)."""
    answer: ModelAnswer | None = None
    try:
        answer = parse_answer(content)
        if answer.unknown or answer.value is None:
            return Verdict(
                "unknown", "unknown", "the model found no value", model_confidence=answer.confidence
            )
        value = _check_bounds(field, typed_value(field, answer.value), allowed_values, current_year)
        quote = clean_quote(answer.evidence or "")
        match = locate_quote(quote, pages)
        if match is None:
            detail = "no evidence quote given" if not quote else "the quote is not in the fetched text"
            raise AnswerRejected("quote_not_found", detail)
        if looks_like_instruction(match.text):
            raise AnswerRejected("quote_is_instruction", "the quote is an instruction, not a statement")
        value_text = value_in_quote(field, match.text, value)
    except AnswerRejected as rejected:
        return Verdict(
            "rejected",
            rejected.reason,
            rejected.detail,
            evidence=answer.evidence if answer else None,
            model_confidence=answer.confidence if answer else None,
            raw_value=answer.value if answer else None,
        )
    return Verdict(
        "verified",
        None,
        "quote found on the page and contains the value",
        value=value,
        value_text=value_text,
        evidence=match.text,
        match=match,
        model_confidence=answer.confidence,
        raw_value=answer.value,
    )
