"""``leadscore score``, ``explain`` and ``top``; ``handoff`` and ``pick`` live in :mod:`enrich.cli.handoff`.

The ruleset comes from ``--ruleset``, else ``LEADSCORE_RULESET``, else the bundled saas-icp example
(:mod:`enrich.cli.ruleset_file`); one with problems exits 2 listing each as ``file:line: key: reason``.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from enrich.cli import handoff as handoff_commands
from enrich.cli.context import AppContext, app_context, clean_text
from enrich.cli.ruleset_file import (
    AsOfOption,
    JsonOption,
    RulesetOption,
    load_configured_ruleset,
    parse_as_of,
)
from enrich.store.handoffs import find_account, read_scores, stale_score_count
from enrich.store.scores import load_account_inputs, score_store
from scoring.engine import score_account
from scoring.fields import Record
from scoring.ruleset import Ruleset
from scoring.score import Explanation, Score

EVENTS_SHOWN = 15


def register(app: typer.Typer) -> None:
    app.command("score")(score)
    app.command("explain")(explain)
    app.command("top")(top)
    handoff_commands.register(app)


def _counts(counts: dict[str, int]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return " · ".join(f"{name} {count:,}" for name, count in ordered) or "-"


def score(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    ruleset_file: RulesetOption = None,
    changed_only: Annotated[
        bool,
        typer.Option("--changed-only", help="Only accounts whose data or ruleset changed since their score."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Score every account (fit, tier, engagement, priority) and store the scores with their explanation."""
    app_ctx = app_context(ctx)
    ruleset = load_configured_ruleset(app_ctx.settings, ruleset_file)
    moment = parse_as_of(as_of)
    started = time.perf_counter()
    summary = score_store(app_ctx.engine(), ruleset, as_of=moment, changed_only=changed_only)
    elapsed = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps(summary.to_dict() | {"seconds": round(elapsed, 3)}, indent=2))
        return
    console = app_ctx.console
    what = "changed accounts" if changed_only else "accounts"
    console.print(
        f"scored {summary.scored:,} {what} with {ruleset.ref} (sha256 {ruleset.ref.sha256[:12]}) "
        f"as of {moment.isoformat()} in {elapsed:.1f}s",
        highlight=False,
    )
    for label, counts in (("bands", summary.bands), ("tiers", summary.tiers), ("phases", summary.phases)):
        console.print(f"{label + ':':7} {_counts(counts)}", highlight=False)
    if summary.unmapped_assets:
        shown = sorted(summary.unmapped_assets.items(), key=lambda item: (-item[1], item[0]))[:10]
        listing = ", ".join(f"{asset} ×{count}" for asset, count in shown)
        console.print(Text(clean_text(f"unmapped assets (map them in [engagement.assets]): {listing}")))


def _range_text(value: float | None, low: float | None, high: float | None) -> str:
    """``80`` when exact, ``65–100`` when a range, ``-`` when unknown."""
    if low is None or high is None:
        return "-" if value is None else f"{value:.0f}"
    return f"{low:.0f}" if low == high else f"{low:.0f}–{high:.0f}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _warn_if_stale(app_ctx: AppContext, ruleset: Ruleset) -> None:
    with app_ctx.engine().connect() as conn:
        stale = stale_score_count(conn, ruleset.ref.name, ruleset.ref.sha256)
    if stale:
        app_ctx.err_console.print(
            f"warning: {stale:,} stored scores were computed with another version of {ruleset.ref.name}; "
            "run `leadscore score` to refresh them",
            highlight=False,
        )


