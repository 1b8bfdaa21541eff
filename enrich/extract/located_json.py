"""A JSON reader that remembers where every value and key stands in the source text.

``json.loads`` forgets positions; JSON-LD evidence must quote ``"numberOfEmployees": 1200`` with its exact
offsets. Strings and numbers are decoded by the standard library's own scanners, so the values are the
same as ``json.loads`` would give (control characters inside strings are tolerated, as pages have them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from json import decoder

# The standard library's own string scanner (C-accelerated); typeshed does not declare it.
scanstring: Callable[[str, int, bool], tuple[str, int]] = decoder.scanstring  # type: ignore[attr-defined]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}
_MAX_DEPTH = 64

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class JsonNode:
    """One JSON value at ``text[start:end]``: a scalar, an object (``members``) or an array (``items``)."""

    start: int
    end: int
    scalar: Scalar = None
    members: dict[str, JsonMember] | None = None
    items: list[JsonNode] | None = None

    def get(self, key: str) -> JsonMember | None:
        return None if self.members is None else self.members.get(key)


@dataclass(frozen=True)
class JsonMember:
    """``"key": value`` inside an object; the pair spans ``text[key_start:node.end]``."""

    key_start: int
    node: JsonNode


def parse_located(text: str, start: int = 0, end: int | None = None) -> JsonNode:
    """Parse the single JSON value in ``text[start:end]``; ValueError when it is not valid JSON."""
    end = len(text) if end is None else end
    reader = _Reader(text[:end])
    node = reader.value(reader.skip(start), 0)
    if reader.skip(node.end) != end:
        raise ValueError(f"extra data after JSON value at {node.end}")
    return node


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def value(self, index: int, depth: int) -> JsonNode:
        if depth > _MAX_DEPTH:
            raise ValueError("JSON nested too deeply")
        if index >= len(self.text):
            raise ValueError("unexpected end of JSON")
        char = self.text[index]
        if char == "{":
            return self._object(index, depth)
        if char == "[":
            return self._array(index, depth)
        if char == '"':
            string, after = scanstring(self.text, index + 1, False)
            return JsonNode(index, after, string)
        for literal, meaning in _LITERALS.items():
            if self.text.startswith(literal, index):
                return JsonNode(index, index + len(literal), meaning)
        number = _NUMBER.match(self.text, index)
        if number is None:
            raise ValueError(f"unexpected character {char!r} at {index}")
        is_float = number.group(1) or number.group(2)
        parsed: Scalar = float(number.group()) if is_float else int(number.group())
        return JsonNode(index, number.end(), parsed)

    def _object(self, start: int, depth: int) -> JsonNode:
        members: dict[str, JsonMember] = {}
        index = self.skip(start + 1)
        if self.text.startswith("}", index):
            return JsonNode(start, index + 1, members={})
        while True:
            if not self.text.startswith('"', index):
                raise ValueError(f"expected a key at {index}")
            key, after_key = scanstring(self.text, index + 1, False)
            colon = self.skip(after_key)
            if not self.text.startswith(":", colon):
                raise ValueError(f"expected ':' at {colon}")
            node = self.value(self.skip(colon + 1), depth + 1)
            members[key] = JsonMember(index, node)  # the last duplicate wins, as in json.loads
            index = self.skip(node.end)
            if self.text.startswith("}", index):
                return JsonNode(start, index + 1, members=members)
            if not self.text.startswith(",", index):
                raise ValueError(f"expected ',' or '}}' at {index}")
            index = self.skip(index + 1)

    def _array(self, start: int, depth: int) -> JsonNode:
        items: list[JsonNode] = []
        index = self.skip(start + 1)
        if self.text.startswith("]", index):
            return JsonNode(start, index + 1, items=[])
        while True:
            node = self.value(index, depth + 1)
            items.append(node)
            index = self.skip(node.end)
            if self.text.startswith("]", index):
                return JsonNode(start, index + 1, items=items)
            if not self.text.startswith(",", index):
                raise ValueError(f"expected ',' or ']' at {index}")
            index = self.skip(index + 1)


def loads_equivalent(node: JsonNode) -> object:
    """The plain Python value, as ``json.loads`` would return it (for tests and debugging)."""
    if node.members is not None:
        return {key: loads_equivalent(member.node) for key, member in node.members.items()}
    if node.items is not None:
        return [loads_equivalent(item) for item in node.items]
    return node.scalar
