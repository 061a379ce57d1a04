"""The `reminders:` list of an event: messages to confirmed participants before the start.

    start: 2026-10-12 09:00
    reminders:
      - before: 7d          # d (days), h (hours) or m (minutes) before the start, in the event's time zone
        text: {en: "EWRC starts in a week.", nl: "..."}
      - before: 1d
        text: {en: "See you tomorrow!"}
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

_BEFORE = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_KEYS = ("before", "text")


@dataclass(frozen=True)
class Reminder:
    """A message sent `before` the event's start to everyone confirmed."""

    before: dt.timedelta
    texts: dict[str, str]


def parse_reminders(c: Any, data: Any, what: str, has_start: bool) -> tuple[Reminder, ...]:
    """Read an event's `reminders:` with the content checker c."""
    raw = data.get("reminders")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.error(data.line_of("reminders"), f"{what}: 'reminders' must be a list")
        return ()
    if not has_start:
        c.error(data.line_of("reminders"), f"{what}: reminders need the event's 'start'")
    out = []
    for item, line in zip(raw, raw.item_lines):
        block = c.mapping(item, line, f"{what}: each reminder")
        if block is None:
            continue
        c.unknown_keys(block, _KEYS, f"{what} reminder")
        before = block.get("before")
        match = _BEFORE.match(str(before)) if isinstance(before, (str, int)) and not isinstance(before, bool) else None
        if match is None:
            c.error(block.line_of("before") if before is not None else block.line,
                    f"{what}: a reminder's 'before' must be like 7d, 12h or 30m")
        texts = c.per_language(block, "text", f"{what} reminder", required=True)
        if match and texts:
            out.append(Reminder(dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}), texts))
    return tuple(out)
