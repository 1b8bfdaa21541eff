"""``leadscore merges``: the duplicate accounts the cleanup proposes to merge, decided from the terminal.

``merges list`` shows the pending proposals with their evidence, ``merges show ID`` both accounts side
by side, ``merges approve ID…`` merges (contacts, activities and field histories move to the kept
account, all in one transaction) and ``merges reject ID…`` records that they are different companies,
so the pair is never proposed again. Decisions are audit events (``review history`` lists them).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from enrich.cleanup.merge import apply_merge, reject_merge
from enrich.cli.context import app_context, clean_text
from enrich.cli.review import ActorOption, ReasonOption, _actor, load_account_scorer
from enrich.clock import utc_now
from enrich.errors import InputError
from enrich.store.merges import MergeItem, compare_accounts, get_merge, list_merges

merges_app = typer.Typer(
    name="merges",
    help="Duplicate accounts proposed for merging: list, show, approve, reject.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(merges_app, name="merges")


def _as_json(item: MergeItem) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in asdict(item).items()
    }


def _cell(text: object, limit: int = 70) -> Text:
    cleaned = clean_text("" if text is None else text)
    return Text(cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…")


@merges_app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        str, typer.Option("--status", help="pending_review, merged, rejected, superseded or all.")
    ] = "pending_review",
    limit: Annotated[int, typer.Option("--limit", min=1)] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Merge proposals, most similar first, with the evidence for each."""
    allowed = ("pending_review", "merged", "rejected", "superseded", "all")
    if status not in allowed:
        raise InputError(f"--status: unknown status {status!r}", hint=f"use one of {', '.join(allowed)}")
    app_ctx = app_context(ctx)
    with app_ctx.engine().connect() as conn:
        items = list_merges(conn, status=None if status == "all" else status, limit=limit)
    if as_json:
        typer.echo(json.dumps([_as_json(item) for item in items], indent=2))
        return
    table = Table(title=f"{len(items)} merge proposals ({status})")
    for name in ("id", "keep", "merge into it", "similarity", "evidence", "status"):
        table.add_column(name, justify="right" if name in {"id", "similarity"} else "left")
    for item in items:
        evidence = ", ".join(
            f"{key} {value}" for key, value in item.evidence.items() if key not in {"names", "automatic"}
        )
        table.add_row(
            str(item.id),
            _cell(f"#{item.keep_account_id} {item.keep_label}"),
            _cell(f"#{item.merge_account_id} {item.merge_label}"),
            f"{item.similarity:.2f}",
            _cell(evidence, 80),
            item.status,
        )
    app_ctx.console.print(table)


@merges_app.command("show")
def show_command(
    ctx: typer.Context,
    proposal_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One proposal: its evidence and the two accounts' fields side by side."""
    app_ctx = app_context(ctx)
    with app_ctx.engine().connect() as conn:
        item = get_merge(conn, proposal_id)
        if item is None:
            raise InputError(f"no merge proposal with id {proposal_id}", hint="see `leadscore merges list`")
        fields, contacts = compare_accounts(conn, item.keep_account_id, item.merge_account_id)
    if as_json:
        shown = _as_json(item) | {"fields": [asdict(pair) for pair in fields], "contacts": contacts}
        typer.echo(json.dumps(shown, indent=2, default=str))
        return
    table = Table(title=f"merge proposal {item.id} ({item.status}, similarity {item.similarity:.2f})")
    table.add_column("field")
    table.add_column(f"keep #{item.keep_account_id}")
    table.add_column(f"merge #{item.merge_account_id}")
    for pair in fields:
        style = "bold yellow" if pair.differs else ""
        table.add_row(pair.field, _cell(pair.keep), _cell(pair.merge), style=style)
    table.add_row("contacts", str(contacts[item.keep_account_id]), str(contacts[item.merge_account_id]))
    app_ctx.console.print(table)
    for key, value in item.evidence.items():
        if key != "names":
            app_ctx.console.print(f"{key}: {clean_text(value)}", highlight=False)


@merges_app.command("approve")
def approve_command(
    ctx: typer.Context,
    proposal_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Proposals to merge.")],
    reason: ReasonOption = None,
    actor: ActorOption = None,
) -> None:
    """Merge: the second account's contacts, activities and field histories move to the kept one."""
    app_ctx = app_context(ctx)
    scorer = load_account_scorer(app_ctx.settings)
    with app_ctx.engine().begin() as conn:
        now = utc_now()
        outcomes = [
            apply_merge(conn, proposal_id, actor=_actor(actor), now=now, reason=reason, scorer=scorer)
            for proposal_id in proposal_ids
        ]
    for outcome in outcomes:
        moved = ", ".join(
            f"{count} {what.replace('_', ' ')}" for what, count in outcome.moved.items() if count
        )
        verb = "merged" if outcome.status == "merged" else outcome.status
        app_ctx.console.print(
            f"{verb} proposal {outcome.proposal_id}: account {outcome.merge_id} into {outcome.keep_id}"
            + (f" ({moved})" if moved else "")
            + f" (event {outcome.event_id})",
            highlight=False,
        )


@merges_app.command("reject")
def reject_command(
    ctx: typer.Context,
    proposal_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Proposals to reject.")],
    reason: ReasonOption = None,
    actor: ActorOption = None,
) -> None:
    """Different companies: the pair stays apart and is never proposed again."""
    app_ctx = app_context(ctx)
    with app_ctx.engine().begin() as conn:
        now = utc_now()
        outcomes = [
            reject_merge(conn, proposal_id, actor=_actor(actor), now=now, reason=reason)
            for proposal_id in proposal_ids
        ]
    for outcome in outcomes:
        app_ctx.console.print(
            f"rejected proposal {outcome.proposal_id} (event {outcome.event_id})", highlight=False
        )
