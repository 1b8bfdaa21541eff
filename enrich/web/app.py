"""The review web app: server-rendered pages that work without JavaScript, built by ``create_app``.

Security model (see docs/review.md): reviewers log in with argon2-hashed passwords; the session is a
signed, HttpOnly, SameSite=Strict cookie (Secure unless served on loopback over plain http); every form
carries the session's CSRF token; templates autoescape everything, because page text is hostile; a
strict Content-Security-Policy forbids scripts, frames and foreign resources; ``next`` redirects only
go to local paths; failed logins are throttled per username and per client address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from argon2 import PasswordHasher
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import Engine
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from enrich.clock import Clock, utc_now
from enrich.errors import ConflictError, InputError
from enrich.review import (
    SORT_KEYS,
    AccountScorer,
    QueueFilter,
    SortKey,
    approve,
    bulk_approve,
    count_pending,
    edit,
    format_time,
    list_pending,
    pending_fields,
    reject,
    undo,
)
from enrich.review.queue import history
from enrich.web.auth import DEFAULT_HASHER, LoginThrottle, authenticate, is_active_reviewer
from enrich.web.csrf import CSRF_FIELD, csrf_token_matches
from enrich.web.detail import host_of, load_value_detail
from enrich.web.merges import add_merge_routes
from enrich.web.session import Session, SessionCookies

HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class WebConfig:
    """Everything the app needs, built by ``leadscore serve`` (or a test) and passed in."""

    engine: Engine
    secret_key: bytes
    secure_cookies: bool = True
    scorer: AccountScorer | None = None
    clock: Clock = utc_now
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    password_hasher: PasswordHasher = DEFAULT_HASHER
    session_max_age_s: int = 8 * 3600
    queue_page_size: int = 200


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def safe_next(target: str | None, default: str = "/queue") -> str:
    """``target`` if it is a path on this site, else ``default``: no open redirects."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 0x20 or char == "\\" for char in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def queue_filter(params: Mapping[str, str]) -> QueueFilter:
    """The queue's filters and order from query or form fields; unusable values are ignored."""
    try:
        min_confidence: float | None = float(params.get("min_confidence", "").strip())
    except ValueError:
        min_confidence = None
    sort = params.get("sort", "confidence")
    return QueueFilter(
        field=params.get("field", "").strip() or None,
        min_confidence=min_confidence,
        account=params.get("account", "").strip() or None,
        sort=_sort_key(sort),
        descending=params.get("order") == "desc",
    )


def _sort_key(name: str) -> SortKey:
    for key in SORT_KEYS:
        if key == name:
            return key
    return "confidence"


def _filter_params(queue: QueueFilter) -> dict[str, str]:
    params = {
        "field": queue.field or "",
        "min_confidence": "" if queue.min_confidence is None else f"{queue.min_confidence:g}",
        "account": queue.account or "",
        "sort": queue.sort,
        "order": "desc" if queue.descending else "asc",
    }
    return {key: value for key, value in params.items() if value}


def _form_text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _form_int(form: FormData, name: str) -> int | None:
    text = _form_text(form, name)
    return int(text) if text is not None and text.isdigit() else None


def current_reviewer(request: Request) -> str:
    """The logged-in reviewer's name; a missing session, or a reviewer since disabled, goes to login."""
    config: WebConfig = request.app.state.config
    session: Session = request.state.session
    if session.username:
        with config.engine.connect() as conn:
            if is_active_reviewer(conn, session.username):
                return session.username
        session.log_out()
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise LoginRequired(here if request.method == "GET" else "/queue")


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token matched the session's (else 403, before anything is done)."""
    form = await request.form()
    session: Session = request.state.session
    if not csrf_token_matches(session.csrf_token, form.get(CSRF_FIELD)):
        raise HTTPException(403, "The form's security token is missing or out of date. Reload the page.")
    return form


Reviewer = Annotated[str, Depends(current_reviewer)]
CheckedForm = Annotated[FormData, Depends(checked_form)]


