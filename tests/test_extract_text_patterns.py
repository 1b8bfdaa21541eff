"""Page-text patterns: head counts, founding years and head offices in English and German."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrich.extract import Document, Finding, Page, ValueRange
from enrich.extract.text_patterns import TextPatternsExtractor
from enrich.numbers import parse_page_number

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def findings(html: str, field: str | None = None) -> list[Finding]:
    page = Page("https://acme.example/about", "https://acme.example/about", html, "0" * 64, NOW)
    found = TextPatternsExtractor().extract(Document(page))
    for finding in found:
        assert html[finding.evidence_start : finding.evidence_end] == finding.evidence, finding
    return [finding for finding in found if field is None or finding.field == field]


def head_counts(html: str) -> list[tuple[object, str]]:
    return [(finding.value, finding.qualifier) for finding in findings(html, "employee_count")]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>We have over 1,200 employees.</p>", (1200, "at_least")),
        ("<p>More than 500 people work at Acme.</p>", (500, "at_least")),
        ("<p>We are a team of 45.</p>", (45, "exact")),
        ("<p>Acme has 3,182 full-time employees.</p>", (3182, "exact")),
        ("<p>500+ employees across Europe</p>", (500, "at_least")),
        ("<div><strong>1,400+</strong><span>employees</span></div>", (1400, "at_least")),
        ("<p>between 50 and 100 employees</p>", (ValueRange(50, 100), "range")),
        ("<p>The company employs approximately 3,182 people.</p>", (3182, "approx")),
        ("<table><tr><th>Employees</th><td>3,182</td></tr></table>", (3182, "exact")),
    ],
)
def test_english_head_count_phrasings_are_read_with_their_qualifier(
    html: str, expected: tuple[object, str]
) -> None:
    assert head_counts(html) == [expected]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Heute arbeiten 1.200 Mitarbeiter bei uns.</p>", (1200, "exact")),
        ("<p>mehr als 500 Mitarbeitende</p>", (500, "at_least")),
        ("<p>rund 80 Beschäftigte</p>", (80, "approx")),
        ("<p>&Uuml;ber 2.000 Kolleginnen und Kollegen</p>", (2000, "at_least")),
        ("<p>1,5 Mio. Mitarbeiter weltweit</p>", (1_500_000, "exact")),
        ("<p>3&nbsp;182 Mitarbeitende</p>", (3182, "exact")),
        ("<p>3\u202f182 Beschäftigte</p>", (3182, "exact")),
        ("<p>Wir beschäftigen 250 Mitarbeiterinnen und Mitarbeiter.</p>", (250, "exact")),
        ("<p>50 bis 100 Mitarbeiter</p>", (ValueRange(50, 100), "range")),
        ("<dl><dt>Mitarbeiter:</dt><dd>1.200</dd></dl>", (1200, "exact")),
    ],
)
def test_german_head_count_phrasings_and_number_formats_are_read(
    html: str, expected: tuple[object, str]
) -> None:
    assert head_counts(html) == [expected]


@pytest.mark.parametrize(
    "html",
    [
        "<p>Founded in 1998 with 3 people.</p>",
        "<p>Trusted by 50,000 customers.</p>",
        "<p>Postfach 1200, 80331 München</p>",
        "<p>Our payroll platform serves 2 million employees at client companies.</p>",
        "<p>Plans start at $1,200 per employee per year.</p>",
        "<p>Preise ab 1.200 € pro Mitarbeiter und Jahr.</p>",
        "<p>In 2023 employees volunteered 12,000 hours.</p>",
        "<p>Our 2024 employee survey: 87% would recommend us.</p>",
        "<p>What started with 3 people in a garage is now a global business.</p>",
        "<p>Angefangen hat alles mit 3 Mitarbeitern in einer Garage.</p>",
        "<p>More than 2 million people use our app every day.</p>",
        "<p>$1,200 employees</p>",
    ],
)
def test_decoys_never_become_head_counts(html: str) -> None:
    assert head_counts(html) == []


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Miller employs 250 people and was founded in 1998.</p>", (250, "exact")),
        (
            "<p>Mit über 1.600 Mitarbeitenden an drei Standorten ist die Weiß &amp; Söhne heute ein "
            "gefragter Partner – gegründet 2002 in Bremen.</p>",
            (1600, "at_least"),
        ),
        ("<p>Gegründet 1958 · 240&nbsp;Mitarbeiter · Sitz: Salzburg</p>", (240, "exact")),
    ],
)
def test_a_founding_year_in_another_clause_does_not_hide_todays_head_count(
    html: str, expected: tuple[object, str]
) -> None:
    assert head_counts(html) == [expected]


def test_a_head_count_at_the_founding_stays_a_decoy() -> None:
    assert head_counts("<p>Die Firma wurde 1998 mit 3 Mitarbeitern gegründet.</p>") == []
    assert head_counts("<p>3 engineers founded Acme in 1998.</p>") == []


def test_a_number_is_never_cut_inside_its_thousands_groups() -> None:
    assert head_counts("<p>A headcount of 40,450 at year end.</p>") == []
    assert head_counts("<p>A headcount of 40,450.</p>") == [(40450, "exact")]


def test_founding_history_does_not_hide_todays_head_count() -> None:
    html = "<p>Founded in 1998 with 3 people, we now have over 1,200 employees.</p>"
    assert head_counts(html) == [(1200, "at_least")]
    assert [finding.value for finding in findings(html, "founded_year")] == [1998]


def test_comments_scripts_and_hidden_elements_never_become_evidence() -> None:
    html = (
        "<!-- 999 employees --><script>var s = '5,000 employees';</script>"
        "<style>p:after{content:'7 staff'}</style>"
        '<div hidden>4,000 employees</div><div style="display: none">3,000 employees</div>'
        "<template><p>2,000 employees</p></template><p>We employ 120 people.</p>"
    )
    assert head_counts(html) == [(120, "exact")]


@pytest.mark.parametrize(
    ("html", "year", "qualifier"),
    [
        ("<p>Acme was founded in 1998.</p>", 1998, "exact"),
        ("<p>Gegründet 1998 in Ulm.</p>", 1998, "exact"),
        ("<p>Die Firma wurde 1998 in Stuttgart gegründet.</p>", 1998, "exact"),
        ("<p>Est. 1887</p>", 1887, "exact"),
        ("<p>Seit 1987 Ihr Partner.</p>", 1987, "at_most"),
        ("<p>Serving customers since 1975.</p>", 1975, "at_most"),
    ],
)
def test_founding_years_are_read_and_since_means_at_the_latest(html: str, year: int, qualifier: str) -> None:
    assert [(f.value, f.qualifier) for f in findings(html, "founded_year")] == [(year, qualifier)]


@pytest.mark.parametrize(
    ("html", "city", "country"),
    [
        ("<p>Acme is headquartered in Leeds, United Kingdom.</p>", "Leeds", "GB"),
        ("<p>Hauptsitz in Stuttgart.</p>", "Stuttgart", None),
        ("<p>Based in Houston, Texas.</p>", "Houston", "US"),
        ("<p>Unser Hauptsitz ist in Houston (TX, Vereinigte Staaten).</p>", "Houston", "US"),
        ("<p>Die Firma mit Sitz in Frankfurt am Main.</p>", "Frankfurt am Main", None),
        ("<p>We are headquartered in Atlanta, Georgia.</p>", "Atlanta", "US"),
        ("<p>The company is based in King of Prussia, Pennsylvania.</p>", "King of Prussia", "US"),
        ("<p>Loews is headquartered in New York, New York.</p>", "New York", "US"),
    ],
)
def test_head_office_gives_city_and_country(html: str, city: str, country: str | None) -> None:
    assert [f.value for f in findings(html, "city")] == [city]
    assert [f.value for f in findings(html, "country")] == ([country] if country else [])


def test_a_state_or_country_alone_is_a_country_not_a_city() -> None:
    assert [(f.field, f.value) for f in findings("<p>We are based in Texas.</p>")] == [("country", "US")]
    assert [(f.field, f.value) for f in findings("<p>Hauptsitz in Deutschland.</p>")] == [("country", "DE")]


def test_vague_places_are_not_cities() -> None:
    assert findings("<p>We are based in Europe and headquartered in the cloud.</p>") == []


def test_evidence_on_a_german_page_with_entities_indexes_the_stored_text_exactly() -> None:
    html = (
        "<html><body><h1>&Uuml;ber uns</h1><p>Die M&uuml;ller GmbH besch&auml;ftigt heute "
        "&uuml;ber 3&nbsp;182 Mitarbeitende an der Stra&szlig;e nach Gro\u00dfhesselohe.</p>"
        "<p>Gegr&uuml;ndet 1998, Hauptsitz in M\u00fcnchen.</p></body></html>"
    )
    found = findings(html)
    by_field = {finding.field: finding for finding in found}
    employees = by_field["employee_count"]
    assert employees.evidence == "besch&auml;ftigt heute &uuml;ber 3&nbsp;182 Mitarbeitende"
    assert employees.display_quote == "beschäftigt heute über 3 182 Mitarbeitende"
    assert (employees.value, employees.qualifier) == (3182, "at_least")
    assert by_field["founded_year"].evidence == "Gegr&uuml;ndet 1998"
    assert by_field["city"].evidence == "Hauptsitz in M\u00fcnchen"
    for finding in found:
        assert html[finding.evidence_start : finding.evidence_end] == finding.evidence


@pytest.mark.parametrize(
    ("written", "multiplier", "value"),
    [
        ("1.200", None, 1200),
        ("1,200", None, 1200),
        ("1'200", None, 1200),
        ("1\u00a0200", None, 1200),
        ("1,5", "Mio.", 1_500_000),
        ("2.1", "million", 2_100_000),
        ("12", "k", 12_000),
        ("1,5", None, None),
        ("1.20", None, None),
    ],
)
def test_numbers_are_read_in_english_and_german_formats(
    written: str, multiplier: str | None, value: int | None
) -> None:
    assert parse_page_number(written, multiplier) == value
