"""Hand-off: capacity moves each team's threshold; assignment respects thresholds, filters and capacity."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.capacity import parse_capacity_csv, parse_capacity_toml
from scoring.errors import CapacityError
from scoring.handoff import Candidate, HandoffPolicy, Rep, over_threshold, plan_handoffs, team_thresholds

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
POLICY = HandoffPolicy(base_threshold=70)


def test_overloaded_team_raises_threshold_idle_team_lowers_it() -> None:
    reps = [
        Rep("a", "busy", capacity=10, open_leads=9),
        Rep("b", "idle", capacity=10, open_leads=2),
        Rep("c", "normal", capacity=10, open_leads=7),
        Rep("d", "empty", capacity=0, open_leads=0),
    ]
    thresholds = {team: value.threshold for team, value in team_thresholds(POLICY, reps).items()}
    assert thresholds == {"busy": 85, "idle": 55, "normal": 70, "empty": 85}
    assert team_thresholds(POLICY, reps)["empty"].utilisation == math.inf


def test_interpolated_curve_ramps_linearly_between_idle_and_overloaded() -> None:
    ramp = HandoffPolicy(base_threshold=70, interpolate=True)
    assert [ramp.adjustment(u) for u in (0.3, 0.5, 0.7, 0.9, 1.2)] == pytest.approx([-15, -15, 0, 15, 15])


def test_accounts_go_to_reps_with_room_by_priority_never_beyond_capacity() -> None:
    reps = [Rep("anna", "t", capacity=3, open_leads=1), Rep("ben", "t", capacity=3, open_leads=2)]
    candidates = [Candidate(account_id=n, priority=90 - n) for n in range(1, 6)]
    plan = plan_handoffs(POLICY, reps, candidates)
    assert plan.thresholds["t"].threshold == 55  # utilisation 3/6 = 0.5: idle, 70 - 15
    # lowest utilisation first (anna 1/3 < ben 2/3), ties by free slots, then name
    assert [(a.account_id, a.rep) for a in plan.assignments] == [(1, "anna"), (2, "anna"), (3, "ben")]
    assert [c.account_id for c in plan.waiting] == [4, 5]


def test_tier_and_territory_filters_are_respected() -> None:
    reps = [
        Rep("dach", "d", capacity=5, open_leads=3, territory=frozenset({"DE", "AT", "CH"})),
        Rep("ent", "e", capacity=5, open_leads=3, tiers=frozenset({"enterprise"})),
    ]
    plan = plan_handoffs(
        POLICY,
        reps,
        [
            Candidate(1, 90, tier="enterprise", country="US"),
            Candidate(2, 90, tier="smb", country="DE"),
            Candidate(3, 90, tier="smb", country="US"),
        ],
    )
    assert [(a.account_id, a.rep) for a in plan.assignments] == [(1, "ent"), (2, "dach")]
    assert [c.account_id for c in plan.waiting] == [3]


def test_over_threshold_orders_by_priority_then_id() -> None:
    chosen = over_threshold([Candidate(3, 80), Candidate(1, 80), Candidate(2, 95), Candidate(4, 10)], 50)
    assert [c.account_id for c in chosen] == [2, 1, 3]


_reps = st.lists(
    st.builds(
        lambda index, team, capacity, open_leads, tiers: Rep(
            f"rep{index}", team, capacity, open_leads, tiers=tiers
        ),
        st.integers(0, 10_000),
        st.sampled_from(["a", "b"]),
        st.integers(0, 8),
        st.integers(0, 10),
        st.one_of(st.none(), st.just(frozenset({"enterprise"}))),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda rep: rep.name,
)
_candidates = st.lists(
    st.builds(
        Candidate, st.integers(1, 10_000), st.floats(0, 150), st.sampled_from(["enterprise", "smb", None])
    ),
    max_size=40,
    unique_by=lambda candidate: candidate.account_id,
)


@given(_reps, _candidates, st.randoms())
def test_plan_respects_capacity_thresholds_filters_and_is_order_independent(
    reps: list[Rep], candidates: list[Candidate], rng
) -> None:  # type: ignore[no-untyped-def]
    plan = plan_handoffs(POLICY, reps, candidates)
    by_name = {rep.name: rep for rep in reps}
    given_to: dict[str, int] = {}
    for assignment in plan.assignments:
        rep = by_name[assignment.rep]
        given_to[rep.name] = given_to.get(rep.name, 0) + 1
        assert rep.open_leads + given_to[rep.name] <= rep.capacity, "a rep got more than its capacity"
        assert assignment.priority >= plan.thresholds[rep.team].threshold
        candidate = next(c for c in candidates if c.account_id == assignment.account_id)
        assert rep.accepts(candidate.tier, candidate.country)
    assert len({a.account_id for a in plan.assignments}) == len(plan.assignments), (
        "an account handed over twice"
    )
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    assert plan_handoffs(POLICY, list(reversed(reps)), shuffled).assignments == plan.assignments


def test_capacity_toml_example_reads_teams_reps_and_inherited_filters() -> None:
    reps = parse_capacity_toml((EXAMPLES / "capacity.toml").read_bytes(), "capacity.toml")
    anna = next(rep for rep in reps if rep.name == "anna")
    assert (anna.team, anna.capacity, anna.open_leads, anna.territory) == (
        "dach",
        25,
        12,
        frozenset({"DE", "AT", "CH"}),
    )
    assert next(rep for rep in reps if rep.name == "maria").tiers == frozenset({"enterprise"})


def test_capacity_csv_reads_list_columns() -> None:
    reps = parse_capacity_csv(
        "team,rep,capacity,open_leads,territory,tiers\ndach,anna,10,2,de|at,\nent,maria,5,1,,enterprise;mid_market\n"
    )
    assert reps == [
        Rep("anna", "dach", 10, 2, territory=frozenset({"DE", "AT"})),
        Rep("maria", "ent", 5, 1, tiers=frozenset({"enterprise", "mid_market"})),
    ]


def test_capacity_problems_name_file_and_line() -> None:
    with pytest.raises(CapacityError) as caught:
        parse_capacity_csv("team,rep,capacity,open_leads\nx,anna,ten,1\nx,anna,3,-1\n", "cap.csv")
    assert [str(problem) for problem in caught.value.problems] == [
        "cap.csv:2: capacity: must be a whole number, got 'ten'",
        "cap.csv:3: open_leads: must not be negative, got -1",
        "cap.csv:3: rep: rep 'anna' is listed twice",
    ]
    with pytest.raises(CapacityError) as caught:
        parse_capacity_toml('[[team]]\nname = "x"\n[[team.rep]]\nname = "a"\ncapacity = "5"\n', "cap.toml")
    assert [str(problem) for problem in caught.value.problems] == [
        "cap.toml:5: team[0].rep[0].capacity: must be a whole number, got '5'"
    ]
    with pytest.raises(CapacityError, match="missing columns: capacity"):
        parse_capacity_csv("team,rep\nx,y\n", "cap.csv")
