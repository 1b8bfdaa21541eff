"""Rulesets load into checked, compiled models; every problem names file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.errors import RulesetError
from scoring.ruleset import load_ruleset, ruleset_sha256
from scoring.toml_lines import format_path, key_lines, line_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "rulesets"

VALID = """\
[ruleset]
name = "test"
version = 3

[fit]
bands = { red = 0, yellow = 50, green = 80 }
[[fit.rule]]
when = "employee_count > 50"
points = 50
[[fit.rule]]
when = "industry in ['Software', 'IT Services']"
points = 30
[[fit.rule]]
when = "country in ['DE', 'AT', 'CH']"
points = 20

[tier]
enterprise = { when = "employee_count >= 1000 or annual_revenue >= 250_000_000", weight = 1.5 }
mid_market = { when = "employee_count >= 100", weight = 1.2 }
smb        = { when = "true", weight = 1.0 }

[engagement]
half_life_days = 30
phases = ["awareness", "consideration", "evaluation", "purchase_intent"]
[engagement.assets]
"whitepaper-*"   = { phase = "awareness", points = 5 }
"pricing-page"   = { phase = "evaluation", points = 15 }
"unsubscribe"    = { points = -20 }
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(text, "rules.toml")
    return [str(problem) for problem in caught.value.problems]


def test_valid_ruleset_loads_with_identity_and_compiled_rules() -> None:
    ruleset = load_ruleset(VALID, "rules.toml")
    assert str(ruleset.ref) == "test@3"
    assert ruleset.ref.sha256 == ruleset_sha256(VALID)
    assert [rule.points for rule in ruleset.fit_rules.rules] == [50, 30, 20]
    assert [tier.name for tier in ruleset.tiers.tiers] == ["enterprise", "mid_market", "smb"]
    assert ruleset.bands.names == ("red", "yellow", "green")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda path: path.name)
def test_shipped_example_rulesets_are_valid(path: Path) -> None:
    ruleset = load_ruleset(path.read_bytes(), str(path))
    assert ruleset.fit_rules.rules, "an example without fit rules shows nothing"


def test_content_hash_ignores_line_endings_and_byte_order_mark_but_not_content() -> None:
    assert ruleset_sha256(VALID) == ruleset_sha256(("\ufeff" + VALID.replace("\n", "\r\n")).encode())
    assert ruleset_sha256(VALID) != ruleset_sha256(VALID.replace("points = 50", "points = 51"))


def test_unknown_field_names_line_rule_and_suggestion() -> None:
    assert problems_of(VALID.replace("employee_count > 50", "employes > 50")) == [
        "rules.toml:8: fit.rule[0].when: unknown field 'employes' (did you mean 'employee_count'?)"
    ]


def test_unknown_field_in_third_rule_points_at_its_line() -> None:
    assert problems_of(VALID.replace("country in", "contry in")) == [
        "rules.toml:14: fit.rule[2].when: unknown field 'contry' (did you mean 'country'?)"
    ]


def test_type_mismatch_names_the_condition() -> None:
    [problem] = problems_of(VALID.replace("country in ['DE', 'AT', 'CH']", "industry > 5"))
    assert problem.startswith("rules.toml:14: fit.rule[2].when: type mismatch in `industry > 5`")


def test_syntax_error_gives_character_position() -> None:
    [problem] = problems_of(VALID.replace("employee_count > 50", "employee_count >> 50"))
    assert problem.startswith("rules.toml:8: fit.rule[0].when: syntax error at character 17")


def test_points_that_are_not_numbers_are_rejected_not_coerced() -> None:
    assert problems_of(VALID.replace("points = 30", 'points = "30"')) == [
        "rules.toml:12: fit.rule[1].points: must be a number, got '30'"
    ]
    assert problems_of(VALID.replace("points = 30", "points = true")) == [
        "rules.toml:12: fit.rule[1].points: must be a number, got True"
    ]


def test_unknown_phase_in_asset_mapping_is_an_error() -> None:
    assert problems_of(VALID.replace('phase = "evaluation"', 'phase = "evaluaton"')) == [
        "rules.toml:27: engagement.assets.pricing-page.phase: "
        "unknown phase 'evaluaton' (did you mean 'evaluation'?)"
    ]


def test_positive_asset_points_need_a_phase() -> None:
    [problem] = problems_of(
        VALID.replace(
            '"pricing-page"   = { phase = "evaluation", points = 15 }', '"pricing-page" = { points = 15 }'
        )
    )
    assert problem.startswith("rules.toml:27: engagement.assets.pricing-page.phase: positive points need")


def test_catch_all_tier_that_is_not_last_makes_later_tiers_unreachable() -> None:
    text = VALID.replace('smb        = { when = "true", weight = 1.0 }\n', "").replace(
        "[tier]\n", '[tier]\nsmb = { when = "true" }\n'
    )
    assert problems_of(text) == [
        "rules.toml:19: tier.enterprise.when: tier 'enterprise' can never match: every account it matches is "
        "already taken by tier 'smb' above it (first match wins; put narrower tiers first)",
        "rules.toml:20: tier.mid_market.when: tier 'mid_market' can never match: every account it matches is "
        "already taken by tier 'smb' above it (first match wins; put narrower tiers first)",
    ]


