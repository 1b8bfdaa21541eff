"""Merging two accounts: one transaction that moves contacts, activities and field histories, records the
merged CRM ids, and leaves nothing half-done when it fails — on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from enrich.cleanup.merge import apply_merge, reject_merge
from enrich.cleanup.model import MergePlan
from enrich.errors import ConflictError
from enrich.store.db import check_schema, create_store_engine
from enrich.store.merges import get_merge, list_merges, record_proposals
from enrich.store.schema import account, activity, contact, field_value, handoff, review_event
from tests.cleanup_data import NOW, add_account, add_contacts, column, values_of
from tests.crm_support import dump_tables


class Crash(Exception):
    """Stands for the process dying half-way through a merge."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Engine]:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_store_engine(url)
    check_schema(engine)
    yield engine
    engine.dispose()


def propose(engine: Engine, keep_id: int, merge_id: int, similarity: float = 0.9) -> int:
    plan = MergePlan(keep_id, merge_id, "keep", "merge", similarity, {"basis": "domain"}, automatic=False)
    with engine.begin() as conn:
        return record_proposals(conn, [plan], run_id=None, now=NOW)[(keep_id, merge_id)]


def pair(engine: Engine) -> tuple[int, int]:
    keep = add_account(engine, "Acme Software GmbH", crm_id="0011A", domain="acme.de", country="DE",
                       industry="Software", employee_count=120)  # fmt: skip
    merge = add_account(engine, "ACME Software", crm_id="0011B", domain="acme.de", country="DE",
                        industry="IT Services", city="Berlin", founded_year=2004)  # fmt: skip
    add_contacts(engine, keep, 2, activities_each=1)
    add_contacts(engine, merge, 3, activities_each=2)
    return keep, merge


def count(engine: Engine, table: object, *conditions: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table).where(*conditions)) or 0)  # type: ignore[arg-type]


def test_a_merge_moves_everything_and_records_the_merged_crm_ids(engine: Engine) -> None:
    keep, merge = pair(engine)
    with engine.begin() as conn:
        conn.execute(insert(handoff).values(account_id=merge, kind="pick", rep="rita", handed_at=NOW))
    proposal = propose(engine, keep, merge)
    with engine.begin() as conn:
        outcome = apply_merge(conn, proposal, actor="alice", now=NOW, reason="same domain, same company")
    assert outcome.status == "merged" and (outcome.keep_id, outcome.merge_id) == (keep, merge)
    assert (
        outcome.moved["contacts"] == 3 and outcome.moved["activities"] == 6 and outcome.moved["handoff"] == 1
    )
    assert count(engine, contact, contact.c.account_id == keep) == 5
    assert count(engine, activity, activity.c.account_id == merge) == 0
    assert count(engine, field_value, field_value.c.entity_id == merge) == 0, (
        "histories moved with the account"
    )
    assert column(engine, merge, "merged_into_id") == keep and column(engine, merge, "crm_id") == "0011B"
    # the kept account's values stay in force; what only the merged one knew fills its gaps
    assert column(engine, keep, "industry") == "Software" and column(engine, keep, "city") == "Berlin"
    assert column(engine, keep, "founded_year") == 2004 and column(engine, keep, "employee_count") == 120
    industries = [(row["value"], row["status"]) for row in values_of(engine, keep, "industry")]
    assert industries == [("Software", "accepted"), ("IT Services", "superseded")]
    with engine.connect() as conn:
        item = get_merge(conn, proposal)
        event = conn.execute(select(review_event).where(review_event.c.merge_proposal_id == proposal)).one()
        assert conn.scalar(select(handoff.c.account_id).where(handoff.c.rep == "rita")) == keep
    assert item is not None and item.status == "merged" and item.decided_by == "alice"
    assert item.merged_crm_ids == {"kept": "0011A", "merged": ["0011B"]}
    assert item.result is not None and len(item.result["contacts"]) == 3
    assert (event.action, event.actor, event.reason) == ("merge", "alice", "same domain, same company")


@pytest.mark.parametrize("crash_after", ["contacts", "activities", "field_values", "account", "proposal"])
def test_a_merge_that_dies_half_way_leaves_nothing_half_applied(engine: Engine, crash_after: str) -> None:
    keep, merge = pair(engine)
    proposal = propose(engine, keep, merge)
    before = dump_tables(engine)

    def crash(step: str) -> None:
        if step == crash_after:
            raise Crash(step)

    with pytest.raises(Crash), engine.begin() as conn:
        apply_merge(conn, proposal, actor="cleanup", now=NOW, step_hook=crash)
    assert dump_tables(engine) == before, f"a crash after {crash_after!r} left part of the merge behind"
    with engine.begin() as conn:  # the next attempt finishes the job
        assert apply_merge(conn, proposal, actor="cleanup", now=NOW).status == "merged"
    assert count(engine, contact, contact.c.account_id == keep) == 5


def test_a_merge_decided_meanwhile_or_at_an_old_version_is_refused(engine: Engine) -> None:
    keep, merge = pair(engine)
    proposal = propose(engine, keep, merge)
    with engine.begin() as conn:
        reject_merge(conn, proposal, actor="bob", now=NOW, reason="two different firms")
    with pytest.raises(ConflictError, match="already rejected by bob"), engine.begin() as conn:
        apply_merge(conn, proposal, actor="alice", now=NOW)
    other = propose(engine, keep, add_account(engine, "Acme Software", domain="acme.de"))
    with pytest.raises(ConflictError, match="changed since you loaded it"), engine.begin() as conn:
        apply_merge(conn, other, actor="alice", now=NOW, expected_version=7)


def test_a_rejected_or_merged_pair_is_never_proposed_again_either_way_round(engine: Engine) -> None:
    keep, merge = pair(engine)
    proposal = propose(engine, keep, merge)
    with engine.begin() as conn:
        reject_merge(conn, proposal, actor="bob", now=NOW)
        again = MergePlan(merge, keep, "", "", 0.99, {}, automatic=True)
        assert record_proposals(conn, [again], run_id=None, now=NOW + timedelta(days=1)) == {}
        assert list_merges(conn) == []


def test_merges_in_a_chain_land_on_the_surviving_account(engine: Engine) -> None:
    a = add_account(engine, "Acme", crm_id="A")
    b = add_account(engine, "ACME", crm_id="B")
    c = add_account(engine, "Acme Inc", crm_id="C")
    add_contacts(engine, c, 1)
    first, second, third = propose(engine, a, b), propose(engine, b, c), propose(engine, a, c)
    with engine.begin() as conn:
        apply_merge(conn, first, actor="cleanup", now=NOW)
        chained = apply_merge(conn, second, actor="cleanup", now=NOW)
        done = apply_merge(conn, third, actor="cleanup", now=NOW)
    assert (chained.status, chained.keep_id, chained.merge_id) == ("merged", a, c)
    assert done.status == "superseded", "both accounts already are one"
    assert column(engine, c, "merged_into_id") == a and count(engine, contact, contact.c.account_id == a) == 1
    with engine.connect() as conn:
        assert get_merge(conn, second).merged_crm_ids == {"kept": "A", "merged": ["C"]}  # type: ignore[union-attr]
        merged = conn.scalars(
            select(account.c.crm_id).where(account.c.merged_into_id == a).order_by(account.c.id)
        )
        assert list(merged) == ["B", "C"]
