"""``leadscore export accounts``: the store as a CSV in a CRM's own column names, plus what leadscore knows.

Columns, in order:

1. the preset's column for each account field it has (``Id``, ``Name``, ``Website`` … for Salesforce),
   holding the account's current accepted values (ranges as ``50-200``);
2. custom fields (unmapped CRM columns kept at import), by their original names;
3. per firmographic field: ``<field>`` (only where the preset has no column of its own, e.g. ``domain``
   for Salesforce, so no value is written twice), ``<field>__confidence``, ``<field>__source_url`` and
   ``<field>__status`` of the value in force: ``accepted``, or ``pending_review`` when no value is
   accepted but a candidate awaits a reviewer (its confidence and source are shown; the value is not);
4. ``score__fit``, ``score__band``, ``score__tier``, ``score__priority`` from the account's latest score,
   empty when it has none.

Cells are protected against spreadsheet formulas (``enrich.crm.spreadsheet``). The file is UTF-8 without
a byte-order mark, which every CSV reader and modern spreadsheet takes; ``excel=True`` adds the mark,
which older Excel versions need to read UTF-8 instead of the local code page. Reading the file back with
``leadscore import`` and the same preset gives the same accounts: the detail and score columns are
recognised and skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import Connection, Engine, Row, select

from enrich.crm.presets import ACCOUNT_TARGETS, EXPORT_DETAIL_SUFFIXES, SCORE_COLUMNS, Preset, column_key
from enrich.crm.spreadsheet import protect_formula
from enrich.store.schema import account, score
from enrich.store.values import FIRMOGRAPHIC_FIELDS, RANGE_FIELDS, StoredValue, current_values, display_value

BOM = "\ufeff"


def export_accounts(
    engine: Engine, out: TextIO, preset: Preset, *, excel: bool = False, batch_size: int = 1000
) -> int:
    """Write every live (not merged) account to ``out``, oldest first; returns the number of rows."""
    column_map = preset.columns["accounts"]
    own = {target: name for target in ACCOUNT_TARGETS if (name := column_map.export_name(target))}
    details = []
    for name in FIRMOGRAPHIC_FIELDS:
        details += ([] if name in own else [name]) + [
            f"{name}__{suffix}" for suffix in EXPORT_DETAIL_SUFFIXES
        ]
    with engine.connect() as conn:
        taken = {column_key(column) for column in (*own.values(), *details, *SCORE_COLUMNS)}
        custom = [key for key in _custom_keys(conn) if column_key(key) not in taken]
        if excel:
            out.write(BOM)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([*own.values(), *custom, *details, *SCORE_COLUMNS])
        count = 0
        for batch in _account_batches(conn, batch_size):
            ids = [row.id for row in batch]
            known = current_values(conn, "account", ids)
            scores = _latest_scores(conn, ids)
            for row in batch:
                cells = [_account_cell(row, target) for target in own]
                cells += [_text(row.custom.get(key)) for key in custom]
                cells += _detail_cells(row, own, known.get(row.id, {}))
                cells += _score_cells(scores.get(row.id))
                writer.writerow([protect_formula(cell) for cell in cells])
            count += len(batch)
    return count


def _live() -> Any:
    return account.c.merged_into_id.is_(None)


def _custom_keys(conn: Connection) -> list[str]:
    """Every custom field name, in the order first seen (dict keys keep order)."""
    keys: dict[str, None] = {}
    for (custom,) in conn.execute(select(account.c.custom).where(_live()).execution_options(yield_per=1000)):
        keys.update(dict.fromkeys(custom or {}))
    return list(keys)


def _account_batches(conn: Connection, size: int) -> Iterator[Sequence[Row[Any]]]:
    """Accounts in id order, a page at a time (keyset paging: steady memory, no server-side cursor)."""
    last_id = 0
    while True:
        query = select(account).where(_live(), account.c.id > last_id).order_by(account.c.id).limit(size)
        batch = conn.execute(query).all()
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def _account_cell(row: Row[Any], target: str) -> str:
    value = row._mapping[target]
    if value is None and target in RANGE_FIELDS:
        value = row._mapping[f"{target}_range"]
    return _text(value)


def _detail_cells(row: Row[Any], own: dict[str, str], known: dict[str, StoredValue]) -> list[str]:
    cells = []
    for name in FIRMOGRAPHIC_FIELDS:
        if name not in own:
            cells.append(_account_cell(row, name))
        stored = known.get(name)
        if stored is None:
            cells += ["", "", ""]
        else:
            candidate = stored.candidate
            cells += [_text(round(candidate.confidence, 4)), _text(candidate.source_url), stored.status]
    return cells


def _latest_scores(conn: Connection, ids: list[int]) -> dict[int, Any]:
    query = (
        select(score.c.entity_id, score.c.fit, score.c.band, score.c.tier, score.c.priority)
        .where(score.c.entity_type == "account", score.c.entity_id.in_(ids))
        .order_by(score.c.scored_at, score.c.id)
    )
    return {row.entity_id: row for row in conn.execute(query)}  # later rows win: the latest score


def _score_cells(row: Any) -> list[str]:
    if row is None:
        return [""] * len(SCORE_COLUMNS)
    return [_text(row.fit), _text(row.band), _text(row.tier), _text(row.priority)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return display_value(value)
    return str(value)
