"""``leadscore enrich`` end to end on fixture company websites served on loopback.

One run over nine companies, each a scenario of examples/sites (see its TRUTH.csv) or of
tests/fixtures/enrich_sites: German and English JSON-LD, an imprint as the only source, two pages that
contradict each other, a site that states no head count, robots.txt forbidding everything, a parked
domain, a German about page with a no-break space. Each test reads one behaviour off that run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from enrich.cli.main import main
from enrich.store.db import create_store_engine
from enrich.store.schema import field_value
from tests.enrich_runs import (
    account_row,
    company_sites,
    connect_to_both,
    in_force,
    job_of,
    provenance_problems,
    table_text,
    values,
)

COMPANIES = {
    "donautronic.de": "Donautronic Versand GmbH",  # German, JSON-LD + Impressum
    "granite-networks.com": "Granite Networks",  # English, JSON-LD
    "kessler-tiefbau.de": "Keßler Tiefbau",  # imprint only (tests/fixtures/enrich_sites)
    "miller-communications.com": "Miller Communications",  # about says 250, careers "over 400"
    "obrien-networks.ie": "O'Brien Networks",  # no employee figure anywhere
    "falkensys.de": "Falkensys",  # robots.txt: Disallow: /
    "granite-data.ca": "Granite Data",  # parked domain
    "gruber-labordiagnostik.de": "Gruber Labordiagnostik",  # "rund 1 000 Kolleginnen" with a no-break space
    "weiss-soehne-telekom.com": "Weiß & Söhne Telekom",  # German about page + Impressum
}


@dataclass(frozen=True)
class SitesRun:
    url: str
    engine: Engine
    exit_code: int
    output: str
    counts: dict[str, Any]  # the run's counts as recorded in the store (`leadscore runs --json`)
    served: list[tuple[str | None, str, int]]  # (site, path, status) as the servers saw them


def _cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue() + err.getvalue()


def _write_accounts(path: Path) -> Path:
    lines = ["crm_id,name,domain"] + [
        f'S-{index},"{name}",{domain}' for index, (domain, name) in enumerate(COMPANIES.items(), 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sites_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SitesRun]:
    directory = tmp_path_factory.mktemp("company_sites")
    url = f"sqlite:///{directory / 'leadscore.db'}"
    with pytest.MonkeyPatch.context() as patch, company_sites() as (examples, extra):
        for name in [name for name in os.environ if name.startswith(("LEADSCORE_", "OPENAI_"))]:
            patch.delenv(name)
        patch.chdir(directory)
        code, output = _cli("--db", url, "import", "accounts", str(_write_accounts(directory / "a.csv")))
        assert code == 0, output
        patch.setenv("LEADSCORE_FETCH_CONNECT_TO", connect_to_both(examples, extra))
        patch.setenv("LEADSCORE_FETCH_ALLOW_ADDRESSES", "127.0.0.1")
        patch.setenv("LEADSCORE_FETCH_HOST_DELAY_S", "0")
        exit_code, output = _cli("--db", url, "enrich", "--no-llm")
        code, runs = _cli("--db", url, "runs", "--json")
        assert code == 0, runs
        served = [
            (item.site, item.target, item.status) for host in (examples, extra) for item in host.served()
        ]
    engine = create_store_engine(url)
    (counts,) = [item["counts"] for item in json.loads(runs) if item["kind"] == "enrich"]
    yield SitesRun(url, engine, exit_code, output, counts, served)
    engine.dispose()


def _requested(run: SitesRun, site: str) -> list[str]:
    return [path for name, path, _ in run.served if name == site]


def test_german_json_ld_site_fills_every_stated_field(sites_run: SitesRun) -> None:
    domain = "donautronic.de"
    assert in_force(sites_run.engine, domain, "employee_count") == [(45, "accepted")]
    assert in_force(sites_run.engine, domain, "country") == [("DE", "accepted")]
    assert in_force(sites_run.engine, domain, "city") == [("Köln", "accepted")]
    assert in_force(sites_run.engine, domain, "founded_year") == [(1982, "accepted")]
    row = account_row(sites_run.engine, domain)
    assert (row["employee_count"], row["country"], row["city"], row["founded_year"]) == (
        45,
        "DE",
        "Köln",
        1982,
    )
    head_count = values(sites_run.engine, domain, "employee_count", statuses=("accepted",))[0]
    assert (head_count["source_kind"], head_count["source_url"]) == ("jsonld", "https://donautronic.de/")
    assert '"value": 45' in head_count["evidence"]
    register = in_force(sites_run.engine, domain, "commercial_register")
    assert register == [("HRB 29005, Amtsgericht Köln", "accepted")], "imprint facts are recorded too"


def test_english_json_ld_site_fills_every_stated_field(sites_run: SitesRun) -> None:
    domain = "granite-networks.com"
    row = account_row(sites_run.engine, domain)
    assert (row["employee_count"], row["country"], row["city"], row["founded_year"]) == (
        81,
        "US",
        "Raleigh",
        2001,
    )
    assert job_of(sites_run.engine, domain)["state"] == "done"


def test_an_imprint_alone_gives_seat_and_legal_facts_and_leaves_the_head_count_open(
    sites_run: SitesRun,
) -> None:
    domain = "kessler-tiefbau.de"
    assert _requested(sites_run, domain)[:2] == ["/robots.txt", "/"]
    assert "/impressum.html" in _requested(sites_run, domain)
    assert in_force(sites_run.engine, domain, "city") == [("München", "accepted")]
    assert in_force(sites_run.engine, domain, "country") == [("DE", "accepted")]
    assert in_force(sites_run.engine, domain, "legal_name") == [("Keßler Tiefbau GmbH", "accepted")]
    assert in_force(sites_run.engine, domain, "vat_id") == [("DE318204755", "accepted")]
    city = values(sites_run.engine, domain, "city", statuses=("accepted",))[0]
    assert city["source_url"] == "https://kessler-tiefbau.de/impressum.html"
    assert (city["source_kind"], city["evidence"]) == ("imprint", "80331\u00a0München")
    assert values(sites_run.engine, domain, "employee_count") == [], "no head count is invented"
    assert account_row(sites_run.engine, domain)["employee_count"] is None


def test_contradicting_head_counts_both_wait_for_review_and_neither_is_accepted(sites_run: SitesRun) -> None:
    domain = "miller-communications.com"
    found = {json.dumps(row["value"]): row for row in values(sites_run.engine, domain, "employee_count")}
    assert set(found) == {"250", json.dumps({"min": 400, "max": None})}, "the about and the careers page"
    for row in found.values():
        assert row["status"] == "pending_review", f"{row['value']} must not be {row['status']}"
        assert row["confidence"] < 0.85
        assert "conflict" in row["reason"], f"the reason names the conflict: {row['reason']}"
    assert found["250"]["source_url"] == "https://miller-communications.com/about.html"
    row = account_row(sites_run.engine, domain)
    assert (row["employee_count"], row["employee_count_range"]) == (None, None)


def test_a_site_without_a_head_count_leaves_it_unknown(sites_run: SitesRun) -> None:
    domain = "obrien-networks.ie"
    assert {"/", "/about.html"} <= set(_requested(sites_run, domain)), "the site was read"
    assert values(sites_run.engine, domain, "employee_count") == []
    assert account_row(sites_run.engine, domain)["employee_count"] is None
    assert sites_run.counts["needs_llm"]["employee_count"] >= 1, "listed for an LLM or a reviewer"


def test_robots_txt_that_disallows_everything_means_no_page_is_read(sites_run: SitesRun) -> None:
    domain = "falkensys.de"
    assert _requested(sites_run, domain) == ["/robots.txt"]
    assert values(sites_run.engine, domain) == []
    assert job_of(sites_run.engine, domain)["last_error"] == "homepage refused (robots)"
    assert sites_run.counts["refusals"]["robots"] == 1


def test_a_parked_domain_is_recorded_and_never_mined(sites_run: SitesRun) -> None:
    domain = "granite-data.ca"
    assert values(sites_run.engine, domain) == []
    assert job_of(sites_run.engine, domain)["last_error"] == "no minable page (parked)"


def test_german_page_text_is_read_with_its_no_break_space_and_sharp_s(sites_run: SitesRun) -> None:
    assert in_force(sites_run.engine, "gruber-labordiagnostik.de", "employee_count") == [
        (1000, "pending_review")
    ]
    count = values(sites_run.engine, "gruber-labordiagnostik.de", "employee_count")[0]
    assert "\u00a0" in count["evidence"] and count["evidence"].startswith("rund 1")
    weiss = "weiss-soehne-telekom.com"
    assert in_force(sites_run.engine, weiss, "employee_count") == [
        ({"min": 1600, "max": None}, "pending_review")
    ]
    assert in_force(sites_run.engine, weiss, "legal_name") == [("Weiß & Söhne Telekom GmbH", "accepted")]
    assert in_force(sites_run.engine, weiss, "city") == [("Bremen", "accepted")]


def test_every_quote_sits_at_its_offsets_in_the_stored_page_it_names(sites_run: SitesRun) -> None:
    assert provenance_problems(sites_run.engine) == []
    with sites_run.engine.connect() as conn:
        quotes = list(
            conn.scalars(select(field_value.c.evidence).where(field_value.c.page_sha256.is_not(None)))
        )
    joined = "".join(quotes)
    for needle in ("\u00a0", "ß", "ö", "ü"):
        assert needle in joined, f"no quote with {needle!r}: the offset check was not exercised on it"


def test_the_summary_counts_what_the_store_holds_and_exit_code_4_flags_pending_review(
    sites_run: SitesRun,
) -> None:
    counts = sites_run.counts
    with sites_run.engine.connect() as conn:
        stored = {
            row.status: row.count
            for row in conn.execute(
                select(field_value.c.status, func.count().label("count"))
                .where(field_value.c.run_id == counts["run_id"])
                .group_by(field_value.c.status)
            )
        }
    assert counts["planned"] == counts["accounts_done"] == len(COMPANIES)
    assert counts["accounts_failed"] == 0
    assert counts["fields_accepted"] == stored["accepted"], stored
    assert counts["pending_review"] == stored["pending_review"] > 0
    assert counts["rescored"] == len(COMPANIES), "the default ruleset re-scored every researched account"
    assert sites_run.exit_code == 4, "values await review"
    text = table_text(sites_run.output)
    assert f"values awaiting review {counts['pending_review']}" in text
    assert f"accounts researched {len(COMPANIES)}" in text
    assert "refused fetches: " in text and "robots: 1" in text
    assert "\x1b[" not in sites_run.output, "no ANSI codes when stdout is not a terminal"


def test_provenance_shows_source_quote_extractor_and_status(
    sites_run: SitesRun, run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line, nothing folded
    result = run_cli("--db", sites_run.url, "provenance", "donautronic.de", "employee_count", "--json")
    assert result.exit_code == 0, result.output
    (crm_or_agent,) = [item for item in json.loads(result.stdout) if item["source_kind"] == "jsonld"]
    assert crm_or_agent["value"] == 45 and crm_or_agent["status"] == "accepted"
    assert crm_or_agent["source_url"] == "https://donautronic.de/"
    assert crm_or_agent["extractor"] == "jsonld" and crm_or_agent["extractor_version"]
    assert crm_or_agent["evidence_end"] - crm_or_agent["evidence_start"] == len(crm_or_agent["evidence"])
    assert len(crm_or_agent["page_sha256"]) == 64
    table = run_cli("--db", sites_run.url, "provenance", "kessler-tiefbau.de")
    assert table.exit_code == 0, table.output
    text = table_text(table.stdout)
    for expected in ("city", "München", "accepted", "imprint", "Keßler Tiefbau GmbH", "DE318204755"):
        assert expected in text, f"{expected!r} missing from the provenance table"
    assert "https://kessler-tiefbau.de/impres" in text.replace(" ", "")


def test_provenance_of_an_unknown_account_is_an_input_error(
    sites_run: SitesRun, run_cli: Callable[..., Any]
) -> None:
    result = run_cli("--db", sites_run.url, "provenance", "nowhere.example")
    assert result.exit_code == 2
    assert "no account matches 'nowhere.example'" in result.stderr


def test_only_loopback_site_servers_were_asked(sites_run: SitesRun) -> None:
    sites = {site for site, _, _ in sites_run.served}
    assert sites <= set(COMPANIES), f"requests for other sites: {sites - set(COMPANIES)}"
