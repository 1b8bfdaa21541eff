"""Browser sessions: a small signed cookie (itsdangerous), no server-side table.

The cookie holds the reviewer's name, the session's CSRF token and one-shot flash messages; its
signature uses the server's secret key and expires after ``max_age_s``. The reviewer is looked up on
every request, so disabling a reviewer ends their sessions at once; logging out clears the cookie in
that browser (a copied cookie stays valid until it expires — keep ``max_age_s`` short).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from enrich.web.csrf import new_csrf_token

SESSION_COOKIE = "leadscore_session"
_MAX_FLASH = 5


@dataclass
class Session:
    csrf_token: str
    username: str | None = None
    flash: list[str] = field(default_factory=list)
    changed: bool = False

    def log_in(self, username: str) -> None:
        """A fresh CSRF token on login, so nothing learnt before it (session fixation) carries over."""
        self.username = username
        self.csrf_token = new_csrf_token()
        self.changed = True

    def log_out(self) -> None:
        self.username = None
        self.csrf_token = new_csrf_token()
        self.flash = []
        self.changed = True

    def add_flash(self, message: str) -> None:
        self.flash = [*self.flash, message][-_MAX_FLASH:]
        self.changed = True

    def pop_flash(self) -> list[str]:
        messages, self.flash = self.flash, []
        self.changed = self.changed or bool(messages)
        return messages


class SessionCookies:
    """Reads and writes the signed session cookie with the flags the deployment needs."""

    def __init__(self, secret_key: bytes, *, secure: bool, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="leadscore.web.session")
        self.secure = secure
        self.max_age_s = max_age_s

    def read(self, request: Request) -> Session:
        """The request's session, or a new anonymous one when the cookie is missing, forged or expired."""
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            try:
                data: Any = self._serializer.loads(raw, max_age=self.max_age_s)
            except BadSignature:
                data = None
            session = _session_from(data)
            if session is not None:
                return session
        return Session(csrf_token=new_csrf_token(), changed=True)

    def write(self, response: Response, session: Session) -> None:
        payload = {"csrf": session.csrf_token, "user": session.username, "flash": session.flash}
        response.set_cookie(
            SESSION_COOKIE,
            self._serializer.dumps(payload),
            max_age=self.max_age_s,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.secure,
        )


def _session_from(data: Any) -> Session | None:
    if not isinstance(data, dict):
        return None
    csrf, user, flash = data.get("csrf"), data.get("user"), data.get("flash", [])
    if (
        not isinstance(csrf, str)
        or not (user is None or isinstance(user, str))
        or not isinstance(flash, list)
    ):
        return None
    return Session(csrf_token=csrf, username=user, flash=[str(message) for message in flash])
