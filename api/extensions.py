"""Extension objects, created once and bound to the app in `register_extensions`."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import JWTManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from api.db import Base


class LazyDocApi(Api):
    """flask-smorest's Api, documenting each blueprint on first use of the spec, not at start.

    Building the OpenAPI paths (apispec converting every schema) costs about 20 ms of a Lambda
    cold start and serves only /api/v1/openapi.json and the docs page. Routes are registered at
    once as usual; their documentation is added the first time `spec` is read.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pending_docs: list[tuple[Any, str, Any]] = []
        self._spec: Any = None
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def spec(self) -> Any:
        if self._pending_docs:
            pending, self._pending_docs = self._pending_docs, []
            for blp, name, parameters in pending:
                blp.register_views_in_doc(
                    self, self._app, self._spec, name=name, parameters=parameters
                )
                self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def init_app(self, app: Any, *, spec_kwargs: Any = None) -> None:
        self._pending_docs = []  # a new app starts with a new spec
        super().init_app(app, spec_kwargs=spec_kwargs)

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Register `blp` in the app now and in the documentation on first use of `spec`."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._pending_docs.append((blp, name, parameters))


# expire_on_commit=False: objects stay readable after commit, so a route serialises what the
# service returned without reloading it (and Lambda keeps one short session per request).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
jwt = JWTManager()
api = LazyDocApi()
