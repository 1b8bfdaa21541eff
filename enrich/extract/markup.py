"""A tag-aware HTML scanner that never loses an offset into the stored page text.

Parsers such as lxml or BeautifulSoup rebuild the document and forget where each character came from;
evidence must point into the text exactly as stored, so this module works on the raw string instead:

- ``scan_tags`` finds tags (with attributes), comments and raw-text elements (script, style) by regex;
- ``visible_text`` builds the text a reader sees (tags dropped, entities decoded, blocks separated by
  newlines; comments, script/style/template and elements hidden inline left out: ``hidden``,
  ``aria-hidden``, ``display:none``, screen-reader-only classes …, as in the LLM's visible text) and keeps a
  map from every visible character back to the source span it came from (one character for plain text,
  the whole ``&uuml;`` for an entity).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from html.entities import html5 as html5_entities
from typing import Literal

# Tried only where a "<" stands. Each alternative consumes what it scans, and a start tag that never
# closes ends the scan (as in a browser, the rest of the page is inside that tag): linear time even on
# hostile pages full of "<a href=\"x" without a closing quote.
_TOKEN = re.compile(
    r"""
      (?P<other><![^>]*>? | <\?[^>]*>?)
    | </(?P<end>[a-zA-Z][^\s/>]*)[^>]*>?
    | <(?P<start>[a-zA-Z][^\s/>]*)(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*)>
    """,
    re.X,
)
_START_TAG_OPENING = re.compile(r"<[a-zA-Z]")
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
# Inline ways of hiding an element from people. The LLM layer's visible text (enrich/llm/visible_text.py)
# uses the same two rules, so deterministic extractors never mine text the model is kept from seeing
# (an instruction planted in an invisible element, docs/llm.md "Prompt injection").
HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(hidden|collapse)|opacity\s*:\s*0(\.0+)?\s*(;|$)"
    r"|font-size\s*:\s*0(px|em|rem|pt|%)?\s*(;|$)|(?<![-\w])(height|width|max-height|max-width)\s*:\s*0(px)?\s*(;|$)"
    r"|(left|top|text-indent)\s*:\s*-\d{3,}|clip\s*:\s*rect\(\s*0",
    re.IGNORECASE,
)
HIDING_CLASSES = frozenset(
    {"hidden", "d-none", "sr-only", "visually-hidden", "screen-reader-text", "invisible", "is-hidden", "hide"}
)

# Content is not markup: scanned up to the matching end tag. Title and textarea show text, the rest don't.
RAW_TEXT_ELEMENTS = frozenset(
    {"script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes"}
)
_SHOWN_RAW_TEXT = frozenset({"title", "textarea"})
_NOT_SHOWN = frozenset({"template", "svg", "math", "select"})
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_BLOCK_ELEMENTS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "title",
        "tr",
        "ul",
        "button",
        "label",
        "legend",
        "option",
    ]
)
_CELL_ELEMENTS = frozenset({"td", "th"})


@dataclass(frozen=True)
class Tag:
    """One piece of markup at ``text[start:end]``.

    ``kind`` is ``start``, ``end`` or ``other`` (comment, doctype, CDATA). For raw-text elements
    (script, style, title, ...) ``content_end`` marks where their content stops: the content is
    ``text[end:content_end]`` and contains no tags.
    """

    kind: Literal["start", "end", "other"]
    name: str
    start: int
    end: int
    attrs: dict[str, str]
    content_end: int | None = None

    def attr(self, name: str) -> str | None:
        return self.attrs.get(name)


def _attributes(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(raw):
        name = match.group(1).lower()
        value = next((group for group in match.groups()[1:] if group is not None), "")
        attrs.setdefault(name, html.unescape(value))
    return attrs


def scan_tags(text: str) -> list[Tag]:
    """Every tag and comment of ``text`` in order (text between them is not returned). Linear time."""
    tags: list[Tag] = []
    position = 0
    while (opening := text.find("<", position)) >= 0:
        block_end = _block_end(text, opening)
        if block_end is not None:  # comment or CDATA: invisible, may hold anything
            tags.append(Tag("other", "!", opening, block_end, {}))
            position = block_end
            continue
        match = _TOKEN.match(text, opening)
        if match is None:
            if _START_TAG_OPENING.match(text, opening):
                tags.append(Tag("other", "!", opening, len(text), {}))  # a tag that never closes
                return tags
            position = opening + 1  # "3 < 4": a plain "<"
        elif match.group("start") is None:
            kind: Literal["end", "other"] = "end" if match.group("end") is not None else "other"
            name = match.group("end").lower() if kind == "end" else "!"
            tags.append(Tag(kind, name, opening, match.end(), {}))
            position = match.end()
        else:
            name = match.group("start").lower()
            content_end = _raw_text_end(text, name, match.end()) if name in RAW_TEXT_ELEMENTS else None
            attrs = _attributes(match.group("attrs"))
            tags.append(Tag("start", name, opening, match.end(), attrs, content_end))
            position = content_end if content_end is not None else match.end()
    return tags


def _block_end(text: str, opening: int) -> int | None:
    for marker, closer in (("<!--", "-->"), ("<![CDATA[", "]]>")):
        if text.startswith(marker, opening):
            found = text.find(closer, opening + len(marker))
            return len(text) if found < 0 else found + len(closer)
    return None


_RAW_TEXT_CLOSERS = {name: re.compile(rf"</{name}", re.I) for name in RAW_TEXT_ELEMENTS}


def _raw_text_end(text: str, name: str, start: int) -> int:
    found = _RAW_TEXT_CLOSERS[name].search(text, start)
    return found.start() if found else len(text)


def closing_indices(tags: Sequence[Tag]) -> dict[int, int]:
    """For each start tag (by index) that is closed, the index of its end tag; nesting respected."""
    open_by_name: dict[str, list[int]] = {}
    closings: dict[int, int] = {}
    for index, tag in enumerate(tags):
        if tag.kind == "start" and tag.name not in VOID_ELEMENTS:
            open_by_name.setdefault(tag.name, []).append(index)
        elif tag.kind == "end" and open_by_name.get(tag.name):
            closings[open_by_name[tag.name].pop()] = index
    return closings


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment for labels and names: tags dropped, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<!--.*?-->|<[^>]*>", " ", fragment, flags=re.S)
    return " ".join(html.unescape(without_tags).split())


class VisibleText:
    """The visible text of a page and the way back from any of its spans to the stored text."""

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._length = 0
        # Parallel lists, one entry per segment: where it starts in the visible text, its source span,
        # and whether it maps character for character (plain text) or as a whole (entity, separator).
        self._display_starts: list[int] = []
        self._source_starts: list[int] = []
        self._source_ends: list[int] = []
        self._linear: list[bool] = []
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self._pieces)
        return self._text

    def _add(self, shown: str, source_start: int, source_end: int, *, linear: bool) -> None:
        if not shown:
            return
        self._display_starts.append(self._length)
        self._source_starts.append(source_start)
        self._source_ends.append(source_end)
        self._linear.append(linear)
        self._pieces.append(shown)
        self._length += len(shown)
        self._text = None

    def add_separator(self, separator: str, source_start: int, source_end: int) -> None:
        """Break between blocks; repeated separators collapse into one."""
        if self._pieces and (self._pieces[-1].endswith("\n") or self._pieces[-1].endswith(separator)):
            return
        self._add(separator, source_start, source_end, linear=False)

    def add_source_text(self, source: str, start: int, end: int) -> None:
        """Show ``source[start:end]`` (a text node), decoding entities; whitespace becomes plain spaces."""
        cursor = start
        for entity in _ENTITY.finditer(source, start, end):
            decoded = _decode_entity(entity.group())
            if decoded is None:
                continue
            shown, length = decoded
            self._add_plain(source, cursor, entity.start())
            self._add(_spaces_for_breaks(shown), entity.start(), entity.start() + length, linear=False)
            cursor = entity.start() + length
        self._add_plain(source, cursor, end)

    def _add_plain(self, source: str, start: int, end: int) -> None:
        self._add(_spaces_for_breaks(source[start:end]), start, end, linear=True)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The stored-text span that ``text[start:end]`` was made from (``start < end``)."""
        if not 0 <= start < end <= self._length:
            raise ValueError(f"span {start}:{end} outside visible text of length {self._length}")
        first = bisect_right(self._display_starts, start) - 1
        last = bisect_right(self._display_starts, end - 1) - 1
        if self._linear[first]:
            source_start = self._source_starts[first] + (start - self._display_starts[first])
        else:
            source_start = self._source_starts[first]
        if self._linear[last]:
            source_end = self._source_starts[last] + (end - self._display_starts[last])
        else:
            source_end = self._source_ends[last]
        return source_start, source_end


