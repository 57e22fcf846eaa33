"""Request bodies at the boundary: size, nesting depth, Unicode text, control characters, presence.

Every check runs in a before-request hook, before any parser or view sees the body, so a new
route inherits them:

- a body without Content-Length (chunked) is read here up to MAX_CONTENT_LENGTH and refused
  with 413 beyond it, like a sized one (werkzeug would cut it off silently at the limit, and the
  JSON parser would then call the truncated text invalid);
- a JSON body nested deeper than MAX_DEPTH levels is refused with 400 before a recursive parser
  sees it (the stdlib parser that webargs uses raises RecursionError near 1,000 levels);
- text that is not a sequence of Unicode scalar values (a lone UTF-16 surrogate such as
  `"\\ud800"`) or that holds control characters other than tab, line feed and carriage return is
  refused with 422 naming the field, in JSON bodies and in form posts alike (RFC 8259 §8.2;
  OWASP ASVS 5.0 1.2 on encoding; a database or a hasher would fail on it later);
- form text has its line breaks normalised to LF (`normalise_form_newlines`);
- an operation whose OpenAPI document requires a JSON body (flask-smorest's
  `@blp.arguments(...)` in the body, `requestBody.required`) answers 400 without one.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, current_app, request
from werkzeug.datastructures import ImmutableMultiDict

from api.errors import BadRequest, Unprocessable

MAX_DEPTH = 32  # levels of arrays and objects; taskdesk's own bodies use two at most
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
READ_CHUNK = 64 * 1024

TOO_DEEP = "The request body is nested too deeply."
NOT_JSON = "The request body is not valid JSON."
BODY_REQUIRED = "This request needs a JSON body (Content-Type: application/json)."
NOT_UNICODE = "Must be valid Unicode text (it holds a lone surrogate code point)."
CONTROL = "Must not contain control characters other than tab and line breaks."

# C0 controls except tab, LF and CR; DEL; C1 controls.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_AS_PARENS = bytes.maketrans(b"[{]}", b"(())")
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'[]{}"')


def text_problem(value: str) -> str | None:
    """Why `value` may not be stored as text (NOT_UNICODE, CONTROL), or None when it may."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return NOT_UNICODE
    if _CONTROLS.search(value):
        return CONTROL
    return None


def printable(name: str) -> str:
    """`name` safe to echo back in an error body (escaped when it holds bad text)."""
    return name.encode("unicode_escape").decode("ascii") if text_problem(name) else name


def nesting_exceeds(data: bytes, limit: int = MAX_DEPTH) -> bool | None:
    """True when the JSON text `data` nests arrays/objects deeper than `limit`.

    None when its brackets do not balance (so it is not JSON at all). Strings are removed first
    (escapes, then the text between quotes); every bracket becomes "(" or ")", since a recursive
    parser descends one level per opening bracket of either kind. Then each pass removes the
    innermost "()" pairs, after looking for a run of more than `limit` openings: no recursion,
    each step a C-level scan of what is left.
    """
    text = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = text.translate(_AS_PARENS, _NOT_STRUCTURE)
    if b'"' in text:
        text = b"".join(text.split(b'"')[::2])
    too_deep = b"(" * (limit + 1)
    for _level in range(limit + 1):
        if not text:
            return False
        if too_deep in text:
            return True
        shorter = text.replace(b"()", b"")
        if len(shorter) == len(text):
            return None
        text = shorter
    return bool(text)


def _strings(document: Any, field: str | None) -> Iterable[tuple[str, str]]:
    """(top-level field, text) for every key and string of a parsed JSON document."""
    stack = [(document, field)]
    while stack:
        value, name = stack.pop()
        if isinstance(value, str):
            yield name or "_body", value
        elif isinstance(value, dict):
            for key, item in value.items():
                here = name or key
                yield here, key
                stack.append((item, here))
        elif isinstance(value, list):
            stack.extend((item, name) for item in value)


def _refuse(problems: dict[str, list[str]], location: str) -> None:
    if problems:
        field, messages = next(iter(problems.items()))
        raise Unprocessable(f"Invalid {field}: {messages[0]}", errors={location: problems})


def _collect(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for field, text in pairs:
        problem = text_problem(text)
        if problem:
            messages = problems.setdefault(printable(field), [])
            if problem not in messages:
                messages.append(problem)
    return problems


def check_json_body(data: bytes) -> None:
    """Refuse a JSON body too deep (400), unbalanced (400), or holding bad text (422)."""
    deep = nesting_exceeds(data)
    if deep:
        raise BadRequest(TOO_DEEP)
    if deep is None:
        raise BadRequest(NOT_JSON, errors={"json": ["Invalid JSON body."]})
    try:
        document = json.loads(data.decode("utf-8"))
    except ValueError:
        return  # the parser of the route answers 400 for it, as for any malformed body
    _refuse(_collect(_strings(document, None)), "json")


def _json_body_required() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    arguments = (getattr(view, "_apidoc", None) or {}).get("arguments") or {}
    return any(
        parameter.get("in") == "json" and parameter.get("required")
        for parameter in arguments.get("parameters", ())
    )


def guard_body() -> None:
    """Before-request hook: depth, Unicode and control checks, and required JSON bodies."""
    if request.method not in BODY_METHODS:
        return
    data = b""
    if request.is_json:
        data = request.get_data(cache=True)
        if data.strip():
            check_json_body(data)
    elif request.mimetype in FORM_MIMETYPES:
        pairs = ((name, value) for name, value in request.form.items(multi=True))
        _refuse(_collect(pairs), "form")
        normalise_form_newlines()
    if not data.strip() and _json_body_required():
        raise BadRequest(BODY_REQUIRED)


def one_newline(value: str) -> str:
    """CR LF and lone CR as LF: browsers send a textarea's line breaks as CR LF (HTML's form
    submission, "normalize newlines"); taskdesk stores and answers text with LF only."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def normalise_form_newlines() -> None:
    """The one place form text is normalised: `request.form` is replaced, before any view reads
    it, by the same fields with `one_newline` applied (files are left alone)."""
    form = request.form
    if any("\r" in value for value in form.values()):
        request.form = ImmutableMultiDict(  # werkzeug's cached_property accepts the new value
            [(name, one_newline(value)) for name, value in form.items(multi=True)]
        )


def buffer_unsized_body() -> None:
    """Before-request hook: read a body sent without Content-Length, refusing it past the limit.

    The body is kept in memory (at most MAX_CONTENT_LENGTH bytes) and handed on with its length,
    so every later reader sees a sized body. Only servers that terminate the input stream
    (`wsgi.input_terminated`: gunicorn, werkzeug's) can send such a body at all.
    """
    environ = request.environ
    limit = request.max_content_length
    if (
        request.method not in BODY_METHODS
        or request.content_length is not None
        or not environ.get("wsgi.input_terminated")
        or limit is None
    ):
        return
    stream, chunks, size = environ["wsgi.input"], [], 0
    while size <= limit:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        abort(413, f"The request body is larger than {limit} bytes.")
    environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
    environ["CONTENT_LENGTH"] = str(size)


def init_app(app: Flask) -> None:
    """Buffer unsized bodies right after the request guard; check bodies after the rate limits.

    The content checks run after the other before-request hooks (rate limits count the request,
    the UI's CSRF check has run), but before any view parses the body.
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(1 if hooks else 0, buffer_unsized_body)
    app.before_request(guard_body)
