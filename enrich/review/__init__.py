"""Review decisions: the only code that approves, rejects, edits or undoes a ``field_value``.

The CLI (``leadscore review``) and the web UI (``leadscore serve``) both call these functions with a
Connection inside a transaction they own. Every decision

* claims the row with optimistic locking (``UPDATE … WHERE id = ? AND version = ?``), so of two reviewers
  deciding the same value at once exactly one wins and the other gets a ``ConflictError`` that says who
  decided it and when;
* appends one ``review_event`` (actor, time, state before and after, reason) — events are never changed;
* refreshes the account's columns from its best accepted values and re-scores the account when a scorer
  is given.

Approving keeps the row's provenance (its source, evidence, model) and records who accepted it; since the
value keeps its source's rank (``enrich.store.values``), the field's other accepted values that differ
from it — a CRM value included — are superseded, so that the reviewer's choice is what the account shows.
Editing writes a new ``source_kind = "reviewer"`` row (confidence 1.0, accepted) through
``record_value``; that rank wins over everything, so other sources' values stay accepted underneath it.
Rejecting leaves every other row alone.
Undo restores the decided rows' status, decider, time and reason exactly; their ``version`` keeps counting
up so that a form loaded before the undo cannot decide on stale state.
"""

from enrich.review.decisions import Decision, approve, bulk_approve, edit, reject, undo
from enrich.review.field_input import parse_reviewer_value
from enrich.review.queue import (
    SORT_KEYS,
    AuditEvent,
    QueueFilter,
    ReviewItem,
    SortKey,
    candidates_for,
    count_pending,
    format_time,
    get_item,
    history,
    list_pending,
    pending_fields,
)
from enrich.review.scoring import AccountScorer, ScoreChange

__all__ = [
    "SORT_KEYS",
    "AccountScorer",
    "AuditEvent",
    "Decision",
    "QueueFilter",
    "ReviewItem",
    "ScoreChange",
    "SortKey",
    "approve",
    "bulk_approve",
    "candidates_for",
    "count_pending",
    "edit",
    "format_time",
    "get_item",
    "history",
    "list_pending",
    "parse_reviewer_value",
    "pending_fields",
    "reject",
    "undo",
]