def _decode_entity(reference: str) -> tuple[str, int] | None:
    """What a character reference shows and how many source characters it takes, as browsers read it:
    ``&uuml;`` -> ("ü", 6); ``&notit;`` -> ("¬", 4) (a legacy name without ``;``); unknown -> None."""
    if reference.startswith("&#"):
        shown = html.unescape(reference)
        return (shown, len(reference)) if shown != reference else None
    name = reference[1:]
    if name in html5_entities:
        return html5_entities[name], len(reference)
    for length in range(len(name.rstrip(";")), 1, -1):
        if name[:length] in html5_entities:  # legacy names ("amp", "not", "uuml") work without ";"
            return html5_entities[name[:length]], 1 + length
    return None


def _spaces_for_breaks(shown: str) -> str:
    # Line breaks inside a text node are layout, not structure; same length keeps the map linear.
    return shown.translate(_BREAKS_TO_SPACES)


_BREAKS_TO_SPACES = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\f": " ", "\v": " "})


def _hides_content(tag: Tag) -> bool:
    if tag.name in _NOT_SHOWN or "hidden" in tag.attrs:
        return True
    if tag.attrs.get("aria-hidden", "").strip().lower() == "true":
        return True
    if any(name.lower() in HIDING_CLASSES for name in tag.attrs.get("class", "").split()):
        return True
    style = tag.attrs.get("style")
    return style is not None and HIDING_STYLE.search(style) is not None


