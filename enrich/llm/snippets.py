"""Choosing the few passages of a company's pages that can answer one field, and quoting them as data.

Pages are cut into passages (a line of visible text, long lines split at sentence ends, short
neighbouring lines joined) and ranked with Okapi BM25 (k1=1.2, b=0.75) against the field's keywords.
A keyword of four or more letters matches a word that starts with it (shorter ones only whole
words), and keywords of five or more letters also match inside a word, so ``Mitarbeiter`` finds
``Mitarbeiterinnen`` and ``Hauptsitz`` finds ``Unternehmenshauptsitz``. A keyword written
``!Umsatzsteuer`` excludes the words starting with it (so ``Umsatz`` does not find the VAT number
line of an imprint). Menu-like passages (several lines of one or two words) get half their score.
Passages without any keyword are never sent; for numeric fields passages without a digit are not
either. The best passages are taken until ``max_snippets`` or ``max_chars`` is reached.

The snippets go into the user message as numbered, delimited DATA blocks::

    <<<SNIPPET 1 source=https://example.com/about>>>
    …passage text…
    <<<END>>>

Page text cannot forge a delimiter: every run of angle brackets (and their Unicode look-alikes) in
it is collapsed to one bracket, and URLs are reduced to scheme, host and path with no spaces or
brackets. ``normalise`` applies the same collapse, so quotes still verify against the page.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from enrich.llm.visible_text import PageSpan, SourcePage

BM25_K1 = 1.2
BM25_B = 0.75
MIN_RELATIVE_SCORE = 0.3  # a passage scoring below this share of the best one is not sent
_PASSAGE_MIN_CHARS = 80
_PASSAGE_MAX_CHARS = 400
_WORD = re.compile(r"\w+", re.UNICODE)
# words of multi-word keywords ("based in", "we are") that carry no meaning on their own
_STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "by", "for", "in", "is", "it", "of", "on", "our", "the", "to", "we",
     "with", "am", "auf", "bei", "das", "der", "die", "ein", "eine", "im", "ist", "mit", "und", "von", "wir",
     "zu"}
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
# a word of at most three letters and a full stop, ending the text searched: an abbreviation
_ABBREVIATION = re.compile(r"(?<!\w)[^\W\d_]{1,3}\.$")
_OPEN_RUN = re.compile(r"[<\u2039\u2329\u27e8\u3008\ufe64\uff1c]{2,}")
_CLOSE_RUN = re.compile(r"[>\u203a\u232a\u27e9\u3009\ufe65\uff1e]{2,}")


Passage = PageSpan  # a passage is a span of a page's visible text


@dataclass(frozen=True)
class Snippet:
    """A passage chosen for a field, with its BM25 score."""

    passage: Passage
    score: float


def estimate_tokens(text: str) -> int:
    """Rough token count: one token per four characters, rounded up.

    Good enough for budgeting (real tokenisers give 3.5–4.5 characters per token for English and
    German prose); the budget is then settled with the server's reported usage.
    """
    return math.ceil(len(text) / 4)


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= _PASSAGE_MAX_CHARS:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if match.start() - piece_start >= _PASSAGE_MAX_CHARS // 2:
            pieces.append((piece_start, match.start()))
            piece_start = match.end()
    pieces.append((piece_start, end))
    # a sentence longer than the limit is cut hard, at a space where possible
    hard: list[tuple[int, int]] = []
    for piece_start, piece_end in pieces:
        while piece_end - piece_start > _PASSAGE_MAX_CHARS:
            cut = text.rfind(" ", piece_start, piece_start + _PASSAGE_MAX_CHARS)
            cut = cut if cut > piece_start else piece_start + _PASSAGE_MAX_CHARS
            hard.append((piece_start, cut))
            piece_start = cut + 1 if text[cut : cut + 1] == " " else cut
        hard.append((piece_start, piece_end))
    return hard


def passages(page: SourcePage) -> list[Passage]:
    """The page's visible text as passages of roughly 80–400 characters, in page order."""
    spans: list[tuple[int, int]] = []
    for start, end in _line_spans(page.text):
        for piece in _split_long(page.text, start, end):
            previous_is_short = bool(spans) and piece[0] - spans[-1][0] < _PASSAGE_MIN_CHARS
            if previous_is_short and piece[1] - spans[-1][0] <= _PASSAGE_MAX_CHARS:
                spans[-1] = (spans[-1][0], piece[1])
            else:
                spans.append(piece)
    return [Passage(page, start, end) for start, end in spans]


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text)]