def top(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many accounts.")] = 20,
    band: Annotated[str | None, typer.Option("--band", help="Only this band, e.g. green.")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Only this tier, e.g. enterprise.")] = None,
    ruleset_file: RulesetOption = None,
    as_json: JsonOption = False,
) -> None:
    """The highest-priority accounts from the stored scores, with the contact to call."""
    app_ctx = app_context(ctx)
    ruleset = load_configured_ruleset(app_ctx.settings, ruleset_file)
    _warn_if_stale(app_ctx, ruleset)
    with app_ctx.engine().connect() as conn:
        rows = read_scores(conn, ruleset.ref.name, band=band, tier=tier, limit=limit)
    if as_json:
        typer.echo(json.dumps([row.to_dict() for row in rows], indent=2))
        return
    if not rows:
        app_ctx.console.print(
            f"no stored scores match for {ruleset.ref.name}; run `leadscore score` first", highlight=False
        )
        return
    table = Table(title=f"top accounts · {ruleset.ref}")
    for name in (
        "account",
        "domain",
        "band",
        "fit",
        "tier",
        "engagement",
        "phase",
        "priority",
        "best contact",
        "held by",
    ):
        table.add_column(
            name, justify="right" if name in {"fit", "engagement", "priority"} else "left", overflow="fold"
        )
    for row in rows:
        table.add_row(
            Text(clean_text(row.name)),
            Text(clean_text(row.domain or "-")),
            row.band or "-",
            _range_text(row.fit, row.fit_min, row.fit_max),
            row.tier or "?",
            _number(row.engagement),
            row.phase or "-",
            _number(row.priority),
            Text(clean_text(row.best_contact or "-")),
        )
    app_ctx.console.print(table)


def explain(
    ctx: typer.Context,
    account_ref: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account id, domain or name.")],
    as_of: AsOfOption = None,
    ruleset_file: RulesetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Why an account scores as it does: every rule, the tier decision, engagement events, missing fields."""
    app_ctx = app_context(ctx)
    ruleset = load_configured_ruleset(app_ctx.settings, ruleset_file)
    moment = parse_as_of(as_of)
    with app_ctx.engine().connect() as conn:
        account_id = find_account(conn, account_ref)
        [item] = load_account_inputs(conn, ruleset, [account_id])
    result = score_account(
        ruleset,
        item.record,
        as_of=moment,
        contacts=item.contacts,
        activities=item.activities,
        account_id=account_id,
    )
    if as_json:
        typer.echo(json.dumps({"account": item.record} | result.to_dict(), indent=2, default=str))
        return
    _print_explanation(app_ctx, item.record, result)


def _print_explanation(app_ctx: AppContext, record: Record, result: Score) -> None:
    console, why = app_ctx.console, result.explanation

    def say(text: str) -> None:
        console.print(Text(clean_text(text)))

    say(f"{record.get('name')} ({record.get('domain') or 'no domain'}) · account {result.account_id}")
    say(f"ruleset {result.ruleset} (sha256 {result.ruleset.sha256[:12]}), as of {result.as_of.isoformat()}")
    say(f"fit {_range_text(result.fit, result.fit_min, result.fit_max)} → band {result.band}")
    rules = Table(title="fit rules", show_edge=False)
    for column in ("rule", "label", "when", "points", "outcome"):
        rules.add_column(column, overflow="fold")
    for line in why.fit_rules:
        rules.add_row(line.path, Text(line.label), Text(line.condition), f"{line.points:+g}", line.outcome)
    console.print(rules)
    for field in why.missing:
        affects = f" → could change {', '.join(field.affects)}" if field.affects else ""
        say(f"missing: {field.field} could swing fit by {field.down:+g}/{field.up:+g}{affects}")
    tier = why.tier
    if len(tier.candidates) == 1:
        matched = f": matched `{tier.matched_condition}`" if tier.matched_condition else ": no tier matched"
        say(f"tier {tier.tier or 'none'} (weight {tier.weight:g}){matched}")
    else:
        options = ", ".join(name or "none" for name in tier.candidates)
        say(
            f"tier uncertain: one of {options}; unknown: {', '.join(tier.unknown)}; "
            f"weight {tier.weight:g} used"
        )
    say(
        f"engagement {result.engagement:.1f} (contacts {why.engagement_from_contacts:.1f}, account "
        f"{why.engagement_from_account:+.1f}), furthest phase {result.phase or 'none'}"
    )
    _print_events(app_ctx, why)
    if why.unmapped_assets:
        say(
            "unmapped assets: "
            + ", ".join(f"{asset} ×{count}" for asset, count in sorted(why.unmapped_assets.items()))
        )
    _print_contacts(app_ctx, why)
    if why.contacts:
        say(
            f"call first: contact {result.best_contact_id}; "
            f"most engaged: {why.most_engaged_contact_id or '-'}"
        )
    say(f"priority {why.priority_formula} (best case {result.priority_max:.2f})")


def _print_events(app_ctx: AppContext, why: Explanation) -> None:
    if not why.events:
        return
    shown = why.events[:EVENTS_SHOWN]
    table = Table(
        title=f"engagement events: {len(shown)} of {len(why.events)}, most points first", show_edge=False
    )
    for column in ("when", "contact", "kind", "asset", "phase", "points", "decayed"):
        table.add_column(column, overflow="fold")
    for event in shown:
        table.add_row(
            f"{event.occurred_at:%Y-%m-%d}",
            str(event.contact_id or "account"),
            Text(clean_text(event.kind)),
            Text(clean_text(event.asset)),
            event.phase or "-",
            f"{event.points:+g}",
            f"{event.decayed_points:+.2f}",
        )
    app_ctx.console.print(table)


def _print_contacts(app_ctx: AppContext, why: Explanation) -> None:
    if not why.contacts:
        return
    table = Table(title="contacts, in call order", show_edge=False)
    for column in ("id", "contact", "persona", "engagement", "phase", "persona rules fired"):
        table.add_column(column, overflow="fold")
    for line in why.contacts:
        fired = ", ".join(
            f"{rule.label} {rule.points:+g}" for rule in line.persona_rules if rule.outcome == "fired"
        )
        table.add_row(
            str(line.contact_id),
            Text(clean_text(line.label)),
            _range_text(line.persona, line.persona_min, line.persona_max),
            f"{line.engagement:.1f}",
            line.phase or "-",
            Text(clean_text(fired or "-")),
        )
    app_ctx.console.print(table)
