"""Type-checking a parsed condition against the field catalogue, before anything is evaluated.

``industry > 5`` is an error (ordering needs a number field), so is ``employee_count = 'many'`` or
``country in ['Germany']`` (country holds ISO alpha-2 codes).
"""

from __future__ import annotations

import re

from scoring.errors import ExpressionError
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
    render,
)
from scoring.fields import Catalogue, FieldSpec, FieldType

_COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


def _literal_type(value: Scalar) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _fits(spec: FieldSpec, value: Scalar) -> bool:
    kind = _literal_type(value)
    if spec.type.is_numeric:
        return kind == "number"
    if spec.type is FieldType.BOOLEAN:
        return kind == "boolean"
    return kind == "string"


def _check_literal(spec: FieldSpec, value: Scalar, expr: Expr) -> None:
    if not _fits(spec, value):
        raise ExpressionError(
            f"type mismatch in `{render(expr)}`: {spec.name} is {_article(spec.type)}, "
            f"{_literal_text(value)} is {_article_name(_literal_type(value))}"
        )
    if spec.type is FieldType.COUNTRY and isinstance(value, str) and not _COUNTRY_CODE.match(value):
        raise ExpressionError(
            f"{spec.name} holds ISO 3166-1 alpha-2 codes such as 'DE'; {value!r} is not one"
        )


def _literal_text(value: Scalar) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def _article_name(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _article(type_: FieldType) -> str:
    return _article_name("string" if type_.is_text else type_.value)


def check(expr: Expr, catalogue: Catalogue) -> None:
    """Raise :class:`ExpressionError` for the first unknown field or type mismatch in ``expr``."""
    if isinstance(expr, Const):
        return
    if isinstance(expr, And | Or):
        for item in expr.items:
            check(item, catalogue)
        return
    if isinstance(expr, Not):
        check(expr.item, catalogue)
        return
    spec = catalogue.get(expr.field)
    if spec is None:
        raise ExpressionError(catalogue.unknown_field_reason(expr.field))
    if isinstance(expr, Compare):
        if expr.op not in {"=", "!="} and not spec.type.is_numeric:
            raise ExpressionError(
                f"type mismatch in `{render(expr)}`: '{expr.op}' needs a number field, "
                f"{spec.name} is {_article(spec.type)}"
            )
        _check_literal(spec, expr.value, expr)
    elif isinstance(expr, InList):
        if not expr.values:
            raise ExpressionError(f"`{render(expr)}`: the list is empty")
        for value in expr.values:
            _check_literal(spec, value, expr)
    elif isinstance(expr, Between):
        if not spec.type.is_numeric:
            raise ExpressionError(
                f"type mismatch in `{render(expr)}`: 'between' needs a number field, "
                f"{spec.name} is {_article(spec.type)}"
            )
        if expr.low > expr.high:
            raise ExpressionError(f"`{render(expr)}`: the lower bound is above the upper bound")
    elif isinstance(expr, Match):
        if not spec.type.is_text:
            raise ExpressionError(
                f"type mismatch in `{render(expr)}`: pattern matching needs a string field, "
                f"{spec.name} is {_article(spec.type)}"
            )
    elif isinstance(expr, Truthy) and spec.type is not FieldType.BOOLEAN:
        raise ExpressionError(
            f"`{expr.field}` alone is only allowed for boolean fields; {spec.name} is "
            f"{_article(spec.type)} (did you mean `{expr.field} is present`?)"
        )
    elif isinstance(expr, IsMissing):
        return
