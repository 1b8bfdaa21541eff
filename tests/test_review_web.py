"""The review web UI (`leadscore serve`): every action, authentication, CSRF, hostile content, headers."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select

from enrich.review import ScoreChange
from enrich.store.schema import field_value, review_event
from enrich.web.app import SECURITY_HEADERS, WebConfig, create_app, safe_next
from enrich.web.auth import LoginThrottle, add_reviewer, set_reviewer_disabled
from enrich.web.detail import quote_in_context, web_link
from enrich.web.session import SESSION_COOKIE
from tests.review_data import (
    ATTRIBUTE_BREAKOUT,
    NOW,
    SCRIPT,
    Seeded,
    account_row,
    events_for,
    field_value_row,
    seed_review_queue,
)

PASSWORD = "correct horse battery"
# Cheap argon2 parameters: the production ones take ~0.2 s per hash, too slow for dozens of logins.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class Response(Protocol):
    """What the tests read of a TestClient response (its class lives in httpx or httpx2)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


class GateScorer:
    """A scorer stand-in that records re-scores and can hold the first one until released."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.rescored: list[int] = []
        self.hold_first = hold_first
        self.entered = threading.Event()
        self.release = threading.Event()

    def rescore(self, conn: Connection, account_id: int) -> None:
        self.rescored.append(account_id)
        if self.hold_first and len(self.rescored) == 1:
            self.entered.set()
            assert self.release.wait(20), "test never released the held decision"

    def preview(self, conn: Connection, account_id: int, field: str, value: object) -> ScoreChange | None:
        return ScoreChange("saas-icp@3", "yellow", "mid_market", "green", "mid_market")


@dataclass
class Rig:
    engine: Engine
    seeded: Seeded
    scorer: GateScorer
    config: WebConfig
    clients: list[TestClient] = field(default_factory=list)

    def client(self, *, config: WebConfig | None = None) -> TestClient:
        client = TestClient(create_app(config or self.config), follow_redirects=False)
        self.clients.append(client)
        return client

    def logged_in(self, username: str = "alice") -> TestClient:
        client = self.client()
        response = log_in(client, username, PASSWORD)
        assert response.status_code == 303, response.text
        return client


def csrf_of(response: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found, f"no CSRF token in page:\n{response.text[:500]}"
    return found.group(1)


def log_in(client: TestClient, username: str, password: str, next_path: str = "/queue") -> Response:
    token = csrf_of(client.get("/login"))
    form = {"csrf_token": token, "username": username, "password": password, "next": next_path}
    return client.post("/login", data=form)


def post_form(client: TestClient, page: str, action: str, **fields: object) -> Response:
    """Submit a form the way a browser does: with the CSRF token of a page just loaded."""
    token = csrf_of(client.get(page))
    return client.post(action, data={"csrf_token": token, **{k: str(v) for k, v in fields.items()}})


@pytest.fixture
def rig(store: Engine) -> Iterator[Rig]:
    seeded = seed_review_queue(store)
    with store.begin() as conn:
        for name in ("alice", "bob", "carol"):
            add_reviewer(conn, name, PASSWORD, now=NOW, hasher=FAST_HASHER)
        set_reviewer_disabled(conn, "carol", disabled=True)
    scorer = GateScorer()
    config = WebConfig(
        engine=store,
        secret_key=b"k" * 32,
        secure_cookies=False,
        scorer=scorer,
        clock=lambda: NOW,
        throttle=LoginThrottle(max_failures_per_user=3, max_failures_per_address=50),
        password_hasher=FAST_HASHER,
    )
    rig = Rig(store, seeded, scorer, config)
    yield rig
    for client in rig.clients:
        client.close()


def _value_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(field_value).order_by(field_value.c.id)))


def _event_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(review_event)) or 0)


# ---------------------------------------------------------------- authentication


def test_pages_without_a_session_redirect_to_login_with_the_page_as_next(rig: Rig) -> None:
    client = rig.client()
    for path in ("/queue?field=industry", f"/values/{rig.seeded.acme_industry}", "/history"):
        response = client.get(path)
        assert response.status_code == 303, path
        location = urlsplit(response.headers["location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == [path]


def test_login_with_right_password_reaches_the_requested_page(rig: Rig) -> None:
    client = rig.client()
    response = log_in(client, "alice", PASSWORD, next_path="/history")
    assert response.status_code == 303 and response.headers["location"] == "/history"
    assert client.get("/history").status_code == 200


def test_login_with_wrong_password_or_unknown_name_is_refused(rig: Rig) -> None:
    client = rig.client()
    for username, password in (("alice", "wrong password!"), ("mallory", PASSWORD)):
        response = log_in(client, username, password)
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
    assert client.get("/queue").status_code == 303


def test_disabled_reviewer_cannot_log_in_and_open_sessions_end(rig: Rig) -> None:
    assert log_in(rig.client(), "carol", PASSWORD).status_code == 401
    bob = rig.logged_in("bob")
    assert bob.get("/queue").status_code == 200
    with rig.engine.begin() as conn:
        set_reviewer_disabled(conn, "bob", disabled=True)
    assert bob.get("/queue").status_code == 303


def test_repeated_failed_logins_are_throttled_per_username(rig: Rig) -> None:
    client = rig.client()
    for _ in range(3):
        assert log_in(client, "alice", "not the password").status_code == 401
    throttled = log_in(client, "alice", PASSWORD)
    assert throttled.status_code == 429 and "Too many failed logins" in throttled.text
    assert log_in(client, "bob", PASSWORD).status_code == 303, "other reviewers are not locked out"


def test_login_throttle_window_expires(rig: Rig) -> None:
    clock = [0.0]
    throttle = LoginThrottle(max_failures_per_user=2, window_s=60, clock=lambda: clock[0])
    keys = throttle.keys("Alice", "127.0.0.1")
    throttle.failed(keys)
    throttle.failed(keys)
    assert throttle.retry_after(throttle.keys("alice", "10.0.0.1")) == pytest.approx(60)
    clock[0] = 61.0
    assert throttle.retry_after(keys) is None


def test_logout_ends_the_session(rig: Rig) -> None:
    client = rig.logged_in()
    assert post_form(client, "/queue", "/logout").status_code == 303
    assert client.get("/queue").status_code == 303


def test_forged_or_foreign_session_cookie_is_ignored(rig: Rig) -> None:
    alice = rig.logged_in()
    cookie = alice.cookies[SESSION_COOKIE]
    tampered = rig.client()
    tampered.cookies.set(SESSION_COOKIE, cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    assert tampered.get("/queue").status_code == 303
    other_server = rig.client(config=replace(rig.config, secret_key=b"o" * 32))
    other_server.cookies.set(SESSION_COOKIE, cookie)
    assert other_server.get("/queue").status_code == 303


def test_login_next_parameter_only_redirects_to_local_paths(rig: Rig) -> None:
    for target in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\x00x",
    ):
        assert safe_next(target) == "/queue", target
        response = log_in(rig.client(), "alice", PASSWORD, next_path=target)
        assert response.headers["location"] == "/queue", target
    assert safe_next("/values/3?x=1") == "/values/3?x=1"


def test_session_cookie_is_httponly_samesite_strict_and_secure_unless_loopback_http(rig: Rig) -> None:
    plain = rig.client().get("/login").headers["set-cookie"].lower()
    assert (
        "httponly" in plain and "samesite=strict" in plain and "secure" not in plain.replace("httponly", "")
    )
    secure = (
        rig.client(config=replace(rig.config, secure_cookies=True))
        .get("/login")
        .headers["set-cookie"]
        .lower()
    )
    assert "; secure" in secure and "httponly" in secure and "samesite=strict" in secure


# ---------------------------------------------------------------- CSRF


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    rig: Rig, token: str | None
) -> None:
    client = rig.logged_in()
    before = _value_rows(rig.engine)
    target = rig.seeded.acme_industry
    form = {"version": "1"} if token is None else {"version": "1", "csrf_token": token}
    for action in (f"/values/{target}/approve", f"/values/{target}/reject", "/queue/approve"):
        response = client.post(action, data=form)
        assert response.status_code == 403, action
        assert "security token" in response.text
    response = client.post(f"/values/{target}/edit", data=form | {"value": "Retail"})
    assert response.status_code == 403
    assert _value_rows(rig.engine) == before and _event_count(rig.engine) == 0


def test_csrf_token_of_another_session_is_refused(rig: Rig) -> None:
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    bobs_token = csrf_of(bob.get("/queue"))
    response = alice.post(f"/values/{rig.seeded.acme_industry}/approve", data={"csrf_token": bobs_token})
    assert response.status_code == 403
    assert field_value_row(rig.engine, rig.seeded.acme_industry).status == "pending_review"


def test_login_form_needs_its_csrf_token_too(rig: Rig) -> None:
    response = rig.client().post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 403


# ---------------------------------------------------------------- the queue


def _ids_on(page: Response) -> list[int]:
    return [int(match) for match in re.findall(r'<td><a href="/values/(\d+)">', page.text)]


def test_queue_lists_pending_values_and_filters_by_field_confidence_and_account(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    everything = client.get("/queue")
    assert everything.status_code == 200 and "5 pending" in everything.text
    assert _ids_on(everything) == [
        seeded.initech_city,
        seeded.acme_industry,
        seeded.acme_employees,
        seeded.globex_industry,
        seeded.globex_country,
    ]
    assert _ids_on(client.get("/queue?field=industry")) == [seeded.acme_industry, seeded.globex_industry]
    assert _ids_on(client.get("/queue?min_confidence=0.9")) == [seeded.globex_country]
    assert set(_ids_on(client.get("/queue?account=globex"))) == {
        seeded.globex_industry,
        seeded.globex_country,
    }
    assert _ids_on(client.get("/queue?min_confidence=abc&sort=bogus")) == _ids_on(everything)


def test_queue_sorts_by_confidence_age_and_field(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    assert _ids_on(client.get("/queue?sort=confidence&order=desc"))[0] == seeded.globex_country
    assert _ids_on(client.get("/queue?sort=age&order=asc"))[0] == seeded.acme_employees
    fields = re.findall(r"<td><code>([a-z_]+)</code></td>", client.get("/queue?sort=field").text)
    assert fields == sorted(fields)


def test_approve_from_the_queue_keeps_the_filters_and_writes_an_audit_event(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    here = "/queue?field=industry"
    response = post_form(client, here, f"/values/{seeded.globex_industry}/approve", version=1, next=here)
    assert response.status_code == 303 and response.headers["location"] == here
    row = field_value_row(rig.engine, seeded.globex_industry)
    assert (row.status, row.decided_by, row.source_kind) == ("accepted", "alice", "jsonld")
    (event,) = events_for(rig.engine, seeded.globex_industry)
    assert (event.action, event.actor) == ("approve", "alice")
    assert rig.scorer.rescored == [seeded.globex], "the account is re-scored after the decision"
    follow = client.get(here)
    assert f"Approved value {seeded.globex_industry} (event {event.id})." in follow.text
    assert seeded.globex_industry not in _ids_on(follow)


def test_bulk_approve_approves_what_the_filters_match(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    form = {"min_confidence": "0.8", "expected_count": 2, "reason": "structured data"}
    response = post_form(client, "/queue?min_confidence=0.8", "/queue/approve", **form)
    assert response.status_code == 303
    for value_id in (seeded.globex_industry, seeded.globex_country):
        row = field_value_row(rig.engine, value_id)
        assert (row.status, row.decided_by, row.reason) == ("accepted", "alice", "structured data")
    assert field_value_row(rig.engine, seeded.acme_industry).status == "pending_review"
    assert "Approved 2 values" in client.get(response.headers["location"]).text


def test_bulk_approve_is_refused_when_the_queue_changed_since_it_was_shown(rig: Rig) -> None:
    client = rig.logged_in()
    before = _value_rows(rig.engine)
    response = post_form(client, "/queue", "/queue/approve", field="industry", expected_count=3)
    assert response.status_code == 409 and "the queue changed" in response.text
    assert _value_rows(rig.engine) == before


# ---------------------------------------------------------------- the detail page


def test_detail_page_shows_quote_in_page_context_source_link_candidates_and_score(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    page = client.get(f"/values/{seeded.acme_industry}")
    assert page.status_code == 200
    assert "<mark>Acme builds routing software for mid-sized freight forwarders</mark>" in page.text
    context = re.search(r'<blockquote class="context">(.*?)</blockquote>', page.text, re.S)
    assert context and 500 < len(context.group(1)) < 700, "±300 characters of page text around the quote"
    assert (
        '<a href="https://acme.example/about" rel="noopener noreferrer nofollow" target="_blank">'
        in page.text
    )
    assert f'<a href="/values/{seeded.acme_industry_crm}">' in page.text and "Logistics" in page.text
    assert "saas-icp@3" in page.text and "yellow" in page.text and "mid_market" in page.text
    assert "band yellow → <strong>green</strong>" in page.text, "preview of the decision's effect"
    assert client.get("/values/999999").status_code == 404


def test_detail_page_without_scorer_says_the_account_is_rescored_after_the_decision(rig: Rig) -> None:
    client = rig.client(config=replace(rig.config, scorer=None))
    log_in(client, "alice", PASSWORD)
    page = client.get(f"/values/{rig.seeded.acme_employees}")
    assert "re-scored after the decision" in page.text and "yellow" in page.text


def test_quote_is_located_by_search_when_offsets_do_not_match_and_shown_alone_when_missing() -> None:
    text = "x" * 1000 + "the quote" + "y" * 1000
    by_offsets = quote_in_context(text, "the quote", 1000, 1009)
    assert by_offsets and by_offsets.quote == "the quote" and len(by_offsets.before) == 300
    by_search = quote_in_context(text, "the quote", 5, 14)
    assert by_search and by_search.located and by_search.before == "x" * 300 and by_search.clipped_after
    missing = quote_in_context(text, "not there", None, None)
    assert missing and not missing.located and missing.quote == "not there"
    assert quote_in_context(None, None, None, None) is None


def test_reject_and_edit_from_the_detail_page(rig: Rig) -> None:
    client, seeded = rig.logged_in("bob"), rig.seeded
    page = f"/values/{seeded.initech_city}"
    rejected = post_form(client, page, f"{page}/reject", version=1, reason="not a city", next="/queue")
    assert rejected.status_code == 303
    assert field_value_row(rig.engine, seeded.initech_city).status == "rejected"
    page = f"/values/{seeded.acme_employees}"
    edited = post_form(client, page, f"{page}/edit", version=1, value="230", reason="imprint says 230")
    assert edited.status_code == 303
    (event,) = events_for(rig.engine, seeded.acme_employees)
    new = field_value_row(rig.engine, event.after["new_value_id"])
    assert (new.value, new.source_kind, new.confidence, new.decided_by) == (230, "reviewer", 1.0, "bob")
    assert account_row(rig.engine, seeded.acme).employee_count == 230
    bad = post_form(
        client, f"/values/{seeded.globex_country}", f"/values/{seeded.globex_country}/edit", value="Narnia"
    )
    assert bad.status_code == 400 and "not an ISO 3166 country" in bad.text


def test_undo_from_the_history_page_and_a_second_undo_is_refused(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    before = field_value_row(rig.engine, seeded.acme_industry)
    post_form(client, "/queue", f"/values/{seeded.acme_industry}/approve", version=1)
    assert account_row(rig.engine, seeded.acme).industry == "Software"
    (event,) = events_for(rig.engine, seeded.acme_industry)
    history = client.get("/history")
    assert f'action="/events/{event.id}/undo"' in history.text
    undone = post_form(client, "/history", f"/events/{event.id}/undo")
    assert undone.status_code == 303
    after = field_value_row(rig.engine, seeded.acme_industry)
    assert (after.status, after.decided_by, after.decided_at) == (
        before.status,
        before.decided_by,
        before.decided_at,
    )
    assert account_row(rig.engine, seeded.acme).industry == "Logistics"
    assert f'action="/events/{event.id}/undo"' not in client.get("/history").text
    again = post_form(client, "/history", f"/events/{event.id}/undo")
    assert again.status_code == 409 and "already undone" in again.text


# ---------------------------------------------------------------- concurrency


def test_two_reviewers_approving_the_same_value_at_once_exactly_one_wins(rig: Rig) -> None:
    held = GateScorer(hold_first=True)
    config = replace(rig.config, scorer=held)
    alice, bob = rig.client(config=config), rig.client(config=config)
    log_in(alice, "alice", PASSWORD)
    log_in(bob, "bob", PASSWORD)
    target = rig.seeded.globex_country
    tokens = {"alice": csrf_of(alice.get("/queue")), "bob": csrf_of(bob.get("/queue"))}
    responses: dict[str, Response] = {}

    def decide(name: str, client: TestClient) -> None:
        form = {"csrf_token": tokens[name], "version": "1"}
        responses[name] = client.post(f"/values/{target}/approve", data=form)

    first = threading.Thread(target=decide, args=("alice", alice))
    first.start()
    assert held.entered.wait(10), "alice's decision never reached the re-scoring step"
    second = threading.Thread(target=decide, args=("bob", bob))
    second.start()
    time.sleep(0.3)  # let bob's request reach the row while alice's transaction is still open
    held.release.set()
    first.join(20)
    second.join(20)
    assert responses["alice"].status_code == 303
    assert responses["bob"].status_code == 409
    assert "already decided by alice at 2025-03-03 12:00:00 UTC" in responses["bob"].text
    (event,) = events_for(rig.engine, target)
    assert event.actor == "alice"
    assert field_value_row(rig.engine, target).decided_by == "alice"


def test_a_form_loaded_before_an_undo_cannot_decide_on_stale_state(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    post_form(client, "/queue", f"/values/{seeded.globex_industry}/approve", version=1)
    (event,) = events_for(rig.engine, seeded.globex_industry)
    post_form(client, "/history", f"/events/{event.id}/undo")
    stale = post_form(client, "/queue", f"/values/{seeded.globex_industry}/reject", version=1)
    assert stale.status_code == 409 and "changed since you loaded it" in stale.text


# ---------------------------------------------------------------- hostile content and headers


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _assert_inert(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in {"script", "img", "iframe", "object", "embed"}, f"<{tag}> rendered from content"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler attribute {name} on <{tag}>"
            if name in {"href", "src", "action"}:
                assert not (value or "").strip().lower().startswith("javascript:"), f"{name}={value!r}"


def test_script_tags_attribute_breakouts_and_javascript_links_are_rendered_inert(rig: Rig) -> None:
    client, seeded = rig.logged_in(), rig.seeded
    for path in ("/queue", "/queue?field=city", f"/values/{seeded.initech_city}"):
        page = client.get(path)
        assert page.status_code == 200
        _assert_inert(page.text)
        assert SCRIPT not in page.text and ATTRIBUTE_BREAKOUT not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    detail = client.get(f"/values/{seeded.initech_city}").text
    assert "javascript:alert(3)" in detail and "not linked" in detail
    assert web_link("javascript:alert(3)") is None and web_link("JaVaScRiPt:alert(1)") is None
    assert web_link("data:text/html,x") is None and web_link('https://a.example/"onmouseover=x') is None
    assert web_link("https://acme.example/about") == "https://acme.example/about"


def test_every_page_sends_the_security_headers(rig: Rig) -> None:
    client = rig.logged_in()
    responses = [client.get(path) for path in ("/login", "/queue", "/history", "/static/style.css", "/nope")]
    responses.append(client.post("/logout", data={}))
    for response in responses:
        assert response.headers["content-security-policy"] == CSP, response.url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert SECURITY_HEADERS["Content-Security-Policy"] == CSP


def test_pages_load_nothing_from_other_origins_and_need_no_javascript(rig: Rig) -> None:
    client = rig.logged_in()
    for path in ("/login", "/queue", f"/values/{rig.seeded.acme_industry}", "/history"):
        parser = _Elements()
        parser.feed(client.get(path).text)
        assert not [tag for tag, _ in parser.tags if tag == "script"]
        for tag, attrs in parser.tags:
            for name, value in attrs:
                if name in {"src"} or (tag == "link" and name == "href"):
                    assert (value or "").startswith("/static/"), f"<{tag} {name}={value}>"
    assert client.get("/docs").status_code == 404 and client.get("/openapi.json").status_code == 404
