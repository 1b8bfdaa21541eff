"""Reading CRM exports: encodings, delimiters, numbers, domains, countries, presets, mappings, row checks."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from enrich.countries import country_code, require_country_code
from enrich.crm import domains
from enrich.crm.dates import parse_timestamp
from enrich.crm.mapping import load_mapping
from enrich.crm.presets import GENERIC, HUBSPOT, IGNORE, SALESFORCE, get_preset, salesforce_id_18
from enrich.crm.reader import detect_encoding, iter_rows, read_format
from enrich.crm.spreadsheet import protect_formula, unprotect_formula
from enrich.crm.validate import AccountRecord, ActivityRecord, RowParser, plan_columns
from enrich.errors import ConfigError, InputError, Problem
from enrich.numbers import NumRange, parse_crm_number

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def write(tmp_path: Path, content: str | bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


# --- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.200", 1200),
        ("1,200", 1200),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("1'200", 1200),
        ("1,200,000", 1_200_000),
        ("1.234.567,00", 1_234_567),
        ("1200000.00", 1_200_000),
        ("10k", 10_000),
        ("2.5M", 2_500_000),
        ("$1.2M", 1_200_000),
        ("€ 3,5 Mio.", 3_500_000),
        ("2 Mrd", 2_000_000_000),
        ("USD 2,000,000", 2_000_000),
        ("3.5E7", 35_000_000),
        ("50-200", NumRange(50, 200)),
        ("50–200", NumRange(50, 200)),
        ("10k to 50k", NumRange(10_000, 50_000)),
        ("10-50k", NumRange(10_000, 50_000)),
        ("5 bis 10 Mio.", NumRange(5_000_000, 10_000_000)),
        ("1,000+", NumRange(1000, None)),
        ("10,001+", NumRange(10_001, None)),
    ],
)
def test_numbers_in_crm_spellings_parse_to_int_or_range(text: str, expected: int | NumRange) -> None:
    assert parse_crm_number(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "not a number"),
        ("1.5", "not a whole number"),
        ("12,34", "not a whole number"),
        ("-5", "negative"),
        ("200-50", "range goes down"),
        ("5 apples", "unknown unit 'apples'"),
        ("1.2.3", "not a number"),
        ("1 2345", "not a number"),
        ("", "not a number"),
    ],
)
def test_unparsable_numbers_fail_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_crm_number(text)


def test_ranges_print_as_the_range_column_stores_them() -> None:
    assert str(NumRange(50, 200)) == "50-200"
    assert str(NumRange(1000, None)) == "1000+"
    assert NumRange(50, 200).as_json() == {"min": 50, "max": 200}


# --- domains


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://www.Example.co.uk/path?x=1", "example.co.uk"),
        ("www.example.com", "example.com"),
        ("shop.example.com.au", "example.com.au"),
        ("http://sub.example.de:8080/", "example.de"),
        ("EXAMPLE.COM.", "example.com"),
        ("jane.doe@mail.example.org", "example.org"),
        ("Jane Doe <jane@example.io>", "example.io"),
        ("https://user:secret@example.net/", "example.net"),
        ("xn--mller-kva.de", "müller.de"),
        ("müller.de", "müller.de"),
    ],
)
def test_websites_urls_and_emails_normalise_to_registrable_domain(text: str, expected: str) -> None:
    assert domains.registrable_domain(text) == expected


@pytest.mark.parametrize("text", ["http://127.0.0.1/", "localhost", "co.uk", "N/A", "foo bar.com", ""])
def test_text_without_registrable_domain_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        domains.registrable_domain(text)


def test_domain_normalisation_uses_bundled_suffix_list_without_network_or_disk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "tld-cache"))
    domains.offline_extractor.cache_clear()
    domains.registrable_domain.cache_clear()
    try:
        assert domains.registrable_domain("https://www.bbc.co.uk/news") == "bbc.co.uk"
        assert domains.registrable_domain("shop.example.com.br") == "example.com.br"
    finally:
        domains.offline_extractor.cache_clear()
        domains.registrable_domain.cache_clear()
    assert attempts == [], "tldextract tried to reach the network"
    assert not (tmp_path / "tld-cache").exists(), "tldextract wrote a cache"


# --- countries


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Deutschland", "DE"), ("Germany", "DE"), ("DEU", "DE"), ("DE", "DE"), ("de", "DE"),
        ("USA", "US"), ("United States", "US"), ("U.S.", "US"), ("Vereinigte Staaten", "US"),
        ("UK", "GB"), ("Great Britain", "GB"), ("United Kingdom", "GB"), ("Großbritannien", "GB"),
        ("Schweiz", "CH"), ("Österreich", "AT"), ("Oesterreich", "AT"), ("Frankreich", "FR"),
        ("Korea, Republic of", "KR"), ("South Korea", "KR"), ("The Netherlands", "NL"), ("Czechia", "CZ"),
    ],
)  # fmt: skip
def test_country_names_and_codes_in_english_and_german_map_to_alpha2(text: str, code: str) -> None:
    assert country_code(text) == code


def test_unknown_country_is_refused_with_a_hint() -> None:
    assert country_code("Atlantis") is None
    with pytest.raises(ValueError, match=r"unknown country: 'Atlantis'.*ISO 3166"):
        require_country_code("Atlantis")


# --- dates


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05T14:22:00Z",
        "2024-03-05 15:22:00+01:00",
        "05.03.2024 14:22",
        "03/05/2024 2:22 PM",
        "1709648520000",
    ],
)
def test_event_times_in_common_formats_parse_to_utc(text: str) -> None:
    assert parse_timestamp(text, now=NOW) == datetime(2024, 3, 5, 14, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "reason"), [("2030-01-01", "future"), ("1980-01-01", "before 1990"), ("soon", "not a")]
)
def test_implausible_event_times_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_timestamp(text, now=NOW)


# --- reader


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffName,Website\nAcme,acme.com\n".encode())
    csv_format = read_format(path)
    assert csv_format.encoding == "utf-8-sig"
    assert csv_format.header == ("Name", "Website")


def test_windows_1252_file_is_decoded_after_utf8_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "Name;City\r\nMüller GmbH;Köln\r\n".encode("cp1252"))
    csv_format = read_format(path)
    assert (csv_format.encoding, csv_format.delimiter) == ("cp1252", ";")
    assert [row.cells for row in iter_rows(path, csv_format)] == [("Müller GmbH", "Köln")]


def test_utf8_is_checked_over_the_whole_file_not_just_its_start(tmp_path: Path) -> None:
    body = "Name\n" + "Acme\n" * 400_000 + "Café\n"
    path = write(tmp_path, body.encode("cp1252"))
    assert detect_encoding(path) == "cp1252"


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path: Path) -> None:
    assert detect_encoding(write(tmp_path, b"Name\nA\x81B\n")) == "latin-1"


def test_excel_unicode_text_utf16_with_tabs_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "Name\tCity\r\nŁódź Sp. z o.o.\tŁódź\r\n".encode("utf-16"))
    csv_format = read_format(path)
    assert (csv_format.encoding, csv_format.delimiter) == ("utf-16", "\t")
    assert next(iter_rows(path, csv_format)).cells == ("Łódź Sp. z o.o.", "Łódź")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed_ignoring_delimiters_inside_quotes(tmp_path: Path, delimiter: str) -> None:
    others = "".join(d for d in ",;\t|" if d != delimiter)
    text = delimiter.join(["name", "notes", "city"]) + "\n"
    text += delimiter.join(["Acme", f'"a{others}b{others}c"', "Berlin"]) + "\n"
    path = write(tmp_path, text)
    csv_format = read_format(path)
    assert csv_format.delimiter == delimiter
    assert next(iter_rows(path, csv_format)).cells == ("Acme", f"a{others}b{others}c", "Berlin")


def test_rows_report_the_physical_line_they_start_on_across_quoted_newlines(tmp_path: Path) -> None:
    path = write(tmp_path, 'name,notes\nA,"one\ntwo\nthree"\n\nB,plain\n')
    rows = list(iter_rows(path, read_format(path)))
    assert [(row.line, row.cells) for row in rows] == [(2, ("A", "one\ntwo\nthree")), (6, ("B", "plain"))]


def test_duplicate_column_names_are_an_error_naming_both_positions(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_format(write(tmp_path, "Name,Email,Name\nA,a@b.c,B\n"))
    assert [str(p) for p in caught.value.problems] == [
        "export.csv:1: Name: duplicate column name (columns 1 and 3)"
    ]


def test_unterminated_quote_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'name,notes\nA,fine\nB,"never closed\nC,more\n')
    with pytest.raises(InputError, match=r"export\.csv:3: .*unterminated quote"):
        list(iter_rows(path, read_format(path)))


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_format(write(tmp_path, b""))


def test_empty_header_cells_get_positional_names(tmp_path: Path) -> None:
    assert read_format(write(tmp_path, ",Id,Name\n0,1,A\n")).header == ("column_1", "Id", "Name")


# --- presets and mappings


@pytest.mark.parametrize(
    ("preset", "column", "target"),
    [
        (SALESFORCE, "NumberOfEmployees", "employee_count"),
        (SALESFORCE, "NUMBEROFEMPLOYEES", "employee_count"),
        (SALESFORCE, "Employees", "employee_count"),
        (SALESFORCE, "Account: Account Name", "name"),
        (SALESFORCE, "BillingCountryCode", "country"),
        (SALESFORCE, "Contact: Email", IGNORE),
        (SALESFORCE, "industry__confidence", IGNORE),
        (SALESFORCE, "domain", "domain"),
        (HUBSPOT, "Company Domain Name", "domain"),
        (HUBSPOT, "Country/Region", "country"),
        (HUBSPOT, "Year Founded", "founded_year"),
        (GENERIC, "employee_count", "employee_count"),
        (GENERIC, "Segment", None),
    ],
)
def test_presets_map_crm_column_names_case_insensitively(
    preset: Any, column: str, target: str | None
) -> None:
    assert preset.columns["accounts"].target(column) == target


def test_unknown_preset_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        get_preset("pipedrive")
    assert "salesforce" in (caught.value.hint or "")


def test_salesforce_15_character_ids_become_their_18_character_form() -> None:
    assert salesforce_id_18("00570000001ZwTi") == "00570000001ZwTiAAK"
    assert salesforce_id_18("00570000001ZwTiAAK") == "00570000001ZwTiAAK"
    assert salesforce_id_18("5812345601") == "5812345601"


def test_mapping_file_extends_and_overrides_a_preset(tmp_path: Path) -> None:
    mapping = tmp_path / "my.toml"
    mapping.write_text(
        '[columns]\n"Headcount (FTE)" = "employee_count"\n"Industry" = "custom"\nNotes = "ignore"\n'
    )
    columns = SALESFORCE.columns["accounts"].with_overrides(load_mapping(mapping, "accounts"))
    assert columns.target("headcount (fte)") == "employee_count"
    assert columns.target("Industry") is None
    assert columns.target("Notes") == IGNORE
    assert columns.target("Website") == "website"


def test_mapping_to_unknown_field_names_the_file_and_line(tmp_path: Path) -> None:
    mapping = tmp_path / "my.toml"
    mapping.write_text('# my columns\n[columns]\n"Headcount" = "employee_count"\n"Staff" = "employees"\n')
    with pytest.raises(InputError) as caught:
        load_mapping(mapping, "accounts")
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.column) == ("my.toml", 4, "Staff")
    assert "unknown field 'employees'" in problem.reason


def test_mapping_file_with_bad_toml_names_the_line(tmp_path: Path) -> None:
    mapping = tmp_path / "my.toml"
    mapping.write_text('[columns]\n"Headcount" = employee_count\n')
    with pytest.raises(InputError) as caught:
        load_mapping(mapping, "accounts")
    assert caught.value.problems[0].line == 2


# --- row validation


def parse_rows(tmp_path: Path, text: str, entity: str = "accounts", preset: Any = GENERIC) -> list[Any]:
    path = write(tmp_path, text)
    csv_format = read_format(path)
    plan = plan_columns(csv_format.header, preset.columns[entity], path.name)
    parser = RowParser(plan, normalise_id=preset.normalise_id, now=NOW)
    return [parser.parse(row) for row in iter_rows(path, csv_format)]


def test_account_row_becomes_typed_record_with_values_and_their_text(tmp_path: Path) -> None:
    (record,) = parse_rows(
        tmp_path,
        "name,website,employee_count,annual_revenue,country,founded_year,segment\n"
        'Acme,https://www.acme.co.uk/about,50-200,"€ 3,5 Mio.",Deutschland,1998.0,smb\n',
    )
    assert isinstance(record, AccountRecord)
    assert record.domain == "acme.co.uk"
    assert record.cells["employee_count"].value == {"min": 50, "max": 200}  # type: ignore[union-attr]
    assert record.cells["annual_revenue"].value == 3_500_000  # type: ignore[union-attr]
    assert record.cells["annual_revenue"].text == "€ 3,5 Mio."  # type: ignore[union-attr]
    assert record.cells["country"].value == "DE"  # type: ignore[union-attr]
    assert record.cells["founded_year"].value == 1998  # type: ignore[union-attr]
    assert record.custom == {"segment": "smb"}


def test_every_problem_of_a_row_is_reported_with_its_column(tmp_path: Path) -> None:
    (problems,) = parse_rows(
        tmp_path, "name,employee_count,country,founded_year,website\n,many,Atlantis,3020,not a site\n"
    )
    assert [(p.line, p.column) for p in problems] == [
        (2, "website"), (2, "employee_count"), (2, "country"), (2, "founded_year"), (2, "name"),
    ]  # fmt: skip
    assert all(isinstance(p, Problem) and p.source == "export.csv" for p in problems)


def test_placeholders_count_as_empty_and_formula_protection_is_undone(tmp_path: Path) -> None:
    (record,) = parse_rows(tmp_path, "name,industry,employee_count,note\n'=SUM(A1),N/A,-,'@x\n")
    assert record.name == "=SUM(A1)"
    assert record.cells["industry"] is None
    assert record.cells["employee_count"] is None
    assert record.custom == {"note": "@x"}


def test_short_rows_read_as_empty_trailing_cells_and_long_rows_are_problems(tmp_path: Path) -> None:
    short, long = parse_rows(tmp_path, "name,industry,city\nAcme\nBeta,Tech,Rome,extra\n")
    assert isinstance(short, AccountRecord) and short.cells["city"] is None
    assert [p.reason for p in long] == ["the row has 4 cells, the header has 3"]


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "Website,Industry\nacme.com,Tech\n")
    with pytest.raises(InputError) as caught:
        plan_columns(read_format(path).header, SALESFORCE.columns["accounts"], path.name)
    (problem,) = caught.value.problems
    assert (problem.source, problem.column) == ("export.csv", "Name")


def test_activity_rows_need_a_reference_and_normalise_kind(tmp_path: Path) -> None:
    good, bad = parse_rows(
        tmp_path,
        "contact_email,kind,asset,occurred_at\n"
        "A@Example.com,Page View,pricing-page,2024-03-05\n"
        ",visit,x,2024-03-05\n",
        entity="activities",
    )
    assert isinstance(good, ActivityRecord)
    assert (good.contact_email, good.kind) == ("a@example.com", "visit")
    assert [p.reason for p in bad] == ["no contact or account reference"]


# --- spreadsheet formulas


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+49 30 1234", "'+49 30 1234"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-2+3", "'-2+3"),
        ("-5", "-5"),
        ("+3.5", "+3.5"),
        ("Acme", "Acme"),
    ],
)
def test_formula_cells_are_protected_and_plain_numbers_are_not(cell: str, written: str) -> None:
    assert protect_formula(cell) == written
    assert unprotect_formula(written) == cell
