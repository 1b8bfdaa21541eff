"""Extraction + decisions measured on 150 generated sites of real S&P 500 companies (tests/fixtures/sp500).

Targets (issue "Enrichment agent, part 1"): at least 98 % of accepted employee counts correct, no
employee count accepted where the site states none, at least 80 % of stated employee counts found
(accepted or waiting for review). Run with ``pytest -s`` to see the figures.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from enrich.evaluate import EvaluationReport, Truth, evaluate
from enrich.extract import FieldValue, Page, discover_pages

SP500 = Path(__file__).resolve().parent / "fixtures" / "sp500"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
ACCEPT_THRESHOLD = 0.85


def read_truth() -> Truth:
    truth: dict[str, dict[str, FieldValue | None]] = {}
    with (SP500 / "TRUTH.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth[row["domain"]] = {
                "employee_count": int(row["stated_employee_count"]) if row["stated_employee_count"] else None,
                "founded_year": int(row["founded_year"]) if row["founded_year"] else None,
                "country": row["country"] or None,
                "city": row["city"] or None,
            }
    return truth


def fixture_page(domain: str, url: str) -> Page | None:
    """The stored page for ``url`` (www and apex alike), as the fetcher would hand it over; None = 404."""
    path = urlsplit(url).path.strip("/")
    file = SP500 / "sites" / domain / (f"{path}/index.html" if path else "index.html")
    if not file.is_file():
        return None
    body = file.read_text(encoding="utf-8")
    return Page(url, url, body, hashlib.sha256(body.encode()).hexdigest(), NOW)


def site_pages(domain: str) -> list[Page]:
    """Discover from the homepage and the sitemap, then 'fetch' what discovery chose."""
    homepage_url = f"https://{domain}/"
    homepage = fixture_page(domain, homepage_url)
    assert homepage is not None, f"{domain}: fixture has no homepage"
    sitemap = (SP500 / "sites" / domain / "sitemap.xml").read_text(encoding="utf-8")
    candidates = discover_pages(homepage_url, homepage.text, sitemap_xml=sitemap)
    pages = [homepage]
    for candidate in candidates[1:]:
        page = fixture_page(domain, candidate.url)
        if page is not None:
            pages.append(page)
    return pages


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    truth = read_truth()
    sites = {domain: site_pages(domain) for domain in truth}
    result = evaluate(sites, truth, now=NOW, accept_threshold=ACCEPT_THRESHOLD)
    print("\n" + result.render())
    return result


def test_fixture_set_is_the_150_companies_with_their_truth() -> None:
    truth = read_truth()
    assert len(truth) == 150
    unstated = [domain for domain, fields in truth.items() if fields["employee_count"] is None]
    assert 0.12 <= len(unstated) / len(truth) <= 0.2, f"{len(unstated)} sites without a head count"


def test_at_least_98_percent_of_accepted_employee_counts_are_correct(report: EvaluationReport) -> None:
    employees = report.fields["employee_count"]
    assert employees.accepted > 0, "nothing accepted at all: the target would be vacuous"
    assert employees.precision is not None and employees.precision >= 0.98, employees.mistakes


def test_no_employee_count_is_accepted_where_the_site_states_none(report: EvaluationReport) -> None:
    assert report.fields["employee_count"].false_accepts == 0


def test_at_least_80_percent_of_stated_employee_counts_are_found(report: EvaluationReport) -> None:
    employees = report.fields["employee_count"]
    assert employees.coverage is not None and employees.coverage >= 0.80, employees.missed


def test_no_value_of_any_field_is_accepted_where_the_site_states_none(report: EvaluationReport) -> None:
    assert {name: field.false_accepts for name, field in report.fields.items()} == dict.fromkeys(
        report.fields, 0
    )


def test_values_accepted_at_090_or_more_are_at_least_90_percent_right(report: EvaluationReport) -> None:
    top = report.calibration[-1]
    assert top.values > 0 and top.accuracy is not None and top.accuracy >= 0.9


def test_soft_404_pages_on_the_fixture_sites_are_refused_not_mined(report: EvaluationReport) -> None:
    assert report.refused_pages["soft_404"] >= 1
    assert set(report.refused_pages) == {"soft_404"}, "only the planted soft 404 pages may be refused"
