"""Compiling a checked condition into a Python closure, once, with three-valued (Kleene) logic.

A condition returns True, False or None (unknown). A missing field makes a comparison unknown; a
:class:`NumRange` makes it true only if true for every number in the range, false only if false for
every one, else unknown. ``and`` is false if any side is false, ``or`` is true if any side is true,
``not`` keeps unknown unknown. String comparisons ignore case. ``is missing``/``is present`` are never
unknown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

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
    Scalar,
    Truthy,
)
from scoring.fields import Record
from scoring.values import NumRange

Truth = bool | None
Condition = Callable[[Record], Truth]


def pattern_regex(pattern: str, syntax: str) -> re.Pattern[str]:
    """A glob (``*`` any run, ``?`` one character) or SQL LIKE (``%``, ``_``) as a whole-string regex."""
    many, one = ("*", "?") if syntax == "glob" else ("%", "_")
    parts = [".*" if char == many else "." if char == one else re.escape(char) for char in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _range_truth(all_true: bool, none_true: bool) -> Truth:
    return True if all_true else False if none_true else None


def _numeric_compare(field: str, op: str, literal: float) -> Condition:
    if op == ">":

        def test(record: Record) -> Truth:
            value = record.get(field)
            if value is None:
                return None
            if value.__class__ is NumRange:
                return _range_truth(value.min > literal, value.max <= literal)
            return value > literal  # type: ignore[operator]
    elif op == ">=":

        def test(record: Record) -> Truth:
            value = record.get(field)
            if value is None:
                return None
            if value.__class__ is NumRange:
                return _range_truth(value.min >= literal, value.max < literal)
            return value >= literal  # type: ignore[operator]
    elif op == "<":

        def test(record: Record) -> Truth:
            value = record.get(field)
            if value is None:
                return None
            if value.__class__ is NumRange:
                return _range_truth(value.max < literal, value.min >= literal)
            return value < literal  # type: ignore[operator]
    elif op == "<=":

        def test(record: Record) -> Truth:
            value = record.get(field)
            if value is None:
                return None
            if value.__class__ is NumRange:
                return _range_truth(value.max <= literal, value.min > literal)
            return value <= literal  # type: ignore[operator]
    else:
        equal = _numeric_in(field, (literal,), integer=False)
        return equal if op == "=" else _negate(equal)
    return test


def _numeric_in(field: str, literals: tuple[float, ...], *, integer: bool) -> Condition:
    members = frozenset(literals)

    def test(record: Record) -> Truth:
        value = record.get(field)
        if value is None:
            return None
        if isinstance(value, NumRange):
            if integer and not math.isinf(value.max):
                whole = range(math.ceil(value.min), math.floor(value.max) + 1)
                if len(whole) <= len(members) and all(number in members for number in whole):
                    return True
            elif value.min == value.max and value.min in members:
                return True
            return None if any(number in value for number in members) else False
        return value in members

    return test


def _text_in(field: str, literals: tuple[str, ...]) -> Condition:
    members = frozenset(literal.lower() for literal in literals)

    def test(record: Record) -> Truth:
        value = record.get(field)
        if value is None:
            return None
        return value.lower() in members  # type: ignore[attr-defined]

    return test


def _plain_equal(field: str, literal: Scalar) -> Condition:
    def test(record: Record) -> Truth:
        value = record.get(field)
        return None if value is None else value == literal

    return test


def _between(field: str, low: float, high: float) -> Condition:
    def test(record: Record) -> Truth:
        value = record.get(field)
        if value is None:
            return None
        if value.__class__ is NumRange:
            return _range_truth(
                low <= value.min and value.max <= high,
                value.max < low or value.min > high,
            )
        return low <= value <= high  # type: ignore[operator]

    return test


def _match(field: str, regex: re.Pattern[str]) -> Condition:
    fullmatch = regex.fullmatch

    def test(record: Record) -> Truth:
        value = record.get(field)
        return None if value is None else fullmatch(value) is not None  # type: ignore[call-overload]

    return test


def _missing(field: str, present: bool) -> Condition:
    def test(record: Record) -> Truth:
        return (record.get(field) is None) is not present

    return test


def _truthy(field: str) -> Condition:
    def test(record: Record) -> Truth:
        value = record.get(field)
        return None if value is None else bool(value)

    return test


def _negate(inner: Condition) -> Condition:
    def test(record: Record) -> Truth:
        result = inner(record)
        return None if result is None else not result

    return test


def _all(items: tuple[Condition, ...]) -> Condition:
    def test(record: Record) -> Truth:
        unknown = False
        for item in items:
            result = item(record)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True

    return test


def _any(items: tuple[Condition, ...]) -> Condition:
    def test(record: Record) -> Truth:
        unknown = False
        for item in items:
            result = item(record)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False

    return test


def _constant(value: bool) -> Condition:
    def test(record: Record) -> Truth:
        return value

    return test


def _is_number(value: Scalar) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compile_condition(expr: Expr, integer_fields: frozenset[str] = frozenset()) -> Condition:
    """A closure evaluating ``expr`` (already type-checked) on a record. ``integer_fields`` lets
    ``in`` decide small integer ranges exactly."""
    if isinstance(expr, Const):
        return _constant(expr.value)
    if isinstance(expr, And):
        return _all(tuple(compile_condition(item, integer_fields) for item in expr.items))
    if isinstance(expr, Or):
        return _any(tuple(compile_condition(item, integer_fields) for item in expr.items))
    if isinstance(expr, Not):
        return _negate(compile_condition(expr.item, integer_fields))
    test: Condition
    if isinstance(expr, Compare):
        if isinstance(expr.value, int | float) and not isinstance(expr.value, bool):
            return _numeric_compare(expr.field, expr.op, expr.value)
        if isinstance(expr.value, str):
            test = _text_in(expr.field, (expr.value,))
        else:
            test = _plain_equal(expr.field, expr.value)
        return test if expr.op == "=" else _negate(test)
    if isinstance(expr, InList):
        if all(_is_number(value) for value in expr.values):
            numbers = tuple(float(value) for value in expr.values)
            test = _numeric_in(expr.field, numbers, integer=expr.field in integer_fields)
        elif all(isinstance(value, str) for value in expr.values):
            test = _text_in(expr.field, tuple(str(value) for value in expr.values))
        else:
            test = _any(tuple(_plain_equal(expr.field, value) for value in expr.values))
        return _negate(test) if expr.negated else test
    if isinstance(expr, Between):
        test = _between(expr.field, expr.low, expr.high)
        return _negate(test) if expr.negated else test
    if isinstance(expr, Match):
        test = _match(expr.field, pattern_regex(expr.pattern, expr.syntax))
        return _negate(test) if expr.negated else test
    if isinstance(expr, IsMissing):
        return _missing(expr.field, present=expr.negated)
    assert isinstance(expr, Truthy)
    return _truthy(expr.field)
