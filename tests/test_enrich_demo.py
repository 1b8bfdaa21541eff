"""``leadscore demo`` runs the whole pipeline on the bundled sample data, serving examples/sites itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from enrich.store.db import create_store_engine
from enrich.store.schema import account, field_value, run, score

DEMO_TIME_LIMIT_S = 150  # about 15 s on a 2-core machine


@pytest.mark.slow
def test_demo_imports_enriches_and_scores_the_sample_data_in_bounded_time(tmp_path: Path) -> None:
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(("LEADSCORE_", "OPENAI_"))
    }
    started = time.monotonic()
    demo = subprocess.run(
        [sys.executable, "-c", "from enrich.cli.main import main; main()", "demo", "--dir", "demo"],
        cwd=tmp_path, env=env | {"COLUMNS": "200"}, capture_output=True, text=True, timeout=DEMO_TIME_LIMIT_S,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert demo.returncode in (0, 4), f"exit {demo.returncode} after {elapsed:.0f} s:\n{demo.stderr[-3000:]}"
    for step in (
        "1. import a Salesforce export",
        "3. enrich on company websites",
        "4. score every account",
        "next",
    ):
        assert step in demo.stdout, f"the demo never reached {step!r}"
    engine = create_store_engine(f"sqlite:///{tmp_path / 'demo' / 'leadscore.db'}")
    try:
        with engine.connect() as conn:
            accounts = conn.scalar(select(func.count()).select_from(account))
            found = conn.scalar(
                select(func.count()).where(
                    field_value.c.source_kind.in_(("jsonld", "imprint", "page_text")),
                    field_value.c.status == "accepted",
                )
            )
            scored = conn.scalar(select(func.count()).select_from(score))
            enrich_runs = conn.execute(select(run.c.status, run.c.counts).where(run.c.kind == "enrich")).all()
    finally:
        engine.dispose()
    assert accounts == 200 and scored == accounts
    assert found and found >= 10, "values read on the demo sites were accepted"
    ((status, counts),) = enrich_runs
    assert status == "finished" and counts["accounts_done"] > 0 and counts["accounts_failed"] == 0
