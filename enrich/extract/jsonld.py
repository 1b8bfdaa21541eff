"""schema.org Organization (and subtypes) in ``<script type="application/ld+json">`` blocks.

Reads organisations at the top level, inside ``@graph`` and under the properties that point at the site's
own organisation (``publisher``, ``mainEntity``, ``about`` ...); never under ``parentOrganization``,
``subOrganization``, ``member`` and the like, whose figures belong to someone else. The evidence of each
finding is the ``"property": value`` pair exactly as it stands in the page.
"""

from __future__ import annotations

from collections.abc import Iterator

from enrich.extract import schema_org
from enrich.extract.base import Document, Finding, FindingMaker
from enrich.extract.located_json import JsonMember, JsonNode, parse_located

# Properties through which a page points at its own organisation.
_OWN_ENTITY_KEYS = ("@graph", "mainEntity", "about", "publisher", "provider", "mainEntityOfPage", "isPartOf")


def _types(node: JsonNode) -> list[str]:
    member = node.get("@type")
    if member is None:
        return []
    if isinstance(member.node.scalar, str):
        return [member.node.scalar]
    return [item.scalar for item in member.node.items or [] if isinstance(item.scalar, str)]


def organisations(node: JsonNode) -> Iterator[JsonNode]:
    """Every organisation object reachable from ``node`` through the site's own-entity properties."""
    if node.items is not None:
        for item in node.items:
            yield from organisations(item)
        return
    if node.members is None:
        return
    if schema_org.is_organisation(_types(node)):
        yield node
    for key in _OWN_ENTITY_KEYS:
        member = node.get(key)
        if member is not None:
            yield from organisations(member.node)


def _json_blocks(document: Document) -> Iterator[JsonNode]:
    text = document.page.text
    for tag in document.tags:
        if tag.kind != "start" or tag.name != "script" or tag.content_end is None:
            continue
        if (tag.attr("type") or "").split(";")[0].strip().lower() != "application/ld+json":
            continue
        start, end = tag.end, tag.content_end
        content = text[start:end]
        # Some sites wrap the JSON in an HTML comment or CDATA marker: skip the wrapper, keep offsets.
        for opener, closer in (("<!--", "-->"), ("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>")):
            stripped = content.strip()
            if stripped.startswith(opener) and stripped.endswith(closer):
                start = text.index(opener, start) + len(opener)
                end = text.rindex(closer, start, end)
        while end > start and text[end - 1] in " \t\r\n;":
            end -= 1
        try:
            yield parse_located(text, start, end)
        except ValueError:
            continue  # broken JSON-LD is common; the page text may still say the same


def _scalars(node: JsonNode) -> list[JsonNode]:
    if node.items is not None:
        return [item for item in node.items if item.members is None and item.items is None]
    return [] if node.members is not None else [node]


class JsonLdExtractor:
    """Firmographics from JSON-LD Organization data."""

    name = "jsonld"
    version = "1"

    def extract(self, document: Document) -> list[Finding]:
        maker = FindingMaker(document, self.name, self.version, "jsonld")
        findings: list[Finding] = []
        for block in _json_blocks(document):
            for organisation in organisations(block):
                findings.extend(self._organisation(maker, organisation))
        return findings

    def _organisation(self, maker: FindingMaker, organisation: JsonNode) -> Iterator[Finding]:
        employees = organisation.get("numberOfEmployees")
        if employees is not None:
            yield from self._employees(maker, employees)
        founding = organisation.get("foundingDate")
        if founding is not None and isinstance(founding.node.scalar, str | int):
            year = schema_org.founding_year(str(founding.node.scalar))
            if year is not None:
                yield _finding(maker, "founded_year", year, founding)
        for key, field_name in schema_org.TEXT_PROPERTIES.items():
            member = organisation.get(key)
            if member is None:
                continue
            for item in _named_items(member.node):
                text = str(item.scalar).strip()
                if text:
                    normalised = schema_org.Normalised(text, text, "exact")
                    yield _finding(maker, field_name, normalised, JsonMember(member.key_start, item), member)
        address = organisation.get("address")
        if address is not None:
            yield from self._addresses(maker, address.node)

    def _employees(self, maker: FindingMaker, member: JsonMember) -> Iterator[Finding]:
        node = member.node
        for entry in node.items if node.items is not None else [node]:
            if entry.members is not None:
                parts = [entry.get(key) for key in ("value", "minValue", "maxValue")]
                raw = [_scalar_number(part) for part in parts]
                normalised = schema_org.employee_count(raw[0], raw[1], raw[2])
            else:
                normalised = schema_org.employee_count(_scalar_number_node(entry), None, None)
            if normalised is not None:
                yield _finding(maker, "employee_count", normalised, member)

    def _addresses(self, maker: FindingMaker, node: JsonNode) -> Iterator[Finding]:
        for address in node.items if node.items is not None else [node]:
            for key, field_name in schema_org.ADDRESS_PROPERTIES.items():
                member = address.get(key)
                if member is None:
                    continue
                normalised = schema_org.address_part(field_name, _text_of(member.node) or "")
                if normalised is not None:
                    yield _finding(maker, field_name, normalised, member)


def _named_items(node: JsonNode) -> list[JsonNode]:
    """Strings, or the ``name`` of Things (``knowsAbout`` often holds ``{"@type": "Thing", "name": ..}``)."""
    named: list[JsonNode] = []
    for item in node.items if node.items is not None else [node]:
        if item.members is not None:
            name = item.get("name")
            if name is not None and isinstance(name.node.scalar, str):
                named.append(name.node)
        elif isinstance(item.scalar, str | int):
            named.append(item)
    return named


def _text_of(node: JsonNode) -> str | None:
    if node.members is not None:
        name = node.get("name")
        return _text_of(name.node) if name is not None else None
    scalars = _scalars(node)
    if len(scalars) != 1 or not isinstance(scalars[0].scalar, str | int):
        return None
    return str(scalars[0].scalar).strip() or None


def _scalar_number_node(node: JsonNode) -> str | int | float | None:
    scalar = node.scalar
    return scalar if isinstance(scalar, str | int | float) and not isinstance(scalar, bool) else None


def _scalar_number(member: JsonMember | None) -> str | int | float | None:
    return None if member is None else _scalar_number_node(member.node)


def _finding(
    maker: FindingMaker,
    field_name: str,
    normalised: schema_org.Normalised,
    member: JsonMember,
    whole: JsonMember | None = None,
) -> Finding:
    """Evidence is ``"key": value``; for one item of a list the key of the whole list starts the quote."""
    return maker.at_source(normalised.stated(field_name, (whole or member).key_start, member.node.end))
