"""Running ``leadscore enrich`` the way a user does, against company sites on loopback, and reading back
what it stored: CRM rows imported through the CLI, the fetcher routed by the documented connect-to
settings, results read straight from the store's tables.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, RowMapping, select

from enrich.sitehost import SiteHost, serve_sites
from enrich.store.schema import account, blob, field_value, job, page
from tests.crm_support import import_json
from tests.fetch_servers import Reply, html

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SITES = ROOT / "examples" / "sites"
TEST_SITES = Path(__file__).resolve().parent / "fixtures" / "enrich_sites"
RULESET = ROOT / "examples" / "rulesets" / "saas-icp.toml"
ACCOUNT_COLUMNS = (
    "crm_id", "name", "domain", "website", "industry", "employee_count", "annual_revenue", "country", "city",
    "founded_year",
)  # fmt: skip
CONTACT_COLUMNS = ("crm_id", "account_crm_id", "email", "first_name", "last_name")
AGENT_SOURCES = ("jsonld", "imprint", "page_text", "llm")


def table_text(output: str) -> str:
    """A Rich table's words with its box drawing and line wrapping removed: ``accepted 45 jsonld``."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", output).split())


@dataclass(frozen=True)
class EnrichRun:
    exit_code: int
    summary: dict[str, Any]
    output: str


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in columns})
    return path


def import_accounts(
    run_cli: Callable[..., Any], url: str, directory: Path, rows: Sequence[Mapping[str, object]]
) -> None:
    """Import accounts through ``leadscore import accounts --preset generic`` (``crm_id`` defaults)."""
    _import_rows(run_cli, url, directory, "accounts", ACCOUNT_COLUMNS, "A", rows)


def import_contacts(
    run_cli: Callable[..., Any], url: str, directory: Path, rows: Sequence[Mapping[str, object]]
) -> None:
    _import_rows(run_cli, url, directory, "contacts", CONTACT_COLUMNS, "C", rows)


def _import_rows(
    run_cli: Callable[..., Any],
    url: str,
    directory: Path,
    entity: str,
    columns: Sequence[str],
    id_prefix: str,
    rows: Sequence[Mapping[str, object]],
) -> None:
    numbered = [{"crm_id": f"{id_prefix}-{index}", **row} for index, row in enumerate(rows, 1)]
    path = _write_csv(directory / f"{entity}.csv", columns, numbered)
    import_json(run_cli, url, entity, path, "--preset", "generic")


def route_fetches(monkeypatch: pytest.MonkeyPatch, connect_to: str, **settings: str) -> dict[str, str]:
    """Send every fetch to loopback the documented way (docs/fetching.md), without politeness delays.

    ``settings`` are extra ``LEADSCORE_FETCH_*`` values, e.g. ``TIMEOUT_S="1"``. Returns the environment
    set, for subprocesses.
    """
    values = {
        "LEADSCORE_FETCH_CONNECT_TO": connect_to,
        "LEADSCORE_FETCH_ALLOW_ADDRESSES": "127.0.0.1",
        "LEADSCORE_FETCH_HOST_DELAY_S": "0",
    } | {f"LEADSCORE_FETCH_{name.upper()}": value for name, value in settings.items()}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@contextmanager
def company_sites() -> Iterator[tuple[SiteHost, SiteHost]]:
    """The demo sites (examples/sites) and the test-only ones (tests/fixtures/enrich_sites), each served."""
    with ExitStack() as stack:
        yield stack.enter_context(serve_sites(EXAMPLE_SITES)), stack.enter_context(serve_sites(TEST_SITES))


def connect_to_both(examples: SiteHost, extra: SiteHost) -> str:
    """Test-only sites by name to their server, every other name to the demo sites."""
    names = sorted(path.name for path in TEST_SITES.iterdir() if path.is_dir())
    return ",".join([*(f"{name}:127.0.0.1:{extra.port}" for name in names), f"*:127.0.0.1:{examples.port}"])


def enrich(run_cli: Callable[..., Any], url: str, *options: str) -> EnrichRun:
    """``leadscore enrich --json --no-llm OPTIONS``; the exit code and the printed summary."""
    result = run_cli("--db", url, "enrich", "--json", "--no-llm", *options)
    assert result.exit_code in (0, 4), f"enrich failed with {result.exit_code}: {result.output}"
    return EnrichRun(result.exit_code, json.loads(result.stdout), result.output)


