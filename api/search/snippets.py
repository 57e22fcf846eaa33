"""Highlighted snippets of search results: a window of the matched text, HTML-escaped, with each
searched word (as a prefix, as the full-text engines match it) wrapped in <mark>."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

WIDTH = 180  # characters of text around the first match


def _pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE)


def snippet(text: str, words: list[str], width: int = WIDTH) -> Markup:
    """About `width` characters of `text` (whitespace collapsed) around the first word of
    `words` found, with "…" where text was cut, every match in <mark>; everything else is
    escaped, so the result is safe to insert as HTML."""
    flat = " ".join(text.split())
    pattern = _pattern(words)
    first = pattern.search(flat) if pattern else None
    start = 0
    if first is not None and first.start() > width // 3:
        start = flat.rfind(" ", 0, first.start() - width // 3) + 1
    end = len(flat) if len(flat) - start <= width else flat.rfind(" ", start, start + width)
    if end <= start:
        end = min(len(flat), start + width)
    piece = flat[start:end]
    parts: list[Markup] = [Markup("…")] if start > 0 else []
    position = 0
    for match in pattern.finditer(piece) if pattern else ():
        parts.append(escape(piece[position : match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group())
        position = match.end()
    parts.append(escape(piece[position:]))
    if end < len(flat):
        parts.append(Markup("…"))
    return Markup("").join(parts)
