"""enrich.store.values: the rules for recording field values and the account column cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, insert, select

from enrich.store.schema import account
from enrich.store.values import (
    Candidate,
    accepted_value,
    current_values,
    record_value,
    refresh_account_columns,
    values_for,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def new_account(conn: Connection, name: str = "Acme") -> int:
    row = {"name": name, "source": "manual", "custom": {}, "created_at": NOW, "updated_at": NOW}
    return int(conn.execute(insert(account).returning(account.c.id), row).scalar_one())


def crm(field: str, value: object, text: str | None = None) -> Candidate:
    return Candidate(field, value, text or str(value), 1.0, "crm", extractor="crm:generic")  # type: ignore[arg-type]


def found(field: str, value: object, confidence: float = 0.9, source_kind: str = "jsonld") -> Candidate:
    return Candidate(
        field, value, str(value), confidence, source_kind,  # type: ignore[arg-type]
        source_url="https://acme.example/about", evidence=f"{field}: {value}", extractor="jsonld",
    )  # fmt: skip


def column(conn: Connection, account_id: int, name: str) -> object:
    return conn.execute(select(account.c[name]).where(account.c.id == account_id)).scalar_one()


def test_accepted_value_refreshes_the_account_column(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        value_id = record_value(
            conn, "account", account_id, crm("industry", "Software"), status="accepted", now=NOW
        )
        assert column(conn, account_id, "industry") == "Software"
        stored = accepted_value(conn, "account", account_id, "industry")
    assert stored is not None and stored.id == value_id
    assert (stored.status, stored.candidate.source_kind, stored.observed_at) == (
        "accepted", "crm", NOW,
    )  # fmt: skip


def test_ranges_go_to_the_range_column_with_the_exact_column_empty(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        record_value(conn, "account", account_id, crm("employee_count", 120), status="accepted", now=NOW)
        later = NOW + timedelta(days=1)
        record_value(
            conn, "account", account_id, crm("employee_count", {"min": 50, "max": 200}, "50-200"),
            status="accepted", now=later,
        )  # fmt: skip
        exact, text = (
            column(conn, account_id, "employee_count"),
            column(conn, account_id, "employee_count_range"),
        )
        assert (exact, text) == (None, "50-200")
        history = values_for(conn, "account", account_id, "employee_count")
    assert [(v.candidate.value, v.status) for v in history] == [
        ({"min": 50, "max": 200}, "accepted"),
        (120, "superseded"),
    ]


def test_evidence_value_never_replaces_a_crm_value_it_disagrees_with(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        record_value(conn, "account", account_id, crm("employee_count", 120), status="accepted", now=NOW)
        value_id = record_value(
            conn, "account", account_id, found("employee_count", 450), status="accepted", now=NOW
        )
        assert column(conn, account_id, "employee_count") == 120
        (stored,) = [v for v in values_for(conn, "account", account_id) if v.id == value_id]
    assert stored.status == "pending_review"
    assert stored.candidate.reason == "conflicts with CRM value '120'"


def test_evidence_value_that_agrees_with_crm_is_kept_as_accepted_corroboration(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        record_value(conn, "account", account_id, crm("country", "DE"), status="accepted", now=NOW)
        record_value(conn, "account", account_id, found("country", "DE"), status="accepted", now=NOW)
        statuses = sorted(
            (v.candidate.source_kind, v.status) for v in values_for(conn, "account", account_id)
        )
    assert statuses == [("crm", "accepted"), ("jsonld", "accepted")]


def test_reviewer_value_wins_over_crm_and_crm_history_stays(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        record_value(conn, "account", account_id, crm("industry", "Software"), status="accepted", now=NOW)
        edit = Candidate("industry", "Fintech", "Fintech", 1.0, "reviewer", reason="checked the imprint")
        record_value(conn, "account", account_id, edit, status="accepted", now=NOW, decided_by="maria")
        record_value(conn, "account", account_id, crm("industry", "SaaS"), status="accepted", now=NOW)
        assert column(conn, account_id, "industry") == "Fintech"
        blocked = record_value(
            conn, "account", account_id, found("industry", "Banking"), status="accepted", now=NOW
        )
        rows = {v.id: v for v in values_for(conn, "account", account_id, "industry")}
    assert rows[blocked].candidate.reason == "conflicts with reviewer value 'Fintech'"
    assert sorted((v.candidate.value, v.status) for v in rows.values()) == [
        ("Banking", "pending_review"),
        ("Fintech", "accepted"),
        ("SaaS", "accepted"),
        ("Software", "superseded"),
    ]
    reviewer = next(v for v in rows.values() if v.candidate.source_kind == "reviewer")
    assert reviewer.decided_by == "maria" and reviewer.decided_at is not None


def test_among_evidence_sources_the_newer_accepted_value_supersedes_a_different_one(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        record_value(conn, "account", account_id, found("city", "Bonn", 0.95), status="accepted", now=NOW)
        record_value(
            conn, "account", account_id, found("city", "Köln", 0.90, "llm"), status="accepted", now=NOW
        )
        assert column(conn, account_id, "city") == "Köln"
        assert [v.status for v in values_for(conn, "account", account_id, "city")] == [
            "accepted",
            "superseded",
        ]


def test_pending_values_leave_the_columns_alone_and_show_in_current_values(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        record_value(
            conn, "account", account_id, found("founded_year", 1999, 0.6), status="pending_review", now=NOW
        )
        assert column(conn, account_id, "founded_year") is None
        current = current_values(conn, "account", [account_id])
    assert current[account_id]["founded_year"].status == "pending_review"


def test_refresh_leaves_fields_without_values_alone_and_reports_what_changed(store: Engine) -> None:
    with store.begin() as conn:
        account_id = new_account(conn)
        conn.execute(account.update().values(city="Set elsewhere"))
        record_value(conn, "account", account_id, crm("industry", "Software"), status="accepted", now=NOW)
        assert refresh_account_columns(conn, account_id, now=NOW) == {}
        assert column(conn, account_id, "city") == "Set elsewhere"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"confidence": 1.5}, "between 0 and 1"), ({"source_kind": "guess"}, "unknown source_kind")],
)
def test_candidates_refuse_impossible_provenance(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "field": "city", "value": "Bonn", "value_text": "Bonn", "confidence": 0.5, "source_kind": "llm",
    }  # fmt: skip
    with pytest.raises(ValueError, match=message):
        Candidate(**{**arguments, **kwargs})  # type: ignore[arg-type]


def test_unknown_status_is_refused(store: Engine) -> None:
    with store.begin() as conn, pytest.raises(ValueError, match="unknown status"):
        record_value(conn, "account", new_account(conn), crm("city", "Bonn"), status="maybe", now=NOW)