def _keyword_terms(keywords: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    """(search terms, excluded word prefixes): a keyword written ``!Umsatzsteuer`` excludes words."""
    terms = {
        word
        for keyword in keywords
        if not keyword.startswith("!")
        for word in _words(keyword)
        if word not in _STOPWORDS
    }
    excluded = tuple(keyword[1:].casefold() for keyword in keywords if keyword.startswith("!"))
    return sorted(terms), excluded


def _term_matches(term: str, word: str) -> bool:
    if len(term) <= 3:  # "IT", "B2B", "seit": whole words only, or they match half the dictionary
        return word == term
    return word.startswith(term) or (len(term) >= 5 and term in word)


def mentions_keyword(text: str, keywords: tuple[str, ...]) -> bool:
    """True when a word of ``text`` matches one of ``keywords`` (the same rule as the ranking)."""
    terms, excluded = _keyword_terms(keywords)
    return any(
        _term_matches(term, word) for word in _words(text) if not word.startswith(excluded) for term in terms
    )


def _menu_factor(text: str) -> float:
    """Menus and link lists (several lines of one or two words) state no facts: half their score."""
    lines = text.split("\n")
    words = len(_words(text))
    return 0.5 if len(lines) >= 3 and words / len(lines) < 3 else 1.0


def rank_passages(candidates: list[Passage], keywords: tuple[str, ...]) -> list[Snippet]:
    """Passages that contain at least one keyword, best BM25 score first (ties: page order)."""
    terms, excluded = _keyword_terms(keywords)
    if not candidates or not terms:
        return []
    documents = [
        [word for word in _words(passage.text) if not word.startswith(excluded)] for passage in candidates
    ]
    average_length = sum(len(words) for words in documents) / len(documents) or 1.0
    term_counts: list[Counter[str]] = []
    for words in documents:
        counts: Counter[str] = Counter()
        for word in words:
            for term in terms:
                if _term_matches(term, word):
                    counts[term] += 1
        term_counts.append(counts)
    document_frequency = Counter(term for counts in term_counts for term in counts)
    total = len(documents)
    ranked: list[Snippet] = []
    for passage, words, counts in zip(candidates, documents, term_counts, strict=True):
        score = 0.0
        for term, frequency in counts.items():
            idf = math.log(1 + (total - document_frequency[term] + 0.5) / (document_frequency[term] + 0.5))
            norm = BM25_K1 * (1 - BM25_B + BM25_B * len(words) / average_length)
            score += idf * frequency * (BM25_K1 + 1) / (frequency + norm)
        if score > 0:
            ranked.append(Snippet(passage, score * _menu_factor(passage.text)))
    order = {id(passage): index for index, passage in enumerate(candidates)}
    ranked.sort(key=lambda snippet: (-snippet.score, order[id(snippet.passage)]))
    return ranked


def _units(passage: Passage) -> list[Passage]:
    """The passage's lines, and long lines' sentences, as spans of the page."""
    units: list[Passage] = []
    for line_start, line_end in _line_spans(passage.text):
        cursor = passage.start + line_start
        line_stop = passage.start + line_end
        for match in _SENTENCE_END.finditer(passage.page.text, cursor, line_stop):
            if _ABBREVIATION.search(passage.page.text, cursor, match.start()):
                continue  # "310 Mio. Euro", "Dr. Müller", "Acme Inc. was": not the end of a sentence
            units.append(Passage(passage.page, cursor, match.start()))
            cursor = match.end()
        units.append(Passage(passage.page, cursor, line_stop))
    return [unit for unit in units if unit.text.strip()]


def focus(passage: Passage, keywords: tuple[str, ...], *, needs_digit: bool = False) -> Passage:
    """The passage narrowed to the stretch from its first to its last sentence (or line) naming a keyword.

    A heading or a sentence around the fact that names no keyword costs tokens and states nothing the
    answer can quote. For numeric fields the stretch must hold a digit: when it has none, it grows by
    the neighbouring sentence that has one (a figure on the line below its label).
    """
    units = _units(passage)
    relevant = [index for index, unit in enumerate(units) if mentions_keyword(unit.text, keywords)]
    if not relevant:
        return passage
    first, last = relevant[0], relevant[-1]

    def has_digit(low: int, high: int) -> bool:
        return any(char.isdigit() for unit in units[low : high + 1] for char in unit.text)

    if needs_digit and not has_digit(first, last):
        if last + 1 < len(units) and has_digit(last + 1, last + 1):
            last += 1
        elif first > 0 and has_digit(first - 1, first - 1):
            first -= 1
    return Passage(passage.page, units[first].start, units[last].end)


def select_snippets(
    pages: list[SourcePage],
    keywords: tuple[str, ...],
    *,
    needs_digit: bool = False,
    max_snippets: int = 4,
    max_chars: int = 1600,
) -> list[Snippet]:
    """The passages of ``pages`` worth showing the model for one field (see the module docstring)."""
    candidates = [passage for page in pages for passage in passages(page)]
    if needs_digit:
        candidates = [passage for passage in candidates if any(char.isdigit() for char in passage.text)]
    chosen: list[Snippet] = []
    used = 0
    ranked = rank_passages(candidates, keywords)
    floor = ranked[0].score * MIN_RELATIVE_SCORE if ranked else 0.0
    for candidate in ranked:
        if candidate.score < floor:
            break  # a weak match of one common keyword, far behind the best passage
        snippet = Snippet(focus(candidate.passage, keywords, needs_digit=needs_digit), candidate.score)
        length = snippet.passage.end - snippet.passage.start
        if len(chosen) >= max_snippets or used + length > max_chars:
            break
        chosen.append(snippet)
        used += length
    return chosen


def _first_char(match: re.Match[str]) -> str:
    return match.group(0)[0]


def neutralise(text: str) -> str:
    """Page text made unable to open or close a snippet block (runs of angle brackets → one)."""
    return _CLOSE_RUN.sub(_first_char, _OPEN_RUN.sub(_first_char, text))


def safe_source(url: str, *, with_host: bool = True) -> str:
    """The URL as shown to the model: scheme, host and path (or the path alone), no spaces or brackets."""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme and with_host else parts.path
    return re.sub(r"[\s<>\"'`\u2039\u203a\uff1c\uff1e]", "", shown or "/")[:200]


def render_snippets(snippets: list[Snippet]) -> str:
    """The snippets as numbered, delimited data blocks for the user message."""
    blocks = []
    for number, snippet in enumerate(snippets, start=1):
        # the path only: every page is on the company's own site, named in the message already
        source = safe_source(snippet.passage.page.url, with_host=False)
        blocks.append(
            f"<<<SNIPPET {number} source={source}>>>\n{neutralise(snippet.passage.text)}\n<<<END>>>"
        )
    return "\n\n".join(blocks)
