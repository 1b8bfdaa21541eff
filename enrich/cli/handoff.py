"""``leadscore handoff`` (capacity-aware hand-off to reps) and ``leadscore pick`` (a rep claims accounts).

Both read the stored scores of the configured ruleset (run ``leadscore score`` first) and claim accounts
through the ``handoff`` table, whose unique account id makes every claim atomic: an account is never
handed over twice, and of two reps picking the same account exactly one gets it.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, update

from enrich.cli.context import AppContext, app_context, clean_text
from enrich.cli.ruleset_file import JsonOption, RulesetOption, definition_problems, load_configured_ruleset
from enrich.clock import utc_now
from enrich.errors import ConfigError, ConflictError
from enrich.store.handoffs import (
    StoredScore,
    claim,
    find_account,
    open_handoffs_by_rep,
    read_scores,
    record_handoffs,
)
from enrich.store.runs import begin_run
from enrich.store.schema import run
from scoring.capacity import parse_capacity_csv, parse_capacity_toml
from scoring.errors import DefinitionError
from scoring.handoff import Assignment, Candidate, HandoffPlan, Rep, plan_handoffs, team_thresholds
from scoring.ruleset import Ruleset

DEFAULT_CAPACITY = Path("capacity.toml")


def register(app: typer.Typer) -> None:
    app.command("handoff")(handoff)
    app.command("pick")(pick)


def read_capacity(path: Path | None) -> list[Rep]:
    """Reps from a capacity TOML or CSV file (by extension); ``./capacity.toml`` when none is given."""
    chosen = path or DEFAULT_CAPACITY
    try:
        data = chosen.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the capacity file {chosen}: {exc.strerror}",
            hint="pass --capacity FILE: TOML as in examples/capacity.toml, or CSV team,rep,capacity,…",
        ) from exc
    parse = parse_capacity_csv if chosen.suffix.lower() == ".csv" else parse_capacity_toml
    try:
        return parse(data, str(chosen))
    except DefinitionError as err:
        raise definition_problems(err) from err


def _plan(engine: Engine, ruleset: Ruleset, reps: list[Rep]) -> tuple[HandoffPlan, dict[int, str]]:
    """The hand-off plan over the unclaimed scored accounts, and the names of the accounts considered."""
    with engine.connect() as conn:
        already = open_handoffs_by_rep(conn)
        # open_leads in the file are the CRM's; leadscore adds the hand-offs and picks it recorded itself
        reps = [replace(rep, open_leads=rep.open_leads + already.get(rep.name, 0)) for rep in reps]
        lowest = min(
            (team.threshold for team in team_thresholds(ruleset.handoff, reps).values()), default=None
        )
        rows = (
            []
            if lowest is None
            else read_scores(conn, ruleset.ref.name, min_priority=lowest, unclaimed_only=True)
        )
    candidates = [
        Candidate(row.account_id, row.priority or 0.0, row.tier, row.country, row.best_contact_id)
        for row in rows
    ]
    return plan_handoffs(ruleset.handoff, reps, candidates), {row.account_id: row.name for row in rows}


def _record(engine: Engine, ruleset: Ruleset, plan: HandoffPlan) -> list[Assignment]:
    now = utc_now()
    with engine.begin() as conn:
        detail = {"ruleset": str(ruleset.ref), "ruleset_hash": ruleset.ref.sha256}
        run_id = begin_run(conn, "handoff", now=now, detail=detail)
        recorded = record_handoffs(
            conn, plan.assignments, ruleset_hash=ruleset.ref.sha256, run_id=run_id, handed_at=now
        )
        counts = {"planned": len(plan.assignments), "recorded": len(recorded), "waiting": len(plan.waiting)}
        finished = {"status": "finished", "finished_at": utc_now(), "counts": counts}
        conn.execute(update(run).where(run.c.id == run_id).values(finished))
    return recorded


def _report(
    ruleset: Ruleset, plan: HandoffPlan, names: dict[int, str], recorded: int, dry_run: bool
) -> dict[str, Any]:
    thresholds = [
        {
            "team": team.team,
            "capacity": team.capacity,
            "open_leads": team.open_leads,
            "utilisation": None if math.isinf(team.utilisation) else round(team.utilisation, 3),
            "adjustment": team.adjustment,
            "threshold": team.threshold,
        }
        for team in plan.thresholds.values()
    ]
    assignments = [
        {
            "account_id": item.account_id,
            "account": names.get(item.account_id),
            "rep": item.rep,
            "team": item.team,
            "priority": round(item.priority, 2),
            "threshold": item.threshold,
            "contact_id": item.contact_id,
        }
        for item in plan.assignments
    ]
    return {
        "ruleset": str(ruleset.ref),
        "dry_run": dry_run,
        "thresholds": thresholds,
        "assignments": assignments,
        "waiting": [candidate.account_id for candidate in plan.waiting],
        "recorded": recorded,
    }


def _print_report(app_ctx: AppContext, ruleset: Ruleset, report: dict[str, Any]) -> None:
    console = app_ctx.console
    table = Table(title=f"hand-off thresholds · {ruleset.ref} (base {ruleset.handoff.base_threshold:g})")
    for column in ("team", "capacity", "open leads", "utilisation", "adjustment", "threshold"):
        table.add_column(column, justify="left" if column == "team" else "right")
    for team in report["thresholds"]:
        busy = "∞" if team["utilisation"] is None else f"{team['utilisation']:.0%}"
        adjustment, threshold = f"{team['adjustment']:+g}", f"{team['threshold']:g}"
        table.add_row(
            Text(clean_text(team["team"])),
            str(team["capacity"]),
            str(team["open_leads"]),
            busy,
            adjustment,
            threshold,
        )
    console.print(table)
    if report["assignments"]:
        assigned = Table(title="hand-offs" + (" (dry run: not recorded)" if report["dry_run"] else ""))
        for column in ("account", "priority", "rep", "team", "call contact"):
            assigned.add_column(column, overflow="fold")
        for item in report["assignments"]:
            assigned.add_row(
                Text(clean_text(item["account"] or item["account_id"])),
                f"{item['priority']:.1f}",
                Text(clean_text(item["rep"])),
                Text(clean_text(item["team"])),
                str(item["contact_id"] or "-"),
            )
        console.print(assigned)
    console.print(
        f"{len(report['assignments'])} planned, {report['recorded']} recorded, "
        f"{len(report['waiting'])} over a threshold waiting for a rep with room",
        highlight=False,
    )


def handoff(
    ctx: typer.Context,
    capacity: Annotated[
        Path | None,
        typer.Option("--capacity", help="Teams and reps: TOML or CSV (default: ./capacity.toml)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, record nothing.")] = False,
    ruleset_file: RulesetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hand accounts over their team's capacity-adjusted threshold to reps with free capacity."""
    app_ctx = app_context(ctx)
    ruleset = load_configured_ruleset(app_ctx.settings, ruleset_file)
    reps = read_capacity(capacity)
    engine = app_ctx.engine()
    plan, names = _plan(engine, ruleset, reps)
    recorded = [] if dry_run or not plan.assignments else _record(engine, ruleset, plan)
    report = _report(ruleset, plan, names, len(recorded), dry_run)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        _print_report(app_ctx, ruleset, report)


