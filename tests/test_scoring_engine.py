"""Fit, band, tier, priority and the explanation: the article's example as a golden test, plus properties."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engagement import Activity
from scoring.engine import band_of, decisive_fields, fit_of, score_account, tier_of
from scoring.fields import Record, account_record, contact_record
from scoring.persona import ContactInput
from scoring.ruleset import Ruleset, load_ruleset
from scoring.values import NumRange

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "rulesets"
AS_OF = datetime(2024, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def mittelstand() -> Ruleset:
    return load_ruleset((EXAMPLES / "mittelstand.toml").read_bytes(), "mittelstand.toml")


@pytest.fixture(scope="module")
def saas() -> Ruleset:
    return load_ruleset((EXAMPLES / "saas-icp.toml").read_bytes(), "saas-icp.toml")


# The article: more than 50 employees = 50 points, target industry = 30, DACH = 20; green from 80.
GOLDEN = [
    # employees, employee range, industry, country → fit, fit_min, fit_max, band, tier
    (120, None, "Maschinenbau", "DE", 100, 100, 100, "green", "mittelstand"),
    (40, None, "Automotive", "AT", 50, 50, 50, "yellow", "kleinunternehmen"),
    (300, None, "Retail", "CH", 70, 70, 70, "yellow", "mittelstand"),
    (300, None, "Maschinenbau", "US", 80, 80, 80, "green", "mittelstand"),
    (10, None, "Retail", "FR", 0, 0, 0, "red", "kleinunternehmen"),
    (51, None, "Retail", "US", 50, 50, 50, "yellow", "mittelstand"),
    (50, None, "Elektrotechnik", "DE", 50, 50, 50, "yellow", "kleinunternehmen"),
    (5000, None, "automotive", "de", 100, 100, 100, "green", "konzern"),
    (None, None, "Maschinenbau", "DE", 50, 50, 100, "undetermined", None),
    (None, "20-49", "Maschinenbau", "DE", 50, 50, 50, "yellow", "kleinunternehmen"),
    (None, "40-60", "Retail", "DE", 20, 20, 70, "undetermined", None),
]


@pytest.mark.parametrize(
    ("employees", "employee_range", "industry", "country", "fit", "fit_min", "fit_max", "band", "tier"),
    GOLDEN,
)
def test_article_example_golden(
    mittelstand: Ruleset,
    employees: int | None,
    employee_range: str | None,
    industry: str,
    country: str,
    fit: float,
    fit_min: float,
    fit_max: float,
    band: str,
    tier: str | None,
) -> None:
    record = account_record(
        {
            "name": "X",
            "employee_count": employees,
            "employee_count_range": employee_range,
            "industry": industry,
            "country": country,
            "annual_revenue": 20_000_000,
        }
    )
    score = score_account(mittelstand, record, as_of=AS_OF)
    assert (score.fit, score.fit_min, score.fit_max, score.band, score.tier) == (
        fit,
        fit_min,
        fit_max,
        band,
        tier,
    )


def test_article_example_priority_and_explanation(mittelstand: Ruleset) -> None:
    record = account_record(
        {
            "name": "Muster GmbH",
            "employee_count": 120,
            "industry": "Maschinenbau",
            "country": "DE",
            "annual_revenue": 20_000_000,
        }
    )
    score = score_account(mittelstand, record, as_of=AS_OF, account_id=1)
    assert score.tier_weight == 1.2
    assert score.priority == pytest.approx(1.2 * 0.6 * 100)
    fired = [(rule.label, rule.points, rule.outcome) for rule in score.explanation.fit_rules]
    assert fired == [
        ("more than 50 employees", 50, "fired"),
        ("target industry", 30, "fired"),
        ("DACH", 20, "fired"),
    ]
    assert score.explanation.tier.matched_condition == "employee_count > 50"
    assert score.explanation.priority_formula == "1.2 × (0.6 × 100.00 + 0.4 × 0.00) = 72.00"
    assert score.to_dict()["ruleset"] == {
        "name": "mittelstand",
        "version": "1",
        "sha256": mittelstand.ref.sha256,
    }


def test_missing_field_is_listed_with_the_points_it_could_swing(mittelstand: Ruleset) -> None:
    record = account_record(
        {"name": "X", "industry": "Maschinenbau", "country": "DE", "annual_revenue": 10**6}
    )
    score = score_account(mittelstand, record, as_of=AS_OF)
    [missing] = score.explanation.missing
    assert (missing.field, missing.down, missing.up) == ("employee_count", 0, 50)
    assert set(missing.affects) == {"band", "tier", "handoff"}
    assert score.explanation.tier.candidates == ("konzern", "mittelstand", "kleinunternehmen")
    assert score.tier_weight == 1.0  # uncertain tier counts with its lowest possible weight
    assert score.priority == pytest.approx(0.6 * 50)  # uncertain fit counts at its minimum


def test_decisive_fields_are_those_that_could_change_band_tier_or_handoff(mittelstand: Ruleset) -> None:
    unknown_size = account_record(
        {"name": "X", "industry": "Maschinenbau", "country": "DE", "annual_revenue": 10}
    )
    assert [field.field for field in decisive_fields(mittelstand, unknown_size)] == ["employee_count"]
    settled = account_record(
        {"name": "X", "employee_count": 10, "industry": "Retail", "country": "US", "annual_revenue": 10}
    )
    assert decisive_fields(mittelstand, settled) == []
    # revenue could still make it konzern (tier), but even then priority 1.5 × 0.6 × 70 = 63 stays below
    # the hand-off threshold of 70, so it cannot change the hand-off
    mid = account_record({"name": "X", "employee_count": 300, "industry": "Retail", "country": "DE"})
    [revenue] = decisive_fields(mittelstand, mid)
    assert (revenue.field, revenue.affects) == ("annual_revenue", ("tier",))
    assert decisive_fields(mittelstand, mid, threshold=60)[0].affects == ("tier", "handoff")


def test_score_is_json_serialisable_with_contacts_events_and_unmapped_assets(saas: Ruleset) -> None:
    account = account_record(
        {
            "name": "Acme",
            "industry": "Software",
            "employee_count": 250,
            "country": "US",
            "annual_revenue_range": "1M-5M",
            "custom": {"lead_source": "Partner"},
        },
        saas.custom_fields,
    )
    cto = ContactInput(
        1,
        contact_record(
            {
                "first_name": "Ada",
                "last_name": "Byron",
                "email": "ada@acme.io",
                "title": "CTO",
                "seniority": "c_level",
                "department": "engineering",
            }
        ),
        [
            Activity("visit", "pricing-page", AS_OF - timedelta(days=30), 1),
            Activity("form_fill", "demo-request", AS_OF - timedelta(days=1), 1),
            Activity("visit", "mystery-page", AS_OF - timedelta(days=1), 1),
        ],
    )
    student = ContactInput(
        2,
        contact_record({"email": "kid@gmail.com", "title": "Working Student"}),
        [Activity("download", "whitepaper-ai-roi", AS_OF - timedelta(days=1), 2)] * 3,
    )
    score = score_account(saas, account, as_of=AS_OF, contacts=[student, cto], account_id=9)
    data = json.loads(json.dumps(score.to_dict()))
    assert data["best_contact_id"] == 1
    assert data["explanation"]["contacts"][0]["label"] == "Ada Byron"
    assert data["explanation"]["contacts"][1]["persona"] == 0  # student -30 and free mail -30, floored at 0
    assert data["explanation"]["engagement"]["unmapped_assets"] == {"mystery-page": 1}
    assert data["phase"] == "purchase_intent"
    top_event = data["explanation"]["engagement"]["events"][0]
    assert (top_event["asset"], top_event["points"]) == ("demo-request", 40)
    assert data["band"] == "green" and data["tier"] == "mid_market"  # revenue 1M-5M: neither rule applies
    assert data["fit"] == data["fit_min"] == data["fit_max"] == 90  # 25 + 10 + 25 + 20 + 10 (partner)


def test_unknown_industry_leaves_band_undetermined_but_tier_decided(saas: Ruleset) -> None:
    record = account_record(
        {"name": "Big", "employee_count": 5000, "annual_revenue": 900_000_000, "country": "DE"}
    )
    assert tier_of(saas, record).name == "enterprise"
    fit = fit_of(saas, record)
    # 25 + 10 + 20 + 10 known; industry unknown: target (+25) or adjacent (+10) industry. The bound adds
    # both, as it does not reason about two rules excluding each other: sound, not tight.
    assert (fit.value, fit.low, fit.high) == (65, 65, 100)
    assert band_of(saas, fit) == "undetermined"


# --- properties ---------------------------------------------------------------------------------------

NUMERIC = ("employee_count", "annual_revenue", "founded_year")
_conditions = st.one_of(
    st.builds(
        lambda field, op, value: f"{field} {op} {value}",
        st.sampled_from(NUMERIC),
        st.sampled_from(["<", "<=", ">", ">=", "=", "!="]),
        st.integers(0, 2000),
    ),
    st.builds(
        lambda a, b: f"employee_count between {min(a, b)} and {max(a, b)}",
        st.integers(0, 2000),
        st.integers(0, 2000),
    ),
    st.builds(lambda items: f"industry in {items!r}", st.lists(st.sampled_from(["A", "B", "C"]), min_size=1)),
    st.builds(
        lambda a, b: f"{a} or {b}",
        st.sampled_from(["country = 'DE'", "industry = 'A'"]),
        st.sampled_from(["employee_count > 100", "founded_year < 2000"]),
    ),
    st.builds(lambda a: f"not ({a})", st.sampled_from(["employee_count > 500", "country in ['DE', 'AT']"])),
)


def _ruleset_text(rules: list[tuple[str, int]], cap: int) -> str:
    body = "".join(f'[[fit.rule]]\nwhen = "{when}"\npoints = {points}\n' for when, points in rules)
    tiers = (
        "[tier]\n"
        'big = { when = "employee_count >= 1000", weight = 2 }\n'
        'mid = { when = "annual_revenue >= 500" }\n'
    )
    header = (
        f'[ruleset]\nname = "p"\nversion = 1\n[fit]\ncap = {cap}\nbands = {{ low = 0, high = {cap // 2} }}\n'
    )
    return header + body + tiers


_values = {
    "employee_count": st.integers(0, 3000),
    "annual_revenue": st.integers(0, 3000),
    "founded_year": st.integers(1900, 2030),
    "industry": st.sampled_from(["A", "B", "C", "D"]),
    "country": st.sampled_from(["DE", "US", "AT"]),
}


@st.composite
def _scenario(draw: st.DrawFn, *, positive_only: bool = False) -> tuple[Ruleset, Record, Record]:
    """A random ruleset, a complete record, and a copy with some fields missing or known only as a range."""
    points = st.integers(1, 60) if positive_only else st.integers(-60, 60)
    rules = draw(st.lists(st.tuples(_conditions, points), min_size=1, max_size=6))
    ruleset = load_ruleset(_ruleset_text(rules, draw(st.integers(20, 150))), "p.toml")
    full: Record = {name: draw(strategy) for name, strategy in _values.items()}
    partial = dict(full)
    for name in _values:
        choice = draw(st.sampled_from(["keep", "missing", "range"]))
        if choice == "missing":
            partial[name] = None
        elif choice == "range" and name in NUMERIC:
            value = full[name]
            assert isinstance(value, int)
            partial[name] = NumRange(value - draw(st.integers(0, 50)), value + draw(st.integers(0, 50)))
    return ruleset, full, partial


@settings(max_examples=200, deadline=None)
@given(_scenario())
def test_caps_hold_and_range_is_ordered(scenario: tuple[Ruleset, Record, Record]) -> None:
    ruleset, _, partial = scenario
    fit = fit_of(ruleset, partial)
    assert 0 <= fit.low <= fit.value <= fit.high <= ruleset.fit_rules.cap


@settings(max_examples=200, deadline=None)
@given(_scenario())
def test_range_contains_the_true_score_once_missing_fields_are_filled(
    scenario: tuple[Ruleset, Record, Record],
) -> None:
    ruleset, full, partial = scenario
    uncertain, exact = fit_of(ruleset, partial), fit_of(ruleset, full)
    assert exact.low == exact.value == exact.high
    assert uncertain.low <= exact.value <= uncertain.high
    band = band_of(ruleset, uncertain)
    assert band in ("undetermined", band_of(ruleset, exact))
    tier = tier_of(ruleset, partial)
    assert tier_of(ruleset, full).name in tier.candidates
    assert tier.weight <= tier_of(ruleset, full).weight <= tier.weight_max


@settings(max_examples=200, deadline=None)
@given(_scenario(positive_only=True), st.sampled_from(sorted(_values)))
def test_filling_a_field_never_lowers_fit_when_rules_only_add(
    scenario: tuple[Ruleset, Record, Record], field: str
) -> None:
    ruleset, full, partial = scenario
    filled = {**partial, field: full[field]}
    before, after = fit_of(ruleset, partial), fit_of(ruleset, filled)
    assert after.value >= before.value
    assert before.low <= after.low and after.high <= before.high  # knowing more only narrows the range


def test_text_in_a_number_column_counts_as_missing_instead_of_crashing(mittelstand: Ruleset) -> None:
    """SQLite keeps "1.200" written by another tool as text in an integer column; it is not guessed at."""
    record = account_record({"name": "Dirty GmbH", "employee_count": "1.200", "industry": "Maschinenbau"})
    assert record["employee_count"] is None
    result = score_account(mittelstand, record, as_of=AS_OF)
    assert "employee_count" in {item.field for item in result.explanation.missing}
