"""Calendar files (.ics) for events, with the event's time zone, built with icalendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from faq.content import Event


def event_ics(event: Event, name: str, place: str, description: str, now: dt.datetime) -> bytes | None:
    """An iCalendar file for the event, or None when it has no start date yet."""
    if event.start is None:
        return None
    tz = zoneinfo.ZoneInfo(event.timezone)
    item = CalendarEvent()
    item.add("uid", f"{event.id}@eventbot")
    item.add("dtstamp", now.astimezone(dt.timezone.utc))
    item.add("summary", name)
    if isinstance(event.start, dt.datetime):
        start = event.start if event.start.tzinfo else event.start.replace(tzinfo=tz)
        end = event.end if isinstance(event.end, dt.datetime) else start + dt.timedelta(hours=1)
        item.add("dtstart", start)
        item.add("dtend", end if end.tzinfo else end.replace(tzinfo=tz))
    else:  # whole days: the end date in iCalendar is exclusive
        last = event.end if isinstance(event.end, dt.date) else event.start
        last = last.date() if isinstance(last, dt.datetime) else last
        item.add("dtstart", event.start)
        item.add("dtend", last + dt.timedelta(days=1))
    if place:
        item.add("location", place)
    if description:
        item.add("description", description)
    calendar = Calendar()
    calendar.add("prodid", "-//eventbot//EN")
    calendar.add("version", "2.0")
    calendar.add_component(item)
    year = event.start.year
    calendar.add_missing_timezones(dt.date(year - 1, 1, 1), dt.date(year + 2, 1, 1))
    return calendar.to_ical()
