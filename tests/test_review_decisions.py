"""The decision service (enrich.review) alone: optimistic locking on SQLite and PostgreSQL, exact undo."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from enrich.cli.review import load_account_scorer
from enrich.config import load_settings
from enrich.errors import ConfigError, ConflictError, InputError
from enrich.review import ScoreChange, approve, edit, list_pending, undo
from enrich.review.scoring import RulesetScorer, preview_score_change
from enrich.store.db import check_schema, create_store_engine
from enrich.store.schema import field_value, score
from tests.review_data import NOW, account_row, events_for, field_value_row, seed_review_queue


class HoldFirstRescore:
    """Holds the first decision inside its transaction (after its UPDATE) until released."""

    def __init__(self) -> None:
        self.entered, self.release, self.calls = threading.Event(), threading.Event(), 0

    def rescore(self, conn: Connection, account_id: int) -> None:
        self.calls += 1
        if self.calls == 1:
            self.entered.set()
            assert self.release.wait(20)

    def preview(self, conn: Connection, account_id: int, field: str, value: object) -> ScoreChange | None:
        return None


def _race(engine: Engine, value_id: int) -> dict[str, Any]:
    """Alice's approval holds its transaction open while Bob approves the same value."""
    scorer = HoldFirstRescore()
    outcome: dict[str, Any] = {}

    def decide(actor: str) -> None:
        try:
            with engine.begin() as conn:
                approve(conn, value_id, actor=actor, now=NOW, scorer=scorer, expected_version=1)
            outcome[actor] = "won"
        except ConflictError as exc:
            outcome[actor] = str(exc)

    alice = threading.Thread(target=decide, args=("alice",))
    alice.start()
    assert scorer.entered.wait(10)
    bob = threading.Thread(target=decide, args=("bob",))
    bob.start()
    bob.join(0.5)  # Bob's UPDATE now waits for Alice's row (PostgreSQL) or write lock (SQLite)
    scorer.release.set()
    alice.join(20)
    bob.join(20)
    return outcome


def test_sqlite_second_of_two_concurrent_approvals_gets_a_conflict(store: Engine) -> None:
    seeded = seed_review_queue(store)
    outcome = _race(store, seeded.globex_country)
    assert outcome["alice"] == "won"
    assert "already decided by alice" in outcome["bob"]
    assert [event.actor for event in events_for(store, seeded.globex_country)] == ["alice"]


@pytest.mark.postgres
def test_postgres_second_of_two_concurrent_approvals_gets_a_conflict(postgres_url: str) -> None:
    engine = create_store_engine(postgres_url)
    try:
        check_schema(engine)
        seeded = seed_review_queue(engine)
        outcome = _race(engine, seeded.globex_country)
        assert outcome["alice"] == "won"
        assert "already decided by alice" in outcome["bob"]
        row = field_value_row(engine, seeded.globex_country)
        assert (row.status, row.decided_by, row.version) == ("accepted", "alice", 2)
        assert len(events_for(engine, seeded.globex_country)) == 1
    finally:
        engine.dispose()


