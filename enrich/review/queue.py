"""Reading the review queue and the audit trail: what is pending (filtered, sorted) and what was decided."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import Connection, Row, func, or_, select

from enrich.store.schema import account, contact, field_value, review_event
from enrich.store.values import JsonValue, display_value

SortKey = Literal["confidence", "age", "field"]
SORT_KEYS: tuple[SortKey, ...] = ("confidence", "age", "field")
PENDING = "pending_review"


@dataclass(frozen=True)
class QueueFilter:
    """Which pending values to show or bulk-approve; every part is optional."""

    field: str | None = None
    min_confidence: float | None = None
    account: str | None = None  # an account id, or part of its name or domain
    sort: SortKey = "confidence"
    descending: bool = False


@dataclass(frozen=True)
class ReviewItem:
    """One ``field_value`` row with its provenance and the account it belongs to, for people."""

    id: int
    version: int
    status: str
    entity_type: str
    entity_id: int
    account_id: int | None
    account_label: str
    field: str
    value: object
    value_text: str | None
    confidence: float
    source_kind: str
    source_url: str | None
    evidence: str | None
    evidence_start: int | None
    evidence_end: int | None
    page_sha256: str | None
    extractor: str | None
    model: str | None
    prompt: str | None  # name@version
    reason: str | None
    observed_at: datetime
    decided_by: str | None
    decided_at: datetime | None

    @property
    def shown_value(self) -> str:
        """Ranges as ``50-200``; the text as found when there is no normalised value."""
        if self.value is None:
            return self.value_text or ""
        return display_value(cast(JsonValue, self.value))


@dataclass(frozen=True)
class AuditEvent:
    """One ``review_event`` row, with the id of the event that undid it (if any)."""

    id: int
    field_value_id: int | None
    action: str
    actor: str
    reason: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    undoes_event_id: int | None
    undone_by: int | None
    created_at: datetime

    @property
    def undoable(self) -> bool:
        return self.action != "undo" and self.undone_by is None and self.field_value_id is not None


# ReviewItem fields read straight from the field_value row (plus account_id from the join)
_ROW_COLUMNS = tuple(item.name for item in fields(ReviewItem) if item.name not in {"account_label", "prompt"})


def list_pending(
    conn: Connection, queue: QueueFilter = QueueFilter(), *, limit: int | None = None
) -> list[ReviewItem]:
    """Values awaiting review that match ``queue``, in its order (ties broken by id)."""
    query = _filtered(_items_query().where(field_value.c.status == PENDING), queue)
    order_column = {
        "confidence": field_value.c.confidence,
        "age": field_value.c.observed_at,
        "field": field_value.c.field,
    }[queue.sort]
    primary = order_column.desc() if queue.descending else order_column.asc()
    query = query.order_by(primary, field_value.c.id.asc())
    if limit is not None:
        query = query.limit(limit)
    return [_review_item(row) for row in conn.execute(query)]


def count_pending(conn: Connection, queue: QueueFilter = QueueFilter()) -> int:
    subquery = _filtered(_items_query().where(field_value.c.status == PENDING), queue).subquery()
    return int(conn.scalar(select(func.count()).select_from(subquery)) or 0)


def pending_fields(conn: Connection) -> list[str]:
    """The fields that have values awaiting review, for filter menus."""
    query = (
        select(field_value.c.field)
        .where(field_value.c.status == PENDING)
        .distinct()
        .order_by(field_value.c.field)
    )
    return list(conn.scalars(query))


def get_item(conn: Connection, value_id: int) -> ReviewItem | None:
    """Any value (pending or decided) by id, or None."""
    row = conn.execute(_items_query().where(field_value.c.id == value_id)).first()
    return None if row is None else _review_item(row)


def candidates_for(conn: Connection, item: ReviewItem) -> list[ReviewItem]:
    """Every other value for the same entity and field (competing or earlier candidates), best first."""
    query = _items_query().where(
        field_value.c.entity_type == item.entity_type,
        field_value.c.entity_id == item.entity_id,
        field_value.c.field == item.field,
        field_value.c.id != item.id,
    )
    query = query.order_by(field_value.c.confidence.desc(), field_value.c.id.asc())
    return [_review_item(row) for row in conn.execute(query)]


def _items_query() -> Any:
    joined = field_value.outerjoin(
        contact, (field_value.c.entity_type == "contact") & (field_value.c.entity_id == contact.c.id)
    ).outerjoin(
        account,
        ((field_value.c.entity_type == "account") & (field_value.c.entity_id == account.c.id))
        | (contact.c.account_id == account.c.id),
    )
    return select(
        field_value, account.c.id.label("account_id"), account.c.name, account.c.domain, contact.c.email
    ).select_from(joined)


def _filtered(query: Any, queue: QueueFilter) -> Any:
    if queue.field:
        query = query.where(field_value.c.field == queue.field)
    if queue.min_confidence is not None:
        query = query.where(field_value.c.confidence >= queue.min_confidence)
    if queue.account:
        needle = queue.account.strip()
        if needle.isdigit():
            query = query.where(account.c.id == int(needle))
        else:
            pattern = f"%{needle.lower()}%"
            query = query.where(
                or_(func.lower(account.c.name).like(pattern), func.lower(account.c.domain).like(pattern))
            )
    return query


def _review_item(row: Row[Any]) -> ReviewItem:
    label = row.name or f"{row.entity_type} #{row.entity_id}"
    if row.domain:
        label = f"{label} ({row.domain})"
    if row.entity_type == "contact":
        label = f"{row.email or f'contact #{row.entity_id}'} at {label}"
    prompt = f"{row.prompt_name}@{row.prompt_version}" if row.prompt_name else None
    columns = row._mapping
    return ReviewItem(account_label=label, prompt=prompt, **{name: columns[name] for name in _ROW_COLUMNS})


def format_time(moment: datetime | None) -> str:
    """UTC, to the second."""
    if moment is None:
        return "unknown time"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def history(conn: Connection, *, value_id: int | None = None, limit: int = 100) -> list[AuditEvent]:
    """Review events, newest first, each with ``undone_by`` (the id of the event that undid it, if any)."""
    undoer = review_event.alias("undoer")
    query = (
        select(review_event, undoer.c.id.label("undone_by"))
        .outerjoin(undoer, undoer.c.undoes_event_id == review_event.c.id)
        .order_by(review_event.c.id.desc())
        .limit(limit)
    )
    if value_id is not None:
        query = query.where(review_event.c.field_value_id == value_id)
    return [
        AuditEvent(
            id=row.id,
            field_value_id=row.field_value_id,
            action=row.action,
            actor=row.actor,
            reason=row.reason,
            before=row.before or {},
            after=row.after or {},
            undoes_event_id=row.undoes_event_id,
            undone_by=row.undone_by,
            created_at=row.created_at,
        )
        for row in conn.execute(query)
    ]
