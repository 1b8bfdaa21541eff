"""The cleanup streams: a dry run over 100k accounts, every step, stays under 300 MB RSS (DESIGN §8).

The accounts carry what makes a plan large (messy countries, industries and employee counts to
normalise, implausible values, stale values, planted duplicates), and the child prints the whole plan
twice (``--json`` and an HTML ``--report``), so nothing of the plan may be held in memory at once.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from enrich.store.schema import account
from enrich.store.values import Candidate, account_columns, record_new_entity_values
from tests.peak_memory import run_cli_measured

ACCOUNTS = 100_000
DUPLICATE_SHARE = 0.05
LIMIT_MB = 300
CHUNK = 5000
RULESET = Path(__file__).resolve().parent.parent / "examples" / "rulesets" / "saas-icp.toml"
SYLLABLES = "ta ve lo mi ra no si ke da zu ben tor vil mar sen lin dor kal pre ost quin rav sol tek".split()  # noqa: SIM905
TRADES = ["Software", "Logistik", "Consulting", "Systems", "Analytics", "Engineering", "Digital", "Media"]
PLACES = [("DE", "München"), ("DE", "Berlin"), ("DE", "Köln"), ("AT", "Wien"), ("CH", "Zürich"),
          ("GB", "London"), ("US", "Boston"), ("FR", "Paris"), ("NL", "Amsterdam")]  # fmt: skip
COUNTRY_SPELLINGS = {"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz", "GB": "UK", "US": "USA"}
INDUSTRIES = ["Software", "Computer Software", "IT Services", "Maschinenbau", "Retail", "Widgets & Gadgets"]
EMPLOYEES: list[Any] = [0, 12, 45, 120, 800, "1.200", "50-200"]


def _company(rng: random.Random, number: int) -> dict[str, Any]:
    country, city = rng.choice(PLACES)
    brand = "".join(rng.choice(SYLLABLES) for _ in range(3)).title()
    return {
        "name": f"{brand} {rng.choice(TRADES)} GmbH",
        "country": country,
        "city": city,
        "domain": f"{brand.lower()}-{number}.example" if rng.random() < 0.75 else None,
    }


def _fill(engine: Engine) -> None:
    """Accounts as an import writes them (account rows + accepted CRM values), in bulk."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    originals = int(ACCOUNTS * (1 - DUPLICATE_SHARE))
    companies = [_company(rng, number) for number in range(1, originals + 1)]
    for _ in range(ACCOUNTS - originals):  # the same company entered again, in capitals
        copy = dict(rng.choice(companies))
        companies.append(copy | {"name": copy["name"].upper()})
    for start in range(0, ACCOUNTS, CHUNK):
        rows, values = [], []
        for account_id, company in enumerate(companies[start : start + CHUNK], start=start + 1):
            fields = {name: value for name, value in company.items() if value is not None}
            if rng.random() < 0.2:
                fields["country"] = COUNTRY_SPELLINGS.get(company["country"], company["country"])
            fields["industry"] = rng.choice(INDUSTRIES)
            fields["employee_count"] = rng.choice(EMPLOYEES)
            columns: dict[str, Any] = dict.fromkeys(
                ("domain", "city", "employee_count", "employee_count_range")
            )
            for name, value in fields.items():
                columns |= account_columns(name, value)
            rows.append({"id": account_id, "crm_id": f"C{account_id}", "source": "test", "custom": {},
                         "created_at": now, "updated_at": now} | columns)  # fmt: skip
            values += [
                (account_id, Candidate(name, value, str(value), 1.0, "crm")) for name, value in fields.items()
            ]
        # one chunk in seven was last checked long ago: its values are stale
        observed = now - timedelta(days=800 if (start // CHUNK) % 7 == 3 else 30)
        with engine.begin() as conn:
            conn.execute(insert(account), rows)
            record_new_entity_values(conn, "account", values, now=observed)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_cleanup_dry_run_over_100k_accounts_stays_under_300_mb(
    store: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    _fill(store)
    report = tmp_path / "report.html"
    args = ["--db", sqlite_url, "cleanup", "--ruleset", str(RULESET), "--report", str(report), "--json"]
    child, peak_mb = run_cli_measured(args, cwd=tmp_path, timeout=550)
    assert child.returncode == 0, child.stderr[-2000:]
    summary = json.loads(child.stdout)
    counts = summary["counts"]
    seconds = counts["duration_s"]
    print(f"cleanup dry run over {ACCOUNTS:,} accounts in {seconds:.1f}s, peak RSS {peak_mb:.0f} MB")
    assert counts["accounts_scanned"] == ACCOUNTS
    assert len(summary["plan"]["changes"]) == counts["changes_apply"] + counts["changes_review"] > 10_000, (
        "the data should give the plan tens of thousands of changes, or the test measures little"
    )
    assert counts["stale_values"] > 10_000 and counts["merges_automatic"] + counts["merges_review"] > 1_000
    assert report.stat().st_size > 1_000_000 and report.read_text(encoding="utf-8").endswith("</html>")
    assert peak_mb < LIMIT_MB, f"peak RSS {peak_mb:.0f} MB in a cleanup dry run over {ACCOUNTS:,} accounts"
