"""When an event is over, read in its own time zone (one rule for listings, purges and retention)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from faq.content import Event


def as_date(value: dt.date) -> dt.date:
    """The day of a date or a date-time."""
    return value.date() if isinstance(value, dt.datetime) else value


def has_ended(event: Event, now: dt.datetime) -> bool:
    """Whether the event took place: marked `past` in the content, or its last day is before today
    where it takes place (an undated event ends only by being marked)."""
    if event.past:
        return True
    end = event.end or event.start
    return end is not None and as_date(end) < now.astimezone(zoneinfo.ZoneInfo(event.timezone)).date()


def ended_days_ago(event: Event, now: dt.datetime) -> int | None:
    """Whole days since the event's last day, in its time zone (None: it has no dates)."""
    end = event.end or event.start
    if end is None:
        return None
    return (now.astimezone(zoneinfo.ZoneInfo(event.timezone)).date() - as_date(end)).days