def account_id(engine: Engine, domain: str) -> int:
    with engine.connect() as conn:
        found = conn.scalar(select(account.c.id).where(account.c.domain == domain))
    assert found is not None, f"no account with domain {domain}"
    return int(found)


def account_row(engine: Engine, domain: str) -> RowMapping:
    with engine.connect() as conn:
        return conn.execute(select(account).where(account.c.domain == domain)).mappings().one()


def values(
    engine: Engine,
    domain: str,
    field: str | None = None,
    *,
    sources: Sequence[str] = AGENT_SOURCES,
    statuses: Sequence[str] = ("accepted", "pending_review", "rejected", "superseded"),
) -> list[RowMapping]:
    """The account's value rows from these sources and statuses, in id order."""
    query = select(field_value).where(
        field_value.c.entity_type == "account",
        field_value.c.entity_id == account_id(engine, domain),
        field_value.c.source_kind.in_(list(sources)),
        field_value.c.status.in_(list(statuses)),
    )
    if field is not None:
        query = query.where(field_value.c.field == field)
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(field_value.c.id)).mappings())


def in_force(engine: Engine, domain: str, field: str) -> list[tuple[object, str]]:
    """(value, status) of the field's accepted and pending agent values."""
    rows = values(engine, domain, field, statuses=("accepted", "pending_review"))
    return [(row["value"], row["status"]) for row in rows]


def job_of(engine: Engine, domain: str) -> RowMapping:
    with engine.connect() as conn:
        return conn.execute(select(job).where(job.c.entity_id == account_id(engine, domain))).mappings().one()


def provenance_problems(engine: Engine) -> list[str]:
    """Every agent value whose provenance does not hold up, described; empty when all do.

    Holds up: a source URL that is a stored page with the value's sha256, the quote found at exactly its
    offsets in that page's stored text, the text hashing to that sha256, and an extractor with a version.
    """
    problems: list[str] = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(field_value).where(field_value.c.source_kind.in_(list(AGENT_SOURCES)))
        ).mappings()
        texts = {row.sha256: row.text for row in conn.execute(select(blob.c.sha256, blob.c.text))}
        pages = {row.url: row for row in conn.execute(select(page.c.url, page.c.sha256))}
        for row in rows:
            where = f"value {row['id']} ({row['field']}={row['value']!r})"
            text = texts.get(row["page_sha256"])
            if text is None:
                problems.append(f"{where}: no stored page text for sha256 {row['page_sha256']}")
                continue
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != row["page_sha256"]:
                problems.append(f"{where}: the stored text does not hash to its page_sha256")
            stored = pages.get(row["source_url"])
            if stored is None or stored.sha256 != row["page_sha256"]:
                problems.append(f"{where}: source URL {row['source_url']} is not the stored page it quotes")
            quoted = text[row["evidence_start"] : row["evidence_end"]]
            if not row["evidence"] or quoted != row["evidence"]:
                problems.append(f"{where}: text[{row['evidence_start']}:{row['evidence_end']}] is {quoted!r}")
            if not row["extractor"] or not row["extractor_version"]:
                problems.append(
                    f"{where}: extractor {row['extractor']!r} version {row['extractor_version']!r}"
                )
    return problems


@pytest.fixture(name="company_sites")
def company_sites_fixture() -> Iterator[tuple[SiteHost, SiteHost]]:
    """Both site servers running; import ``company_sites_fixture`` into a test module to use it."""
    with company_sites() as servers:
        yield servers


def company_page(name: str, employees: int, *, city: str = "Leeds", country: str = "GB") -> Reply:
    """A homepage with a JSON-LD Organization (head count, seat) and a link to the about page."""
    organization = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": name,
        "numberOfEmployees": {"@type": "QuantitativeValue", "value": employees},
        "address": {"@type": "PostalAddress", "addressLocality": city, "addressCountry": country},
    }
    return html(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{name} – freight software</title>"
        f"<script type='application/ld+json'>{json.dumps(organization)}</script></head><body>"
        f"<h1>{name}</h1><p>{name} builds routing and billing software for freight forwarders across "
        "Europe and North America. Our products plan loads, track shipments and invoice customers.</p>"
        "<p><a href='/about.html'>About us</a> · <a href='/impressum.html'>Legal notice</a></p>"
        "</body></html>"
    )
