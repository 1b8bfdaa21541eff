"""Company and place names as duplicate detection compares them: folded, legal form set apart.

``Müller GmbH``, ``MUELLER G.m.b.H.`` and ``Müller`` all have the name key ``mueller``; the legal form
(``gmbh``) is kept apart, because "Acme GmbH" and "Acme AG" in one city may be two companies (a holding
and its operating company). Umlauts fold the German way (``ü`` → ``ue``) so both spellings meet; other
accents are dropped. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_GERMAN_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_WORD = re.compile(r"[^\w&+]+")

# Legal forms as tokens after folding; multi-word forms are joined first (see _JOINED_FORMS).
LEGAL_FORMS = frozenset(
    {
        "gmbh", "mbh", "ggmbh", "gesmbh", "ag", "se", "kg", "kgaa", "ohg", "gbr", "ug", "ek", "ev", "eg",
        "aktiengesellschaft", "gesellschaft_mbh", "gmbh_co_kg", "ag_co_kg", "se_co_kg", "ug_hb",
        "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp",
        "lp", "plc", "sa", "sl", "sarl", "sas", "bv", "nv", "as", "aps", "ab", "oy", "spa", "srl", "pty",
        "spzoo",
    }
)  # fmt: skip
_JOINED_FORMS = (
    (re.compile(r"\bgesellschaft mit beschraenkter haftung\b"), " gmbh "),
    (re.compile(r"\bgmbh (?:&|und|and|\+) co(?: kg)?\b"), " gmbh_co_kg "),
    (re.compile(r"\bag (?:&|und|and|\+) co(?: kg)?\b"), " ag_co_kg "),
    (re.compile(r"\bse (?:&|und|and|\+) co(?: kg)?\b"), " se_co_kg "),
    (re.compile(r"\bug haftungsbeschraenkt\b"), " ug_hb "),
    (re.compile(r"\bgesellschaft mbh\b"), " gesellschaft_mbh "),
    (re.compile(r"\bpty ltd\b"), " pty "),
    (re.compile(r"\bg m b h\b"), " gmbh "),
    (re.compile(r"\bl l c\b"), " llc "),
    (re.compile(r"\bl l p\b"), " llp "),
    (re.compile(r"\bl p\b"), " lp "),
    (re.compile(r"\bs a r l\b"), " sarl "),
    (re.compile(r"\bb v\b"), " bv "),
    (re.compile(r"\bn v\b"), " nv "),
    (re.compile(r"\bs a\b"), " sa "),
    (re.compile(r"\bs l\b"), " sl "),
    (re.compile(r"\ba s\b"), " as "),
    (re.compile(r"\bsp z o o\b"), " spzoo "),
    (re.compile(r"\bs p a\b"), " spa "),
    (re.compile(r"\bs r l\b"), " srl "),
    (re.compile(r"\be k\b"), " ek "),
    (re.compile(r"\be v\b"), " ev "),
)
# Spellings of one legal form: "Aktiengesellschaft" is an AG, "Limited" a Ltd.
_SAME_FORM = {
    "mbh": "gmbh", "gesmbh": "gmbh", "gesellschaft_mbh": "gmbh", "aktiengesellschaft": "ag",
    "limited": "ltd", "incorporated": "inc", "corporation": "corp", "company": "co",
}  # fmt: skip
# Words that join names; "Weiß & Söhne" and "Weiss und Soehne" are the same name.
_JOINERS = frozenset({"&", "+", "and", "und", "et", "the", "der", "die", "das"})


def fold(text: str) -> str:
    """Lowercase, German umlauts as ``ae/oe/ue``, ``ß`` as ``ss``, other accents dropped."""
    lowered = text.casefold().translate(_GERMAN_FOLDS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True, slots=True)
class NameKey:
    """A company name as duplicate detection sees it."""

    tokens: tuple[str, ...]  # the name's words, folded, legal forms and joiners removed
    legal_form: str | None  # the (last) legal form found, folded ("gmbh", "inc", "gmbh_co_kg")

    @property
    def text(self) -> str:
        """The words in their order: ``"mueller bau"``."""
        return " ".join(self.tokens)

    @property
    def sorted_text(self) -> str:
        """The words sorted, so word order does not matter when comparing: ``"bau mueller"``."""
        return " ".join(sorted(self.tokens))

    @property
    def compact(self) -> str:
        """The words without spaces: ``"acmesoft"`` for both "Acme Soft" and "AcmeSoft"."""
        return "".join(self.tokens)


@lru_cache(maxsize=4096)  # small: duplicate detection keys each account once, and the cache holds its name
def name_key(name: str) -> NameKey:
    """The :class:`NameKey` of a company name (never empty for a name with a letter or digit).

    Words and legal forms are interned: 100k accounts share a few thousand words ("software",
    "müller"), which then sit in memory once."""
    text = " " + " ".join(_NOT_WORD.sub(" ", fold(name).replace(".", " ")).split()) + " "
    for pattern, replacement in _JOINED_FORMS:
        text = pattern.sub(replacement, text)
    words = text.split()
    legal_form = None
    tokens: list[str] = []
    for word in words:
        if word in LEGAL_FORMS:
            legal_form = sys.intern(_SAME_FORM.get(word, word))
        elif word not in _JOINERS:
            tokens.append(sys.intern(word))
    if not tokens and words:
        # a name that is only a legal form or joiners ("AG") is its own key
        tokens = [word for word in words if word not in _JOINERS] or words
        legal_form = None
    return NameKey(tuple(tokens), legal_form)


def place_key(text: str | None) -> str | None:
    """A city as compared: folded, punctuation and spaces collapsed ("Frankfurt a.M." → ``frankfurt a m``)."""
    if text is None:
        return None
    key = " ".join(_NOT_WORD.sub(" ", fold(text)).split())
    return key or None
