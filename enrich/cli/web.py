"""``leadscore serve`` (the review web UI) and ``leadscore reviewer`` (who may log in to it).

The web modules are imported inside the commands: they need the ``web`` extra, the rest of the CLI does not.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import sys
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from enrich.cli.context import app_context, clean_text
from enrich.cli.review import load_account_scorer
from enrich.clock import utc_now
from enrich.errors import ConfigError, InputError
from enrich.review.queue import format_time

reviewer_app = typer.Typer(name="reviewer", help="Reviewer accounts for the web UI.", no_args_is_help=True)
MIN_SECRET_KEY_LENGTH = 32


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(reviewer_app, name="reviewer")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; keep the loopback default unless behind HTTPS.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
) -> None:
    """Run the review web UI. Cookies are Secure unless bound to loopback (plain http works only there)."""
    import uvicorn

    from enrich.web.app import WebConfig, create_app
    from enrich.web.auth import list_reviewers

    app_ctx = app_context(ctx)
    engine = app_ctx.engine()
    with engine.connect() as conn:
        if not any(not account.disabled for account in list_reviewers(conn)):
            raise ConfigError("no reviewer can log in yet", hint="add one with `leadscore reviewer add NAME`")
    configured = app_ctx.settings.web_secret_key
    secret = configured.get_secret_value() if configured is not None else ""
    if secret and len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"LEADSCORE_WEB_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters",
            hint="use e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
        )
    if not secret:
        secret = secrets.token_urlsafe(48)
        app_ctx.err_console.print(
            "note: LEADSCORE_WEB_SECRET_KEY is not set; sessions end when the server stops"
        )
    loopback = is_loopback(host)
    if not loopback:
        app_ctx.err_console.print(
            f"note: bound to {clean_text(host)}: session cookies are Secure, "
            "so serve this behind an HTTPS reverse proxy"
        )
    config = WebConfig(
        engine=engine,
        secret_key=secret.encode(),
        secure_cookies=not loopback,
        scorer=load_account_scorer(app_ctx.settings),
    )
    app_ctx.console.print(f"review UI on http://{clean_text(host)}:{port}/ (Ctrl-C to stop)", highlight=False)
    uvicorn.run(
        create_app(config), host=host, port=port, proxy_headers=False, server_header=False, log_level="info"
    )


@reviewer_app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(metavar="NAME")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
) -> None:
    """Create a reviewer; the password is asked twice (or read from stdin) and stored as an argon2 hash."""
    from enrich.web.auth import MIN_PASSWORD_LENGTH, add_reviewer

    app_ctx = app_context(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt(
            f"Password for {username} (at least {MIN_PASSWORD_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
    else:
        raise InputError(
            "there is no terminal to ask for the password", hint="pipe it in with --password-stdin"
        )
    with app_ctx.engine().begin() as conn:
        add_reviewer(conn, username, password, now=utc_now())
    app_ctx.console.print(f"reviewer {clean_text(username)} added", highlight=False)


@reviewer_app.command("list")
def list_command(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False
) -> None:
    """Reviewers and whether they may log in."""
    from enrich.web.auth import list_reviewers

    app_ctx = app_context(ctx)
    with app_ctx.engine().connect() as conn:
        accounts = list_reviewers(conn)
    if as_json:
        rows = [
            {"username": a.username, "disabled": a.disabled, "created_at": a.created_at.isoformat()}
            for a in accounts
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="reviewers")
    for name in ("username", "status", "added"):
        table.add_column(name)
    for account in accounts:
        status = "disabled" if account.disabled else "active"
        table.add_row(Text(clean_text(account.username)), status, format_time(account.created_at))
    app_ctx.console.print(table)


@reviewer_app.command("disable")
def disable(ctx: typer.Context, username: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Stop a reviewer from logging in; their open sessions stop working at once."""
    _set_disabled(ctx, username, disabled=True)


@reviewer_app.command("enable")
def enable(ctx: typer.Context, username: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Let a disabled reviewer log in again."""
    _set_disabled(ctx, username, disabled=False)


def _set_disabled(ctx: typer.Context, username: str, *, disabled: bool) -> None:
    from enrich.web.auth import set_reviewer_disabled

    app_ctx = app_context(ctx)
    with app_ctx.engine().begin() as conn:
        set_reviewer_disabled(conn, username, disabled=disabled)
    state = "disabled" if disabled else "enabled"
    app_ctx.console.print(f"reviewer {clean_text(username)} {state}", highlight=False)
