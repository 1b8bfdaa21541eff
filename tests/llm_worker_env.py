"""The whole enrichment path with a model on loopback, for the ``test_llm_worker_*`` integration tests.

``leadscore enrich`` runs in-process through the real entry point, against:

- company websites on a ``SiteServer`` (``tests/fetch_servers.py``) on 127.0.0.1, reached through the
  fetcher's connect-to map and loopback allow-list (``LEADSCORE_FETCH_CONNECT_TO`` /
  ``LEADSCORE_FETCH_ALLOW_ADDRESSES``, docs/fetching.md), so URLs, robots.txt, the page cache and
  provenance keep the real host names;
- ``FakeOpenAI`` (``tests/fake_openai.py``) as ``OPENAI_BASE_URL``, reached by the real ``openai`` SDK;
  ``ScriptedModel`` answers each (company, field) with its labelled truth unless a test scripted
  another reply, and reports a fixed usage so token and cost sums are exact;
- a fresh SQLite store with one account per site.

Settings travel the way a user sets them: environment variables, read once by the CLI.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, insert, select

from enrich.store.schema import account, blob, field_value, job, page, run
from tests.conftest import CliResult
from tests.fake_openai import (
    FIXTURES,
    TEST_API_KEY,
    FakeOpenAI,
    FakeReply,
    RecordedRequest,
    answer,
    fixture_labels,
    unknown_answer,
)
from tests.fetch_servers import SiteServer, html, running_sites

ACCOUNT_FIELDS = ("employee_count", "industry", "annual_revenue", "country", "city", "founded_year")
# account field → the built-in smart field that researches it (enrich.research.SMART_FIELD_FOR)
SMART_FIELD = {
    "employee_count": "employee_count",
    "industry": "industry",
    "annual_revenue": "annual_revenue",
    "country": "hq_country",
    "city": "hq_city",
    "founded_year": "founded_year",
}
USAGE = (300, 40)  # (prompt, completion) tokens the fake reports for every answer
GPT_4O_MINI = (0.15, 0.60)  # the default price of the default model, USD per 1M tokens in/out
CALL_COST = (USAGE[0] * GPT_4O_MINI[0] + USAGE[1] * GPT_4O_MINI[1]) / 1_000_000


@dataclass(frozen=True)
class Site:
    """One company website: its pages by path, and the labelled truth per smart field."""

    name: str
    domain: str
    pages: dict[str, str]
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)

    def without(self, *paths: str) -> Site:
        return replace(self, pages={path: text for path, text in self.pages.items() if path not in paths})


def fixture_site(key: str) -> Site:
    """A labelled company of ``tests/fixtures/llm``, its pages served at the paths of their URLs."""
    entry = fixture_labels()["companies"][key]
    pages = {
        urlsplit(url).path: (FIXTURES / key / file).read_text(encoding="utf-8")
        for file, url in entry["pages"].items()
    }
    return Site(entry["name"], entry["domain"], pages, entry["fields"])


def brightlane() -> Site:
    """English; no imprint, so every one of the six account fields goes to the model."""
    return fixture_site("brightlane")


def mueller_pumpen() -> Site:
    """German; without the imprint page, so every one of the six account fields goes to the model."""
    return fixture_site("mueller_pumpen").without("/impressum")


def small_site(name: str, domain: str, about_body: str) -> Site:
    """A two-page site: a homepage linking to /about, whose <main> is ``about_body``."""
    home = f'<html><body><h1>{name}</h1><p><a href="/about">About us</a></p></body></html>'
    about = f"<html><head><title>About</title></head><body><main>{about_body}</main></body></html>"
    return Site(name, domain, {"/": home, "/about": about})


Reply = FakeReply | Callable[[RecordedRequest], FakeReply]


class ScriptedModel:
    """The model behind the fake server: scripted replies first, else the labelled truth, else unknown."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self.scripts: dict[tuple[str, str], list[Reply]] = {}
        self.default: Callable[[RecordedRequest], FakeReply] | None = None
        self.model_confidence = 0.99  # what the model claims; it must never become the confidence
        self.usage = USAGE  # what the server reports for every answer
        self.delay_s = 0.0  # how long every answer takes

    def script(self, domain: str, smart_field: str, *replies: Reply) -> None:
        """Answer (company, field) with ``replies`` in turn; the last one repeats."""
        self.scripts[(domain, smart_field)] = list(replies)

    def site_of(self, request: RecordedRequest) -> Site | None:
        # the user message names the company as "Company: NAME (DOMAIN)"
        return next((site for site in self.sites if f"({site.domain})" in request.user), None)

    def __call__(self, request: RecordedRequest) -> FakeReply:
        site = self.site_of(request)
        key = (site.domain if site else "", request.field_name)
        replies = self.scripts.get(key)
        if replies:
            scripted = replies.pop(0) if len(replies) > 1 else replies[0]
            reply = scripted(request) if callable(scripted) else scripted
        elif self.default is not None:
            reply = self.default(request)
        elif site is not None and request.field_name in site.labels:
            label = site.labels[request.field_name]
            reply = answer(label["value"], label["evidence"], confidence=self.model_confidence)
        else:
            reply = unknown_answer()
        reply = replace(reply, headers=dict(reply.headers))  # scripts reuse their replies: never change one
        if reply.status == 200 and reply.usage is None:
            reply.usage = self.usage
        if self.delay_s and not reply.delay_s:
            reply.delay_s = self.delay_s
        return reply


