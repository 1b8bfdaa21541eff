"""Deterministic extraction: page discovery, page classification and the extractors. Pure: text in, data out.

    discover_pages(homepage_url, homepage_html, sitemap_xml=...) -> which pages to fetch
    extract_page(page, now=...)         -> PageExtraction (classification + findings)
    findings_by_field(extractions)      -> input of enrich.confidence.decide

Fields produced: employee_count (int, or ValueRange), founded_year, city, country (ISO alpha-2),
postal_code, street_address, legal_name, name, industry, industry_hint, naics_code, isic_code,
commercial_register, vat_id, managing_director.
"""

from enrich.extract.base import (
    Document,
    Extractor,
    FieldValue,
    Finding,
    Page,
    Qualifier,
    SourceKind,
    ValueRange,
)
from enrich.extract.classify import PageClassification, PageKind, classify_page
from enrich.extract.discovery import PageCandidate, discover_pages, registrable_domain, sitemap_candidates
from enrich.extract.runner import (
    DEFAULT_EXTRACTORS,
    EXTRACTORS,
    PageExtraction,
    extract_page,
    findings_by_field,
)

__all__ = [
    "DEFAULT_EXTRACTORS",
    "EXTRACTORS",
    "Document",
    "Extractor",
    "FieldValue",
    "Finding",
    "Page",
    "PageCandidate",
    "PageClassification",
    "PageExtraction",
    "PageKind",
    "Qualifier",
    "SourceKind",
    "ValueRange",
    "classify_page",
    "discover_pages",
    "extract_page",
    "findings_by_field",
    "registrable_domain",
    "sitemap_candidates",
]