def create_app(config: WebConfig) -> FastAPI:
    """The FastAPI app; no API docs routes (they would pull scripts from a CDN)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    cookies = SessionCookies(
        config.secret_key, secure=config.secure_cookies, max_age_s=config.session_max_age_s
    )
    templates = _templates(config.clock)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def sessions_and_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        session = cookies.read(request)
        request.state.session = session
        response: Response = await call_next(request)
        if session.changed:
            cookies.write(response, session)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        session: Session = request.state.session
        base = {"reviewer": session.username, "csrf_token": session.csrf_token, "flash": session.pop_flash()}
        return templates.TemplateResponse(request, name, base | context, status_code=status_code)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": exc.next_path}), status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(
            request, "error.html", {"status": exc.status_code, "message": exc.detail}, exc.status_code
        )

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> Response:
        context = {"status": 409, "message": str(exc), "hint": exc.hint}
        return render(request, "error.html", context, 409)

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> Response:
        reasons = [problem.reason for problem in exc.problems]
        return render(request, "error.html", {"status": 400, "message": str(exc), "problems": reasons}, 400)

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/queue") -> Response:
        return render(request, "login.html", {"next": safe_next(next), "error": None})

    @app.post("/login", response_class=HTMLResponse)
    def log_in(request: Request, form: CheckedForm) -> Response:
        username, password = _form_text(form, "username") or "", form.get("password")
        target = safe_next(_form_text(form, "next"))
        address = request.client.host if request.client else "unknown"
        keys = config.throttle.keys(username, address)
        wait = config.throttle.retry_after(keys)
        if wait is not None:
            error = f"Too many failed logins. Try again in {max(1, round(wait / 60))} minutes."
            return render(request, "login.html", {"next": target, "error": error}, 429)
        with config.engine.begin() as conn:
            ok = isinstance(password, str) and authenticate(
                conn, username, password, hasher=config.password_hasher
            )
        if not ok:
            config.throttle.failed(keys)
            error = "Wrong username or password, or the reviewer is disabled."
            return render(request, "login.html", {"next": target, "error": error}, 401)
        config.throttle.succeeded(username)
        request.state.session.log_in(username)
        return RedirectResponse(target, status_code=303)

    @app.post("/logout")
    def log_out(request: Request, form: CheckedForm) -> Response:
        request.state.session.log_out()
        return RedirectResponse("/login", status_code=303)

    @app.get("/queue", response_class=HTMLResponse)
    def queue_page(request: Request, reviewer: Reviewer) -> Response:
        queue = queue_filter(request.query_params)
        with config.engine.connect() as conn:
            items = list_pending(conn, queue, limit=config.queue_page_size)
            total = count_pending(conn, queue)
            fields = pending_fields(conn)
        here = "/queue" + (f"?{request.url.query}" if request.url.query else "")
        context = {"queue": queue, "items": items, "total": total, "fields": fields, "sort_keys": SORT_KEYS}
        context |= {"filters": _filter_params(queue), "here": here}
        return render(request, "queue.html", context)

    @app.post("/queue/approve")
    def approve_matching(request: Request, reviewer: Reviewer, form: CheckedForm) -> Response:
        queue = queue_filter({key: value for key, value in form.items() if isinstance(value, str)})
        with config.engine.begin() as conn:
            decisions = bulk_approve(
                conn,
                queue,
                actor=reviewer,
                now=config.clock(),
                reason=_form_text(form, "reason"),
                expected_count=_form_int(form, "expected_count"),
                scorer=config.scorer,
            )
        events = f" (events {decisions[0].event_id}–{decisions[-1].event_id})" if decisions else ""
        request.state.session.add_flash(f"Approved {len(decisions)} values{events}.")
        return RedirectResponse("/queue?" + urlencode(_filter_params(queue)), status_code=303)

    @app.get("/values/{value_id}", response_class=HTMLResponse)
    def value_page(request: Request, value_id: int, reviewer: Reviewer) -> Response:
        with config.engine.connect() as conn:
            detail = load_value_detail(conn, value_id, config.scorer)
        if detail is None:
            raise HTTPException(404, f"There is no value {value_id}.")
        return render(request, "detail.html", {"detail": detail, "item": detail.item})

    @app.post("/values/{value_id}/{action}")
    def decide(
        request: Request, value_id: int, action: str, reviewer: Reviewer, form: CheckedForm
    ) -> Response:
        reason, version = _form_text(form, "reason"), _form_int(form, "version")
        common: dict[str, Any] = {"actor": reviewer, "now": config.clock(), "reason": reason}
        common |= {"expected_version": version, "scorer": config.scorer}
        with config.engine.begin() as conn:
            if action == "approve":
                decision = approve(conn, value_id, **common)
            elif action == "reject":
                decision = reject(conn, value_id, **common)
            elif action == "edit":
                decision = edit(conn, value_id, _form_text(form, "value") or "", **common)
            else:
                raise HTTPException(404, f"Unknown action {action!r}.")
        past = {"approve": "Approved", "reject": "Rejected", "edit": "Edited"}[action]
        request.state.session.add_flash(f"{past} value {value_id} (event {decision.event_id}).")
        return RedirectResponse(safe_next(_form_text(form, "next")), status_code=303)

    @app.get("/history", response_class=HTMLResponse)
    def history_page(request: Request, reviewer: Reviewer) -> Response:
        with config.engine.connect() as conn:
            events = history(conn, limit=200)
        return render(request, "history.html", {"events": events})

    @app.post("/events/{event_id}/undo")
    def undo_event(request: Request, event_id: int, reviewer: Reviewer, form: CheckedForm) -> Response:
        with config.engine.begin() as conn:
            decision = undo(conn, event_id, actor=reviewer, now=config.clock(), scorer=config.scorer)
        request.state.session.add_flash(f"Undid event {event_id} (event {decision.event_id}).")
        return RedirectResponse(safe_next(_form_text(form, "next"), "/history"), status_code=303)

    add_merge_routes(app, render)
    return app


def _templates(clock: Callable[[], datetime]) -> Jinja2Templates:
    # autoescape=True for every template, whatever its name: page text and values are hostile input
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    environment.filters["host"] = host_of
    environment.filters["utc"] = format_time
    environment.filters["age"] = lambda moment: _age(clock(), moment)
    return Jinja2Templates(env=environment)


def _age(now: datetime, moment: datetime | None) -> str:
    if moment is None:
        return ""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return "just now"
