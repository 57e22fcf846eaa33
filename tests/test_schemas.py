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


def test_humane_messages_name_the_field_in_the_user_words():
    """Issue 12: one error layer (api.schemas.humane) for API 422s and forms."""
    from api.schemas import humane, humane_errors

    assert humane("title", "Missing data for required field.") == "Enter a title."
    assert humane("title", "Length must be between 1 and 200.", "") == "Enter a title."
    assert humane("email", "Length must be between 3 and 254.", "") == "Enter an email address."
    assert humane("email", "Length must be between 3 and 254.", "ab") == (
        "Email address must be at least 3 characters."
    )
    assert humane("title", "Length must be between 1 and 200.", "t" * 201) == (
        "Title must be at most 200 characters."
    )
    assert humane("severity", "Must be one of: low, high.") == "Choose a severity: one of low, high."
    assert humane("assignee_id", "Not a valid integer.") == "Assignee must be a whole number."
    assert humane("title", "A message a person wrote.") == "A message a person wrote."
    assert humane_errors({"title": ["Field may not be null.", "Field may not be null."]}) == {
        "title": ["Enter a title."]
    }
