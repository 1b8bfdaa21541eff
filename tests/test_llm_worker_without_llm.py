"""Without an API key or a base URL, enrichment still runs and says which fields need an LLM.

The deterministic extractors fill what they can; the fields they leave open that a smart field could
research are listed, per field with the number of accounts, in the summary, the ``run`` row and the
demo's output. No model is contacted (the tripwire would fail the test).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.fetch_servers import tripwire_fixture  # noqa: F401  (nothing may leave loopback)
from tests.llm_worker_env import (
    ACCOUNT_FIELDS,
    Harness,
    brightlane,
    fixture_site,
    harness_fixture,  # noqa: F401
)


def test_without_key_or_base_url_enrich_runs_and_lists_the_fields_that_need_an_llm(harness: Harness) -> None:
    harness.without_llm()
    harness.set_env(COLUMNS="200")
    english, german = harness.add(brightlane()), harness.add(fixture_site("mueller_pumpen"))
    result = harness.cli("enrich")
    assert result.exit_code == 4, f"page-text values await review: {result.output}"
    said = " ".join(result.stdout.split())
    assert "left open for an LLM or a reviewer:" in said
    assert "set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)" in said
    for name in ("industry (2)", "annual_revenue (2)", "employee_count (2)"):
        assert name in said, f"{name} missing from: {said}"
    assert harness.server.requests == [], "no model was contacted"
    (run,) = [row for row in harness.runs() if row["kind"] == "enrich"]
    needs_llm = run["counts"]["needs_llm"]
    assert set(needs_llm) <= set(ACCOUNT_FIELDS) and needs_llm["industry"] == 2
    assert "city" not in needs_llm or needs_llm["city"] == 1, "the German imprint settles the city"
    assert (run["detail"]["llm"], run["tokens_in"], run["cost_usd"]) == (False, 0, 0.0)
    assert (
        harness.values(english, source_kind="llm") == [] and harness.values(german, source_kind="llm") == []
    )
    assert harness.account(german)["city"] == "Augsburg", "deterministic values are still accepted"


@pytest.mark.slow  # the whole demo: 200 accounts, about 15 s
def test_the_demo_without_a_key_lists_what_would_go_to_the_llm(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli("demo", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "No LLM configured" in said
    assert "left open for an LLM or a reviewer:" in said
    listed = said.split("left open for an LLM or a reviewer:", 1)[1].split("—", 1)[0]
    assert any(f"{name} (" in listed for name in ACCOUNT_FIELDS), f"no field listed: {listed!r}"
