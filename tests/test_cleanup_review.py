"""Merge proposals in the review queue: ``leadscore merges`` in the terminal and the /merges pages of the
review UI (reviewers only, CSRF, optimistic locking, hostile names escaped)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from enrich.cleanup.model import MergePlan
from enrich.store.merges import record_proposals
from enrich.store.schema import review_event
from enrich.web.app import WebConfig, create_app
from enrich.web.auth import LoginThrottle, add_reviewer
from tests.cleanup_data import NOW, add_account, add_contacts, column
from tests.conftest import CliResult
from tests.crm_support import flat
from tests.test_review_web import csrf_of, log_in, post_form

PASSWORD = "correct horse battery"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
HOSTILE = "<script>alert(1)</script> GmbH"
Cli = Callable[..., CliResult]


def proposals(store: Engine) -> tuple[int, int, int, int]:
    """Two proposals: keep ← twin (same domain), keep ← hostile-named look-alike."""
    keep = add_account(
        store, "Acme Software GmbH", crm_id="A1", domain="acme.de", country="DE", city="Berlin"
    )
    twin = add_account(store, "Acme Software", crm_id="A2", domain="acme.de", country="DE", city="Berlin",
                       employee_count=50)  # fmt: skip
    other = add_account(store, HOSTILE, domain="acme.de", country="DE", city="Berlin")
    add_contacts(store, twin, 2)
    plans = [
        MergePlan(keep, twin, "", "", 0.93, {"basis": "domain", "name_similarity": 0.8}, automatic=False),
        MergePlan(keep, other, "", "", 0.86, {"basis": "domain", "name_similarity": 0.5}, automatic=False),
    ]
    with store.begin() as conn:
        ids = record_proposals(conn, plans, run_id=None, now=NOW)
    return keep, twin, ids[(keep, twin)], ids[(keep, other)]


def test_merges_list_show_approve_and_reject_from_the_terminal(
    store: Engine, sqlite_url: str, run_cli: Cli
) -> None:
    keep, twin, first, second = proposals(store)
    status = run_cli("--db", sqlite_url, "status", "--json")
    assert json.loads(status.stdout)["pending_merges"] == 2, "status counts the merges awaiting review"
    listed = run_cli("--db", sqlite_url, "merges", "list", "--json")
    assert [item["id"] for item in json.loads(listed.stdout)] == [first, second], "most similar first"
    shown = run_cli("--db", sqlite_url, "merges", "show", str(first))
    assert shown.exit_code == 0 and "employee_count" in shown.stdout and "A2" in shown.stdout
    approved = run_cli(
        "--db", sqlite_url, "merges", "approve", str(first), "--as", "alice", "--reason", "same firm"
    )
    assert approved.exit_code == 0, approved.output
    assert f"merged proposal {first}: account {twin} into {keep} (2 contacts" in flat(approved.stdout)
    assert column(store, twin, "merged_into_id") == keep and column(store, keep, "employee_count") == 50
    rejected = run_cli("--db", sqlite_url, "merges", "reject", str(second), "--as", "bob")
    assert rejected.exit_code == 0
    twice = run_cli("--db", sqlite_url, "merges", "approve", str(second))
    assert twice.exit_code == 2 and "already rejected by bob" in flat(twice.stderr)
    missing = run_cli("--db", sqlite_url, "merges", "show", "999")
    assert missing.exit_code == 2 and "no merge proposal with id 999" in missing.stderr
    bad = run_cli("--db", sqlite_url, "merges", "list", "--status", "maybe")
    assert bad.exit_code == 2 and "unknown status 'maybe'" in bad.stderr
    history = json.loads(run_cli("--db", sqlite_url, "review", "history", "--json").stdout)
    assert [(event["action"], event["actor"]) for event in history] == [
        ("reject_merge", "bob"),
        ("merge", "alice"),
    ]


@pytest.fixture
def client(store: Engine) -> Iterator[TestClient]:
    with store.begin() as conn:
        add_reviewer(conn, "alice", PASSWORD, now=NOW, hasher=FAST_HASHER)
    config = WebConfig(
        engine=store, secret_key=b"k" * 32, secure_cookies=False, clock=lambda: NOW,
        throttle=LoginThrottle(), password_hasher=FAST_HASHER,
    )  # fmt: skip
    with TestClient(create_app(config), follow_redirects=False) as client:
        yield client


def test_the_merge_pages_need_a_reviewer(store: Engine, client: TestClient) -> None:
    _, _, first, _ = proposals(store)
    for path in ("/merges", f"/merges/{first}"):
        assert client.get(path).status_code == 303
    assert client.post(f"/merges/{first}/approve", data={}).status_code in (303, 403)


def test_a_reviewer_compares_and_merges_in_the_browser(store: Engine, client: TestClient) -> None:
    keep, twin, first, second = proposals(store)
    assert log_in(client, "alice", PASSWORD).status_code == 303
    listing = client.get("/merges")
    assert listing.status_code == 200 and "2 pending" in listing.text
    assert "<script>alert(1)</script>" not in listing.text and "&lt;script&gt;" in listing.text
    page = client.get(f"/merges/{first}")
    assert page.status_code == 200 and "differs" in page.text and "Merge" in page.text
    merged = post_form(client, f"/merges/{first}", f"/merges/{first}/approve", version=1, reason="same firm")
    assert merged.status_code == 303 and merged.headers["location"] == "/merges"
    assert f"Merged account {twin} into {keep}" in client.get("/merges").text
    assert column(store, twin, "merged_into_id") == keep
    stale_form = post_form(client, f"/merges/{second}", f"/merges/{second}/reject", version=7)
    assert stale_form.status_code == 409 and "changed since you loaded it" in stale_form.text
    no_token = client.post(f"/merges/{second}/reject", data={"version": "1"})
    assert no_token.status_code == 403
    rejected = post_form(client, f"/merges/{second}", f"/merges/{second}/reject", version=1)
    assert rejected.status_code == 303
    with store.connect() as conn:
        actions = list(conn.scalars(select(review_event.c.action).order_by(review_event.c.id)))
    assert actions == ["merge", "reject_merge"]
    assert "No merge proposals await review" in client.get("/merges").text
    assert csrf_of(client.get("/merges"))
