"""Markdown written by people (task comments, incident responses) as safe HTML.

Two maintained libraries, each doing one job:

- markdown-it-py (CommonMark) parses the text with raw HTML switched off (`html=False`: a `<script>`
  typed in a comment is shown as text) and image syntax disabled; links are validated by its own
  `validateLink` (no `javascript:`, `vbscript:`, `file:` or `data:` URLs).
- nh3 (the Ammonia sanitizer) then cleans the result against an allow-list, as OWASP's XSS
  Prevention Cheat Sheet ("HTML Sanitization") asks even of HTML a trusted renderer produced:
  only the tags below, no attribute but `href` (http, https, mailto) on links and `class` on code
  blocks' language, and every link gets `rel="nofollow noopener noreferrer"`.

`render` is pure and cached: the same text always gives the same HTML, so callers may render at
read time and a tighter allow-list applies to old text too.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

MAX_LENGTH = 10_000  # characters of Markdown a comment or a response may hold

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
ALIGNMENTS = frozenset({"text-align:left", "text-align:center", "text-align:right"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
# @username as taskdesk spells usernames (3 to 32 of A-Z a-z 0-9 _ . -), not inside a word or
# an email address ("a@b.example" mentions nobody).
MENTION = re.compile(r"(?<![\w@.\-])@([A-Za-z0-9_.\-]{3,32})(?![\w\-])")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable(["image"])
    return md


_MD = _parser()


def _filter_style(element: str, attribute: str, value: str) -> str | None:
    # Tables' column alignment is the only style markdown-it writes; keep exactly that.
    if attribute == "style":
        return value if value in ALIGNMENTS else None
    return value


@lru_cache(maxsize=1024)
def _render(text: str) -> str:
    html = _MD.render(text)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        attribute_filter=_filter_style,
        strip_comments=True,
    )


def render(text: str | None) -> Markup:
    """Markdown `text` (up to MAX_LENGTH characters) as sanitized HTML, marked safe for Jinja.

    Raw HTML is shown as text, images are not rendered, links keep only http, https and mailto
    URLs and carry rel="nofollow noopener noreferrer". Empty input gives an empty string.
    """
    return Markup(_render(text or ""))  # noqa: S704 - nh3's allow-list output  # nosec B704


def mentioned_usernames(text: str | None) -> list[str]:
    """The distinct @usernames in `text`, in order of first appearance, lower-cased.

    Mentions inside code spans and blocks count too: the caller resolves each against the
    people who may see the object, and drops the rest silently.
    """
    seen: dict[str, None] = {}
    for name in MENTION.findall(text or ""):
        seen.setdefault(name.lower().rstrip("."), None)
    return list(seen)


def excerpt(text: str | None, limit: int = 200) -> str:
    """The first `limit` characters of `text` as one line of plain words (for notifications)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
