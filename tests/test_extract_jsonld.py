"""Structured data: JSON-LD and microdata Organization, evidence quoted from the page exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrich.extract import Document, Finding, Page, ValueRange
from enrich.extract.jsonld import JsonLdExtractor
from enrich.extract.microdata import MicrodataExtractor

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def read(html: str, extractor: JsonLdExtractor | MicrodataExtractor) -> dict[str, list[Finding]]:
    page = Page("https://acme.example/", "https://acme.example/", html, "0" * 64, NOW)
    grouped: dict[str, list[Finding]] = {}
    for finding in extractor.extract(Document(page)):
        assert html[finding.evidence_start : finding.evidence_end] == finding.evidence, finding
        assert finding.source_kind == "jsonld"
        grouped.setdefault(finding.field, []).append(finding)
    return grouped


def ld(body: str) -> str:
    return f'<html><head><script type="application/ld+json">{body}</script></head><body></body></html>'


@pytest.mark.parametrize(
    ("employees", "value", "qualifier"),
    [
        ("1200", 1200, "exact"),
        ('"1,200"', 1200, "exact"),
        ('"500+"', 500, "at_least"),
        ('"50-200"', ValueRange(50, 200), "range"),
        ('{"@type": "QuantitativeValue", "value": 3182}', 3182, "exact"),
        ('{"@type": "QuantitativeValue", "minValue": 50, "maxValue": 200}', ValueRange(50, 200), "range"),
        ('{"@type": "QuantitativeValue", "minValue": 1000}', 1000, "at_least"),
    ],
)
def test_number_of_employees_in_every_schema_org_form(employees: str, value: object, qualifier: str) -> None:
    found = read(ld(f'{{"@type": "Organization", "numberOfEmployees": {employees}}}'), JsonLdExtractor())
    [finding] = found["employee_count"]
    assert (finding.value, finding.qualifier) == (value, qualifier)
    assert finding.evidence == f'"numberOfEmployees": {employees}'


def test_organisation_subtypes_inside_a_graph_give_all_firmographics() -> None:
    body = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "publisher": {"@id": "#org"}},'
        ' {"@type": ["Corporation"], "@id": "#org", "legalName": "M\\u00fcller Maschinenbau GmbH",'
        ' "foundingDate": "1998-04-01", "knowsAbout": ["CNC", {"@type": "Thing", "name": "Robotik"}],'
        ' "naics": "333517", "industry": "Maschinenbau",'
        ' "address": {"@type": "PostalAddress", "addressLocality": "München", "postalCode": "80331",'
        ' "addressCountry": {"@type": "Country", "name": "Deutschland"}}}]}'
    )
    found = read(ld(body), JsonLdExtractor())
    assert [f.value for f in found["legal_name"]] == ["Müller Maschinenbau GmbH"]
    assert found["legal_name"][0].evidence == '"legalName": "M\\u00fcller Maschinenbau GmbH"'
    assert [f.value for f in found["founded_year"]] == [1998]
    assert [f.value for f in found["city"]] == ["München"]
    assert [f.value for f in found["country"]] == ["DE"]
    assert [f.value for f in found["industry_hint"]] == ["CNC", "Robotik"]
    assert [f.value for f in found["industry"]] == ["Maschinenbau"]
    assert [f.value for f in found["naics_code"]] == ["333517"]


@pytest.mark.parametrize("business", ["LocalBusiness", "ProfessionalService", "AutoRepairBusiness", "NGO"])
def test_local_business_and_other_organisation_subtypes_count(business: str) -> None:
    found = read(ld(f'{{"@type": "{business}", "numberOfEmployees": 12}}'), JsonLdExtractor())
    assert [f.value for f in found["employee_count"]] == [12]


def test_parent_organisations_and_non_organisations_are_not_read() -> None:
    body = (
        '[{"@type": "Organization", "name": "Acme", "parentOrganization": {"@type": "Organization",'
        ' "numberOfEmployees": 99000}}, {"@type": "Product", "numberOfEmployees": 5}]'
    )
    found = read(ld(body), JsonLdExtractor())
    assert "employee_count" not in found
    assert [f.value for f in found["name"]] == ["Acme"]


def test_broken_json_ld_is_skipped_and_other_blocks_still_read() -> None:
    html = ld('{"@type": "Organization", "numberOfEmployees": 12,}') + ld(
        '<!-- {"@type": "Organization", "numberOfEmployees": 40} -->'
    )
    assert [f.value for f in read(html, JsonLdExtractor())["employee_count"]] == [40]


def test_microdata_organisation_with_nested_address_and_quantitative_value() -> None:
    html = (
        '<div itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Acme Inc.</span>'
        '<meta itemprop="foundingDate" content="1975">'
        '<div itemprop="numberOfEmployees" itemscope itemtype="https://schema.org/QuantitativeValue">'
        '<span itemprop="value">3&#44;182</span></div>'
        '<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">'
        '<span itemprop="addressLocality">Houston</span> <span itemprop="addressCountry">US</span></div>'
        '<div itemprop="brand" itemscope itemtype="https://schema.org/Brand">'
        '<span itemprop="name">Widget</span>'
        "</div></div>"
    )
    found = read(html, MicrodataExtractor())
    assert [f.value for f in found["employee_count"]] == [3182]
    assert found["employee_count"][0].evidence.startswith('<div itemprop="numberOfEmployees"')
    assert [f.value for f in found["founded_year"]] == [1975]
    assert [f.value for f in found["name"]] == ["Acme Inc."]
    assert [f.value for f in found["city"]] == ["Houston"]
    assert [f.value for f in found["country"]] == ["US"]


def test_microdata_of_other_item_types_is_ignored() -> None:
    product = '<div itemscope itemtype="https://schema.org/Product">'
    html = product + '<span itemprop="numberOfEmployees">9</span></div>'
    assert read(html, MicrodataExtractor()) == {}
