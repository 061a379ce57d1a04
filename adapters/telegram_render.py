"""The core's small markup as Telegram HTML, cut into messages Telegram accepts.

The core writes `**bold**` and bare web addresses; everything else is literal,
and a backslash escapes the next character (text a person typed arrives escaped,
so `**BIG**` they typed stays literal). Rendering starts from
`bot.messages.segments`: every piece of text is HTML-escaped, bold becomes <b>,
and Telegram links bare addresses by itself. A text longer than one message is
cut at blank lines first, then at line ends, then at spaces, and only as a last
resort inside a word; a cut never falls inside a tag or an HTML entity, because
every piece is rendered on its own.
"""

from __future__ import annotations

import html

from bot.messages import segments

MAX_MESSAGE = 4096  # Telegram's limit for one message's text

_SEPARATORS = ("\n\n", "\n", " ")

Segment = tuple[str, bool]  # (literal text, bold)


def _html(piece: Segment) -> str:
    text, bold = piece
    escaped = html.escape(text, quote=False)
    return f"<b>{escaped}</b>" if bold and text.strip() else escaped


def _size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def render_html(text: str) -> str:
    """The whole text as HTML for parse_mode=HTML."""
    return "".join(_html(piece) for piece in segments(text))


def _split_at(pieces: list[Segment], sep: str) -> list[list[Segment]]:
    """Cut a run of segments at every occurrence of sep (which is dropped)."""
    units: list[list[Segment]] = [[]]
    for text, bold in pieces:
        parts = text.split(sep)
        for i, part in enumerate(parts):
            if i:
                units.append([])
            if part:
                units[-1].append((part, bold))
    return units


def _hard_cut(pieces: list[Segment], limit: int) -> list[list[Segment]]:
    """Cut segments between characters so that each run fits the limit (for text without spaces)."""
    runs: list[list[Segment]] = [[]]
    used = 0
    for text, bold in pieces:
        overhead = len("<b></b>") if bold else 0
        start = fragment = 0
        for i, char in enumerate(text):
            cost = _size(html.escape(char, quote=False))
            if used + overhead + fragment + cost > limit:
                if i > start:
                    runs[-1].append((text[start:i], bold))
                if runs[-1]:
                    runs.append([])
                used, start, fragment = 0, i, 0
            fragment += cost
        if start < len(text):
            runs[-1].append((text[start:], bold))
            used += overhead + fragment
    return runs


def _pack(pieces: list[Segment], limit: int, level: int) -> list[list[Segment]]:
    size = sum(_size(_html(p)) for p in pieces)
    if size <= limit:
        return [pieces]
    if level >= len(_SEPARATORS):
        return _hard_cut(pieces, limit)
    sep = _SEPARATORS[level]
    sep_size = _size(sep)
    runs: list[list[Segment]] = []
    current: list[Segment] = []
    current_size = 0
    for unit in _split_at(pieces, sep):
        unit_size = sum(_size(_html(p)) for p in unit)
        if current and current_size + sep_size + unit_size <= limit:
            current = current + [(sep, False)] + unit
            current_size += sep_size + unit_size
            continue
        if current:
            runs.append(current)
        if unit_size <= limit:
            current, current_size = unit, unit_size
        else:
            runs.extend(_pack(unit, limit, level + 1))
            current, current_size = [], 0
    if current:
        runs.append(current)
    return runs


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """The text rendered as HTML in messages of at most `limit` characters, cut at paragraphs first."""
    chunks = ["".join(_html(p) for p in run).strip() for run in _pack(segments(text), limit, 0)]
    return [chunk for chunk in chunks if chunk]