def visible_text(text: str, tags: Sequence[Tag] | None = None) -> VisibleText:
    """What a reader sees of ``text`` (HTML or plain text), with the map back to source offsets."""
    tags = scan_tags(text) if tags is None else tags
    visible = VisibleText()
    position = 0
    hidden_name: str | None = None
    hidden_depth = 0
    for tag in tags:
        if tag.start > position and hidden_name is None:
            visible.add_source_text(text, position, tag.start)
        position = max(position, tag.end)
        if hidden_name is not None:
            if tag.name == hidden_name and tag.kind == "start" and tag.name not in VOID_ELEMENTS:
                hidden_depth += 1
            elif tag.name == hidden_name and tag.kind == "end":
                hidden_depth -= 1
                hidden_name = None if hidden_depth == 0 else hidden_name
        elif tag.kind == "start" and tag.name not in VOID_ELEMENTS and _hides_content(tag):
            hidden_name, hidden_depth = tag.name, 1
        elif tag.kind != "other" and tag.name in _BLOCK_ELEMENTS:
            visible.add_separator("\n", tag.start, tag.end)
        elif tag.kind != "other" and tag.name in _CELL_ELEMENTS:
            visible.add_separator("\t", tag.start, tag.end)
        if tag.kind == "start" and tag.content_end is not None:
            if tag.name in _SHOWN_RAW_TEXT and hidden_name is None:
                visible.add_source_text(text, tag.end, tag.content_end)
            position = max(position, tag.content_end)
    if position < len(text) and hidden_name is None:
        visible.add_source_text(text, position, len(text))
    return visible
