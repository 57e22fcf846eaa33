"""Extension objects, created once and bound to the app in `register_extensions`."""

from __future__ import annotations

from flask_jwt_extended import JWTManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from api.db import Base

# expire_on_commit=False: objects stay readable after commit, so a route serialises what the
# service returned without reloading it (and Lambda keeps one short session per request).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
jwt = JWTManager()
api = Api()