def _pick_candidates(
    app_ctx: AppContext, ruleset: Ruleset, account_ref: str | None, **filters: Any
) -> list[StoredScore]:
    with app_ctx.engine().connect() as conn:
        if account_ref is None:
            return read_scores(conn, ruleset.ref.name, unclaimed_only=True, **filters)
        wanted = find_account(conn, account_ref)
        candidates = read_scores(conn, ruleset.ref.name, account_id=wanted)
    if not candidates:
        raise ConfigError(
            f"account {wanted} has no score for {ruleset.ref.name}", hint="run `leadscore score` first"
        )
    return candidates


def pick(
    ctx: typer.Context,
    rep: Annotated[str, typer.Option("--rep", help="Who picks (recorded with the claim).")],
    band: Annotated[str | None, typer.Option("--band", help="Only this band.")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Only this tier.")] = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Only accounts with this priority or more.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many accounts to pick.")] = 1,
    account_ref: Annotated[
        str | None,
        typer.Option("--account", help="Pick this account (id, domain or name) instead of the best."),
    ] = None,
    ruleset_file: RulesetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Claim the highest-priority unclaimed accounts for a rep; losing every claim to another rep exits 2."""
    app_ctx = app_context(ctx)
    ruleset = load_configured_ruleset(app_ctx.settings, ruleset_file)
    who = clean_text(rep).strip()
    filters = {"band": band, "tier": tier, "min_priority": min_score, "limit": limit}
    candidates = _pick_candidates(app_ctx, ruleset, account_ref, **filters)
    picked: list[StoredScore] = []
    lost: list[str] = []
    for candidate in candidates:
        try:
            with app_ctx.engine().begin() as conn:
                claim(conn, candidate, rep=who, claimed_at=utc_now())
        except ConflictError as err:
            if account_ref is not None:
                raise
            lost.append(str(err))
        else:
            picked.append(candidate)
    if candidates and not picked:
        raise ConflictError(
            "every candidate was claimed by someone else first:\n  " + "\n  ".join(lost),
            hint="run pick again for the next ones",
        )
    if as_json:
        typer.echo(
            json.dumps({"rep": who, "picked": [item.to_dict() for item in picked], "lost": lost}, indent=2)
        )
        return
    if not picked:
        app_ctx.console.print("nothing to pick: no unclaimed scored account matches", highlight=False)
    for item in picked:
        contact = f", call {item.best_contact}" if item.best_contact else ""
        line = (
            f"picked {item.name} ({item.domain or 'no domain'}) for {who}: "
            f"priority {item.priority or 0:.1f}, band {item.band}, tier {item.tier or '?'}{contact}"
        )
        app_ctx.console.print(Text(clean_text(line)))
    for message in lost:
        app_ctx.err_console.print(Text(clean_text(f"lost to another rep: {message}")))