@dataclass
class Harness:
    """A store, the sites, the model and the CLI, wired together through the environment."""

    store: Engine
    db_url: str
    db_path: Path
    sites: SiteServer
    server: FakeOpenAI
    model: ScriptedModel
    monkeypatch: pytest.MonkeyPatch
    run_cli: Callable[..., CliResult]
    outputs: list[str] = field(default_factory=list)

    def add(self, site: Site, *, serve: bool = True) -> int:
        """Serve ``site`` and create its account (name and domain only); returns the account id."""
        if serve:
            for path, text in site.pages.items():
                self.sites.route(site.domain, path, html(text))
        self.model.sites.append(site)
        with self.store.begin() as conn:
            return int(
                conn.execute(
                    insert(account)
                    .values(name=site.name, domain=site.domain, source="manual", custom={}, **_now())
                    .returning(account.c.id)
                ).scalar_one()
            )

    def set_env(self, **values: str) -> None:
        for name, value in values.items():
            self.monkeypatch.setenv(name, value)

    def without_llm(self) -> None:
        self.monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        self.monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    def cli(self, *args: str) -> CliResult:
        result = self.run_cli("--db", self.db_url, *args)
        self.outputs.append(result.output)
        return result

    def enrich(self, *args: str) -> tuple[CliResult, dict[str, Any]]:
        """``leadscore enrich --json ARGS``: the result and its JSON summary."""
        result = self.cli("enrich", "--json", *args)
        assert result.stdout.strip(), f"enrich printed no summary (exit {result.exit_code}): {result.stderr}"
        return result, json.loads(result.stdout)

    def values(self, account_id: int, **where: Any) -> list[dict[str, Any]]:
        """The account's ``field_value`` rows (as dicts), oldest first, filtered by column values."""
        query = select(field_value).where(field_value.c.entity_id == account_id).order_by(field_value.c.id)
        for column, wanted in where.items():
            query = query.where(field_value.c[column] == wanted)
        with self.store.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def account(self, account_id: int) -> dict[str, Any]:
        with self.store.connect() as conn:
            return dict(conn.execute(select(account).where(account.c.id == account_id)).mappings().one())

    def stored_text(self, sha256: str) -> str:
        with self.store.connect() as conn:
            return str(conn.execute(select(blob.c.text).where(blob.c.sha256 == sha256)).scalar_one())

    def page_sha256(self, url: str) -> str | None:
        with self.store.connect() as conn:
            return conn.execute(select(page.c.sha256).where(page.c.url == url)).scalar_one_or_none()

    def runs(self) -> list[dict[str, Any]]:
        with self.store.connect() as conn:
            return [dict(row) for row in conn.execute(select(run).order_by(run.c.id)).mappings()]

    def jobs(self) -> list[dict[str, Any]]:
        with self.store.connect() as conn:
            return [dict(row) for row in conn.execute(select(job).order_by(job.c.id)).mappings()]

    def requests_for(self, site: Site, smart_field: str | None = None) -> list[RecordedRequest]:
        return [
            request
            for request in self.server.requests
            if self.model.site_of(request) is site
            and (smart_field is None or request.field_name == smart_field)
        ]

    def prompts_sent(self) -> Counter[tuple[str, str, str]]:
        """How often each distinct prompt (system, user, schema) reached the server."""
        return Counter(
            (request.system, request.user, json.dumps(request.body.get("response_format"), sort_keys=True))
            for request in self.server.requests
        )

    def database_bytes(self) -> bytes:
        """The SQLite file with its WAL and shared-memory files: everything the store has written."""
        return b"".join(
            path.read_bytes() for path in sorted(self.db_path.parent.glob(self.db_path.name + "*"))
        )


def _now() -> dict[str, Any]:
    moment = datetime.now(UTC)
    return {"created_at": moment, "updated_at": moment}


@pytest.fixture(name="harness")
def harness_fixture(
    store: Engine,
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., CliResult],
) -> Iterator[Harness]:
    """Sites, model and store for one test; import ``harness_fixture`` into a test module to use it."""
    model = ScriptedModel([])
    with running_sites() as sites, FakeOpenAI(model) as server:
        for name, value in {
            "LEADSCORE_FETCH_CONNECT_TO": sites.connect_to(),
            "LEADSCORE_FETCH_ALLOW_ADDRESSES": "127.0.0.1",
            "LEADSCORE_FETCH_HOST_DELAY_S": "0",
            "LEADSCORE_FETCH_TIMEOUT_S": "5",
            "OPENAI_API_KEY": TEST_API_KEY,
            "OPENAI_BASE_URL": server.base_url,
            "LEADSCORE_LLM_TIMEOUT_S": "5",
            "LEADSCORE_LLM_MAX_RETRIES": "0",
        }.items():
            monkeypatch.setenv(name, value)
        yield Harness(
            store, sqlite_url, tmp_path / "leadscore.db", sites, server, model, monkeypatch, run_cli
        )


def words(text: str) -> str:
    """``text`` with tags dropped and whitespace collapsed (how a quote reads to a person)."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())
