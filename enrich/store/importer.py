"""``leadscore import``: a CRM export into the store, all or nothing, in two streaming passes.

Pass 1 validates every row (parsing, references into the store, rows that repeat or contradict each
other) and writes nothing. Any problem stops the import there, with every problem listed, unless
``skip_invalid`` is set: then the valid rows are imported and the rejected ones written to a reject CSV
(original columns plus ``line`` and ``reason``). Pass 2 reads the file again and writes in batches inside
one transaction, recorded as a ``run`` row of kind ``import``. Memory stays flat: rows are streamed, and
only a small fingerprint per row is kept to spot repeats.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, update

from enrich.clock import Clock, utc_now
from enrich.crm.dedupe import FileDuplicates, Seen
from enrich.crm.mapping import load_mapping
from enrich.crm.presets import Entity, Preset
from enrich.crm.reader import CsvFormat, CsvRow, iter_rows, read_format
from enrich.crm.validate import ColumnPlan, Record, RowParser, plan_columns
from enrich.errors import InputError, Problem
from enrich.store.import_accounts import AccountWriter
from enrich.store.import_activities import ActivityWriter
from enrich.store.import_batch import EntityWriter, ImportCounts
from enrich.store.import_contacts import ContactWriter
from enrich.store.runs import begin_run
from enrich.store.schema import run

T = TypeVar("T")
WRITERS: dict[Entity, Callable[[str, ColumnPlan, datetime], EntityWriter]] = {
    "accounts": AccountWriter,
    "contacts": ContactWriter,
    "activities": ActivityWriter,
}
# A callback told (phase, rows done) after every batch: "validate" then "write".
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class ImportRequest:
    entity: Entity
    path: Path
    preset: Preset
    mapping_path: Path | None = None
    skip_invalid: bool = False
    reject_path: Path | None = None  # default: <file>.rejects.csv beside the file
    batch_size: int = 1000


@dataclass
class ImportSummary:
    """What an import did; ``as_json`` is what ``--json`` prints."""

    entity: Entity
    file: str
    preset: str
    encoding: str
    delimiter: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    repeated: int = 0  # rows identical to an earlier row of the file, skipped
    rejected: int = 0
    without_account: int = 0
    custom_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    reject_file: str | None = None
    run_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Validation:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    repeats: set[int] = field(default_factory=set)

    def reasons(self) -> dict[int, list[str]]:
        by_line: dict[int, list[str]] = {}
        for problem in self.problems:
            if problem.line is not None:
                reason = f"{problem.column}: {problem.reason}" if problem.column else problem.reason
                by_line.setdefault(problem.line, []).append(reason)
        return by_line


def import_file(
    engine: Engine,
    request: ImportRequest,
    *,
    clock: Clock = utc_now,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate, then import ``request.path``; raises ``InputError`` with every problem, writing nothing.

    Re-importing a file changes nothing but the new ``run`` row: unchanged values are not written again.
    """
    source = request.path.name
    csv_format = read_format(request.path)
    column_map = request.preset.columns[request.entity]
    if request.mapping_path is not None:
        column_map = column_map.with_overrides(load_mapping(request.mapping_path, request.entity))
    plan = plan_columns(csv_format.header, column_map, source)
    now = clock()
    job = _ImportJob(
        request, csv_format, RowParser(plan, normalise_id=request.preset.normalise_id, now=now),
        WRITERS[request.entity](request.preset.name, plan, now), progress,
    )  # fmt: skip
    summary = ImportSummary(
        request.entity, source, request.preset.name, csv_format.encoding, csv_format.delimiter,
        custom_columns=plan.custom_columns, ignored_columns=plan.ignored_columns,
    )  # fmt: skip
    checked = job.validate(engine)
    reasons = checked.reasons()
    summary.rows, summary.repeated, summary.rejected = checked.rows, len(checked.repeats), len(reasons)
    if checked.problems and not request.skip_invalid:
        raise InputError(
            f"{source}: {len(checked.problems)} problem(s) in {len(reasons)} row(s); nothing was imported",
            sorted(checked.problems, key=lambda problem: (problem.line or 0, problem.column or "")),
            hint="fix the rows and import again, or pass --skip-invalid to import the valid rows only",
        )
    reject_path = request.reject_path or request.path.with_name(f"{source}.rejects.csv")
    with _RejectFile(reject_path, csv_format.header, enabled=bool(reasons)) as rejects:
        counts, summary.run_id = job.write(engine, checked.repeats, reasons, rejects, now=now, clock=clock)
    summary.inserted, summary.updated, summary.unchanged = counts.inserted, counts.updated, counts.unchanged
    summary.without_account = counts.without_account
    summary.reject_file = str(reject_path) if reasons else None
    return summary


