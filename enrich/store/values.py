"""Field values with provenance: the one place that writes ``field_value`` rows and the account columns.

Every value leadscore knows about an account or contact is a ``field_value`` row saying where it came
from; nothing is overwritten, history is kept through statuses (``accepted``, ``pending_review``,
``rejected``, ``superseded``). The rules, in one place:

1. Source rank: ``reviewer`` (2) > ``crm`` (1) > evidence sources ``jsonld``/``imprint``/``page_text``/``llm``
   (0). Within a rank, higher confidence wins, then the newer observation.
2. Accepting a value supersedes the accepted values *of the same rank* that differ from it; values of
   other ranks stay accepted (a reviewer's edit does not erase what the CRM said).
3. CRM values are the CRM's: an evidence-source value never replaces an accepted CRM or reviewer value,
   nor an evidence-source value a reviewer approved (``decided_by`` set).
   Asked to accept one that disagrees, ``record_value`` stores it as ``pending_review`` with the reason
   "conflicts with CRM value …" (or "… reviewer value …"), so a person decides. One that agrees is
   stored as accepted, as corroboration.
4. The ``account`` columns cache the best accepted value per firmographic field (rule 1). Ranges go to
   ``<field>_range`` as ``"min-max"`` (``"min+"`` when open) with the exact column NULL. Fields without
   any value rows are left as they are, so columns set by other means are never wiped.

All functions take an open connection and run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from enrich.store.schema import ACCOUNT_FIELDS, account, field_value

JsonValue = int | str | dict[str, int | None]  # {"min": 50, "max": 200}; "max" None for "1000+"

ENTITY_TYPES = ("account", "contact")
STATUSES = ("accepted", "pending_review", "rejected", "superseded")
SOURCE_RANKS = {"reviewer": 2, "crm": 1, "jsonld": 0, "imprint": 0, "page_text": 0, "llm": 0}
# Account fields whose current value is cached as a column (ranges share their field's column pair).
FIRMOGRAPHIC_FIELDS = tuple(name for name in ACCOUNT_FIELDS if not name.endswith("_range"))
RANGE_FIELDS = ("employee_count", "annual_revenue")


@dataclass(frozen=True)
class Candidate:
    """A value for one field and everything known about where it came from.

    ``value`` is normalised and JSON-able (int, str, or ``{"min": int, "max": int | None}`` for ranges);
    ``value_text`` is the text as found. ``confidence`` (0..1) is computed from evidence, never taken from
    the model (``model_confidence`` is stored for calibration only).
    """

    field: str
    value: JsonValue | None  # None only on a rejected model answer that stated no usable value
    value_text: str | None
    confidence: float
    source_kind: str
    source_url: str | None = None
    evidence: str | None = None
    evidence_start: int | None = None
    evidence_end: int | None = None
    page_sha256: str | None = None
    extractor: str | None = None
    extractor_version: str | None = None
    model: str | None = None
    prompt_name: str | None = None
    prompt_version: str | None = None
    prompt_sha256: str | None = None
    model_confidence: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    reason: str | None = None
    latency_s: float | None = None

    def __post_init__(self) -> None:
        if self.source_kind not in SOURCE_RANKS:
            raise ValueError(
                f"unknown source_kind {self.source_kind!r}; use one of {', '.join(SOURCE_RANKS)}"
            )
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be between 0 and 1, got {self.confidence}")


_CANDIDATE_COLUMNS = tuple(item.name for item in fields(Candidate))


@dataclass(frozen=True)
class StoredValue:
    """A ``field_value`` row: the candidate plus its state."""

    id: int
    entity_type: str
    entity_id: int
    status: str
    observed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    run_id: int | None
    version: int
    candidate: Candidate

    @property
    def rank(self) -> int:
        return source_rank(self.candidate.source_kind)

    @property
    def protected(self) -> bool:
        """A CRM or reviewer value, or one a reviewer approved: the agent never replaces it (rule 3)."""
        return self.rank > 0 or self.decided_by is not None

    def preference(self) -> tuple[int, float, datetime, int]:
        """Sort key, best last: rank, then confidence, then newest."""
        return (self.rank, self.candidate.confidence, self.observed_at, self.id)


def source_rank(source_kind: str) -> int:
    return SOURCE_RANKS[source_kind]


def display_value(value: JsonValue | None) -> str:
    """How a value reads in messages, CSV cells and range columns (``50-200``, ``1000+``)."""
    if isinstance(value, dict):
        low, high = value.get("min"), value.get("max")
        return f"{low}+" if high is None else f"{low}-{high}"
    return "" if value is None else str(value)


def account_columns(field: str, value: JsonValue | None) -> dict[str, object]:
    """The account columns that cache ``value`` for ``field`` (both columns of a range field)."""
    if field not in RANGE_FIELDS:
        return {field: value}
    if isinstance(value, dict):
        return {field: None, f"{field}_range": display_value(value)}
    return {field: value, f"{field}_range": None}


def record_value(
    conn: Connection,
    entity_type: str,
    entity_id: int,
    candidate: Candidate,
    *,
    status: str,
    now: datetime,
    run_id: int | None = None,
    decided_by: str | None = None,
) -> int:
    """Insert a value and apply the rules of the module doc; returns the new row's id.

    The stored status can differ from ``status``: an evidence-source value asked to be ``accepted``
    that disagrees with an accepted CRM or reviewer value, or with a value a reviewer approved, is
    stored as ``pending_review`` (rule 3).
    When the stored status is ``accepted``, differing accepted values of the same rank become
    ``superseded`` and, for accounts, the column cache is refreshed.
    """
    _check(entity_type, status)
    reason = candidate.reason
    accepted = _rows(conn, entity_type, [entity_id], field=candidate.field, statuses=("accepted",))
    rank = source_rank(candidate.source_kind)
    if status == "accepted" and rank == 0:
        guards = [row for row in accepted if row.protected and row.candidate.value != candidate.value]
        if guards:
            guard = max(guards, key=StoredValue.preference)
            label = "CRM" if guard.candidate.source_kind == "crm" else "reviewer"
            shown = guard.candidate.value_text or display_value(guard.candidate.value)
            status, reason = "pending_review", f"conflicts with {label} value {shown!r}"
    row = _insert_row(entity_type, entity_id, candidate, status=status, now=now, run_id=run_id)
    row.update(reason=reason, decided_by=decided_by, decided_at=now if decided_by else None)
    new_id = int(conn.execute(insert(field_value).returning(field_value.c.id), row).scalar_one())
    if status == "accepted":
        stale = [r.id for r in accepted if r.rank == rank and r.candidate.value != candidate.value]
        _supersede(conn, stale, now=now)
        if entity_type == "account":
            refresh_account_columns(conn, entity_id, now=now)
    return new_id


def record_new_entity_values(
    conn: Connection,
    entity_type: str,
    values: Iterable[tuple[int, Candidate]],
    *,
    now: datetime,
    run_id: int | None = None,
) -> int:
    """Bulk path for entities created in this transaction: insert accepted values in one statement.

    The caller promises the entities have no value rows yet (so nothing to supersede or guard against)
    and sets the account columns itself with ``account_columns``. Returns the number of rows written.
    """
    _check(entity_type, "accepted")
    rows = [
        _insert_row(entity_type, entity_id, value, status="accepted", now=now, run_id=run_id)
        for entity_id, value in values
    ]
    if not rows:
        return 0
    # Columns every row leaves NULL are left out: it halves the per-row work of a large import.
    used = {name for row in rows for name, value in row.items() if value is not None}
    conn.execute(insert(field_value), [{name: row[name] for name in used} for row in rows])
    return len(rows)


def withdraw_value(
    conn: Connection, entity_type: str, entity_id: int, field: str, *, source_kind: str, now: datetime
) -> int:
    """The source no longer gives a value (the CRM cell was emptied): its accepted rows become superseded.

    Returns how many rows changed; for accounts the column cache is refreshed.
    """
    _check(entity_type, "superseded")
    accepted = _rows(conn, entity_type, [entity_id], field=field, statuses=("accepted",))
    stale = [row.id for row in accepted if row.candidate.source_kind == source_kind]
    _supersede(conn, stale, now=now)
    if stale and entity_type == "account":
        refresh_account_columns(conn, entity_id, now=now)
    return len(stale)


def refresh_account_columns(
    conn: Connection, account_id: int, *, now: datetime | None = None
) -> dict[str, object]:
    """Set the account's columns from its best accepted values (rule 4); returns the columns that changed.

    ``updated_at`` moves only when something changed. ``name`` is never emptied (the column is required).
    """
    rows = _rows(conn, "account", [account_id], field=None, statuses=STATUSES)
    best = _best(row for row in rows if row.status == "accepted")
    wanted: dict[str, object] = {}
    for name in sorted({row.candidate.field for row in rows} & set(FIRMOGRAPHIC_FIELDS)):
        chosen = best.get((account_id, name))
        if chosen is None and name == "name":
            continue
        wanted.update(account_columns(name, None if chosen is None else chosen.candidate.value))
    if not wanted:
        return {}
    current = conn.execute(
        select(*(account.c[name] for name in wanted)).where(account.c.id == account_id)
    ).one()
    changed = {name: value for name, value in wanted.items() if current._mapping[name] != value}
    if changed:
        stamp = now or datetime.now(UTC)
        conn.execute(update(account).where(account.c.id == account_id).values(**changed, updated_at=stamp))
    return changed


def accepted_value(conn: Connection, entity_type: str, entity_id: int, field: str) -> StoredValue | None:
    """The value in force for a field: the best accepted one (rule 1), or None."""
    rows = _rows(conn, entity_type, [entity_id], field=field, statuses=("accepted",))
    return max(rows, key=StoredValue.preference, default=None)


def values_for(
    conn: Connection, entity_type: str, entity_id: int, field: str | None = None
) -> list[StoredValue]:
    """Every value row of an entity (or of one field), for provenance views: by field, newest first."""
    rows = _rows(conn, entity_type, [entity_id], field=field, statuses=STATUSES)
    return sorted(rows, key=lambda row: (row.candidate.field, -row.id))


def current_values(
    conn: Connection, entity_type: str, entity_ids: Sequence[int]
) -> dict[int, dict[str, StoredValue]]:
    """Per entity and field: the accepted value in force, else the best candidate awaiting review."""
    rows = _rows(conn, entity_type, entity_ids, field=None, statuses=("accepted", "pending_review"))
    accepted = _best(row for row in rows if row.status == "accepted")
    pending = _best(row for row in rows if row.status == "pending_review")
    result: dict[int, dict[str, StoredValue]] = {}
    for (entity_id, name), row in {**pending, **accepted}.items():
        result.setdefault(entity_id, {})[name] = row
    return result


def accepted_source_values(
    conn: Connection, entity_type: str, entity_ids: Sequence[int], source_kind: str
) -> dict[int, dict[str, JsonValue]]:
    """What one source says now: its accepted value per entity and field (how an import spots changes).

    Reads only the values (a re-import of a large file compares every account through here).
    """
    query = (
        select(field_value.c.entity_id, field_value.c.field, field_value.c.value)
        .where(
            field_value.c.entity_type == entity_type,
            field_value.c.entity_id.in_(list(entity_ids)),
            field_value.c.status == "accepted",
            field_value.c.source_kind == source_kind,
        )
        .order_by(field_value.c.confidence, field_value.c.observed_at, field_value.c.id)  # best last (rule 1)
    )
    result: dict[int, dict[str, JsonValue]] = {}
    for entity_id, name, value in conn.execute(query):
        result.setdefault(entity_id, {})[name] = value
    return result


def _check(entity_type: str, status: str) -> None:
    if entity_type not in ENTITY_TYPES:
        raise ValueError(f"unknown entity_type {entity_type!r}; use one of {', '.join(ENTITY_TYPES)}")
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")


def _insert_row(
    entity_type: str, entity_id: int, candidate: Candidate, *, status: str, now: datetime, run_id: int | None
) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(candidate, name) for name in _CANDIDATE_COLUMNS}
    row.update(
        entity_type=entity_type, entity_id=entity_id, status=status, observed_at=now, run_id=run_id,
        decided_by=None, decided_at=None, version=1,
    )  # fmt: skip
    return row


def _supersede(conn: Connection, ids: list[int], *, now: datetime) -> None:
    if ids:
        conn.execute(
            update(field_value)
            .where(field_value.c.id.in_(ids))
            .values(status="superseded", decided_at=now, version=field_value.c.version + 1)
        )


def _best(rows: Iterable[StoredValue]) -> dict[tuple[int, str], StoredValue]:
    best: dict[tuple[int, str], StoredValue] = {}
    for row in rows:
        key = (row.entity_id, row.candidate.field)
        if key not in best or row.preference() > best[key].preference():
            best[key] = row
    return best


def _rows(
    conn: Connection,
    entity_type: str,
    entity_ids: Sequence[int],
    *,
    field: str | None,
    statuses: Sequence[str],
) -> list[StoredValue]:
    query = select(field_value).where(
        field_value.c.entity_type == entity_type,
        field_value.c.entity_id.in_(list(entity_ids)),
        field_value.c.status.in_(list(statuses)),
    )
    if field is not None:
        query = query.where(field_value.c.field == field)
    return [_stored(row) for row in conn.execute(query)]


def _stored(row: Row[Any]) -> StoredValue:
    data = row._mapping
    return StoredValue(
        id=data["id"], entity_type=data["entity_type"], entity_id=data["entity_id"], status=data["status"],
        observed_at=data["observed_at"], decided_by=data["decided_by"], decided_at=data["decided_at"],
        run_id=data["run_id"], version=data["version"],
        candidate=Candidate(**{name: data[name] for name in _CANDIDATE_COLUMNS}),
    )  # fmt: skip
