"""A saved view: a person's named task-list filters and sort, private or shared with a project."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import utcnow
from api.extensions import db
from api.projects.models import Project
from api.users.models import User

NAME_LENGTH = 80


class SavedView(db.Model):
    """Filters of the task list (`filters`, the JSON of a dict of the list's query keys to their
    values, e.g. {"status": ["pending"], "project": ["OPS"]}) and a sort (None: the list's
    default), saved under `name`. `project_id` None: only the owner sees it; set: every member
    of that project does. Times in UTC."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    filters_json: Mapped[str] = mapped_column("filters", sa.Text)
    sort: Mapped[str | None] = mapped_column(sa.String(20), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")
    project: Mapped[Project | None] = relationship(lazy="joined")

    @property
    def filters(self) -> dict[str, Any]:
        """The saved filters, as stored."""
        return json.loads(self.filters_json or "{}")

    @filters.setter
    def filters(self, value: dict[str, Any]) -> None:
        self.filters_json = json.dumps(value, sort_keys=True)

    @property
    def project_key(self) -> str | None:
        """The key of the project it is shared with, or None (private)."""
        return self.project.key if self.project is not None else None

    @property
    def query(self) -> list[tuple[str, str]]:
        """The task list's query string pairs for the filters and sort (lists repeated)."""
        pairs: list[tuple[str, str]] = []
        for key, value in sorted(self.filters.items()):
            for item in value if isinstance(value, list) else [value]:
                pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
        if self.sort:
            pairs.append(("sort", self.sort))
        return pairs

    @property
    def url(self) -> str:
        """The task list page showing this view ("/tasks?status=pending&project=OPS")."""
        return "/tasks?" + urlencode([*self.query, ("view", str(self.id))])

    @property
    def shared(self) -> bool:
        """True when the members of a project see it."""
        return self.project_id is not None
