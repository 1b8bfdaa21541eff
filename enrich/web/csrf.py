"""CSRF protection: a synchronizer token kept in the signed session and echoed by every form.

A POST whose ``csrf_token`` field is missing or differs from the session's token is answered 403
before the handler runs, so nothing changes.
"""

from __future__ import annotations

import hmac
import secrets

CSRF_FIELD = "csrf_token"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token_matches(expected: str, submitted: object) -> bool:
    """Constant-time comparison; anything but a non-empty string never matches."""
    if not isinstance(submitted, str) or not submitted or not expected:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
