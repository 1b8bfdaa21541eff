"""Reading TOML definition files (rulesets, capacity files) into dicts, with problems that say ``file:line``.

Shared by :mod:`scoring.ruleset` and :mod:`scoring.capacity`: decode errors, pydantic validation errors
and later semantic checks all become :class:`DefinitionProblem` rows located by :mod:`scoring.toml_lines`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from scoring.errors import DefinitionError, DefinitionProblem
from scoring.toml_lines import KeyPath, format_path, key_lines, line_of

_DECODE_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def canonical_text(data: bytes | str) -> str:
    """The text without byte-order mark, with ``\\n`` line ends: the same file hashes the same everywhere."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


@dataclass
class Document:
    """A parsed TOML file and the problems found in it so far."""

    source: str
    data: dict[str, Any]
    lines: dict[KeyPath, int]
    problems: list[DefinitionProblem] = field(default_factory=list)

    def add(self, path: KeyPath, reason: str) -> None:
        self.problems.append(
            DefinitionProblem(self.source, line_of(self.lines, path), format_path(path), reason)
        )

    def raise_if_problems(self, error: type[DefinitionError]) -> None:
        if self.problems:
            ordered = sorted(self.problems, key=lambda problem: (problem.line or 0, problem.path))
            raise error(self.source, ordered)


def parse_toml(text: str, source: str, error: type[DefinitionError]) -> Document:
    """Decode TOML, or raise ``error`` naming the line tomllib stopped at."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _DECODE_POSITION.search(str(exc))
        reason = _DECODE_POSITION.sub("", str(exc)).strip()
        line = int(match.group(1)) if match else None
        raise error(source, [DefinitionProblem(source, line, "", f"not valid TOML: {reason}")]) from exc
    return Document(source, data, key_lines(text))


def _model_keys(model: type[BaseModel]) -> set[str]:
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        keys.add(info.alias or name)
        for candidate in _nested_models(info.annotation):
            keys |= _model_keys(candidate)
    return keys


def _nested_models(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in getattr(annotation, "__args__", ()):
        yield from _nested_models(argument)


def _reason(error: Any, known_keys: set[str]) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, sorted(known_keys), n=1, cutoff=0.6)
        return f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == "missing":
        return "required key is missing"
    if kind in {"float_type", "int_type", "float_parsing", "int_parsing"}:
        wanted = "a whole number" if kind.startswith("int") else "a number"
        return f"must be {wanted}, got {value!r}"
    if kind in {"string_type", "bool_type", "list_type", "dict_type", "model_type"}:
        wanted = {"string_type": "a string", "bool_type": "true or false", "list_type": "an array"}.get(
            kind, "a table"
        )
        return f"must be {wanted}, got {value!r}"
    return str(error["msg"])


def validate(document: Document, model: type[BaseModel]) -> Any:
    """``model`` built from the document, or None with every validation problem added to the document."""
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        known = _model_keys(model)
        for error in exc.errors():
            path = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
            document.add(path, _reason(error, known))
        return None
