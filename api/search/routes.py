"""The one search endpoint: /api/v1/search."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.guards import current, login_required
from api.search import schemas, service

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Search")


@blp.get("")
@login_required()
@blp.arguments(schemas.SearchQuery(), location="query")
@blp.response(200, schemas.SearchPage)
def search(query: dict):
    """Search the tasks (ref, title, description, comments) and incidents (title, description,
    responses) you can see: ranked, paginated, each with a highlighted snippet."""
    return service.search(
        q=query["q"], actor=current(), page=query["page"], page_size=query["page_size"]
    )
