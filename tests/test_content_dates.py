"""Dates and times in content files, the way admins write them, and the calendar files they give."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import icalendar
import pytest

from bot.calendar import event_ics
from faq.content import load_content

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)


def load(folder: Path, dates: str):
    text = textwrap.dedent("""
        events:
          - id: ewrc
            names: {en: EWRC}
            timezone: Europe/Brussels
    """).lstrip("\n") + textwrap.indent(textwrap.dedent(dates).strip("\n"), "    ") + "\n"
    (folder / "events.yaml").write_text(text, encoding="utf-8")
    return load_content([folder])


@pytest.mark.parametrize("written", [
    "2026-10-12 09:00", '"2026-10-12 09:00"', "'2026-10-12 9:00'", "2026-10-12 09:00:00",
    '"2026-10-12 09:00:00"', "2026-10-12T09:00", "2026-10-12T09:00:00", '"2026-10-12T09:00"',
])
def test_start_and_end_with_a_time_in_every_written_form(tmp_path, written):
    content, problems = load(tmp_path, f"start: {written}\nend: {written.replace('2026-10-12', '2026-10-15')}")
    assert problems == []
    event = content.events["ewrc"]
    assert event.start == dt.datetime(2026, 10, 12, 9, 0)
    assert event.end == dt.datetime(2026, 10, 15, 9, 0)


@pytest.mark.parametrize("written", ["2026-10-12", '"2026-10-12"'])
def test_a_date_quoted_or_not(tmp_path, written):
    content, problems = load(tmp_path, f"start: {written}")
    assert problems == []
    assert content.events["ewrc"].start == dt.date(2026, 10, 12)


@pytest.mark.parametrize("written", ["next October", "2026-13-01", "2026-10-12 25:00", "12-10-2026"])
def test_what_is_not_a_date_is_an_error_on_its_line(tmp_path, written):
    _, problems = load(tmp_path, f"start: {written}")
    assert [(p.line, p.severity) for p in problems] == [(5, "error")]
    assert "'start' must be a date (YYYY-MM-DD) or date and time (YYYY-MM-DD HH:MM)" in problems[0].message


def test_a_start_with_a_time_and_an_end_without_is_an_error(tmp_path):
    _, problems = load(tmp_path, "start: 2026-10-12 09:00\nend: 2026-10-15")
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'events.yaml'}:6: event ewrc: 'start' and 'end' must both have a time (YYYY-MM-DD HH:MM) "
        "or both be dates alone (whole days)"]


def test_a_start_without_a_time_and_an_end_with_one_is_an_error(tmp_path):
    _, problems = load(tmp_path, "start: 2026-10-12\nend: 2026-10-15 17:00")
    assert [(p.line, p.severity) for p in problems] == [(6, "error")]
    assert "must both have a time" in problems[0].message


@pytest.mark.parametrize("key", ["opens", "closes"])
@pytest.mark.parametrize("written", ["2026-05-01 09:30", "2026-05-01 09:30:00", "2026-05-01T09:30", '"2026-05-01 9:30"'])
def test_signup_window_in_every_written_form(tmp_path, key, written):
    other = "closes: 2026-06-01" if key == "opens" else "opens: 2026-04-01"
    content, problems = load(tmp_path, f"signup:\n  {key}: {written}\n  {other}")
    assert problems == []
    assert getattr(content.events["ewrc"].signup, key).isoformat() == "2026-05-01T09:30:00+02:00"


def calendar_of(tmp_path: Path, dates: str) -> icalendar.Event:
    content, problems = load(tmp_path, dates)
    assert problems == []
    ics = event_ics(content.events["ewrc"], "EWRC", "Brussels", "", NOW)
    [item] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return item


def test_calendar_of_whole_days_is_all_day_with_the_end_exclusive(tmp_path):
    item = calendar_of(tmp_path, "start: 2026-10-12\nend: 2026-10-15")
    assert item.decoded("dtstart") == dt.date(2026, 10, 12)
    assert item.decoded("dtend") == dt.date(2026, 10, 16)  # the day after the last day
    assert not isinstance(item.decoded("dtend"), dt.datetime)
    assert b"DTSTART;VALUE=DATE:20261012" in item.to_ical()


def test_calendar_of_one_day_without_end(tmp_path):
    item = calendar_of(tmp_path, "start: 2026-10-12")
    assert (item.decoded("dtstart"), item.decoded("dtend")) == (dt.date(2026, 10, 12), dt.date(2026, 10, 13))


def test_calendar_of_date_times_in_the_event_time_zone(tmp_path):
    item = calendar_of(tmp_path, "start: 2026-10-12 09:00\nend: 2026-10-26 17:30")
    start, end = item.decoded("dtstart"), item.decoded("dtend")
    assert (start.isoformat(), end.isoformat()) == ("2026-10-12T09:00:00+02:00", "2026-10-26T17:30:00+01:00")  # summer time ended
    assert str(start.tzinfo) == "Europe/Brussels"
    assert b"DTSTART;TZID=Europe/Brussels:20261012T090000" in item.to_ical()
