"""Normalisation: countries, industries, numbers, domains and names; what is applied, what goes to review,
and that every change keeps the original value in history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from enrich.cleanup.apply import ApplyCounts, apply_values
from enrich.cleanup.industries import IndustryVocabulary, ruleset_industries
from enrich.cleanup.model import AccountSnapshot, FieldState
from enrich.cleanup.normalise import normalise_account, proper_case
from enrich.cleanup.plan import CleanupOptions
from enrich.cleanup.runner import Cleanup
from enrich.store.values import Candidate, JsonValue, record_value
from scoring.ruleset import load_ruleset
from tests.cleanup_data import NOW, add_account, column, values_of

RULESET = Path(__file__).resolve().parents[1] / "examples" / "rulesets" / "saas-icp.toml"
SAAS = IndustryVocabulary(ruleset_industries(load_ruleset(RULESET.read_bytes(), str(RULESET))))


def snapshot(**values: JsonValue) -> AccountSnapshot:
    fields = {
        name: FieldState(name, value, str(value), "crm", 1.0, row_id=index, row_version=1)
        for index, (name, value) in enumerate(values.items(), start=1)
    }
    name = str(values.get("name", "Acme GmbH"))
    return AccountSnapshot(1, "0011", name, None, None, None, None, {}, fields)


def proposals(accept_threshold: float = 0.85, **values: JsonValue) -> dict[str, Any]:
    changes, flags = normalise_account(snapshot(**values), SAAS, accept_threshold=accept_threshold)
    found: dict[str, Any] = {change.field: (change.after, change.action) for change in changes}
    found |= {f"flag:{flag.field}": (flag.why, flag.action) for flag in flags}
    return found


def test_the_saas_rulesets_industry_list_is_read_from_its_conditions() -> None:
    assert SAAS.labels[:3] == ("Software", "IT Services", "Internet")
    assert "Telecommunications" in SAAS.labels and "Manufacturing" not in SAAS.labels


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("DEU", "DE"),
        ("de", "DE"),
        ("U.S.A.", "US"),
        ("Österreich", "AT"),
        ("Great Britain", "GB"),
    ],
)
def test_country_names_and_codes_become_iso_alpha_2_and_are_applied(text: str, expected: str) -> None:
    assert proposals(country=text) == {"country": (expected, "apply")}


def test_a_country_that_is_already_a_code_is_left_alone_and_an_unknown_one_goes_to_review() -> None:
    assert proposals(country="DE") == {}
    why, action = proposals(country="Atlantis")["flag:country"]
    assert action == "review" and "unknown country 'Atlantis'" in why


@pytest.mark.parametrize(
    "text, label, action",
    [
        ("software", "Software", "apply"),  # the list's label in another case
        ("Software Development", "Software", "apply"),  # a synonym
        ("Softwareentwicklung", "Software", "apply"),
        ("Information Technology and Services", "IT Services", "apply"),
        ("IT-Dienstleistungen", "IT Services", "apply"),
        ("Hospital & Health Care", "Healthcare", "apply"),
        ("Finanzdienstleistungen", "Financial Services", "apply"),
        ("Telecom", "Telecommunications", "apply"),
        ("Sofware", "Software", "review"),  # a near-spelling is only a suggestion
    ],
)
def test_industry_strings_map_to_the_rulesets_list(text: str, label: str, action: str) -> None:
    assert proposals(industry=text) == {"industry": (label, action)}


def test_an_industry_outside_the_list_is_left_and_an_unknown_one_is_asked_of_the_smart_field() -> None:
    assert proposals(industry="Manufacturing") == {}, "a correct industry outside the target market stays"
    assert proposals(industry="Computer Software") == {}, "already a label of the list"
    why, action = proposals(industry="Widgets & Gizmos")["flag:industry"]
    assert action == "research" and "smart field" in why


@pytest.mark.parametrize(
    "field, text, expected",
    [
        ("employee_count", "1.200", 1200),
        ("employee_count", "50-200", {"min": 50, "max": 200}),
        ("employee_count", "1,000+", {"min": 1000, "max": None}),
        ("annual_revenue", "2,5 Mio.", 2_500_000),
        ("annual_revenue", "$12M", 12_000_000),
        ("founded_year", "1998", 1998),
    ],
)
def test_counts_and_amounts_written_as_text_become_numbers_or_ranges(
    field: str, text: str, expected: Any
) -> None:
    assert proposals(**{field: text}) == {field: (expected, "apply")}


def test_a_range_of_one_number_becomes_the_number_and_unreadable_numbers_go_to_review() -> None:
    assert proposals(employee_count={"min": 40, "max": 40}) == {"employee_count": (40, "apply")}
    why, action = proposals(employee_count="lots")["flag:employee_count"]
    assert action == "review" and "cannot be read as a number" in why
    assert proposals(employee_count=250) == {}


def test_whitespace_in_names_is_applied_and_case_is_only_proposed() -> None:
    assert proposals(name="  Acme   Software  GmbH ") == {"name": ("Acme Software GmbH", "apply")}
    assert proposals(name="ACME SOFTWARE GMBH") == {"name": ("Acme Software GmbH", "review")}
    assert proposals(name="acme software gmbh") == {"name": ("Acme Software GmbH", "review")}


@pytest.mark.parametrize(
    "name", ["IBM", "SAP AG", "BMW Group", "Acme GmbH", "deBijenkorf B.V.", "Müller & Co. KG"]
)
def test_names_whose_case_looks_deliberate_are_not_touched(name: str) -> None:
    assert proper_case(name) is None or proper_case(name) == name


def test_domains_come_from_websites_and_are_reduced_to_the_registrable_domain() -> None:
    base = snapshot(name="Acme GmbH", website="https://www.shop.acme.co.uk/de/")
    changes, _ = normalise_account(base, SAAS, accept_threshold=0.85)
    assert [(c.field, c.before, c.after, c.action) for c in changes] == [
        ("domain", None, "acme.co.uk", "apply")
    ]
    assert proposals(domain="WWW.Acme.com") == {"domain": ("acme.com", "apply")}


def test_a_higher_accept_threshold_sends_synonym_mappings_to_review() -> None:
    assert proposals(accept_threshold=0.95, industry="Telecom") == {
        "industry": ("Telecommunications", "review")
    }


# ---------------------------------------------------------------- through the store


def run_normalise(engine: Engine) -> Any:
    job = Cleanup(engine, CleanupOptions(steps=("normalise",)), SAAS, clock=lambda: NOW)
    return job.apply()


def test_applied_normalisation_keeps_the_original_value_in_history(store: Engine) -> None:
    account_id = add_account(store, "  Nordlicht   Medien GmbH", crm_id="A1", country="Deutschland",
                             industry="Software Development", employee_count="1.200")  # fmt: skip
    summary = run_normalise(store)
    assert summary.applied is not None and summary.applied.values_normalised == 4
    country = values_of(store, account_id, "country")
    assert [(row["value"], row["status"]) for row in country] == [
        ("Deutschland", "superseded"),
        ("DE", "accepted"),
    ]
    new = country[-1]
    assert new["source_kind"] == "crm", "a normalised CRM value stays the CRM's"
    assert new["value_text"] == "Deutschland" and new["extractor"] == "cleanup"
    assert new["run_id"] == summary.run_id and "ISO 3166" in new["reason"]
    assert (column(store, account_id, "country"), column(store, account_id, "industry")) == ("DE", "Software")
    assert column(store, account_id, "employee_count") == 1200
    assert column(store, account_id, "name") == "Nordlicht Medien GmbH"


def test_proposals_below_the_threshold_wait_for_review_and_are_not_repeated(store: Engine) -> None:
    account_id = add_account(store, "NORDLICHT MEDIEN GMBH", crm_id="A1")
    first = run_normalise(store)
    assert first.applied is not None and first.applied.values_to_review == 1 and first.awaiting_review == 1
    rows = values_of(store, account_id, "name")
    assert [(row["value"], row["status"]) for row in rows] == [
        ("NORDLICHT MEDIEN GMBH", "accepted"),
        ("Nordlicht Medien GmbH", "pending_review"),
    ]
    assert column(store, account_id, "name") == "NORDLICHT MEDIEN GMBH", (
        "nothing changes before a reviewer decides"
    )
    second = run_normalise(store)
    assert second.plan.changes == [] and second.awaiting_review == 1
    assert len(values_of(store, account_id, "name")) == 2


def test_a_value_changed_after_planning_is_not_overwritten(store: Engine) -> None:
    account_id = add_account(store, "Acme", crm_id="A1", country="Deutschland")
    job = Cleanup(store, CleanupOptions(steps=("normalise",)), SAAS, clock=lambda: NOW)
    plan = job.dry_run().plan
    with store.begin() as conn:  # after planning, an import brings another value
        crm_value = Candidate("country", "AT", "AT", 1.0, "crm")
        record_value(conn, "account", account_id, crm_value, status="accepted", now=NOW)
    counts = ApplyCounts()
    apply_values(store, plan, fence=lambda conn: None, now=NOW, run_id=0, counts=counts)
    assert (counts.values_normalised, counts.skipped_stale_plan) == (0, 1)
    assert column(store, account_id, "country") == "AT"
