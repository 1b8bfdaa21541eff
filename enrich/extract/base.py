"""What every extractor shares: the page it reads, the findings it returns, and the one interface.

A page arrives exactly as the fetcher stored it. Every ``Finding`` points back into that stored text:
``page.text[finding.evidence_start:finding.evidence_end] == finding.evidence`` always holds, whatever
entities, umlauts or tags lie inside the quote. ``display_quote`` is the same passage as a person reads
it (tags dropped, entities decoded, whitespace collapsed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Literal, Protocol

from enrich.extract.markup import Tag, VisibleText, closing_indices, scan_tags, visible_text

# ``llm`` is not produced here; it is listed so the confidence rules can rank every kind in one place.
SourceKind = Literal["jsonld", "imprint", "page_text", "llm"]

# How the page states the value. ``at_least``: "over 1,200 employees" -> 1200 (a lower bound);
# ``at_most``: "seit 1987" -> founded_year 1987 at the latest; ``range``: "between 50 and 100".
Qualifier = Literal["exact", "approx", "at_least", "at_most", "range"]


@dataclass(frozen=True)
class ValueRange:
    """A closed range of whole numbers; ``maximum`` is None when the page gives only a lower bound."""

    minimum: int
    maximum: int | None

    def to_json(self) -> dict[str, int | None]:
        """The store's JSON form for ranges: ``{"min": .., "max": ..}``."""
        return {"min": self.minimum, "max": self.maximum}

    def __str__(self) -> str:
        return f"{self.minimum}-{self.maximum}" if self.maximum is not None else f"{self.minimum}+"


FieldValue = int | str | ValueRange


@dataclass(frozen=True)
class Page:
    """One fetched page as stored: ``text`` is the decoded body, byte for byte what the blob holds."""

    url: str
    final_url: str
    text: str
    sha256: str
    fetched_at: datetime


@dataclass(frozen=True)
class Finding:
    """One candidate value for one field, with the exact evidence that states it."""

    field: str
    value: FieldValue
    value_text: str  # the value as written on the page, for people
    qualifier: Qualifier
    source_kind: SourceKind
    evidence: str  # == page.text[evidence_start:evidence_end]
    evidence_start: int
    evidence_end: int
    display_quote: str
    extractor: str
    extractor_version: str
    source_url: str
    page_sha256: str
    fetched_at: datetime


@dataclass(frozen=True)
class Document:
    """A page plus the views of it that extractors share, each computed once on first use."""

    page: Page

    @cached_property
    def tags(self) -> list[Tag]:
        return scan_tags(self.page.text)

    @cached_property
    def closings(self) -> dict[int, int]:
        """Start tag index -> index of its end tag (see ``markup.closing_indices``)."""
        return closing_indices(self.tags)

    @cached_property
    def visible(self) -> VisibleText:
        return visible_text(self.page.text, self.tags)


class Extractor(Protocol):
    """Reads one page and returns candidate values. Pure: no network, no clock, no database."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def extract(self, document: Document) -> list[Finding]: ...


@dataclass(frozen=True)
class Statement:
    """What an extractor read, before provenance is attached: a value and where the page states it
    (``start``/``end`` in the stored text or in the visible text, depending on the maker's method)."""

    field_name: str
    value: FieldValue
    value_text: str
    qualifier: Qualifier
    start: int
    end: int


@dataclass(frozen=True)
class FindingMaker:
    """Builds findings for one extractor on one page, so every finding carries the same provenance."""

    document: Document
    extractor: str
    extractor_version: str
    source_kind: SourceKind

    def at_source(self, statement: Statement, display_quote: str | None = None) -> Finding:
        """A finding whose evidence is ``page.text[statement.start:statement.end]``."""
        page = self.document.page
        quote = page.text[statement.start : statement.end]
        return Finding(
            field=statement.field_name,
            value=statement.value,
            value_text=statement.value_text,
            qualifier=statement.qualifier,
            source_kind=self.source_kind,
            evidence=quote,
            evidence_start=statement.start,
            evidence_end=statement.end,
            display_quote=display_quote if display_quote is not None else " ".join(quote.split()),
            extractor=self.extractor,
            extractor_version=self.extractor_version,
            source_url=page.final_url,
            page_sha256=page.sha256,
            fetched_at=page.fetched_at,
        )

    def at_visible(self, statement: Statement) -> Finding:
        """A finding for ``visible.text[statement.start:statement.end]``, mapped back to stored offsets."""
        visible = self.document.visible
        source_start, source_end = visible.source_span(statement.start, statement.end)
        in_source = replace(
            statement, value_text=" ".join(statement.value_text.split()), start=source_start, end=source_end
        )
        return self.at_source(in_source, " ".join(visible.text[statement.start : statement.end].split()))
