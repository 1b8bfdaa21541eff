"""``leadscore review``: list values awaiting review and decide them from the terminal.

``review list`` exits 0 whether or not values are pending (exit 4 is for runs that finished with items
left for review, e.g. ``enrich``); decisions that lose a race, or target a value already decided, exit 2.
"""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from enrich.cli.context import AppContext, app_context, clean_text
from enrich.cli.ruleset_file import load_configured_ruleset, ruleset_path
from enrich.clock import utc_now
from enrich.config import Settings
from enrich.errors import InputError
from enrich.review import (
    SORT_KEYS,
    AuditEvent,
    Decision,
    QueueFilter,
    ReviewItem,
    SortKey,
    approve,
    bulk_approve,
    count_pending,
    edit,
    format_time,
    history,
    list_pending,
    reject,
    undo,
)
from enrich.review.scoring import AccountScorer, RulesetScorer

review_app = typer.Typer(
    name="review",
    help="Values awaiting a reviewer: list, approve, reject, edit, undo.",
    no_args_is_help=True,
)

ActorOption = Annotated[
    str | None,
    typer.Option("--as", metavar="NAME", help="Name recorded in the audit trail (default: your login)."),
]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why; stored with the decision.")]
FieldOption = Annotated[str | None, typer.Option("--field", help="Only this field, e.g. industry.")]
AccountOption = Annotated[
    str | None, typer.Option("--account", help="Account id, or part of its name or domain.")
]
QUOTE_CHARS = 120


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")


def load_account_scorer(settings: Settings) -> AccountScorer | None:
    """Re-scoring after each decision with the ruleset ``leadscore score`` uses; None (decisions then
    only refresh the account's columns) when none is configured and the bundled default is missing."""
    if settings.ruleset is None and not ruleset_path(settings, None).is_file():
        return None
    return RulesetScorer(load_configured_ruleset(settings))


def _actor(name: str | None) -> str:
    if name:
        return clean_text(name).strip() or "cli"
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in containers without a passwd entry
        return "cli"


def _cell(text: object, limit: int | None = None) -> Text:
    """A table cell from untrusted text: control characters stripped, Rich markup not interpreted."""
    cleaned = clean_text("" if text is None else text)
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return Text(cleaned)


