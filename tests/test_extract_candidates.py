"""Decisions become field_value rows through the store's Candidate, in the data contract's value forms."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from enrich.confidence import decide
from enrich.extract import Page, extract_page, findings_by_field
from enrich.extract.candidates import candidate_from
from enrich.store.schema import account
from enrich.store.values import record_value, values_for

NOW = datetime(2025, 6, 1, tzinfo=UTC)
HOMEPAGE = (
    '<script type="application/ld+json">{"@type": "Organization", "numberOfEmployees": {"@type":'
    ' "QuantitativeValue", "minValue": 1200}, "foundingDate": "1998"}</script><p>Founded in 1998.</p>'
)


def test_accepted_lower_bound_is_stored_as_an_open_range_with_its_evidence(store: Engine) -> None:
    page = Page("https://acme.example/", "https://acme.example/", HOMEPAGE, "a" * 64, NOW)
    grouped = findings_by_field([extract_page(page, now=NOW)])
    with store.begin() as conn:
        account_id = conn.execute(
            insert(account)
            .values(
                name="Acme", domain="acme.example", source="manual", custom={}, created_at=NOW, updated_at=NOW
            )
            .returning(account.c.id)
        ).scalar_one()
        for field in ("employee_count", "founded_year"):
            for decision in decide(grouped[field], 0.8, now=NOW, own_domain="acme.example"):
                candidate, status = candidate_from(decision)
                record_value(conn, "account", account_id, candidate, status=status, now=NOW)
        row = conn.execute(select(account).where(account.c.id == account_id)).one()
        stored = values_for(conn, "account", account_id, "employee_count")
    assert (row.employee_count, row.employee_count_range, row.founded_year) == (None, "1200+", 1998)
    [employees] = stored
    assert employees.candidate.value == {"min": 1200, "max": None}
    assert employees.candidate.evidence is not None
    assert HOMEPAGE[employees.candidate.evidence_start : employees.candidate.evidence_end] == (
        employees.candidate.evidence
    )
    assert employees.candidate.reason is not None and employees.candidate.reason.startswith("at_least")
