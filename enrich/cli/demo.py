"""``leadscore demo``: the whole pipeline on the bundled sample data, in a fresh SQLite file.

Each step is a real ``leadscore`` command, printed before it runs, so the demo doubles as a tour:
import a Salesforce export → status → enrich on the demo company websites (served on a loopback port
by the demo itself, reached through the connect-to map) → score → top → hand-off plan → journey
check. With an LLM configured (OPENAI_API_KEY or OPENAI_BASE_URL) enrichment also runs smart fields;
without, it lists what would go to one. It ends with how to open the review UI on the demo database.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.rule import Rule

from enrich.cli.context import AppContext, app_context
from enrich.cli.enrich import llm_configured
from enrich.config import default_examples_dir
from enrich.errors import ExitCode, LeadscoreError
from enrich.sitehost import serve_sites

OK_CODES = {int(ExitCode.OK), int(ExitCode.NEEDS_REVIEW)}


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Settings for the demo's own commands (the connect-to map to its site server), restored after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _step(app_ctx: AppContext, title: str, args: list[str], db_url: str) -> int:
    from enrich.cli.main import main  # the CLI entry point itself: the demo runs real commands

    app_ctx.console.print(Rule(f"[bold]{title}"))
    shown = " ".join(shlex.quote(arg) for arg in args)
    app_ctx.console.print(f"[dim]$ leadscore --db {db_url} {shown}[/]")
    code = main(["--db", db_url, *args])
    if code not in OK_CODES:
        raise LeadscoreError(f"demo step failed with exit code {code}: leadscore {shown}")
    return code


def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo database is created (replaced if present).")
    ] = Path("leadscore-demo"),
) -> None:
    """Run the whole pipeline on bundled sample data (200 accounts, 600 contacts, 5k activities)."""
    app_ctx = app_context(ctx)
    examples = default_examples_dir()
    crm, sites = examples / "crm", examples / "sites"
    directory.mkdir(parents=True, exist_ok=True)
    database = (directory / "leadscore.db").resolve()
    for stale in (database, database.with_name("leadscore.db-wal"), database.with_name("leadscore.db-shm")):
        stale.unlink(missing_ok=True)
    db_url = f"sqlite:///{database}"
    ruleset = examples / "rulesets" / "saas-icp.toml"
    app_ctx.console.print(
        f"leadscore demo: a fresh database at {database}\n"
        f"sample data: {crm} (synthetic, seeded; ~30% of employee counts and ~20% of industries missing)"
    )
    accounts_csv, contacts_csv = str(crm / "accounts_salesforce.csv"), str(crm / "contacts_salesforce.csv")
    _step(app_ctx, "1. import a Salesforce export", [
        "import", "accounts", accounts_csv, "--preset", "salesforce"], db_url)  # fmt: skip
    _step(app_ctx, "   … its contacts", [
        "import", "contacts", contacts_csv, "--preset", "salesforce"], db_url)  # fmt: skip
    _step(app_ctx, "   … and web/e-mail activities", [
        "import", "activities", str(crm / "activities.csv"), "--preset", "generic"], db_url)  # fmt: skip
    _step(app_ctx, "2. what is missing", ["status"], db_url)
    with serve_sites(sites) as host:
        routing = {
            "LEADSCORE_FETCH_CONNECT_TO": f"*:127.0.0.1:{host.port}",
            "LEADSCORE_FETCH_ALLOW_ADDRESSES": "127.0.0.1",
            "LEADSCORE_FETCH_HOST_DELAY_S": "0.2",
        }
        app_ctx.console.print(
            Rule("[bold]3. enrich on company websites"),
            f"The demo serves {sum(1 for p in sites.iterdir() if p.is_dir())} company websites from "
            f"{sites} on 127.0.0.1:{host.port}; every other company's site is unknown there (refused "
            "with http_status 404), as an unreachable site would be. Routing: "
            + ", ".join(f"{name}={value}" for name, value in routing.items()),
        )
        if not llm_configured(app_ctx.settings):
            app_ctx.console.print(
                "No LLM configured: deterministic extractors (JSON-LD, imprint, page text) fill what they "
                "can; fields they cannot settle are listed for an LLM or a reviewer."
            )
        with _environment(routing):
            _step(
                app_ctx, "   research", ["enrich", "--ruleset", str(ruleset), "--recheck-after", "0"], db_url
            )
    _step(app_ctx, "4. score every account", ["score", "--ruleset", str(ruleset)], db_url)
    _step(
        app_ctx, "5. the accounts to call first", ["top", "--limit", "10", "--ruleset", str(ruleset)], db_url
    )
    capacity = str(examples / "capacity.toml")
    _step(app_ctx, "6. hand-off plan under the reps' capacity", [
        "handoff", "--dry-run", "--capacity", capacity, "--ruleset", str(ruleset)], db_url)  # fmt: skip
    _step(app_ctx, "7. does every CTA map to a journey phase?", [
        "journey", "check", "--ruleset", str(ruleset)], db_url)  # fmt: skip
    _step(app_ctx, "8. values waiting for a reviewer", ["review", "list", "--limit", "10"], db_url)
    app_ctx.console.print(Rule("[bold]next"))
    app_ctx.console.print(
        "Review the pending values in the browser:\n"
        f"  leadscore --db {db_url} reviewer add YOUR_NAME\n"
        f"  leadscore --db {db_url} serve      # then open http://127.0.0.1:8000\n"
        f"Explain one account:  leadscore --db {db_url} explain ACCOUNT_NAME_OR_DOMAIN --ruleset {ruleset}\n"
        f"Export for Salesforce: leadscore --db {db_url} export accounts --preset salesforce -o accounts.csv"
    )
