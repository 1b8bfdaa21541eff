"""The condition language: parsed once into a public AST, type-checked, evaluated in three-valued logic."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import ExpressionError
from scoring.evaluate import compile_condition
from scoring.expressions import (
    And,
    Between,
    Compare,
    Const,
    Expr,
    InList,
    IsMissing,
    Match,
    Not,
    Or,
    Truthy,
    parse,
    render,
)
from scoring.fields import CONTACT_CATALOGUE, account_catalogue, account_record, contact_record
from scoring.typecheck import check
from scoring.values import NumRange, parse_range

ACCOUNTS = account_catalogue()


def truth(condition: str, record: dict[str, object]) -> bool | None:
    expr = parse(condition)
    check(expr, ACCOUNTS if "title" not in condition and "email" not in condition else CONTACT_CATALOGUE)
    return compile_condition(expr, frozenset({"employee_count", "founded_year"}))(record)


def test_parser_builds_a_plain_ast_with_underscore_numbers_lists_and_keywords_in_any_case() -> None:
    assert parse("employee_count >= 1000 OR annual_revenue >= 250_000_000") == Or(
        (Compare("employee_count", ">=", 1000), Compare("annual_revenue", ">=", 250_000_000))
    )
    assert parse("country not in ('DE', 'AT',)") == InList("country", ("DE", "AT"), negated=True)
    assert parse("employee_count between 10 and 20.5 and not city is missing") == And(
        (Between("employee_count", 10, 20.5), Not(IsMissing("city")))
    )
    assert parse("title matches '*chief*'") == Match("title", "*chief*", "glob")
    assert parse("title not like '%intern%'") == Match("title", "%intern%", "like", negated=True)
    assert parse("city is present") == IsMissing("city", negated=True)
    assert parse("email_is_free") == Truthy("email_is_free")
    assert parse("(true)") == Const(True)


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("", "empty condition", 0),
        ("employee_count >", "expected a number", 16),
        ("industry in 'Software'", "expected a list", 12),
        ("50 < employee_count", "expected a field name", 0),
        ("employee_count ~ 3", "unexpected character '~'", 15),
        ("industry = 'Software", "unexpected character", 11),
        ("(country = 'DE'", "expected ')'", 15),
        ("country = 'DE' country = 'AT'", "expected 'and', 'or'", 15),
        ("employee_count between 1 5", "expected 'and'", 25),
    ],
)
def test_parser_rejects_malformed_conditions_with_the_character_position(
    source: str, message: str, position: int
) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert message in caught.value.reason
    assert caught.value.position == position


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("employes > 50", "unknown field 'employes' (did you mean 'employee_count'?)"),
        ("industry > 5", "'>' needs a number field, industry is a string"),
        ("employee_count = 'many'", "employee_count is an integer, 'many' is a string"),
        ("industry in ['Software', 5]", "industry is a string, 5 is a number"),
        ("country in ['Germany']", "ISO 3166-1 alpha-2"),
        ("industry between 1 and 2", "'between' needs a number field"),
        ("employee_count matches '1*'", "pattern matching needs a string field"),
        ("industry", "only allowed for boolean fields"),
        ("employee_count between 9 and 1", "lower bound is above the upper bound"),
        ("industry in []", "the list is empty"),
    ],
)
def test_type_checker_rejects_conditions_that_cannot_mean_anything(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        check(parse(source), ACCOUNTS)
    assert message in caught.value.reason


def test_missing_field_makes_comparisons_unknown_but_is_missing_decided() -> None:
    record = account_record({"name": "Acme", "industry": "Software"})
    assert truth("employee_count > 50", record) is None
    assert truth("not employee_count > 50", record) is None
    assert truth("employee_count is missing", record) is True
    assert truth("industry is present", record) is True


def test_and_or_follow_kleene_logic_with_unknown() -> None:
    record = account_record({"name": "Acme", "industry": "Software"})
    assert truth("employee_count > 50 and industry = 'Retail'", record) is False
    assert truth("employee_count > 50 and industry = 'Software'", record) is None
    assert truth("employee_count > 50 or industry = 'Software'", record) is True
    assert truth("employee_count > 50 or industry = 'Retail'", record) is None


def test_string_comparisons_and_patterns_ignore_case() -> None:
    record = account_record({"name": "Acme", "industry": "software", "country": "de"})
    assert truth("industry in ['Software', 'IT Services']", record) is True
    assert truth("industry = 'SOFTWARE'", record) is True
    assert truth("country = 'DE'", record) is True
    contact = contact_record({"title": "Chief Revenue Officer", "email": "Ann@GMAIL.com"})
    assert truth("title matches '*chief*'", contact) is True
    assert truth("title like 'chief%officer'", contact) is True
    assert truth("title matches 'chief'", contact) is False
    assert truth("email_domain = 'gmail.com' and email_is_free", contact) is True


def test_glob_and_like_patterns_treat_regex_characters_literally() -> None:
    contact = contact_record({"title": "VP (Sales) [EMEA]"})
    assert truth("title matches 'VP (Sales) [EMEA]'", contact) is True
    assert truth("title matches 'VP ?Sales? *'", contact) is True
    assert truth("title like 'vp _sales_ %'", contact) is True
    assert truth("title matches 'VP.*'", contact) is False


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("employee_count > 40", True),
        ("employee_count > 50", None),  # 50 itself is in the range
        ("employee_count > 200", False),
        ("employee_count >= 200", None),
        ("employee_count < 50", False),
        ("employee_count <= 200", True),
        ("employee_count between 0 and 500", True),
        ("employee_count between 300 and 500", False),
        ("employee_count between 100 and 500", None),
        ("employee_count = 100", None),
        ("employee_count = 20", False),
        ("employee_count != 20", True),
        ("employee_count in [10, 20]", False),
        ("employee_count in [10, 100]", None),
        ("employee_count is present", True),
    ],
)
def test_numeric_range_is_decided_only_when_every_value_agrees(condition: str, expected: bool | None) -> None:
    record = account_record({"name": "Acme", "employee_count_range": "50-200"})
    assert record["employee_count"] == NumRange(50, 200)
    assert truth(condition, record) is expected


def test_small_integer_range_inside_a_list_is_decided() -> None:
    record = {"employee_count": NumRange(1, 2)}
    assert truth("employee_count in [1, 2, 3]", record) is True


def test_open_ended_range_and_scaled_ranges_parse() -> None:
    assert parse_range("10000+") == NumRange(10000, math.inf)
    assert parse_range("1M-5M") == NumRange(1_000_000, 5_000_000)
    assert parse_range("1,000 - 5,000") == NumRange(1000, 5000)
    assert parse_range("200-50") is None
    assert parse_range("many") is None
    assert truth("annual_revenue >= 1_000_000", {"annual_revenue": NumRange(10_000, math.inf)}) is None


# --- properties ---------------------------------------------------------------------------------------

_fields = st.sampled_from(["employee_count", "annual_revenue", "founded_year"])
_numbers = st.integers(min_value=-10_000, max_value=10_000)
_leaves: st.SearchStrategy[Expr] = st.one_of(
    st.builds(Compare, _fields, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), _numbers),
    st.builds(lambda f, a, b: Between(f, min(a, b), max(a, b)), _fields, _numbers, _numbers),
    st.builds(
        lambda f, values: InList(f, tuple(values)), _fields, st.lists(_numbers, min_size=1, max_size=4)
    ),
    st.builds(IsMissing, _fields, st.booleans()),
    st.builds(Const, st.booleans()),
)
_exprs = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.builds(lambda items: And(tuple(items)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda items: Or(tuple(items)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(Not, inner),
    ),
    max_leaves=8,
)


@given(_exprs)
def test_render_parses_back_to_the_same_ast(expr: Expr) -> None:
    assert parse(render(expr)) == expr


@given(
    _exprs,
    st.integers(min_value=-10_000, max_value=10_000),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=500),
)
def test_a_decided_range_agrees_with_every_value_in_it(expr: Expr, low: int, width: int, pick: int) -> None:
    """Conservative ranges: if a range decides a condition, any exact value inside decides it the same way."""
    condition = compile_condition(expr, frozenset({"employee_count", "annual_revenue", "founded_year"}))
    value = low + min(pick, width)
    ranged = {"employee_count": NumRange(low, low + width), "annual_revenue": 5, "founded_year": None}
    exact = {**ranged, "employee_count": value}
    decided = condition(ranged)
    if decided is not None:
        assert condition(exact) is decided
