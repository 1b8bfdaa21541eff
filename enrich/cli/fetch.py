"""``leadscore fetch URL``: one URL through the enrichment fetcher, and what it decided.

Allowed: status, bytes, final URL, content type and sha256 (a table, or one JSON object with
``--json``). Refused: the reason (scheme, address_class, robots, size, time, …) on stderr, and with
``--json`` also as JSON on stdout; exit code 2. ``--no-cache`` neither reads nor writes the cache.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from enrich.cli.context import AppContext, app_context, clean_text
from enrich.errors import FetchRefused
from enrich.fetch import Fetcher, FetchResult, PageCache
from enrich.store.pages import PageStore


def register(app: typer.Typer) -> None:
    app.command("fetch")(fetch)


async def _fetch_one(app_ctx: AppContext, url: str, cache: PageCache | None) -> FetchResult:
    async with Fetcher(app_ctx.settings, cache=cache) as fetcher:
        return await fetcher.fetch(url)


def fetch(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The http(s) URL to fetch.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the page cache.")
    ] = False,
) -> None:
    """Fetch one URL exactly as enrichment would (SSRF guard, robots.txt, caps) and show the decision."""
    app_ctx = app_context(ctx)
    cache = None if no_cache else PageStore(app_ctx.engine())
    try:
        result = asyncio.run(_fetch_one(app_ctx, url, cache))
    except FetchRefused as refused:
        if as_json:
            decision = {"decision": "refused", "url": url, "reason": refused.reason, "message": str(refused)}
            typer.echo(json.dumps(decision, ensure_ascii=False))
        raise
    if as_json:
        typer.echo(json.dumps({"decision": "allowed", **result.summary()}, ensure_ascii=False))
        return
    rows = [
        ("decision", "allowed" + (" (from cache)" if result.from_cache else "")),
        ("status", str(result.status_code)),
        ("bytes", str(result.bytes_read)),
        ("final URL", result.final_url),
        ("content type", result.content_type),
        ("sha256", result.sha256),
        ("elapsed", f"{result.elapsed_s:.2f} s"),
    ]
    rows += [("redirected from", hop) for hop in result.redirects]
    for what, value in rows:
        # soft_wrap: long URLs and the sha256 stay on one line, so the output can be grepped
        app_ctx.console.print(f"{what:<16}{clean_text(value)}", markup=False, highlight=False, soft_wrap=True)
