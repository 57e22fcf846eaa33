"""The one search: tasks (ref, title, description, comments) and incidents (title, description,
responses) that the caller may see, ranked, paginated, each with a highlighted snippet.

Full-text only (api/fulltext.py: MariaDB / MySQL FULLTEXT in boolean mode, SQLite FTS5), never
`LIKE '%…%'`: every word of 3 or more letters of `q` must appear, each as a prefix. Visibility is
the domains' own read rule (`visible_clause` of task.read and incident.read: project
membership; public, reported or assigned incidents), added to each source's statement.

Bounded cost: each of the four sources (tasks, comments, incidents, responses) hands over at
most RANKED matches, unordered, straight from the full-text index; only those are ranked. A
common word over a million rows would otherwise make the engine score and sort every match
(22 s for "invoice" at 1M tasks). When a source hits the cap, `total_is_lower_bound` is true:
more rows match than are ranked, and a more precise query finds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from api import fulltext
from api.comments.models import TaskComment
from api.errors import Unprocessable
from api.extensions import db
from api.incidents.models import Incident, IncidentResponse
from api.permissions import Capability, visible_clause
from api.projects.models import Project
from api.search.snippets import snippet
from api.tasks.filters import REF_PATTERN
from api.tasks.models import Task
from api.users.models import User

RANKED = 200  # matches ranked per source
NO_WORD = (
    'Enter a word of 3 or more letters (common words such as "the" are skipped), '
    "or a ref like OPS-12."
)
# Where a hit's words were found, as the results page says it.
MATCHED_IN = {"ref": "ref", "text": "", "comment": "in a comment", "response": "in a response"}
EXACT = float("inf")  # the task named by its ref comes first


@dataclass
class Hit:
    """One result: a task (`kind` "task", `ref` "OPS-12") or an incident (`kind` "incident",
    `ref` its public id); `matched` says where the words were found ("ref", "text", "comment",
    "response"); `snippet` is HTML (escaped, matches in <mark>); `url` the UI page."""

    kind: str
    id: int
    score: float
    matched: str
    extra_id: int | None = None  # the comment or response that matched
    ref: str | None = None
    title: str = ""
    status: Any = ""  # TaskStatus or IncidentStatus
    url: str = ""
    snippet: Markup = field(default_factory=Markup)


@dataclass(frozen=True)
class Results:
    """A page of hits, best first; `jump` is the task page when `q` is the ref of a task the
    caller sees (the UI opens it at once)."""

    items: list[Hit]
    page: int
    page_size: int
    total: int
    total_is_lower_bound: bool
    jump: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _ref(q: str) -> tuple[str, int] | None:
    text = q.strip().upper()
    if re.fullmatch(REF_PATTERN, text) is None:
        return None
    key, _, number = text.rpartition("-")
    return key, int(number)


def _visible(stmt: sa.Select, actor: User, capability: Capability) -> sa.Select:
    clause = visible_clause(actor, capability)
    return stmt if clause is None else stmt.where(clause)


def _sources(actor: User) -> list[tuple[str, str, sa.Select]]:
    """(kind, matched, statement of (entity id, score, extra id)) for each searched table."""
    q = sa.bindparam("q_ft")
    task_text = (Task.id, Task.title, Task.description, q)
    incident_text = (Incident.id, Incident.title, Incident.description, q)
    comment = (TaskComment.id, TaskComment.body, q)
    response = (IncidentResponse.id, IncidentResponse.body, q)
    tasks = sa.select(Task.id, fulltext.Score(*task_text), sa.null()).where(
        fulltext.Match(*task_text)
    )
    comments = (
        sa.select(TaskComment.task_id, fulltext.Score(*comment), TaskComment.id)
        .join(Task, Task.id == TaskComment.task_id)
        .where(fulltext.Match(*comment))
    )
    incidents = sa.select(Incident.id, fulltext.Score(*incident_text), sa.null()).where(
        fulltext.Match(*incident_text)
    )
    responses = (
        sa.select(IncidentResponse.incident_id, fulltext.Score(*response), IncidentResponse.id)
        .join(Incident, Incident.id == IncidentResponse.incident_id)
        .where(fulltext.Match(*response))
    )
    return [
        ("task", "text", _visible(tasks, actor, Capability.TASK_READ)),
        ("task", "comment", _visible(comments, actor, Capability.TASK_READ)),
        ("incident", "text", _visible(incidents, actor, Capability.INCIDENT_READ)),
        ("incident", "response", _visible(responses, actor, Capability.INCIDENT_READ)),
    ]


def _ref_hit(ref: tuple[str, int], actor: User) -> Hit | None:
    stmt = (
        sa.select(Task.id)
        .join(Project, Project.id == Task.project_id)
        .where(Project.key == ref[0], Task.number == ref[1])
    )
    task_id = db.session.scalar(_visible(stmt, actor, Capability.TASK_READ))
    return None if task_id is None else Hit("task", task_id, EXACT, "ref")


def _rank(found: list[str], actor: User, hits: dict[tuple[str, int], Hit]) -> bool:
    """Add the best match of each entity to `hits`; True when a source was capped."""
    dialect = db.session.get_bind().dialect.name
    params = {"q_ft": fulltext.query_text(found, dialect)}
    capped = False
    for kind, matched, stmt in _sources(actor):
        rows = db.session.execute(stmt.limit(RANKED + 1), params).all()
        capped = capped or len(rows) > RANKED
        for entity_id, score, extra_id in rows[:RANKED]:
            best = hits.get((kind, entity_id))
            if best is None or float(score or 0) > best.score:
                hits[(kind, entity_id)] = Hit(kind, entity_id, float(score or 0), matched, extra_id)
    return capped


def _rows(stmt: sa.Select, ids: list[Any]) -> list[Any]:
    """The rows of `stmt` for `ids`; no statement at all for none."""
    return list(db.session.execute(stmt).unique().scalars()) if ids else []


def _texts(column: Any, ids: list[Any]) -> dict[int, str]:
    table = column.table
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(table.c.id, column).where(table.c.id.in_(ids))).all())


def _fill(items: list[Hit], found: list[str]) -> list[Hit]:
    """Titles, refs, statuses, links and snippets of one page of hits (a statement per kind of
    row the page holds, four at most). A row deleted since it was ranked is left out."""
    task_ids = [h.id for h in items if h.kind == "task"]
    incident_ids = [h.id for h in items if h.kind == "incident"]
    tasks = {
        t.id: t
        for t in _rows(
            sa.select(Task).options(joinedload(Task.project)).where(Task.id.in_(task_ids)),
            task_ids,
        )
    }
    incidents = {
        i.id: i
        for i in _rows(sa.select(Incident).where(Incident.id.in_(incident_ids)), incident_ids)
    }
    comments = _texts(
        TaskComment.__table__.c.body, [h.extra_id for h in items if h.matched == "comment"]
    )
    responses = _texts(
        IncidentResponse.__table__.c.body, [h.extra_id for h in items if h.matched == "response"]
    )
    kept = []
    for hit in items:
        if hit.kind == "task" and hit.id in tasks:
            task = tasks[hit.id]
            hit.ref, hit.title, hit.status = task.ref, task.title, task.status
            hit.url = f"/tasks/{task.id}"
            if hit.matched == "comment":
                text = comments.get(hit.extra_id, "")
            else:
                text = task.description if _mentions(task.description, found) else task.title
        elif hit.kind == "incident" and hit.id in incidents:
            incident = incidents[hit.id]
            hit.ref, hit.title = incident.public_id, incident.title
            hit.status, hit.url = incident.status, f"/incidents/{incident.public_id}"
            if hit.matched == "response":
                text = responses.get(hit.extra_id, "")
            else:
                text = incident.description if _mentions(incident.description, found) else ""
        else:
            continue
        hit.snippet = snippet(text or hit.title, found)
        kept.append(hit)
    return kept


def _mentions(text: str, found: list[str]) -> bool:
    """True when `text` holds one of the searched words (or, with none, has any text)."""
    lowered = (text or "").lower()
    return bool(lowered) and (not found or any(w in lowered for w in found))


def search(*, q: str, actor: User, page: int, page_size: int) -> Results:
    """One page of what `actor` may see matching `q`, best first.

    A ref ("OPS-12", any case) of a visible task puts that task first and sets `jump`; every
    word of 3 or more letters (not a common word) must appear, as a prefix, in the task's
    title, description or one of its comments, or the incident's title, description or one
    of its responses. Raises Unprocessable naming `q` when it holds neither a ref nor such a
    word. Six statements at most, whatever the tables' size (see the module's note on RANKED).
    """
    found = fulltext.words(q)
    ref = _ref(q)
    if not found and ref is None:
        raise Unprocessable.field("q", NO_WORD, location="query")
    hits: dict[tuple[str, int], Hit] = {}
    exact = _ref_hit(ref, actor) if ref is not None else None
    capped = _rank(found, actor, hits) if found else False
    if exact is not None:
        hits[("task", exact.id)] = exact
    ranked = sorted(hits.values(), key=lambda h: (-h.score, h.kind, -h.id))
    start = (page - 1) * page_size
    items = _fill(ranked[start : start + page_size], found)
    return Results(
        items=items,
        page=page,
        page_size=page_size,
        total=len(ranked),
        total_is_lower_bound=capped,
        jump=exact and f"/tasks/{exact.id}",
    )


def jump_target(q: str, actor: User) -> str | None:
    """The page of the task whose ref is `q` when `actor` sees it, else None."""
    ref = _ref(q)
    exact = _ref_hit(ref, actor) if ref is not None else None
    return None if exact is None else f"/tasks/{exact.id}"
