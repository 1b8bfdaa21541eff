"""A million-row lead file is backtested streaming, in bounded memory (peak RSS of a child process)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.peak_memory import run_cli_measured

ROWS = 1_000_000
PEAK_RSS_LIMIT_MB = 400  # measured about 190 MB on the development machine

# the Mittelstand example: > 50 employees 50 points, target industry 30, DACH 20
RULESET = Path(__file__).resolve().parent.parent / "examples" / "rulesets" / "mittelstand.toml"


def _write_leads(path: Path) -> None:
    rng = np.random.default_rng(1)
    industries = np.array(["Maschinenbau", "Automotive", "Retail", "Finance", "Software"])
    countries = np.array(["DE", "AT", "CH", "US", "FR"])
    with path.open("w", encoding="utf-8") as stream:
        stream.write("lead_id,employee_count,industry,country,converted\n")
        for start in range(0, ROWS, 200_000):
            size = min(200_000, ROWS - start)
            employees = rng.integers(1, 120, size)
            industry = industries[rng.integers(0, 5, size)]
            country = countries[rng.integers(0, 5, size)]
            rate = 0.05 + 0.3 * (employees > 50) + 0.2 * np.isin(industry, industries[:2])
            won = (rng.random(size) < rate).astype(int)
            ids = np.arange(start, start + size)
            stream.write(
                "".join(
                    f"{i},{e},{n},{c},{w}\n"
                    for i, e, n, c, w in zip(ids, employees, industry, country, won, strict=True)
                )
            )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_backtest_of_a_million_leads_streams_in_bounded_memory(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    _write_leads(leads)
    args = ["backtest", "--ruleset", str(RULESET), "--data", str(leads), "--outcome", "converted", "--json"]
    child, peak_mb = run_cli_measured(args, cwd=tmp_path, timeout=540)
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report["n"] == ROWS
    assert 0.6 < report["auc"] < 0.9
    print(f"peak RSS backtesting {ROWS:,} rows: {peak_mb:.0f} MB")
    assert peak_mb < PEAK_RSS_LIMIT_MB
