"""The committed sample data: reproducible from its seed, shaped like a Salesforce export, gaps as designed,
every reference resolvable, and demo websites that really state what TRUTH.csv says they state."""

from __future__ import annotations

import csv
import html
import importlib.util
import json
import re
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path
from types import ModuleType

import pytest

from enrich.sitehost import serve_sites

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CRM = EXAMPLES / "crm"
SITES = EXAMPLES / "sites"
REFERENCE = datetime(2026, 11, 20, tzinfo=UTC)
FREE_MAIL = {"gmail.com", "gmx.de", "web.de", "outlook.com", "yahoo.com", "t-online.de"}
PURCHASE_INTENT_ASSETS = {"cta-contact-us", "form-contact", "demo-request"}


def _load_generator() -> ModuleType:
    sys.path.insert(0, str(EXAMPLES))  # the script imports its sibling package samplegen
    try:
        spec = importlib.util.spec_from_file_location("generate_sample", EXAMPLES / "generate_sample.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXAMPLES))


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _domain(website: str) -> str:
    """Registrable-ish domain of a website cell, written independently of the importer under test."""
    host = re.sub(r"^[a-z]+://", "", website.strip().lower()).split("/")[0]
    return host.removeprefix("www.")


def _salesforce_checksum_ok(record_id: str) -> bool:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    chunks = [record_id[i : i + 5] for i in (0, 5, 10)]
    expected = "".join(
        alphabet[sum(1 << b for b, ch in enumerate(chunk) if ch.isupper())] for chunk in chunks
    )
    return len(record_id) == 18 and record_id[15:] == expected


@pytest.fixture(scope="module")
def accounts() -> list[dict[str, str]]:
    return _rows(CRM / "accounts_salesforce.csv")


@pytest.fixture(scope="module")
def contacts() -> list[dict[str, str]]:
    return _rows(CRM / "contacts_salesforce.csv")


@pytest.fixture(scope="module")
def activities() -> list[dict[str, str]]:
    return _rows(CRM / "activities.csv")


@pytest.fixture(scope="module")
def truth() -> list[dict[str, str]]:
    return _rows(SITES / "TRUTH.csv")


def test_generator_rewrites_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    generator = _load_generator()
    first, second = tmp_path / "first", tmp_path / "second"
    summary = generator.main(first, generator.DEFAULT_SEED)
    generator.main(second, generator.DEFAULT_SEED)
    assert _tree(first) == _tree(second), (
        "two runs with one seed differ: something reads the clock or a set order"
    )
    for part in ("crm", "sites"):
        generated, committed = _tree(first / part), _tree(EXAMPLES / part)
        assert sorted(generated) == sorted(committed), f"examples/{part}: files differ; rerun the generator"
        changed = [name for name in generated if generated[name] != committed[name]]
        assert not changed, f"examples/{part} is stale, rerun examples/generate_sample.py: {changed[:5]}"
    assert summary.accounts == 200 and summary.sites == 20


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generator = _load_generator()
    generator.main(tmp_path, 7)
    assert (tmp_path / "crm" / "accounts_salesforce.csv").read_bytes() != (
        CRM / "accounts_salesforce.csv"
    ).read_bytes()


def test_source_note_says_synthetic_seed_and_licence() -> None:
    note = (CRM / "SOURCE.txt").read_text(encoding="utf-8")
    assert "Synthetic" in note and "20261125" in note and "Apache-2.0" in note


def test_accounts_use_salesforce_api_names_and_18_character_ids(accounts: list[dict[str, str]]) -> None:
    assert _header(CRM / "accounts_salesforce.csv") == [
        "Id", "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue",
        "BillingCity", "BillingCountry", "OwnerId", "CreatedDate",
    ]  # fmt: skip
    assert 180 <= len(accounts) <= 220
    ids = [row["Id"] for row in accounts]
    assert len(set(ids)) == len(ids)
    bad = [i for i in ids if not (i.startswith("001") and _salesforce_checksum_ok(i))]
    assert not bad, f"not valid 18-character account ids: {bad[:3]}"
    assert all(
        row["OwnerId"].startswith("005") and _salesforce_checksum_ok(row["OwnerId"]) for row in accounts
    )
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", row["CreatedDate"]) for row in accounts)


def test_accounts_miss_fields_in_the_designed_shares(accounts: list[dict[str, str]]) -> None:
    def share(column: str) -> float:
        return sum(not row[column].strip() for row in accounts) / len(accounts)

    assert 0.25 <= share("NumberOfEmployees") <= 0.35
    assert 0.15 <= share("Industry") <= 0.25
    assert 0.03 <= share("Website") <= 0.08


def test_employee_counts_are_skewed_towards_small_companies(accounts: list[dict[str, str]]) -> None:
    cells = [row["NumberOfEmployees"] for row in accounts if row["NumberOfEmployees"]]
    numbers = [int(cell) for cell in cells if cell.isdigit()]
    ranges = [cell for cell in cells if not cell.isdigit()]
    assert all(re.fullmatch(r"[\d,]+(-[\d,]+|\+)", cell) for cell in ranges), ranges
    assert len(ranges) >= 5, "some counts should come as ranges like 50-200 or 1,000+"
    assert sum(10 <= n <= 200 for n in numbers) / len(numbers) >= 0.5
    assert 0.02 <= sum(n >= 1000 for n in numbers) / len(numbers) <= 0.15


def test_accounts_carry_the_messy_cases_an_import_must_handle(accounts: list[dict[str, str]]) -> None:
    names = [row["Name"] for row in accounts]
    assert any("ß" in name for name in names) and any(re.search("[äöü]", name) for name in names)
    assert any("," in name for name in names)
    raw = (CRM / "accounts_salesforce.csv").read_text(encoding="utf-8")
    assert any(f'"{name}"' in raw for name in names if "," in name), "a name with a comma must be quoted"
    by_domain: dict[str, set[str]] = {}
    for row in accounts:
        if row["Website"].strip():
            by_domain.setdefault(_domain(row["Website"]), set()).add(row["Name"])
    duplicated = {domain: spelled for domain, spelled in by_domain.items() if len(spelled) > 1}
    assert 2 <= len(duplicated) <= 3 and all(len(s) == 2 for s in duplicated.values()), duplicated
    assert sum(_domain(row["Website"]) in FREE_MAIL for row in accounts) == 1
    germany = {
        row["BillingCountry"]
        for row in accounts
        if row["BillingCountry"].strip().lower() in {"germany", "deutschland", "de"}
    }
    assert len(germany) >= 3, f"Germany should be written several ways, got {germany}"
    assert {"Maschinenbau", "Computer Software"} <= {row["Industry"] for row in accounts}


def test_contacts_link_to_accounts_by_id_or_by_company_domain(
    accounts: list[dict[str, str]], contacts: list[dict[str, str]]
) -> None:
    assert _header(CRM / "contacts_salesforce.csv") == [
        "Id", "AccountId", "FirstName", "LastName", "Email", "Title", "Department", "Phone",
    ]  # fmt: skip
    assert 550 <= len(contacts) <= 650
    account_ids = {row["Id"] for row in accounts}
    assert all(row["AccountId"] in account_ids for row in contacts if row["AccountId"])
    assert all(row["Id"].startswith("003") and _salesforce_checksum_ok(row["Id"]) for row in contacts)
    emails = [row["Email"].lower() for row in contacts]
    assert len(set(emails)) == len(emails), "contact e-mails must be unique"
    domain_owners = Counter(_domain(row["Website"]) for row in accounts if row["Website"].strip())
    unlinked = [row for row in contacts if not row["AccountId"]]
    assert len(unlinked) >= 10
    for row in unlinked:
        domain = row["Email"].split("@")[1]
        assert domain_owners[domain] == 1, f"{row['Email']} should match exactly one account's domain"
    assert sum(row["Email"].split("@")[1] in FREE_MAIL for row in contacts) >= 10
    titles = {row["Title"] for row in contacts}
    assert {"CEO", "Geschäftsführer", "Werkstudent", "Intern", "Software Engineer", "VP Sales"} & titles


def test_every_activity_reference_resolves(
    accounts: list[dict[str, str]], contacts: list[dict[str, str]], activities: list[dict[str, str]]
) -> None:
    assert _header(CRM / "activities.csv") == [
        "activity_id", "contact_crm_id", "contact_email", "account_crm_id", "kind", "asset", "occurred_at",
    ]  # fmt: skip
    assert 4000 <= len(activities) <= 6000
    by_id = {row["Id"]: row for row in contacts}
    by_email = {row["Email"].lower(): row for row in contacts}
    account_ids = {row["Id"] for row in accounts}
    for row in activities:
        contact = by_id.get(row["contact_crm_id"]) or by_email.get(row["contact_email"].lower())
        if row["contact_crm_id"] or row["contact_email"]:
            assert contact is not None, f"activity {row['activity_id']} names an unknown contact"
            if row["contact_crm_id"] and row["contact_email"]:
                assert contact["Email"].lower() == row["contact_email"].lower(), row
        else:
            assert row["account_crm_id"], f"activity {row['activity_id']} names neither contact nor account"
        assert not row["account_crm_id"] or row["account_crm_id"] in account_ids
    by_email_only = [row for row in activities if row["contact_email"] and not row["contact_crm_id"]]
    assert len(by_email_only) >= 100


def test_activities_fall_in_the_180_days_before_the_reference_date(activities: list[dict[str, str]]) -> None:
    kinds = {
        "visit",
        "download",
        "email_open",
        "email_click",
        "cta_click",
        "form_fill",
        "webinar",
        "unsubscribe",
    }
    assert {row["kind"] for row in activities} == kinds
    for row in activities:
        assert row["occurred_at"].endswith("Z")
        moment = datetime.fromisoformat(row["occurred_at"].replace("Z", "+00:00"))
        assert REFERENCE - timedelta(days=181) <= moment < REFERENCE, row


def test_activities_include_unmapped_assets_and_exact_duplicate_rows(
    activities: list[dict[str, str]],
) -> None:
    assets = Counter(row["asset"] for row in activities)
    assert {
        "partner-portal-login",
        "event-booth-scan",
        "whitepaper-ai-roi",
        "pricing-page",
        "cta-contact-us",
    } <= set(assets)
    assert any(asset.startswith("blog-") for asset in assets)
    rows_by_id: dict[str, list[dict[str, str]]] = {}
    for row in activities:
        rows_by_id.setdefault(row["activity_id"], []).append(row)
    repeated = {key: rows for key, rows in rows_by_id.items() if len(rows) > 1}
    assert 5 <= len(repeated) <= 50
    assert all(all(row == rows[0] for row in rows) for rows in repeated.values()), (
        "duplicates must be exact copies"
    )


def test_contacts_at_target_industries_reach_purchase_intent_more_often(
    accounts: list[dict[str, str]], contacts: list[dict[str, str]], activities: list[dict[str, str]]
) -> None:
    industry = {row["Id"]: row["Industry"] for row in accounts}
    target = {"Software", "Computer Software", "SaaS", "Software Development", "IT Services"}
    weak = {"Retail", "Education", "E-Learning", "Construction", "Einzelhandel", "Consumer Goods", "Bauwesen"}
    by_id = {row["Id"]: row for row in contacts}
    intent = {row["contact_crm_id"] for row in activities if row["asset"] in PURCHASE_INTENT_ASSETS}

    def share(labels: set[str]) -> float:
        group = [c for c in by_id.values() if industry.get(c["AccountId"]) in labels]
        return sum(c["Id"] in intent for c in group) / len(group)

    assert share(target) > 1.5 * share(weak), (share(target), share(weak))


def _numbers_in(text: str) -> set[int]:
    """Every number a reader sees, whatever the thousands separator: 1,200 1.200 1 200 1'200 1200."""
    found = re.findall(r"\d{1,3}(?:[.,'’\u00a0\u202f]\d{3})+(?!\d)|\d+", text)
    return {int(re.sub(r"\D", "", number)) for number in found}


def _site_text(domain: str) -> str:
    files = sorted((SITES / domain).rglob("*"))
    return "\n".join(html.unescape(path.read_text(encoding="utf-8")) for path in files if path.is_file())


def test_truth_lists_twenty_sites_that_exist(truth: list[dict[str, str]]) -> None:
    assert _header(SITES / "TRUTH.csv")[:6] == [
        "domain",
        "employee_count",
        "industry",
        "country",
        "city",
        "founded_year",
    ]
    assert len(truth) == 20
    domains = {row["domain"] for row in truth}
    assert domains == {path.name for path in SITES.iterdir() if path.is_dir()}
    assert all((SITES / domain / "index.html").is_file() for domain in domains)


def test_truth_matches_what_each_site_states(truth: list[dict[str, str]]) -> None:
    for row in truth:
        text = _site_text(row["domain"])
        if row["employee_count"]:
            assert int(row["employee_count"]) in _numbers_in(text), (
                f"{row['domain']}: {row['employee_count']} not stated"
            )
        if row["founded_year"]:
            assert row["founded_year"] in text, f"{row['domain']}: founding year not stated"
        assert row["city"] in text, f"{row['domain']}: city {row['city']!r} not stated"


def test_truth_accounts_are_ones_the_crm_knows_too_little_about(
    accounts: list[dict[str, str]], truth: list[dict[str, str]]
) -> None:
    by_domain = {_domain(row["Website"]): row for row in accounts if row["Website"].strip()}
    for row in truth:
        account = by_domain[row["domain"]]
        assert not account["NumberOfEmployees"] or not account["Industry"], row["domain"]
        if row["employee_count"] and account["NumberOfEmployees"].isdigit():
            assert account["NumberOfEmployees"] == row["employee_count"], (
                f"{row['domain']}: CRM and site disagree"
            )


def test_sites_cover_the_hard_cases(truth: list[dict[str, str]]) -> None:
    scenarios = Counter(row["scenario"] for row in truth)
    assert sum(not row["employee_count"] and row["scenario"] != "parked" for row in truth) == 2
    (contradiction,) = [row for row in truth if row["scenario"] == "en_contradiction"]
    assert {250, 400} <= _numbers_in(_site_text(contradiction["domain"]))
    (disallowed,) = [row for row in truth if row["scenario"] == "de_robots_disallow_all"]
    assert (SITES / disallowed["domain"] / "robots.txt").read_text(
        encoding="utf-8"
    ) == "User-agent: *\nDisallow: /\n"
    (parked,) = [row for row in truth if row["scenario"] == "parked"]
    assert "This domain is for sale" in _site_text(parked["domain"])
    assert scenarios["parked"] == 1 and len(scenarios) == 20
    german = "\n".join(_site_text(row["domain"]) for row in truth if row["scenario"].startswith("de_"))
    raw_german = "\n".join(
        path.read_text(encoding="utf-8")
        for row in truth
        if row["scenario"].startswith("de_")
        for path in (SITES / row["domain"]).rglob("*.html")
    )
    assert "&nbsp;" in raw_german and "\u00a0" in raw_german, (
        "German pages need both &nbsp; and literal U+00A0"
    )
    assert all(
        word in german for word in ("Impressum", "Über uns", "Karriere", "Handelsregister", "Geschäftsführer")
    )


def test_json_ld_blocks_are_valid_json_with_an_organization(truth: list[dict[str, str]]) -> None:
    blocks = [
        match
        for row in truth
        for match in re.findall(
            r'<script type="application/ld\+json">(.*?)</script>',
            (SITES / row["domain"] / "index.html").read_text(encoding="utf-8"),
            flags=re.S,
        )
    ]
    assert len(blocks) >= 4
    for block in blocks:
        document = json.loads(block)
        items = document.get("@graph", [document])
        assert any(item.get("@type") == "Organization" for item in items)


def test_internal_links_resolve_except_the_deliberately_missing_privacy_pages(
    truth: list[dict[str, str]],
) -> None:
    missing = []
    for row in truth:
        site = SITES / row["domain"]
        for page in site.rglob("*.html"):
            for href in re.findall(r'href="(/[^"]*)"', page.read_text(encoding="utf-8")):
                path = href.split("?")[0].lstrip("/")
                target = site / path if path and not path.endswith("/") else site / path / "index.html"
                if not target.is_file() and path not in {
                    "datenschutz.html",
                    "privacy.html",
                    "assets/site.css",
                    "lander",
                }:
                    missing.append(f"{row['domain']}/{page.name} → {href}")
    assert not missing, missing


def test_the_site_host_serves_every_demo_site(truth: list[dict[str, str]]) -> None:
    with serve_sites(SITES) as host:
        for row in truth:
            connection = HTTPConnection("127.0.0.1", host.port, timeout=5)
            connection.request("GET", "/", headers={"Host": f"www.{row['domain']}"})
            response = connection.getresponse()
            body = response.read().decode("utf-8")
            connection.close()
            assert response.status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
            assert (row["city"] or row["domain"]) in body, f"{row['domain']}: served the wrong page"