def _as_json(record: ReviewItem | AuditEvent) -> dict[str, Any]:
    """A review item or audit event for ``--json``: every field, times as ISO 8601."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in asdict(record).items()
    }


@review_app.command("list")
def list_command(
    ctx: typer.Context,
    field: FieldOption = None,
    min_confidence: Annotated[float | None, typer.Option("--min-confidence", min=0.0, max=1.0)] = None,
    account: AccountOption = None,
    sort: Annotated[str, typer.Option("--sort", help=f"One of {', '.join(SORT_KEYS)}.")] = "confidence",
    descending: Annotated[bool, typer.Option("--desc", help="Highest / newest / last first.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Pending values with account, field, proposed value, confidence, source and evidence quote."""
    app_ctx = app_context(ctx)
    queue = QueueFilter(field, min_confidence, account, _sort_key(sort), descending)
    with app_ctx.engine().connect() as conn:
        items = list_pending(conn, queue, limit=limit)
        total = count_pending(conn, queue)
    if as_json:
        typer.echo(json.dumps([_as_json(item) for item in items], indent=2))
        return
    table = Table(
        title=f"{total} values awaiting review" + (f" (showing {len(items)})" if total > len(items) else "")
    )
    for name, justify in (("id", "right"), ("account", "left"), ("field", "left"), ("proposed", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("conf.", justify="right")
    table.add_column("source")
    table.add_column("evidence")
    for item in items:
        table.add_row(
            str(item.id),
            _cell(item.account_label, 60),
            _cell(item.field),
            _cell(item.shown_value, 60),
            f"{item.confidence:.2f}",
            _cell(item.source_kind + (f" {item.source_url}" if item.source_url else ""), 80),
            _cell(item.evidence, QUOTE_CHARS),
        )
    app_ctx.console.print(table)


def _sort_key(name: str) -> SortKey:
    for key in SORT_KEYS:
        if key == name:
            return key
    raise InputError(f"unknown sort key {name!r}", hint=f"use one of {', '.join(SORT_KEYS)}")


@review_app.command("approve")
def approve_command(
    ctx: typer.Context,
    value_ids: Annotated[
        list[int] | None, typer.Argument(metavar="[ID]...", help="Values to approve.")
    ] = None,
    above: Annotated[
        float | None,
        typer.Option("--above", min=0.0, max=1.0, help="Bulk: every pending value with confidence ≥ X."),
    ] = None,
    field: FieldOption = None,
    account: AccountOption = None,
    reason: ReasonOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Bulk: do not ask for confirmation (scripts).")
    ] = False,
    actor: ActorOption = None,
) -> None:
    """Accept values as found. IDs, or a bulk selection with --above (plus --field/--account)."""
    app_ctx = app_context(ctx)
    if value_ids and above is not None:
        raise InputError("give value ids or --above, not both")
    if not value_ids:
        if above is None:
            raise InputError(
                "nothing to approve", hint="give value ids, or --above X [--field F] for a bulk approval"
            )
        _approve_in_bulk(
            app_ctx, QueueFilter(field, above, account), reason=reason, yes=yes, actor=_actor(actor)
        )
        return
    _decide_each(app_ctx, value_ids, "approve", reason=reason, actor=_actor(actor))


def _approve_in_bulk(
    app_ctx: AppContext, queue: QueueFilter, *, reason: str | None, yes: bool, actor: str
) -> None:
    engine = app_ctx.engine()
    with engine.connect() as conn:
        count = count_pending(conn, queue)
    if count == 0:
        app_ctx.console.print("nothing matches: no values approved")
        return
    question = f"Approve {count} pending values{_describe(queue)}?"
    if not yes:
        if not sys.stdin.isatty():
            raise InputError(
                f"refusing to approve {count} values without confirmation: there is no terminal to ask",
                hint="add --yes to confirm in scripts",
            )
        if not typer.confirm(question, default=False):
            app_ctx.console.print("nothing approved")
            return
    scorer = load_account_scorer(app_ctx.settings)
    with engine.begin() as conn:
        decisions = bulk_approve(
            conn, queue, actor=actor, now=utc_now(), reason=reason, expected_count=count, scorer=scorer
        )
    app_ctx.console.print(f"approved {len(decisions)} values{_event_span(decisions)}", highlight=False)


def _describe(queue: QueueFilter) -> str:
    parts = [f"confidence ≥ {queue.min_confidence:g}" if queue.min_confidence is not None else ""]
    parts += [
        f"field {queue.field}" if queue.field else "",
        f"account {queue.account}" if queue.account else "",
    ]
    shown = ", ".join(clean_text(part) for part in parts if part)
    return f" ({shown})" if shown else ""


def _event_span(decisions: list[Decision]) -> str:
    if not decisions:
        return ""
    first, last = decisions[0].event_id, decisions[-1].event_id
    return f" (event {first})" if first == last else f" (events {first}–{last})"


def _decide_each(
    app_ctx: AppContext, value_ids: list[int], action: str, *, reason: str | None, actor: str
) -> None:
    """All or nothing: one transaction, so a conflict on any id leaves every value as it was."""
    scorer = load_account_scorer(app_ctx.settings)
    decide = approve if action == "approve" else reject
    with app_ctx.engine().begin() as conn:
        now = utc_now()
        decisions = [
            decide(conn, value_id, actor=actor, now=now, reason=reason, scorer=scorer)
            for value_id in value_ids
        ]
    done = "approved" if action == "approve" else "rejected"
    for decision in decisions:
        app_ctx.console.print(
            f"{done} value {decision.value_id} (event {decision.event_id})", highlight=False
        )


@review_app.command("reject")
def reject_command(
    ctx: typer.Context,
    value_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Values to reject.")],
    reason: ReasonOption = None,
    actor: ActorOption = None,
) -> None:
    """Reject values; they stay stored with the reason and leave the queue."""
    _decide_each(app_context(ctx), value_ids, "reject", reason=reason, actor=_actor(actor))


@review_app.command("edit")
def edit_command(
    ctx: typer.Context,
    value_id: Annotated[int, typer.Argument(metavar="ID")],
    value: Annotated[
        str, typer.Option("--value", help="The correct value, e.g. 250, 50-200, DE, example.com.")
    ],
    reason: ReasonOption = None,
    actor: ActorOption = None,
) -> None:
    """Replace a proposed value with the right one (stored as a reviewer value that wins over others)."""
    app_ctx = app_context(ctx)
    with app_ctx.engine().begin() as conn:
        decision = edit(
            conn,
            value_id,
            value,
            actor=_actor(actor),
            now=utc_now(),
            reason=reason,
            scorer=load_account_scorer(app_ctx.settings),
        )
    app_ctx.console.print(
        f"edited value {value_id}: new value {decision.new_value_id} (event {decision.event_id})",
        highlight=False,
    )


@review_app.command("undo")
def undo_command(
    ctx: typer.Context,
    event_id: Annotated[int, typer.Argument(metavar="EVENT_ID")],
    actor: ActorOption = None,
) -> None:
    """Restore the state before a decision exactly; each decision can be undone once."""
    app_ctx = app_context(ctx)
    with app_ctx.engine().begin() as conn:
        decision = undo(
            conn, event_id, actor=_actor(actor), now=utc_now(), scorer=load_account_scorer(app_ctx.settings)
        )
    app_ctx.console.print(
        f"undid event {event_id}: value {decision.value_id} is {decision.status} again "
        f"(event {decision.event_id})",
        highlight=False,
    )


@review_app.command("history")
def history_command(
    ctx: typer.Context,
    value_id: Annotated[int | None, typer.Option("--value", help="Only this value's decisions.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Review decisions, newest first, with the event ids that `review undo` takes."""
    app_ctx = app_context(ctx)
    with app_ctx.engine().connect() as conn:
        events = history(conn, value_id=value_id, limit=limit)
    if as_json:
        typer.echo(json.dumps([_as_json(event) for event in events], indent=2))
        return
    table = Table(title="review decisions")
    for name in ("event", "when", "who", "action", "value", "status", "reason"):
        table.add_column(name)
    for event in events:
        action = event.action + (f" of {event.undoes_event_id}" if event.undoes_event_id else "")
        action += f" (undone by {event.undone_by})" if event.undone_by else ""
        status = f"{event.before.get('status', '')} → {event.after.get('status', '')}"
        table.add_row(
            str(event.id),
            format_time(event.created_at),
            _cell(event.actor),
            action,
            _cell(f"{event.field_value_id} {event.after.get('field', '')}"),
            status,
            _cell(event.reason, 60),
        )
    app_ctx.console.print(table)
