"""Tables (SQLAlchemy Core), DESIGN §3. Changes go through a new Alembic migration, never an edit.

Conventions: times are timezone-aware UTC; JSON columns hold small documents only; every value of a
firmographic field, whatever its source, is a ``field_value`` row with provenance, and the ``account``
columns are a cache of the current best accepted value (see ``enrich.store.values``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite stores no zone and hands back naive datetimes; this type writes UTC and always returns
    aware UTC datetimes, so no caller has to guess (same DDL as ``DateTime(timezone=True)``).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(name: str, *, nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=nullable, index=index)


# Firmographic fields that live as columns on account (the current accepted value).
ACCOUNT_FIELDS: tuple[str, ...] = (
    "name",
    "domain",
    "website",
    "industry",
    "employee_count",
    "employee_count_range",
    "annual_revenue",
    "annual_revenue_range",
    "country",
    "city",
    "founded_year",
)

account = Table(
    "account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("crm_id", String(64), unique=True),
    Column("source", String(32), nullable=False, default="manual"),  # preset or connector that created it
    Column("name", String(300), nullable=False),
    Column("domain", String(253), index=True),
    Column("website", String(2048)),
    Column("industry", String(200)),
    Column("employee_count", Integer),
    Column("employee_count_range", String(40)),  # "50-200" when only a range is known
    Column("annual_revenue", BigInteger),
    Column("annual_revenue_range", String(60)),
    Column("country", String(2)),  # ISO 3166-1 alpha-2
    Column("city", String(200)),
    Column("founded_year", Integer),
    Column("owner", String(200)),
    Column("custom", JSON, nullable=False, default=dict),  # unmapped CRM columns, kept verbatim
    Column("merged_into_id", Integer, ForeignKey("account.id")),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
)

contact = Table(
    "contact",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("crm_id", String(64), unique=True),
    Column("account_id", Integer, ForeignKey("account.id"), index=True),
    Column("email", String(320), index=True),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("title", String(300)),
    Column("seniority", String(100)),
    Column("department", String(200)),
    Column("phone", String(100)),
    Column("custom", JSON, nullable=False, default=dict),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
)

activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True),
    # CRM activity id, or a content hash when the export has none: makes re-import idempotent
    Column("dedupe_key", String(64), nullable=False, unique=True),
    Column("contact_id", Integer, ForeignKey("contact.id"), index=True),
    Column("account_id", Integer, ForeignKey("account.id"), index=True),
    Column("kind", String(40), nullable=False),  # visit, download, email_open, cta_click, form_fill, ...
    Column("asset", String(300), nullable=False),  # asset/CTA/form id matched by the ruleset's patterns
    _ts("occurred_at", nullable=False, index=True),
    Column("source", String(32), nullable=False),
)

field_value = Table(
    "field_value",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_type", String(16), nullable=False),  # account | contact
    Column("entity_id", Integer, nullable=False),
    Column("field", String(64), nullable=False),
    Column("value", JSON),  # normalised value: int, str, or {"min": .., "max": ..} for ranges
    Column("value_text", Text),  # as found / as imported, for people
    Column("status", String(16), nullable=False),  # accepted | pending_review | rejected | superseded
    Column("confidence", Float, nullable=False),
    Column("source_kind", String(16), nullable=False),  # crm | jsonld | imprint | page_text | llm | reviewer
    Column("source_url", String(2048)),
    Column("evidence", Text),
    Column("evidence_start", Integer),
    Column("evidence_end", Integer),
    Column("page_sha256", String(64)),
    Column("extractor", String(64)),
    Column("extractor_version", String(32)),
    Column("model", String(100)),
    Column("prompt_name", String(100)),
    Column("prompt_version", String(32)),
    Column("prompt_sha256", String(64)),
    Column("model_confidence", Float),  # what the model claimed; stored, never used as confidence
    Column("tokens_in", Integer),
    Column("tokens_out", Integer),
    Column("cost_usd", Float),
    Column("run_id", Integer, ForeignKey("run.id")),
    Column("reason", Text),  # why rejected / why sent to review
    _ts("observed_at", nullable=False),
    _ts("verified_at"),
    Column("decided_by", String(200)),
    _ts("decided_at"),
    Column("version", Integer, nullable=False, default=1),  # optimistic locking for reviewers
    Column("latency_s", Float),  # migration 0003: seconds the LLM call took (model values only)
    Index("ix_field_value_entity_field", "entity_type", "entity_id", "field"),
    Index("ix_field_value_status", "status"),
)

blob = Table(
    "blob",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("text", Text, nullable=False),
)

page = Table(
    "page",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2048), nullable=False, unique=True),
    Column("final_url", String(2048)),
    Column("status_code", Integer),
    Column("content_type", String(200)),
    Column("sha256", String(64), ForeignKey("blob.sha256")),
    Column("classification", String(32)),  # ok | blocked | captcha | parked | cookie_wall | error_page
    Column("error", Text),
    _ts("fetched_at", nullable=False),
)

run = Table(
    "run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),  # import | enrich | score | handoff | cleanup
    Column("status", String(16), nullable=False),  # running | finished | stopped | failed
    _ts("started_at", nullable=False),
    _ts("finished_at"),
    Column("counts", JSON, nullable=False, default=dict),
    Column("tokens_in", Integer, nullable=False, default=0),
    Column("tokens_out", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
    Column("detail", JSON, nullable=False, default=dict),
)

job = Table(
    "job",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_type", String(16), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # queued | leased | done | failed
    Column("priority", Float, nullable=False, default=0.0),
    Column("payload", JSON, nullable=False, default=dict),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(100)),
    _ts("lease_until"),
    Column("fencing_token", Integer, nullable=False, default=0),
    Column("last_error", Text),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    UniqueConstraint("entity_type", "entity_id", "kind", name="uq_job_entity_kind"),
    Index("ix_job_state_priority", "state", "priority"),
)

score = Table(
    "score",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_type", String(16), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("ruleset_name", String(100), nullable=False),
    Column("ruleset_version", String(32), nullable=False),
    Column("ruleset_hash", String(64), nullable=False),
    _ts("as_of", nullable=False),
    Column("fit", Float),
    Column("fit_min", Float),
    Column("fit_max", Float),
    Column("band", String(16)),
    Column("tier", String(32)),
    Column("tier_weight", Float),
    Column("engagement", Float),
    Column("phase", String(64)),
    Column("priority", Float, index=True),
    Column("best_contact_id", Integer, ForeignKey("contact.id")),
    Column("explanation", JSON, nullable=False, default=dict),
    _ts("scored_at", nullable=False),
    UniqueConstraint("entity_type", "entity_id", "ruleset_name", name="uq_score_entity_ruleset"),
)

handoff = Table(
    "handoff",
    metadata,
    Column("id", Integer, primary_key=True),
    # one active hand-off or pick per account: the unique constraint is the atomic claim
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False, unique=True),
    Column("contact_id", Integer, ForeignKey("contact.id")),
    Column("kind", String(16), nullable=False),  # handoff | pick
    Column("rep", String(200), nullable=False),
    Column("team", String(200)),
    Column("priority", Float),
    Column("threshold", Float),
    Column("ruleset_hash", String(64)),
    Column("run_id", Integer, ForeignKey("run.id")),
    _ts("handed_at", nullable=False),
    _ts("released_at"),
)

reviewer = Table(
    "reviewer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    _ts("created_at", nullable=False),
)

review_event = Table(
    "review_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("field_value_id", Integer, ForeignKey("field_value.id"), index=True),
    Column("merge_proposal_id", Integer, ForeignKey("merge_proposal.id")),
    Column("action", String(32), nullable=False),  # approve | edit | reject | undo | merge | ...
    Column("actor", String(200), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("reason", Text),
    Column("undoes_event_id", Integer, ForeignKey("review_event.id")),
    _ts("created_at", nullable=False),
)

merge_proposal = Table(
    "merge_proposal",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("keep_account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("merge_account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("similarity", Float, nullable=False),
    Column("evidence", JSON, nullable=False, default=dict),
    Column("status", String(16), nullable=False),  # pending_review | merged | rejected
    _ts("created_at", nullable=False),
    _ts("decided_at"),
    Column("decided_by", String(200)),
    UniqueConstraint("keep_account_id", "merge_account_id", name="uq_merge_pair"),
    # migration 0002: optimistic locking, the cleanup run that proposed it, why it was decided so, and
    # what the merge did (CRM ids merged; contacts, activities and values moved) for the audit trail
    Column("version", Integer, nullable=False, default=1, server_default="1"),
    Column("run_id", Integer, ForeignKey("run.id")),
    Column("reason", Text),
    Column("merged_crm_ids", JSON),
    Column("result", JSON),
)

run_lock = Table(
    "run_lock",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),
    _ts("acquired_at", nullable=False),
    _ts("expires_at", nullable=False),
)

llm_cache = Table(
    "llm_cache",
    metadata,
    Column("key", String(64), primary_key=True),  # sha256(model, prompt sha, snippets)
    Column("response", JSON, nullable=False),
    Column("tokens_in", Integer, nullable=False, default=0),
    Column("tokens_out", Integer, nullable=False, default=0),
    _ts("created_at", nullable=False),
)
