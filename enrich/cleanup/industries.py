"""Industry strings → the ruleset's industry list: deterministic synonyms first, fuzzy suggestions next.

The *target list* is every industry the ruleset's conditions name (``industry in ['Software', …]``);
a ruleset that names none falls back to the labels of the industry smart field. A CRM string is
mapped by, in this order:

1. the list itself, ignoring case, spacing and ``&``/``and``/``und`` (``"it services"`` → ``IT Services``),
   confidence 0.98;
2. the synonym table below: each *concept* lists the words CRMs use for it in English and German
   (LinkedIn's industry names included); when the concept has a label in the target list, the string
   maps to it (``"Softwareentwicklung"`` → ``Software``), confidence 0.92;
3. otherwise, when the closest label or synonym is a near-spelling (rapidfuzz ``token_sort_ratio`` ≥ 90,
   ``"Sofware"``), a suggestion for review, confidence 0.70.

A string the table knows but whose concept is not in the list ("Manufacturing" for a SaaS ruleset) is
left alone: it is a correct industry outside the target market. Anything else is *unknown*: the cleanup
asks the industry smart field (an LLM, when configured) through the enrichment agent. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from enrich.cleanup.names import fold
from scoring.expressions import And, Compare, Expr, InList, Not, Or
from scoring.ruleset import Ruleset

EXACT_CONFIDENCE = 0.98
SYNONYM_CONFIDENCE = 0.92
FUZZY_CONFIDENCE = 0.70
FUZZY_MIN_SCORE = 90.0

# concept → spellings (the concept name is a spelling too)
CONCEPTS: dict[str, tuple[str, ...]] = {
    "Software": (
        "Computer Software", "Software Development", "Software Publisher", "Software Publishing",
        "SaaS", "Software as a Service", "Enterprise Software", "Softwareentwicklung",
        "Softwarehersteller", "Softwareanbieter", "Softwarehaus", "Software & Services",
    ),
    "IT Services": (
        "Information Technology and Services", "Information Technology & Services",
        "Information Technology", "IT", "IT Consulting", "IT Service", "IT Solutions",
        "Managed Services", "IT-Dienstleistungen", "IT-Dienstleister", "IT-Beratung", "Systemhaus",
        "IT und Services", "Computer Services",
    ),
    "Internet": ("Internet Services", "Online Services", "Online Media", "Web Services", "E-Business"),
    "Manufacturing": (
        "Maschinenbau", "Industrial Machinery", "Machinery", "Mechanical or Industrial Engineering",
        "Industrial Automation", "Industrial Engineering", "Fertigung", "Produktion", "Anlagenbau",
        "Industrial Manufacturing", "Elektrotechnik", "Electrical Engineering",
        "Electrical/Electronic Manufacturing",
    ),
    "Automotive": ("Automobilzulieferer", "Automobilindustrie", "Automotive Supplier", "Fahrzeugbau"),
    "Financial Services": (
        "Finance", "Financial", "Finanzdienstleistungen", "Finanzdienstleister", "FinTech",
        "Investment Management", "Capital Markets", "Payments",
    ),
    "Banking": ("Bank", "Banken", "Bankwesen", "Retail Banking"),
    "Insurance": ("Versicherung", "Versicherungen", "Versicherungswesen", "Insurance Brokers"),
    "Healthcare": (
        "Health Care", "Hospital & Health Care", "Hospitals and Health Care", "Medical Devices",
        "Medical Practice", "Medizintechnik", "Gesundheitswesen", "Gesundheit", "Pharmaceuticals",
        "Pharma", "Biotechnology", "Life Sciences",
    ),
    "Retail": (
        "Einzelhandel", "Handel", "E-Commerce", "Ecommerce", "Online Retail", "Consumer Goods",
        "Wholesale", "Großhandel",
    ),
    "Logistics": (
        "Logistics and Supply Chain", "Logistics & Supply Chain", "Logistik", "Spedition",
        "Transportation", "Transportation/Trucking/Railroad", "Transport", "Supply Chain", "Freight",
    ),
    "Consulting": ("Management Consulting", "Unternehmensberatung", "Beratung", "Advisory"),
    "Education": (
        "E-Learning", "Higher Education", "Bildung", "Education Management", "Training", "Schulung",
        "Weiterbildung", "Primary/Secondary Education",
    ),
    "Energy": (
        "Energie", "Utilities", "Renewables & Environment", "Renewable Energy", "Oil & Energy",
        "Energieversorgung", "Stadtwerke", "Versorger",
    ),
    "Construction": ("Bauwesen", "Bau", "Building Materials", "Baugewerbe", "Civil Engineering"),
    "Media": ("Publishing", "Verlag", "Medien", "Broadcast Media", "Entertainment"),
    "Marketing & Advertising": (
        "Marketing and Advertising", "Marketing", "Advertising", "Werbeagentur", "Werbung",
        "Marketingagentur", "Agentur",
    ),
    "Telecommunications": ("Telekommunikation", "Telecom", "Telco", "Wireless"),
    "Real Estate": ("Immobilien", "Property Management", "Commercial Real Estate"),
    "Government": ("Public Administration", "Öffentliche Verwaltung", "Behörde", "Government Administration"),
}  # fmt: skip

Match = Literal["exact", "synonym", "fuzzy"]


def _key(text: str) -> str:
    folded = fold(text).replace("&", " and ").replace("+", " and ").replace(" und ", " and ")
    folded = "".join(char if char.isalnum() else " " for char in folded)
    return " ".join(folded.split())


@dataclass(frozen=True)
class IndustryMatch:
    label: str
    how: Match
    confidence: float
    matched: str  # the list label or synonym that matched


@dataclass(frozen=True)
class IndustryReading:
    """What the vocabulary makes of one string: in the list, mapped, outside the list, or unknown."""

    kind: Literal["in_list", "mapped", "outside_list", "unknown"]
    match: IndustryMatch | None = None
    concept: str | None = None


class IndustryVocabulary:
    """The target list with the synonym table laid over it."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(dict.fromkeys(label.strip() for label in labels if label.strip()))
        self._labels = {_key(label): label for label in self.labels}
        self._concept_of: dict[str, str] = {}
        for concept, spellings in CONCEPTS.items():
            for spelling in (concept, *spellings):
                self._concept_of.setdefault(_key(spelling), concept)
        # each concept's label in the list: the concept's own name if listed, else its first listed spelling
        self._label_of_concept: dict[str, str] = {}
        for label in self.labels:
            owner = self._concept_of.get(_key(label))
            if owner is not None and (owner not in self._label_of_concept or _key(label) == _key(owner)):
                self._label_of_concept[owner] = label
        self._fuzzy_choices = sorted({*self._labels, *self._concept_of})

    def read(self, text: str) -> IndustryReading:
        key = _key(text)
        if not key:
            return IndustryReading("unknown")
        listed = self._labels.get(key)
        if listed is not None:
            if listed == text:
                return IndustryReading("in_list")
            return IndustryReading("mapped", IndustryMatch(listed, "exact", EXACT_CONFIDENCE, listed))
        concept = self._concept_of.get(key)
        if concept is not None:
            label = self._label_of_concept.get(concept)
            if label is None:
                return IndustryReading("outside_list", concept=concept)
            return IndustryReading(
                "mapped", IndustryMatch(label, "synonym", SYNONYM_CONFIDENCE, text), concept=concept
            )
        found = process.extractOne(
            key, self._fuzzy_choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_MIN_SCORE
        )
        if found is not None:
            nearest = found[0]
            label = self._labels.get(nearest) or self._label_of_concept.get(self._concept_of.get(nearest, ""))
            if label is not None:
                return IndustryReading("mapped", IndustryMatch(label, "fuzzy", FUZZY_CONFIDENCE, nearest))
            return IndustryReading("outside_list", concept=self._concept_of.get(nearest))
        return IndustryReading("unknown")


def ruleset_industries(ruleset: Ruleset) -> tuple[str, ...]:
    """Every industry the ruleset's fit rules and tiers compare with, in the order they appear."""
    found: list[str] = []
    expressions: Iterable[Expr] = (
        *(rule.condition for rule in ruleset.fit_rules.rules),
        *(tier.condition for tier in ruleset.tiers.tiers),
    )
    for expression in expressions:
        found.extend(_industry_literals(expression))
    return tuple(dict.fromkeys(found))


def _industry_literals(expression: Expr) -> list[str]:
    if isinstance(expression, And | Or):
        return [text for item in expression.items for text in _industry_literals(item)]
    if isinstance(expression, Not):
        return _industry_literals(expression.item)
    if isinstance(expression, InList) and expression.field == "industry":
        return [value for value in expression.values if isinstance(value, str)]
    if isinstance(expression, Compare) and expression.field == "industry":
        return [expression.value] if isinstance(expression.value, str) else []
    return []
