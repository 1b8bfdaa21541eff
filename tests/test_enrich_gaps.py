"""The gap finder (enrich/gaps.py): which fields of an account are researched, and in which order.

Pure functions on data, checked here with the bundled saas-icp ruleset; the CLI-level behaviour (what
``leadscore enrich`` queues and researches) is in test_enrich_planning.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from enrich.gaps import FIELD_EXPIRY, RESEARCHABLE_FIELDS, Gap, KnownValue, derive_domain, find_gaps
from scoring.fields import account_record
from scoring.ruleset import Ruleset, load_ruleset
from tests.enrich_runs import RULESET

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
FILLED = {"employee_count": 500, "industry": "Software", "annual_revenue": 50_000_000, "country": "DE"}


@pytest.fixture(scope="module")
def saas_icp() -> Ruleset:
    return load_ruleset(RULESET.read_bytes(), str(RULESET))


def known(field: str, *, age_days: float, source_kind: str = "crm", confidence: float = 1.0) -> KnownValue:
    return KnownValue(field, source_kind, confidence, NOW - timedelta(days=age_days))


def gaps_of(
    columns: Mapping[str, object], values: Mapping[str, KnownValue] | None = None, **options: object
) -> list[tuple[str, str]]:
    record = account_record({"name": "Acme", **columns})
    found = find_gaps(1, record, values or {}, now=NOW, **options)  # type: ignore[arg-type]
    return [(gap.field, gap.reason) for gap in found.gaps]


def crm_values(columns: Mapping[str, object], *, age_days: float = 1) -> dict[str, KnownValue]:
    return {name: known(name, age_days=age_days) for name in columns}


def test_every_researchable_field_without_a_value_is_a_missing_gap() -> None:
    assert sorted(gaps_of({})) == sorted((name, "missing") for name in RESEARCHABLE_FIELDS)


def test_a_value_older_than_its_fields_expiry_is_stale_and_a_founding_year_never_expires() -> None:
    columns = {"employee_count": 80, "industry": "Software", "founded_year": 1990, "city": "Köln"}
    values = {
        "employee_count": known("employee_count", age_days=181),  # expiry 180 days
        "industry": known("industry", age_days=181),  # expiry 365 days
        "founded_year": known("founded_year", age_days=20 * 365),  # never
        "city": known("city", age_days=731),  # expiry 730 days
    }
    assert gaps_of(columns, values, fields=tuple(columns)) == [("city", "stale"), ("employee_count", "stale")]
    assert FIELD_EXPIRY["employee_count"] == timedelta(days=180) and FIELD_EXPIRY["founded_year"] is None


def test_stale_after_overrides_every_fields_expiry() -> None:
    columns = {"industry": "Software", "founded_year": 1990}
    values = crm_values(columns, age_days=31)
    assert gaps_of(columns, values, fields=tuple(columns)) == []
    stale = gaps_of(columns, values, fields=tuple(columns), stale_after=timedelta(days=30))
    assert sorted(stale) == [("founded_year", "stale"), ("industry", "stale")]


def test_a_value_verified_again_recently_is_not_stale() -> None:
    old = NOW - timedelta(days=400)
    verified = KnownValue("industry", "jsonld", 0.92, old, verified_at=NOW - timedelta(days=3))
    assert gaps_of({"industry": "Software"}, {"industry": verified}, fields=("industry",)) == []


def test_an_agent_value_below_the_accept_threshold_is_a_low_confidence_gap_but_a_crm_value_is_not() -> None:
    columns = {"employee_count": 80, "industry": "Software"}
    values = {
        "employee_count": known("employee_count", age_days=1, source_kind="page_text", confidence=0.75),
        "industry": known("industry", age_days=1, source_kind="crm", confidence=0.6),
    }
    gaps = gaps_of(columns, values, fields=tuple(columns), accept_threshold=0.85)
    assert gaps == [("employee_count", "low_confidence")]
    assert gaps_of(columns, values, fields=tuple(columns), accept_threshold=0.7) == []


def test_a_value_a_reviewer_approved_is_not_a_low_confidence_gap() -> None:
    approved = KnownValue("employee_count", "page_text", 0.75, NOW - timedelta(days=1), decided_by="alice")
    columns = {"employee_count": 120}
    assert gaps_of(columns, {"employee_count": approved}, fields=("employee_count",)) == []
    stale = gaps_of(
        columns, {"employee_count": approved}, fields=("employee_count",), stale_after=timedelta(0)
    )
    assert stale == [("employee_count", "stale")], "a stale approved value is checked again"


def test_only_decisive_keeps_the_fields_that_can_change_band_tier_or_handoff(saas_icp: Ruleset) -> None:
    every = gaps_of({"industry": "Software", "country": "DE"}, ruleset=saas_icp)
    assert [name for name, _ in every] == [
        "employee_count",  # band, tier, hand-off; swings 35 points
        "annual_revenue",  # band, tier, hand-off; swings 25 points (-15..+10)
        "city",  # no rule reads these: researched last
        "founded_year",
    ]
    decisive = gaps_of({"industry": "Software", "country": "DE"}, ruleset=saas_icp, only_decisive=True)
    assert decisive == [("employee_count", "missing"), ("annual_revenue", "missing")]
    assert gaps_of(FILLED, crm_values(FILLED), ruleset=saas_icp, only_decisive=True) == []


def test_decisive_gaps_carry_what_they_could_change_and_weigh_more_than_any_number_of_others(
    saas_icp: Ruleset,
) -> None:
    record = account_record({"name": "Acme", "industry": "Software", "country": "DE"})
    decisive = find_gaps(1, record, {}, now=NOW, ruleset=saas_icp)
    head_count = decisive.gaps[0]
    assert head_count == Gap("employee_count", "missing", True, 35.0, ("band", "tier", "handoff"))
    filled = account_record({"name": "Acme", **FILLED})
    trivia = find_gaps(2, filled, crm_values(FILLED), now=NOW, ruleset=saas_icp)
    assert [gap.field for gap in trivia.gaps] == ["city", "founded_year"]
    assert decisive.value > trivia.value * 10


def test_the_domain_comes_from_the_most_common_company_address_and_never_from_free_mail() -> None:
    emails = [
        "anna@gmail.com",
        "ben@GMX.de",
        "carla@donautronic.de",
        "dirk@donautronic.de",
        "eve@partner-agency.com",
        None,
        "not-an-address",
    ]
    assert derive_domain(emails) == "donautronic.de"
    assert derive_domain(["x@b-corp.com", "y@a-corp.com"]) == "a-corp.com", "ties break alphabetically"
    assert derive_domain(["anna@gmail.com", "ben@web.de", "carl@outlook.com"]) is None
    assert derive_domain([]) is None
