"""Where each key of a TOML document is, so that errors can say ``rules.toml:14``.

``tomllib`` returns plain dicts without positions, so this scans the (already valid) source once and
maps every key path to its line: ``("fit", "rule", 2, "when") → 14``. Array-of-tables headers count
their elements, arrays count theirs, inline tables and dotted keys are followed; strings (multi-line
included) and comments are skipped, so a ``[`` or ``=`` inside them is never taken for structure.
"""

from __future__ import annotations

import bisect
import re

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.newlines = [index for index, char in enumerate(text) if char == "\n"]
        self.lines: dict[KeyPath, int] = {}

    def line(self) -> int:
        return bisect.bisect_right(self.newlines, self.pos - 1) + 1

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def skip_blank(self, *, newlines: bool) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            elif char in " \t\r" or (newlines and char == "\n"):
                self.pos += 1
            else:
                return

    def record(self, path: KeyPath) -> None:
        self.lines.setdefault(path, self.line())

    def string(self) -> str:
        quote = self.text[self.pos]
        if self.peek(3) == quote * 3:
            end = self.text.find(quote * 3, self.pos + 3)
            while self.text[end + 3 : end + 4] == quote:  # """a"""" ends with the last three quotes
                end += 1
            value = self.text[self.pos + 3 : end]
            self.pos = end + 3
            return value
        index = self.pos + 1
        while self.text[index] != quote:
            index += 2 if quote == '"' and self.text[index] == "\\" else 1
        value = self.text[self.pos + 1 : index]
        self.pos = index + 1
        return value

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            if self.peek() in {'"', "'"}:
                parts.append(self.string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                assert match is not None, "the document was validated by tomllib first"
                parts.append(match.group())
                self.pos = match.end()
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return parts
            self.pos += 1

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char in {'"', "'"}:
            self.string()
        elif char == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip_blank(newlines=True)
                if self.peek() == "]":
                    self.pos += 1
                    return
                self.record((*path, index))
                self.value((*path, index))
                self.skip_blank(newlines=True)
                if self.peek() == ",":
                    self.pos += 1
                    index += 1
        elif char == "{":
            self.pos += 1
            while True:
                self.skip_blank(newlines=True)
                if self.peek() == "}":
                    self.pos += 1
                    return
                self.key_value(path)
                self.skip_blank(newlines=True)
                if self.peek() == ",":
                    self.pos += 1
        else:
            match = re.compile(r"[^,\]}\s#]+(?:[ T][0-9:.+Z-]+)?").match(self.text, self.pos)
            self.pos = match.end() if match else self.pos + 1

    def key_value(self, table: KeyPath) -> None:
        path: KeyPath = (*table, *self.key())
        self.record(path)
        self.skip_blank(newlines=False)
        self.pos += 1  # "="
        self.skip_blank(newlines=False)
        self.value(path)

    def document(self) -> dict[KeyPath, int]:
        table: KeyPath = ()
        array_counts: dict[KeyPath, int] = {}
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            if self.peek() != "[":
                self.key_value(table)
                continue
            is_array = self.peek(2) == "[["
            self.pos += 2 if is_array else 1
            resolved: list[str | int] = []
            for part in self.key():
                resolved.append(part)
                if tuple(resolved) in array_counts:  # a sub-table of the latest array element
                    resolved.append(array_counts[tuple(resolved)])
            if is_array:
                if isinstance(resolved[-1], int):
                    resolved.pop()
                array_counts[tuple(resolved)] = array_counts.get(tuple(resolved), -1) + 1
                self.record(tuple(resolved))
                resolved.append(array_counts[tuple(resolved)])
            table = tuple(resolved)
            self.record(table)
            self.pos = self.text.index("\n", self.pos) if "\n" in self.text[self.pos :] else len(self.text)


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every key path of a valid TOML document (array elements as 0-based ints) → its 1-based line."""
    return _Scanner(text).document()


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, or of its nearest ancestor that is in the document."""
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def format_path(path: KeyPath) -> str:
    """``("fit", "rule", 2, "when")`` → ``fit.rule[2].when``; keys that are not bare are quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
            text += f".{key}" if text else key
    return text
