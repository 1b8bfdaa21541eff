"""Scoring streams: 100k accounts are scored in a separate process that stays under 300 MB RSS (DESIGN §8)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from enrich.store.schema import account, activity, contact, score
from tests.peak_memory import run_cli_measured

ACCOUNTS = 100_000
ACTIVITIES_PER_CONTACT = 3
LIMIT_MB = 300
AS_OF = datetime(2024, 6, 1, tzinfo=UTC)
ASSETS = ["whitepaper-a", "webinar-b", "pricing-page", "blog-c", "cta-contact-us", "unmapped-x"]


def _fill(engine: Engine) -> None:
    rng = random.Random(3)
    industries = ["Software", "Retail", "Banking", None]
    with engine.begin() as conn:
        conn.execute(
            insert(account),
            [
                {
                    "id": n,
                    "name": f"Company {n}",
                    "source": "test",
                    "domain": f"c{n}.example",
                    "industry": rng.choice(industries),
                    "employee_count": rng.randint(1, 5000),
                    "country": rng.choice(["DE", "US", "FR"]),
                    "custom": {},
                    "created_at": AS_OF,
                    "updated_at": AS_OF,
                }
                for n in range(1, ACCOUNTS + 1)
            ],
        )
        conn.execute(
            insert(contact),
            [
                {
                    "id": n,
                    "account_id": n,
                    "email": f"p{n}@c{n}.example",
                    "title": "Head of IT",
                    "custom": {},
                    "created_at": AS_OF,
                    "updated_at": AS_OF,
                }
                for n in range(1, ACCOUNTS + 1)
            ],
        )
        conn.execute(
            insert(activity),
            [
                {
                    "dedupe_key": f"{n}-{k}",
                    "contact_id": n,
                    "kind": "visit",
                    "asset": rng.choice(ASSETS),
                    "occurred_at": AS_OF - timedelta(days=rng.randint(0, 200)),
                    "source": "test",
                }
                for n in range(1, ACCOUNTS + 1)
                for k in range(ACTIVITIES_PER_CONTACT)
            ],
        )


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_scoring_100k_accounts_stays_under_300_mb(store: Engine, sqlite_url: str, tmp_path: Path) -> None:
    _fill(store)
    args = ["--db", sqlite_url, "score", "--as-of", "2024-06-01", "--json"]
    child, peak_mb = run_cli_measured(args, cwd=tmp_path, timeout=850)
    assert child.returncode == 0, child.stderr
    summary = json.loads(child.stdout)
    print(f"scored {summary['scored']:,} accounts in {summary['seconds']:.1f}s, peak RSS {peak_mb:.0f} MB")
    assert summary["scored"] == ACCOUNTS
    with store.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(score)) == ACCOUNTS
    assert peak_mb < LIMIT_MB, f"peak RSS {peak_mb:.0f} MB while scoring {ACCOUNTS:,} accounts"
