"""Bytes of a CRM export → rows: encoding and delimiter detection, then a streaming CSV reader.

Encoding: a BOM decides (UTF-8, UTF-16); otherwise the whole file is decoded strictly as UTF-8, then as
cp1252, and latin-1 (which accepts any byte) is the last resort. The check streams the bytes in chunks,
so a large file is never held in memory; rows are read again from disk on every pass.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from enrich.errors import InputError, Problem

DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 1 << 20
_SNIFF_CHARS = 64 * 1024
_SNIFF_ROWS = 20


@dataclass(frozen=True)
class CsvFormat:
    """How a file is written: what ``iter_rows`` needs to read it."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]


@dataclass(frozen=True)
class CsvRow:
    """One record; ``line`` is the physical line it starts on (the header is line 1)."""

    line: int
    cells: tuple[str, ...]


def detect_encoding(path: Path) -> str:
    """The Python codec name that decodes the whole file without error, by the order in the module doc."""
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(sample: str) -> str:
    """The delimiter among ``DELIMITERS`` that splits the sample's first rows into the most, equal columns.

    Rows are parsed as CSV (so delimiters inside quotes do not count); a delimiter whose rows disagree on
    the column count loses to one whose rows agree. A one-column file falls back to a comma.
    """
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end inside a row
    complete = "".join(lines)
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(io.StringIO(complete), delimiter=delimiter) if row]
        except csv.Error:
            continue
        rows = rows[:_SNIFF_ROWS]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        agreeing = sum(1 for row in rows if len(row) == width) / len(rows)
        score = (agreeing, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_format(path: Path) -> CsvFormat:
    """Detect encoding and delimiter and read the header; every unreadable file raises ``InputError``.

    Refused: a missing or 0-byte file, a file without a header row, and duplicate column names (which
    would make a mapping ambiguous). Empty header cells are named ``column_<position>``.
    """
    source = path.name
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise _file_problem(source, 1, "the file is empty (0 bytes)")
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as stream:
        sample = stream.read(_SNIFF_CHARS)
    delimiter = sniff_delimiter(sample)
    first = next(iter_rows(path, CsvFormat(encoding, delimiter, ())), None)
    if first is None:
        raise _file_problem(source, 1, "the file has no header row")
    header = tuple(name.strip() or f"column_{position}" for position, name in enumerate(first.cells, 1))
    seen: dict[str, int] = {}
    problems = []
    for position, name in enumerate(header, 1):
        if name in seen:
            problems.append(
                Problem(
                    source, first.line, name, f"duplicate column name (columns {seen[name]} and {position})"
                )
            )
        seen.setdefault(name, position)
    if problems:
        raise InputError(f"{source}: the header names a column twice", problems, hint="rename one of them")
    return CsvFormat(encoding, delimiter, header)


def iter_rows(path: Path, csv_format: CsvFormat) -> Iterator[CsvRow]:
    """Stream the records after the header (all records when ``csv_format.header`` is empty).

    Blank lines are skipped. Quoted cells may span lines; ``CsvRow.line`` is where the record starts.
    A quote that is never closed raises ``InputError`` naming the line it was opened on.
    """
    skip_header = bool(csv_format.header)
    with path.open(encoding=csv_format.encoding, newline="") as stream:
        reader = csv.reader(stream, delimiter=csv_format.delimiter, strict=True)
        last_line = 0
        while True:
            start = last_line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _file_problem(path.name, start, _describe_csv_error(str(exc))) from exc
            last_line = reader.line_num
            if not cells or cells == [""]:
                continue
            if skip_header:
                skip_header = False
                continue
            yield CsvRow(start, tuple(cells))


def _describe_csv_error(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted cell in the record starting on this line is never closed (unterminated quote)"
    if "field larger than field limit" in message:
        return (
            f"a cell is longer than {csv.field_size_limit()} characters: "
            "probably a quote opened in the record starting on this line is never closed"
        )
    return f"malformed CSV: {message}"


def _file_problem(source: str, line: int, reason: str) -> InputError:
    return InputError(f"{source}:{line}: {reason}", [Problem(source, line, None, reason)])
