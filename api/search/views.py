"""The search page (HTML): the navbar's search box submits here. A ref of a visible task
("OPS-12") opens that task; other text lists the results with their snippets."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from marshmallow import ValidationError

from api.errors import Unprocessable
from api.schemas import humane_errors
from api.search import service
from api.search.schemas import SearchQuery
from api.web.session import page_login_required, web_user

blp = Blueprint("search_web", __name__, url_prefix="/search")
PAGE_SIZE = 20


@blp.get("")
@page_login_required()
def index():
    """Results for `q` (page `page`), or the task itself when `q` is its ref."""
    raw = {"q": request.args.get("q", ""), "page": request.args.get("page", "1")}
    q, results, error, status = raw["q"].strip(), None, None, 200
    try:
        query = SearchQuery().load({**raw, "page_size": PAGE_SIZE})
        jump = service.jump_target(query["q"], web_user())
        if jump is not None:
            return redirect(jump)
        results = service.search(
            q=query["q"], actor=web_user(), page=query["page"], page_size=PAGE_SIZE
        )
    except ValidationError as exc:
        messages = humane_errors(exc.messages, raw)
        error = " ".join(str(m) for v in messages.values() for m in v)
        status = 422
    except Unprocessable as exc:
        error, status = exc.message, 422
    return render_template(
        "search/index.html", q=q, results=results, error=error, matched_in=service.MATCHED_IN
    ), status
