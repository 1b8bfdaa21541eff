"""Imprints: German/Austrian/Swiss Impressum and English legal notices."""

from __future__ import annotations

from datetime import UTC, datetime

from enrich.extract import Document, Finding, Page
from enrich.extract.imprint import ImprintExtractor

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def read(html: str, url: str = "https://acme.example/impressum") -> dict[str, list[Finding]]:
    page = Page(url, url, html, "0" * 64, NOW)
    grouped: dict[str, list[Finding]] = {}
    for finding in ImprintExtractor().extract(Document(page)):
        assert html[finding.evidence_start : finding.evidence_end] == finding.evidence, finding
        assert finding.source_kind == "imprint"
        grouped.setdefault(finding.field, []).append(finding)
    return grouped


def values(found: dict[str, list[Finding]], field: str) -> list[object]:
    return [finding.value for finding in found.get(field, [])]


GERMAN_IMPRINT = (
    "<main><h1>Impressum</h1><p>Angaben gem&auml;&szlig; &sect; 5 DDG</p>"
    "<p>M&uuml;ller Maschinenbau GmbH &amp; Co. KG<br>Hauptstra&szlig;e 12<br>80331 M&uuml;nchen<br>"
    "Deutschland</p>"
    "<p>Vertreten durch die Gesch&auml;ftsf&uuml;hrer: Dr. Hans M&uuml;ller, Erika Mustermann und "
    "J&ouml;rg von der Heide</p><p>Aufsichtsrat: Karl Klein</p>"
    "<p>Registergericht: Amtsgericht M&uuml;nchen<br>Registernummer: HRB 123456</p>"
    "<p>Umsatzsteuer-Identifikationsnummer gem&auml;&szlig; &sect; 27a UStG: DE 123 456 789</p>"
    "<p>Postfach 1200</p></main>"
)


def test_german_impressum_gives_legal_identity_seat_register_vat_and_directors() -> None:
    found = read(GERMAN_IMPRINT)
    assert values(found, "legal_name") == ["Müller Maschinenbau GmbH & Co. KG"]
    assert found["legal_name"][0].evidence == "M&uuml;ller Maschinenbau GmbH &amp; Co. KG"
    assert values(found, "street_address") == ["Hauptstraße 12"]
    assert found["street_address"][0].evidence == "Hauptstra&szlig;e 12"
    assert values(found, "postal_code") == ["80331"]
    assert values(found, "city") == ["München"]
    assert values(found, "country") == ["DE"]
    assert values(found, "commercial_register") == ["HRB 123456, Amtsgericht München"]
    assert values(found, "vat_id") == ["DE123456789"]
    assert values(found, "managing_director") == ["Dr. Hans Müller", "Erika Mustermann", "Jörg von der Heide"]


def test_austrian_impressum_with_firmenbuch_and_uid() -> None:
    found = read(
        "<h1>Impressum</h1><p>Alpen Software GmbH<br>Mariahilfer Straße 1<br>A-1060 Wien</p>"
        "<p>Geschäftsführerin: Anna Berger</p>"
        "<p>Firmenbuchnummer: FN 123456a, Firmenbuchgericht: Handelsgericht Wien</p>"
        "<p>UID-Nr.: ATU12345678</p>"
    )
    assert values(found, "legal_name") == ["Alpen Software GmbH"]
    assert values(found, "city") == ["Wien"]
    assert values(found, "country") == ["AT"]
    assert values(found, "commercial_register") == ["FN 123456a, Handelsgericht Wien"]
    assert values(found, "vat_id") == ["ATU12345678"]
    assert values(found, "managing_director") == ["Anna Berger"]


def test_swiss_impressum_with_uid_and_mwst_number() -> None:
    found = read(
        "<h1>Impressum</h1><p>Helvetia Data AG<br>Bahnhofstrasse 10<br>8001 Zürich<br>Schweiz</p>"
        "<p>UID: CHE-123.456.789 MWST</p><p>Vorstand: Peter Keller (Vorsitzender), Laura Frei</p>"
    )
    assert values(found, "legal_name") == ["Helvetia Data AG"]
    assert values(found, "city") == ["Zürich"]
    assert values(found, "country") == ["CH"]
    assert values(found, "commercial_register") == ["CHE-123.456.789"]
    assert values(found, "vat_id") == ["CHE-123.456.789 MWST"]
    assert values(found, "managing_director") == ["Peter Keller", "Laura Frei"]


def test_unternehmergesellschaft_legal_form_is_read_whole() -> None:
    found = read(
        "<h1>Impressum</h1><p>Kleine Ideen UG (haftungsbeschränkt)<br>Ringstraße 4<br>10115 Berlin</p>"
    )
    assert values(found, "legal_name") == ["Kleine Ideen UG (haftungsbeschränkt)"]
    assert values(found, "city") == ["Berlin"]


def test_english_legal_notice_with_a_us_address() -> None:
    found = read(
        "<h1>Legal notice</h1><p>Targa Resources Corp.<br>811 Louisiana Street, Suite 2100<br>"
        "Houston, TX 77002<br>United States</p><p>Represented by: Matthew Meloy</p>"
        "<p>VAT ID: GB123456789</p>",
        url="https://targa.example/legal-notice/",
    )
    assert values(found, "legal_name") == ["Targa Resources Corp."]
    assert values(found, "street_address") == ["811 Louisiana Street, Suite 2100"]
    assert values(found, "city") == ["Houston"]
    assert values(found, "postal_code") == ["77002"]
    assert values(found, "country") == ["US"]
    assert values(found, "managing_director") == ["Matthew Meloy"]
    assert values(found, "vat_id") == ["GB123456789"]


def test_register_and_vat_in_a_footer_are_read_on_any_page_but_names_and_addresses_are_not() -> None:
    found = read(
        "<p>Wir sind die Acme GmbH aus Berlin.</p><footer>Acme GmbH · Amtsgericht Berlin-Charlottenburg "
        "HRB 98765 B · USt-IdNr. DE987654321 · 10115 Berlin · Geschäftsführer: Max Muster</footer>",
        url="https://acme.example/produkte",
    )
    assert values(found, "commercial_register") == ["HRB 98765 B, Amtsgericht Berlin-Charlottenburg"]
    assert values(found, "vat_id") == ["DE987654321"]
    assert set(found) == {"commercial_register", "vat_id"}


def test_an_imprint_is_recognised_by_its_heading_when_its_path_says_nothing() -> None:
    found = read(
        "<h2>Impressum</h2><p>Nordlicht GmbH<br>Deichstraße 7<br>20459 Hamburg</p>",
        url="https://n.example/info",
    )
    assert values(found, "city") == ["Hamburg"]


def test_the_page_title_and_logo_do_not_pass_for_the_imprint_body() -> None:
    found = read(
        "<html><head><title>Legal notice | The Procter &amp; Gamble Company</title></head><body>\n"
        '<header>\n  <a class="logo" href="/">The Procter &amp; Gamble Company</a>\n'
        '  <nav> <a href="/">Home</a> '
        "</nav>\n</header>\n<main>\n  <h1>Legal notice</h1>\n  <p>The Procter &amp; Gamble Company<br>\n"
        "  61 Oak Street<br>\n  Cincinnati, OH 45202<br>\n  United States</p>\n</main></body></html>",
        url="https://pg.example/legal-notice/",
    )
    assert values(found, "legal_name") == ["The Procter & Gamble Company"]
    assert values(found, "city") == ["Cincinnati"]
    assert values(found, "country") == ["US"]
