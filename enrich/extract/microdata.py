"""schema.org Organization in HTML microdata (``itemscope itemtype=".../Organization"`` + ``itemprop``).

Each property belongs to its nearest enclosing ``itemscope``; an organisation's own properties and those
of its ``address`` (PostalAddress) and ``numberOfEmployees`` (QuantitativeValue) are read. Evidence is the
property's element exactly as it stands in the page. Reported with source kind ``jsonld`` (structured
data), extractor ``microdata``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from enrich.extract import schema_org
from enrich.extract.base import Document, Finding, FindingMaker
from enrich.extract.markup import VOID_ELEMENTS, plain_text


@dataclass(frozen=True)
class _Property:
    name: str
    value: str
    start: int  # the element's span in the page text: the evidence
    end: int
    scope: int | None  # index (into tags) of the itemscope this element opens, if it opens one


@dataclass(frozen=True)
class _Scope:
    opening: int  # tag index of the element with ``itemscope``
    closing: int
    types: list[str]


def _scopes_and_properties(document: Document) -> tuple[list[_Scope], dict[int, list[_Property]]]:
    """All item scopes, and the properties each owns (by the scope's opening tag index). One pass."""
    tags, text, closings = document.tags, document.page.text, document.closings
    scopes: list[_Scope] = []
    owned: dict[int, list[_Property]] = {}
    enclosing: list[_Scope] = []
    for index, tag in enumerate(tags):
        while enclosing and enclosing[-1].closing < index:
            enclosing.pop()
        if tag.kind != "start":
            continue
        closing = closings.get(index)
        if "itemprop" in tag.attrs and enclosing:
            end = tags[closing].end if closing is not None else tag.end
            value = tag.attr("content") or tag.attr("datetime") or tag.attr("href")
            if value is None and closing is not None:
                value = plain_text(text[tag.end : tags[closing].start])
            opens_scope = index if "itemscope" in tag.attrs else None
            for name in (tag.attr("itemprop") or "").split():
                prop = _Property(name, value or "", tag.start, end, opens_scope)
                owned.setdefault(enclosing[-1].opening, []).append(prop)
        if "itemscope" in tag.attrs:
            last = index if tag.name in VOID_ELEMENTS else (closing if closing is not None else len(tags) - 1)
            scope = _Scope(index, last, (tag.attr("itemtype") or "").split())
            scopes.append(scope)
            enclosing.append(scope)
    return scopes, owned


class MicrodataExtractor:
    """Firmographics from microdata Organization items."""

    name = "microdata"
    version = "1"

    def extract(self, document: Document) -> list[Finding]:
        maker = FindingMaker(document, self.name, self.version, "jsonld")
        scopes, owned = _scopes_and_properties(document)
        findings: list[Finding] = []
        for scope in scopes:
            if schema_org.is_organisation(scope.types):
                findings.extend(self._organisation(maker, owned, owned.get(scope.opening, [])))
        return findings

    def _organisation(
        self, maker: FindingMaker, owned: dict[int, list[_Property]], properties: list[_Property]
    ) -> Iterator[Finding]:
        for prop in properties:
            nested = owned.get(prop.scope, []) if prop.scope is not None else []
            if prop.name == "numberOfEmployees":
                parts = {item.name: item.value for item in nested}
                value = prop.value if not nested else parts.get("value")
                normalised = schema_org.employee_count(value, parts.get("minValue"), parts.get("maxValue"))
                if normalised is not None:
                    yield _finding(maker, "employee_count", normalised, prop)
            elif prop.name == "foundingDate":
                year = schema_org.founding_year(prop.value)
                if year is not None:
                    yield _finding(maker, "founded_year", year, prop)
            elif prop.name in schema_org.TEXT_PROPERTIES and prop.value.strip() and prop.scope is None:
                text = prop.value.strip()
                field_name = schema_org.TEXT_PROPERTIES[prop.name]
                yield _finding(maker, field_name, schema_org.Normalised(text, text, "exact"), prop)
            elif prop.name == "address":
                yield from self._address(maker, nested)

    def _address(self, maker: FindingMaker, properties: list[_Property]) -> Iterator[Finding]:
        for prop in properties:
            field_name = schema_org.ADDRESS_PROPERTIES.get(prop.name)
            normalised = schema_org.address_part(field_name, prop.value) if field_name else None
            if field_name is not None and normalised is not None:
                yield _finding(maker, field_name, normalised, prop)


def _finding(
    maker: FindingMaker, field_name: str, normalised: schema_org.Normalised, prop: _Property
) -> Finding:
    return maker.at_source(normalised.stated(field_name, prop.start, prop.end))
