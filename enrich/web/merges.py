"""The review UI's merge pages: proposed duplicates listed, compared side by side, merged or rejected.

The same rules as the value pages: reviewers only, every form carries the CSRF token and the proposal's
version (a proposal decided meanwhile gives a 409 page naming who decided it), everything autoescaped.
A merge runs in one transaction (``enrich.cleanup.merge.apply_merge``).
"""

# No ``from __future__ import annotations`` here: the routes are defined inside a function, and FastAPI
# must see their annotations (the Reviewer and CheckedForm dependencies) as objects, not strings.
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from enrich.cleanup.merge import apply_merge, reject_merge
from enrich.store.merges import compare_accounts, count_pending_merges, get_merge, list_merges

Render = Callable[[Request, str, dict[str, Any]], HTMLResponse]


def add_merge_routes(app: FastAPI, render: Render) -> None:
    """Register ``/merges`` (list), ``/merges/{id}`` (compare) and the approve/reject actions."""
    from enrich.web.app import CheckedForm, Reviewer, WebConfig, _form_int, _form_text

    config: WebConfig = app.state.config

    @app.get("/merges", response_class=HTMLResponse)
    def merges_page(request: Request, reviewer: Reviewer) -> Response:
        with config.engine.connect() as conn:
            items = list_merges(conn, limit=config.queue_page_size)
            total = count_pending_merges(conn)
        return render(request, "merges.html", {"items": items, "total": total})

    @app.get("/merges/{proposal_id}", response_class=HTMLResponse)
    def merge_page(request: Request, proposal_id: int, reviewer: Reviewer) -> Response:
        with config.engine.connect() as conn:
            item = get_merge(conn, proposal_id)
            if item is None:
                raise HTTPException(404, f"There is no merge proposal {proposal_id}.")
            fields, contacts = compare_accounts(conn, item.keep_account_id, item.merge_account_id)
        return render(request, "merge.html", {"item": item, "fields": fields, "contacts": contacts})

    @app.post("/merges/{proposal_id}/{action}")
    def decide_merge(
        request: Request, proposal_id: int, action: str, reviewer: Reviewer, form: CheckedForm
    ) -> Response:
        common: dict[str, Any] = {
            "actor": reviewer,
            "now": config.clock(),
            "reason": _form_text(form, "reason"),
            "expected_version": _form_int(form, "version"),
        }
        with config.engine.begin() as conn:
            if action == "approve":
                outcome = apply_merge(conn, proposal_id, scorer=config.scorer, **common)
                message = (
                    f"Merged account {outcome.merge_id} into {outcome.keep_id} (event {outcome.event_id})."
                )
            elif action == "reject":
                outcome = reject_merge(conn, proposal_id, **common)
                message = f"Kept the two accounts apart (event {outcome.event_id})."
            else:
                raise HTTPException(404, f"Unknown action {action!r}.")
        request.state.session.add_flash(message)
        return RedirectResponse("/merges", status_code=303)