@dataclass(frozen=True)
class _ImportJob:
    request: ImportRequest
    csv_format: CsvFormat
    parser: RowParser
    writer: EntityWriter
    progress: Progress | None

    def rows(self) -> Iterator[list[CsvRow]]:
        return _batches(iter_rows(self.request.path, self.csv_format), self.request.batch_size)

    def validate(self, engine: Engine) -> _Validation:
        """Pass 1: every problem of every row, and which rows repeat an earlier one. Writes nothing."""
        checked = _Validation()
        duplicates = FileDuplicates(self.request.path.name)
        with engine.connect() as conn:
            for batch in self.rows():
                records: list[Record] = []
                for row in batch:
                    parsed = self.parser.parse(row)
                    if isinstance(parsed, list):
                        checked.problems.extend(parsed)
                    else:
                        records.append(parsed)
                for record, outcome in zip(records, self.writer.identities(conn, records), strict=True):
                    if isinstance(outcome, list):
                        checked.problems.extend(outcome)
                        continue
                    seen, problems = duplicates.see(record.line, *outcome)
                    checked.problems.extend(problems)
                    if seen is Seen.REPEAT:
                        checked.repeats.add(record.line)
                checked.rows += len(batch)
                if self.progress:
                    self.progress("validate", checked.rows)
        return checked

    def write(
        self,
        engine: Engine,
        repeats: set[int],
        reasons: dict[int, list[str]],
        rejects: _RejectFile,
        *,
        now: datetime,
        clock: Callable[[], datetime],
    ) -> tuple[ImportCounts, int]:
        """Pass 2, one transaction: valid rows in batches, rejected ones to the reject file, the run row."""
        counts = ImportCounts()
        detail = {
            "entity": self.request.entity,
            "file": str(self.request.path),
            "preset": self.request.preset.name,
        }
        with engine.begin() as conn:
            run_id = begin_run(conn, "import", now=now, detail=detail)
            done = 0
            for batch in self.rows():
                records = []
                for row in batch:
                    if row.line in reasons:
                        rejects.write(row, reasons[row.line])
                    elif row.line not in repeats:
                        record = self.parser.parse(row)
                        assert not isinstance(record, list), "rows were validated in pass 1"
                        records.append(record)
                self.writer.write(conn, records, counts, run_id)
                done += len(batch)
                if self.progress:
                    self.progress("write", done)
            totals = {
                "inserted": counts.inserted, "updated": counts.updated, "unchanged": counts.unchanged,
                "rejected": len(reasons),
            }  # fmt: skip
            finished = {"status": "finished", "finished_at": clock(), "counts": totals}
            conn.execute(update(run).where(run.c.id == run_id).values(**finished))
        return counts, run_id


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _RejectFile:
    """Rejected rows as CSV: original columns, then ``line`` and ``reason``; appears only when complete."""

    def __init__(self, path: Path, header: tuple[str, ...], *, enabled: bool) -> None:
        self.path = path
        self.header = header
        self.enabled = enabled
        self._partial = path.with_name(path.name + ".partial")

    def __enter__(self) -> _RejectFile:
        if self.enabled:
            self._stream = self._partial.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._stream)
            self._writer.writerow([*self.header, "line", "reason"])
        return self

    def write(self, row: CsvRow, reasons: list[str]) -> None:
        padding = [""] * (len(self.header) - len(row.cells))  # short rows: keep line and reason aligned
        self._writer.writerow([*row.cells, *padding, row.line, "; ".join(reasons)])

    def __exit__(self, exc_type: object, *_: object) -> None:
        if not self.enabled:
            return
        self._stream.close()
        if exc_type is None:
            os.replace(self._partial, self.path)
        else:
            self._partial.unlink(missing_ok=True)
