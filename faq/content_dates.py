"""Dates and date-times as admins write them in content files.

YAML reads `2026-10-12` and `2026-10-12 09:00:00` as a date and a date-time, but
`2026-10-12 09:00` (no seconds) and `2026-10-12T09:00` as plain text, and a quoted
value always as text. All of these mean the same to an admin, so all are accepted:

    2026-10-12               a date
    2026-10-12 09:00         a date and time (also 9:00, with seconds, or with T)
    2026-10-12T09:00+02:00   with a UTC offset
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_FORM = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?)?$"
)
FORMS = "a date (YYYY-MM-DD) or date and time (YYYY-MM-DD HH:MM)"


def read_moment(value: Any) -> dt.date | dt.datetime | None:
    """The date or date-time value stands for, or None when it is not one."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if not isinstance(value, str):
        return None
    match = _FORM.match(value.strip())
    if match is None:
        return None
    try:
        day = dt.date.fromisoformat(match["date"])
        if match["hour"] is None:
            return day
        offset = match["offset"] or ""
        text = f"{day.isoformat()}T{int(match['hour']):02d}:{match['minute']}:{match['second'] or '00'}"
        return dt.datetime.fromisoformat(text + ("+00:00" if offset == "Z" else offset))
    except ValueError:  # e.g. 2026-02-30 or 25:00
        return None


def has_time(value: dt.date | dt.datetime) -> bool:
    """Whether value is a date-time rather than a whole day."""
    return isinstance(value, dt.datetime)
