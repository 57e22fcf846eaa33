"""The orjson JSON provider writes what Flask's default provider writes."""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from api.jsonio import JSONProvider


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@dataclass
class Point:
    x: int
    y: int


class Tagged(dict):
    pass


SAME_AS_FLASK = [
    pytest.param({"b": 1, "a": [1, 2.5, None, True]}, id="nested"),
    pytest.param(MultiDict([("k", "1"), ("k", "2"), ("j", "3")]), id="multidict-first-values"),
    pytest.param(Tagged(z=1, a=2), id="dict-subclass"),
    pytest.param({"colour": Colour.RED, "level": Level.HIGH}, id="enums"),
    pytest.param({3: "three", 10: "ten"}, id="int-keys"),
    pytest.param(Decimal("10.50"), id="decimal"),
    pytest.param(Markup("<b>bold</b>"), id="html"),
    pytest.param(uuid.UUID(int=7), id="uuid"),
    pytest.param(Point(1, 2), id="dataclass"),
    pytest.param({"big": 2**70, "small": -(2**70)}, id="beyond-64-bit"),
    pytest.param({"text": "café ☕", "quote": '"'}, id="non-ascii"),
]


@pytest.mark.parametrize("value", SAME_AS_FLASK)
def test_dumps_as_flask_does(app, value):
    ours = app.json.dumps(value)

    assert isinstance(app.json, JSONProvider)
    assert json.loads(ours) == json.loads(DefaultJSONProvider(app).dumps(value))
    assert ours == json.dumps(
        json.loads(ours), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def test_unknown_types_raise_type_error(app):
    with pytest.raises(TypeError, match="not JSON serializable"):
        app.json.dumps({"thing": object()})


def test_invalid_request_json_is_a_value_error(app):
    assert app.json.loads(b'{"a": [1, "two"]}') == {"a": [1, "two"]}
    for text in (b'{"a": NaN}', b"{'a': 1}", b'{"a": 1'):
        with pytest.raises(ValueError):
            app.json.loads(text)


def test_a_response_is_compact_sorted_utf8(client, make, auth):
    headers = auth.headers(make.user(role="manager", username="zoë"))

    r = client.get("/api/v1/auth/me", headers=headers)

    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert "zoë".encode() in r.data  # UTF-8, not a \u escape
    assert (
        r.data
        == json.dumps(
            r.get_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