def test_broader_tier_above_narrower_one_is_flagged() -> None:
    text = VALID.replace(
        'enterprise = { when = "employee_count >= 1000 or annual_revenue >= 250_000_000", weight = 1.5 }\n'
        'mid_market = { when = "employee_count >= 100", weight = 1.2 }',
        'mid_market = { when = "employee_count >= 100", weight = 1.2 }\n'
        "enterprise = { when = \"employee_count >= 1000 and country = 'US'\", weight = 1.5 }",
    )
    [problem] = problems_of(text)
    assert problem.startswith("rules.toml:19: tier.enterprise.when: tier 'enterprise' can never match")
    assert "tier 'mid_market' above it" in problem


def test_tier_covered_only_by_several_earlier_tiers_together_is_flagged() -> None:
    text = VALID[: VALID.index("[tier]")] + (
        "[tier]\n"
        'large = { when = "employee_count >= 100" }\n'
        'small = { when = "employee_count < 100" }\n'
        'startup = { when = "employee_count > 5 and founded_year >= 2020" }\n'
    )
    [problem] = problems_of(text)
    assert problem.startswith("rules.toml:20: tier.startup.when: tier 'startup' can never match")
    assert "tiers 'large', 'small' above it" in problem


def test_unknown_key_suggests_the_known_one() -> None:
    assert problems_of(VALID.replace("half_life_days", "half_life")) == [
        "rules.toml:23: engagement.half_life: unknown key 'half_life' (did you mean 'half_life_days'?)"
    ]


def test_broken_toml_names_its_line() -> None:
    [problem] = problems_of(VALID.replace("points = 30", "points = = 30"))
    assert problem.startswith("rules.toml:12: not valid TOML")


def test_several_problems_are_reported_together_in_file_order() -> None:
    text = VALID.replace("country in", "contry in").replace("employee_count > 50", "employes > 50")
    text = text.replace('phase = "evaluation"', 'phase = "buying"')
    assert [problem.split(":")[1] for problem in problems_of(text)] == ["8", "14", "27"]


def test_bands_must_start_at_zero_and_stay_below_the_cap() -> None:
    problems = problems_of(VALID.replace("red = 0,", "red = 10,").replace("green = 80", "green = 120"))
    assert problems == [
        "rules.toml:6: fit.bands: the lowest band 'red' must start at 0 so every fit has a band",
        "rules.toml:6: fit.bands.green: band 'green' starts at 120.0, above the fit cap 100.0",
    ]


def test_custom_fields_are_declared_typed_and_usable() -> None:
    text = VALID.replace("[fit]\n", '[fields]\nlead_source = "string"\n\n[fit]\n').replace(
        "country in ['DE', 'AT', 'CH']", "lead_source = 'Partner'"
    )
    ruleset = load_ruleset(text, "rules.toml")
    assert dict(ruleset.custom_fields) == {"lead_source": "string"}
    [problem] = problems_of(text.replace("lead_source = 'Partner'", "lead_source > 3"))
    assert "lead_source is a string" in problem or "needs a number field" in problem


def test_custom_field_cannot_shadow_a_builtin_field() -> None:
    [problem] = problems_of(VALID.replace("[fit]\n", '[fields]\nindustry = "string"\n\n[fit]\n'))
    assert problem.startswith("rules.toml:6: fields.industry: 'industry' cannot be a custom field")


def test_key_lines_follow_arrays_of_tables_inline_tables_and_skip_strings() -> None:
    text = (
        'a = """\n[not.a.table]\nx = 1\n"""\n'  # 1-4
        "[[team]]\n"  # 5
        'name = "dach" # [x]\n'  # 6
        "[[team.rep]]\n"  # 7
        "name = 'a'\n"  # 8
        "[[team]]\n"  # 9
        "[[team.rep]]\n"  # 10
        "capacity = 3\n"  # 11
        "[t]\n"  # 12
        "arr = [\n"  # 13
        "  { when = 'x = 1' },\n"  # 14
        "  { when = 'y', points = 2 },\n"  # 15
        "]\n"  # 16
        '"quoted key".sub = 1\n'  # 17
    )
    lines = key_lines(text)
    assert lines[("a",)] == 1
    assert ("not", "a", "table") not in lines
    assert lines[("team", 0, "name")] == 6
    assert lines[("team", 0, "rep", 0, "name")] == 8
    assert lines[("team", 1, "rep", 0, "capacity")] == 11
    assert lines[("t", "arr", 1, "points")] == 15
    assert lines[("t", "quoted key", "sub")] == 17
    assert line_of(lines, ("t", "arr", 1, "missing_key")) == 15
    assert (
        format_path(("engagement", "assets", "whitepaper-*", "phase"))
        == 'engagement.assets."whitepaper-*".phase'
    )
