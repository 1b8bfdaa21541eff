"""The condition language: a small, safe expression syntax parsed once into a public AST (never ``eval``).

Grammar (keywords are case-insensitive, field names are lowercase identifiers)::

    expr      := or_expr
    or_expr   := and_expr ("or" and_expr)*
    and_expr  := not_expr ("and" not_expr)*
    not_expr  := "not" not_expr | primary
    primary   := "(" expr ")" | "true" | "false" | predicate
    predicate := FIELD ("=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=") literal
               | FIELD ["not"] "in" list
               | FIELD ["not"] "between" number "and" number          (both ends inclusive)
               | FIELD ["not"] ("matches" | "like") STRING            (glob * ?, or SQL % _; case-insensitive)
               | FIELD "is" ["not"] ("missing" | "present" | "null")
               | FIELD                                                 (a boolean field is true)
    list      := "[" [literal ("," literal)* [","]] "]"   (or the same in parentheses)
    literal   := STRING | NUMBER | "true" | "false"
    NUMBER    := -?digits with optional "_" separators and decimals, e.g. 250_000_000

Every node is a frozen dataclass holding one field and literals, so the AST maps one-to-one onto SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from scoring.errors import ExpressionError

Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class Compare:
    field: str
    op: str  # one of "=", "!=", "<", "<=", ">", ">="
    value: Scalar


@dataclass(frozen=True, slots=True)
class InList:
    field: str
    values: tuple[Scalar, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Between:
    field: str
    low: int | float
    high: int | float
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    field: str
    pattern: str
    syntax: str  # "glob" (* and ?) or "like" (% and _)
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsMissing:
    field: str
    negated: bool = False  # "is present"


@dataclass(frozen=True, slots=True)
class Truthy:
    field: str


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


Expr = Const | Compare | InList | Between | Match | IsMissing | Truthy | And | Or | Not
Leaf = Compare | InList | Between | Match | IsMissing | Truthy

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d[\d_]*(?:\.\d[\d_]*)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|==|!=|<>|[=<>()\[\],])
    )""",
    re.VERBOSE,
)
_COMPARE_OPS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "in",
        "between",
        "matches",
        "like",
        "is",
        "missing",
        "present",
        "null",
        "true",
        "false",
    }
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number | string | name | keyword | op | end
    text: str
    value: Scalar
    position: int


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup is None:
            offset = len(source[position:]) - len(source[position:].lstrip())
            raise ExpressionError(f"unexpected character {source[position + offset]!r}", position + offset)
        kind = match.lastgroup
        text = match.group(kind)
        start = match.start(kind)
        value: Scalar = text
        if kind == "number":
            digits = text.replace("_", "")
            value = float(digits) if "." in digits else int(digits)
        elif kind == "string":
            value = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "name" and text.lower() in KEYWORDS:
            kind, text = "keyword", text.lower()
            value = {"true": True, "false": False}.get(text, text)
        tokens.append(_Token(kind, text, value, start))
        position = match.end()
    tokens.append(_Token("end", "", "", len(source)))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _accept(self, kind: str, text: str) -> bool:
        if self.current.kind == kind and self.current.text == text:
            self.index += 1
            return True
        return False

    def _expect(self, kind: str, text: str) -> None:
        if not self._accept(kind, text):
            self._fail(f"expected '{text}'")

    def _fail(self, expected: str) -> NoReturn:
        token = self.current
        found = "end of condition" if token.kind == "end" else f"'{token.text}'"
        raise ExpressionError(f"{expected}, found {found}", token.position)

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise ExpressionError("empty condition", 0)
        expr = self._or()
        if self.current.kind != "end":
            self._fail("expected 'and', 'or' or the end of the condition")
        return expr

    def _or(self) -> Expr:
        items = [self._and()]
        while self._accept("keyword", "or"):
            items.append(self._and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self) -> Expr:
        items = [self._not()]
        while self._accept("keyword", "and"):
            items.append(self._not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def _not(self) -> Expr:
        if self._accept("keyword", "not"):
            return Not(self._not())
        return self._primary()

    def _primary(self) -> Expr:
        token = self.current
        if self._accept("op", "("):
            inner = self._or()
            self._expect("op", ")")
            return inner
        if token.kind == "keyword" and isinstance(token.value, bool):
            self.index += 1
            return Const(token.value)
        if token.kind != "name":
            self._fail("expected a field name, 'not', 'true', 'false' or '('")
        self.index += 1
        return self._predicate(token.text)

    def _predicate(self, field: str) -> Expr:
        token = self.current
        if token.kind == "op" and token.text in _COMPARE_OPS:
            self.index += 1
            return Compare(field, _COMPARE_OPS[token.text], self._literal())
        if self._accept("keyword", "is"):
            negated = self._accept("keyword", "not")
            word = self.current.text if self.current.kind == "keyword" else ""
            if word not in {"missing", "present", "null"}:
                self._fail("expected 'missing', 'present' or 'null' after 'is'")
            self.index += 1
            return IsMissing(field, negated=negated != (word == "present"))
        negated = self._accept("keyword", "not")
        if self._accept("keyword", "in"):
            return InList(field, self._list(), negated)
        if self._accept("keyword", "between"):
            low = self._number()
            self._expect("keyword", "and")
            return Between(field, low, self._number(), negated)
        for syntax, keyword in (("glob", "matches"), ("like", "like")):
            if self._accept("keyword", keyword):
                pattern = self._advance()
                if pattern.kind != "string":
                    self.index -= 1
                    self._fail(f"expected a quoted pattern after '{keyword}'")
                return Match(field, str(pattern.value), syntax, negated)
        if negated:
            self._fail("expected 'in', 'between', 'matches' or 'like' after 'not'")
        return Truthy(field)

    def _literal(self) -> Scalar:
        token = self.current
        if token.kind in {"number", "string"} or (token.kind == "keyword" and isinstance(token.value, bool)):
            self.index += 1
            return token.value
        self._fail("expected a number, a quoted string, true or false")

    def _number(self) -> int | float:
        token = self.current
        if token.kind != "number":
            self._fail("expected a number")
        self.index += 1
        assert isinstance(token.value, int | float)  # the tokenizer makes numbers ints or floats
        return token.value

    def _list(self) -> tuple[Scalar, ...]:
        closing = {"[": "]", "(": ")"}.get(self.current.text) if self.current.kind == "op" else None
        if closing is None:
            self._fail("expected a list such as ['a', 'b']")
        self.index += 1
        values: list[Scalar] = []
        while not self._accept("op", closing or "]"):
            values.append(self._literal())
            if not self._accept("op", ","):
                self._expect("op", closing or "]")
                break
        return tuple(values)


def parse(source: str) -> Expr:
    """Parse a condition into its AST, or raise :class:`ExpressionError` with the character position."""
    return _Parser(source).parse()


def fields_of(expr: Expr) -> frozenset[str]:
    """Every field name the condition reads."""
    if isinstance(expr, Const):
        return frozenset()
    if isinstance(expr, And | Or):
        return frozenset().union(*(fields_of(item) for item in expr.items))
    if isinstance(expr, Not):
        return fields_of(expr.item)
    return frozenset({expr.field})


def _literal_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


def render(expr: Expr) -> str:
    """The condition as text that parses back to the same AST (for explanations and messages)."""
    if isinstance(expr, Const):
        return _literal_text(expr.value)
    if isinstance(expr, Compare):
        return f"{expr.field} {expr.op} {_literal_text(expr.value)}"
    neg = "not " if getattr(expr, "negated", False) else ""
    if isinstance(expr, InList):
        return f"{expr.field} {neg}in [{', '.join(_literal_text(v) for v in expr.values)}]"
    if isinstance(expr, Between):
        return f"{expr.field} {neg}between {expr.low!r} and {expr.high!r}"
    if isinstance(expr, Match):
        keyword = "matches" if expr.syntax == "glob" else "like"
        return f"{expr.field} {neg}{keyword} {_literal_text(expr.pattern)}"
    if isinstance(expr, IsMissing):
        return f"{expr.field} is {'present' if expr.negated else 'missing'}"
    if isinstance(expr, Truthy):
        return expr.field
    if isinstance(expr, Not):
        inner = render(expr.item)
        return f"not ({inner})" if isinstance(expr.item, And | Or) else f"not {inner}"
    joiner = " and " if isinstance(expr, And) else " or "
    return joiner.join(
        f"({render(item)})" if isinstance(item, And | Or) else render(item) for item in expr.items
    )
