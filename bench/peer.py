"""The peer of the scale bench: the plain tutorial implementation of a task list (issue 17).

Flask-SQLAlchemy `db.paginate(select(Task).order_by(Task.created_at.desc()))`, a `to_dict` with
a lazy-loaded assignee, `@jwt_required()`; on taskdesk's own tables (mapped here read-only, with
their own metadata), so the scale bench times it beside taskdesk's first page on the same rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_jwt_extended import JWTManager, create_access_token, jwt_required
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class _Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=_Base)


class PeerUser(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64))


class PeerTask(db.Model):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20))
    priority: Mapped[str] = mapped_column(sa.String(20))
    deadline: Mapped[datetime | None] = mapped_column(sa.DateTime)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    assignee: Mapped[PeerUser | None] = relationship()  # lazy="select": one query per person

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "status": self.status,
            "priority": self.priority,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "created_at": self.created_at.isoformat(),
            "assignee": {"id": self.assignee.id, "username": self.assignee.username}
            if self.assignee
            else None,
        }


def create_peer_app(database_url: str) -> Flask:
    """The tutorial app: GET /tasks?page=&per_page= behind a JWT."""
    app = Flask("peer")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        JWT_SECRET_KEY="peer-bench-secret-of-enough-length-0123456789",
        JWT_ACCESS_TOKEN_EXPIRES=False,  # a million-task size outlasts 15 minutes
    )
    db.init_app(app)
    JWTManager(app)

    @app.get("/tasks")
    @jwt_required()
    def tasks():
        page = db.paginate(
            sa.select(PeerTask).order_by(PeerTask.created_at.desc()),
            page=request.args.get("page", 1, type=int),
            per_page=request.args.get("per_page", 50, type=int),
        )
        return jsonify(
            items=[t.to_dict() for t in page.items],
            total=page.total,
            page=page.page,
            pages=page.pages,
        )

    return app


def peer_token(app: Flask) -> str:
    """An access token the peer app accepts."""
    with app.app_context():
        return create_access_token(identity="1")
