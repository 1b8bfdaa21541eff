"""Engagement: assets matched by pattern and kind, decayed from an explicit as_of, capped, rolled up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.engagement import Activity, EngagementPolicy, decay_factor, roll_up, score_activities
from scoring.ruleset import load_ruleset

AS_OF = datetime(2024, 6, 1, 12, tzinfo=UTC)

RULESET = """\
[ruleset]
name = "engagement-test"
version = 1

[engagement]
half_life_days = 10
cap = 100
phases = ["awareness", "consideration", "evaluation", "purchase_intent"]
phase_caps = {{ awareness = 12 }}
phase_min_points = 1
rollup = "{rollup}"
top_k = 2
account_cap = 60

[engagement.assets]
"*" = {{ kind = "email_open", phase = "awareness", points = 1 }}
"whitepaper-*" = {{ phase = "awareness", points = 5 }}
"webinar-*" = {{ phase = "consideration", points = 10, kind = ["webinar", "visit"] }}
"pricing-page" = {{ phase = "evaluation", points = 15 }}
"cta-contact-us" = {{ phase = "purchase_intent", points = 40 }}
"unsubscribe" = {{ points = -20 }}
"""


def policy(rollup: str = "max") -> EngagementPolicy:
    return load_ruleset(RULESET.format(rollup=rollup), "engagement.toml").engagement


def days_ago(days: float, asset: str, kind: str = "visit", contact_id: int | None = 1) -> Activity:
    return Activity(kind, asset, AS_OF - timedelta(days=days), contact_id)


def test_points_halve_every_half_life() -> None:
    result = score_activities(policy(), [days_ago(10, "pricing-page"), days_ago(20, "pricing-page")], AS_OF)
    assert [round(decayed, 6) for _, _, decayed in result.events] == [7.5, 3.75]
    assert result.engagement == pytest.approx(11.25)


@given(st.floats(0, 10_000), st.floats(0, 10_000), st.floats(0.1, 1000))
def test_decay_is_monotonic_in_age_and_stays_between_zero_and_one(
    younger: float, older: float, half_life: float
) -> None:
    younger, older = min(younger, older), max(younger, older)
    assert 1.0 >= decay_factor(younger, half_life) >= decay_factor(older, half_life) >= 0.0


@given(st.lists(st.floats(0, 400), min_size=2, max_size=5))
def test_older_activity_never_earns_more_than_a_newer_identical_one(ages: list[float]) -> None:
    result = score_activities(policy(), [days_ago(age, "webinar-q3") for age in sorted(ages)], AS_OF)
    decayed = [points for _, _, points in result.events]
    assert decayed == sorted(decayed, reverse=True)


def test_naive_datetimes_are_read_as_utc() -> None:
    naive = Activity("visit", "pricing-page", datetime(2024, 5, 22, 12), 1)
    assert score_activities(policy(), [naive], AS_OF).engagement == pytest.approx(7.5)


def test_activities_after_as_of_are_ignored_and_counted() -> None:
    result = score_activities(policy(), [days_ago(-1, "cta-contact-us"), days_ago(1, "whitepaper-x")], AS_OF)
    assert result.ignored_future == 1
    assert result.phase == "awareness"


def test_phase_cap_limits_one_phase_and_overall_cap_limits_the_total() -> None:
    many_downloads = [days_ago(0, f"whitepaper-{n}") for n in range(10)]
    assert score_activities(policy(), many_downloads, AS_OF).engagement == 12  # awareness capped at 12
    everything = many_downloads + [days_ago(0, "cta-contact-us")] * 3
    assert score_activities(policy(), everything, AS_OF).engagement == 100


def test_negative_points_lower_engagement_but_never_below_zero() -> None:
    assert (
        score_activities(
            policy(), [days_ago(0, "pricing-page"), days_ago(0, "unsubscribe")], AS_OF
        ).engagement
        == 0
    )
    result = score_activities(policy(), [days_ago(0, "cta-contact-us"), days_ago(0, "unsubscribe")], AS_OF)
    assert result.engagement == 20 and result.raw == 20


def test_kind_narrows_a_pattern_and_first_match_wins() -> None:
    result = score_activities(
        policy(),
        [
            days_ago(0, "pricing-page", kind="email_open"),  # caught by "*" for email opens first
            days_ago(0, "webinar-ai", kind="download"),  # webinar-* wants webinar/visit: unmapped
            days_ago(0, "webinar-ai", kind="webinar"),
            days_ago(0, "Whitepaper-ROI"),  # patterns ignore case
            days_ago(0, "mystery"),
            days_ago(0, "mystery"),
        ],
        AS_OF,
    )
    assert [(activity.asset, rule.points) for activity, rule, _ in result.events] == [
        ("pricing-page", 1),
        ("webinar-ai", 10),
        ("Whitepaper-ROI", 5),
    ]
    assert result.unmapped == {"webinar-ai": 1, "mystery": 2}


def test_furthest_phase_needs_enough_decayed_points_so_old_intent_fades() -> None:
    recent = score_activities(policy(), [days_ago(5, "pricing-page"), days_ago(1, "whitepaper-a")], AS_OF)
    assert recent.phase == "evaluation"
    # 15 points after 4 half-lives are 0.94 < phase_min_points: the phase is no longer reached
    old = score_activities(policy(), [days_ago(40, "pricing-page"), days_ago(1, "whitepaper-a")], AS_OF)
    assert old.phase == "awareness"


def test_account_rolls_up_contacts_by_max_or_top_k_plus_its_own_activities() -> None:
    contacts = [
        (1, score_activities(policy(), [days_ago(0, "pricing-page", contact_id=1)], AS_OF)),  # 15
        (2, score_activities(policy(), [days_ago(0, "webinar-a", contact_id=2)], AS_OF)),  # 10
        (3, score_activities(policy(), [days_ago(0, "whitepaper-a", contact_id=3)], AS_OF)),  # 5
    ]
    own = score_activities(policy(), [days_ago(0, "cta-contact-us", contact_id=None)], AS_OF, cap=60)
    by_max = roll_up(policy("max"), contacts, own)
    assert (by_max.engagement, by_max.from_contacts, by_max.counted_contacts) == (55, 15, (1,))
    assert by_max.phase == "purchase_intent"
    top_two = roll_up(policy("sum_top_k"), contacts, own)
    assert (top_two.engagement, top_two.counted_contacts) == (60, (1, 2))  # 15 + 10 + 40, capped at 60
    no_account_activity = score_activities(policy(), [], AS_OF)
    assert roll_up(policy("sum_top_k"), contacts, no_account_activity).engagement == 25
    assert roll_up(policy("max"), [], no_account_activity).phase is None
