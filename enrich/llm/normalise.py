"""Text normalisation for matching model quotes against page text, with a map back to original offsets.

Both sides go through the same steps, so a quote that differs from the page only in Unicode form,
case, whitespace, quote marks or dash style still matches, and the match is reported as exact
character offsets in the page's own visible text:

1. NFKC per grapheme (a base character plus its combining marks), so ``e`` + U+0301 equals ``é``
   and the full-width or compatibility forms fold to plain ones;
2. case folding (``ß`` → ``ss``);
3. typographic quotes → ``'`` / ``"``, every dash and minus → ``-``;
4. zero-width characters and soft hyphens dropped; any run of whitespace (U+00A0, U+202F included)
   collapsed to one space;
5. runs of angle brackets (and their look-alikes) collapsed to one, the same neutralisation that
   keeps page text from forging snippet delimiters (see ``snippets.neutralise``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_QUOTES = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"} | {
    ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
}
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
_DROPPED = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_ANGLE_OPEN = frozenset("<\u2039\u2329\u27e8\u3008\ufe64\uff1c")
_ANGLE_CLOSE = frozenset(">\u203a\u232a\u27e9\u3009\ufe65\uff1e")


@dataclass(frozen=True)
class NormalisedText:
    """``text`` normalised, and for each of its characters the span it came from in the original."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering the normalised ``text[start:end]`` (``end > start``)."""
        return self.starts[start], self.ends[end - 1]


def _graphemes(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not unicodedata.combining(text[index]):
            spans.append((start, index))
            start = index
    return spans if text else []


def _fold(chunk: str) -> str:
    folded = unicodedata.normalize("NFKC", chunk).casefold()
    folded = folded.translate(_QUOTES).translate(_DASHES)
    out = []
    for char in folded:
        if char in _DROPPED:
            continue
        if char.isspace():
            out.append(" ")
        elif char in _ANGLE_OPEN:
            out.append("<")
        elif char in _ANGLE_CLOSE:
            out.append(">")
        else:
            out.append(char)
    return "".join(out)


def normalise(text: str) -> NormalisedText:
    """Normalise ``text`` for matching (see the module docstring) and keep the offset map."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _graphemes(text):
        for char in _fold(text[start:end]):
            collapsible = char in " <>"
            if collapsible and chars and chars[-1] == char:
                ends[-1] = end
                continue
            if char == " " and not chars:
                continue
            chars.append(char)
            starts.append(start)
            ends.append(end)
    if chars and chars[-1] == " ":
        chars.pop()
        starts.pop()
        ends.pop()
    return NormalisedText("".join(chars), tuple(starts), tuple(ends))


def normalised(text: str) -> str:
    """Just the normalised string (for comparisons that need no offsets)."""
    return normalise(text).text