def test_many_reviewers_racing_on_many_values_each_value_is_decided_once(store: Engine) -> None:
    seed_review_queue(store)
    with store.connect() as conn:
        pending = [item.id for item in list_pending(conn)]
    wins: list[tuple[str, int]] = []
    start = threading.Barrier(4)

    def reviewer(actor: str) -> None:
        start.wait(5)
        for value_id in pending:
            try:
                with store.begin() as conn:
                    approve(conn, value_id, actor=actor, now=NOW)
                wins.append((actor, value_id))
            except ConflictError:
                pass

    threads = [threading.Thread(target=reviewer, args=(f"r{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(value_id for _, value_id in wins) == sorted(pending)
    for value_id in pending:
        assert len(events_for(store, value_id)) == 1


def test_undo_of_an_edit_brings_back_the_earlier_reviewer_value_it_superseded(store: Engine) -> None:
    seeded = seed_review_queue(store)
    with store.begin() as conn:
        first = edit(conn, seeded.acme_industry, "Software", actor="alice", now=NOW)
        second_pending = conn.execute(
            field_value.insert().values(
                entity_type="account",
                entity_id=seeded.acme,
                field="industry",
                value="Freight",
                value_text="freight",
                status="pending_review",
                confidence=0.5,
                source_kind="llm",
                observed_at=NOW,
                version=1,
            )
        ).inserted_primary_key
        assert second_pending is not None
        second = edit(conn, int(second_pending[0]), "Logistics software", actor="bob", now=NOW)
    assert field_value_row(store, first.new_value_id).status == "superseded"  # type: ignore[arg-type]
    assert account_row(store, seeded.acme).industry == "Logistics software"
    with store.begin() as conn:
        undo(conn, second.event_id, actor="bob", now=NOW)
    assert field_value_row(store, first.new_value_id).status == "accepted"  # type: ignore[arg-type]
    assert account_row(store, seeded.acme).industry == "Software"
    assert field_value_row(store, seeded.acme_industry_crm).status == "accepted", "edits leave CRM values be"


def test_undo_is_refused_when_a_value_it_would_restore_changed_since(store: Engine) -> None:
    seeded = seed_review_queue(store)
    with store.begin() as conn:
        decision = approve(conn, seeded.acme_industry, actor="alice", now=NOW)
    with store.begin() as conn:  # someone (an import, say) touches the superseded CRM value afterwards
        crm = conn.execute(select(field_value).where(field_value.c.id == seeded.acme_industry_crm)).one()
        conn.execute(
            field_value.update()
            .where(field_value.c.id == crm.id)
            .values(version=crm.version + 1, reason="re-import")
        )
    with pytest.raises(ConflictError, match="changed after event"), store.begin() as conn:
        undo(conn, decision.event_id, actor="alice", now=NOW)
    assert field_value_row(store, seeded.acme_industry).status == "accepted", "nothing was half undone"


def _score_row(engine: Engine, account_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(score).where(score.c.entity_type == "account", score.c.entity_id == account_id)
        ).one()


def test_a_decision_rescores_the_account_with_the_configured_ruleset(store: Engine) -> None:
    seeded = seed_review_queue(store)
    scorer = load_account_scorer(load_settings())
    assert isinstance(scorer, RulesetScorer), "the bundled example ruleset is the default"
    with store.begin() as conn:
        scorer.rescore(conn, seeded.acme)
    before = _score_row(store, seeded.acme)
    assert before.ruleset_name == "saas-icp" and before.band is not None
    with store.begin() as conn:
        approve(conn, seeded.acme_industry, actor="alice", now=NOW, scorer=scorer)
    after = _score_row(store, seeded.acme)
    assert after.fit_min == before.fit_min + 25, "the 'target industry' rule now fires for Software"
    fired = [
        line["label"] for line in after.explanation["explanation"]["fit_rules"] if line["outcome"] == "fired"
    ]
    assert "target industry" in fired


def test_preview_says_how_accepting_a_value_would_move_band_and_tier(store: Engine) -> None:
    seeded = seed_review_queue(store)
    scorer = load_account_scorer(load_settings())
    assert scorer is not None
    with store.connect() as conn:
        change = preview_score_change(conn, scorer, seeded.acme, "employee_count", 5000)
        unchanged = preview_score_change(conn, scorer, seeded.acme, "city", "Hamburg")
        assert preview_score_change(conn, None, seeded.acme, "city", "Hamburg") is None
    assert change is not None and change.ruleset.startswith("saas-icp@")
    assert (change.band_before, change.tier_before) != (change.band_after, change.tier_after)
    assert unchanged is not None
    assert (unchanged.band_before, unchanged.tier_before) == (unchanged.band_after, unchanged.tier_after)


def test_a_configured_ruleset_that_cannot_be_used_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the ruleset"):
        load_account_scorer(load_settings(ruleset=tmp_path / "missing.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text('[ruleset]\nname = "x"\nversion = 1\n[[fit.rule]]\nwhen = "employes > 5"\npoints = 1\n')
    with pytest.raises(InputError) as raised:
        load_account_scorer(load_settings(ruleset=broken))
    assert any("employes" in problem.reason for problem in raised.value.problems)
