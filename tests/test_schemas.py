"""Shared schemas: the Person field and the page envelope dump what the plain schemas dump."""

from __future__ import annotations

from types import SimpleNamespace

from marshmallow import Schema, fields

from api.schemas import ObjectSchema, Person, UserBrief, page_of


class Holder(Schema):
    person = Person()


class Item(Schema):
    id = fields.Integer()
    person = Person()


def test_person_dumps_as_user_brief():
    user = SimpleNamespace(id=4, username="dara", email="dara@example.com", role="employee")
    assert Holder().dump({"person": user}) == {"person": UserBrief().dump(user)}
    assert Holder().dump({"person": user}) == {"person": {"id": 4, "username": "dara"}}
    assert Holder().dump({"person": None}) == {"person": None}


def test_a_page_dumps_its_items_with_the_item_schema():
    people = [SimpleNamespace(id=n, username=f"user{n}") for n in (1, 2)]
    items = [SimpleNamespace(id=10 + n, person=p) for n, p in enumerate([*people, None])]
    page = SimpleNamespace(items=items, page=2, page_size=3, total=6, pages=2)

    dumped = page_of(Item, "ItemPage")().dump(page)

    assert dumped == {
        "items": Item(many=True).dump(items),
        "page": 2,
        "page_size": 3,
        "total": 6,
        "pages": 2,
    }
    assert dumped["items"][2] == {"id": 12, "person": None}


def test_an_object_schema_dumps_what_a_plain_schema_dumps_from_objects():
    class Plain(Schema):
        id = fields.Integer()
        title = fields.String()
        done = fields.Boolean()
        person = Person()

    class Fast(ObjectSchema):
        id = fields.Integer()
        title = fields.String()
        done = fields.Boolean()
        person = Person()

    items = [
        SimpleNamespace(id=1, title="a", done=False, person=SimpleNamespace(id=3, username="c")),
        SimpleNamespace(id=2, title="b", done=True, person=None),
        SimpleNamespace(id=4, title="no done attribute", person=None),
    ]

    assert Fast(many=True).dump(items) == Plain(many=True).dump(items)
    assert Fast().dump(items[2]) == {"id": 4, "title": "no done attribute", "person": None}
