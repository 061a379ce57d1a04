"""Signup lists for organisers: CSV that spreadsheets open safely, JSON, and counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from typing import Any, Iterable, Literal

from bot.signups import EventBook, Signup
from faq.content import Event

StatusFilter = Literal["confirmed", "waitlist", "all"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BASE_COLUMNS = ("id", "status", "waitlist_position", "created_at", "updated_at", "confirmed_at", "offered_until",
                "cancelled_at", "cancel_reason", "platform", "user_id", "platform_name", "language", "consent_at")


def _wanted(signup: Signup, status: StatusFilter) -> bool:
    if status == "confirmed":
        return signup.status == "confirmed"
    if status == "waitlist":
        return signup.status in ("waitlisted", "offered")
    return True


def rows(event: Event, book: EventBook, status: StatusFilter = "all") -> tuple[list[str], list[dict[str, Any]]]:
    """The header and one row per signup: fixed columns, then the event's form fields."""
    fields = [f.id for f in event.signup.form] if event.signup else []
    answer_keys = sorted({k for s in book.all() for k in s.answers} - set(fields))  # fields since removed
    columns = {key: f"form:{key}" if key in BASE_COLUMNS else key for key in (*fields, *answer_keys)}
    header = [*BASE_COLUMNS, *columns.values()]
    out = []
    for signup in book.all():
        if not _wanted(signup, status):
            continue
        row: dict[str, Any] = {
            "id": signup.id, "status": signup.status, "waitlist_position": book.position(signup),
            "created_at": signup.created_at, "updated_at": signup.updated_at, "confirmed_at": signup.confirmed_at,
            "offered_until": signup.offered_until, "cancelled_at": signup.cancelled_at,
            "cancel_reason": signup.cancel_reason, "platform": signup.platform, "user_id": signup.user_id,
            "platform_name": signup.name, "language": signup.language, "consent_at": signup.consent_at,
        }
        for key, column in columns.items():
            row[column] = signup.answers.get(key)
        out.append(row)
    return header, out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # a spreadsheet would run "=HYPERLINK(...)" as a formula: make it text
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: list[str], table: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM, header row, every field quoted, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in table:
        writer.writerow([_cell(row.get(key)) for key in header])
    return buffer.getvalue().encode("utf-8-sig")


def to_json(event: Event, header: list[str], table: list[dict[str, Any]]) -> bytes:
    """The same rows as a JSON document."""
    return json.dumps({"event": event.id, "columns": header, "signups": table}, ensure_ascii=False,
                      indent=2).encode("utf-8")


def stats(event: Event, book: EventBook) -> dict[str, Any]:
    """Counts for organisers: confirmed/capacity, waiting list, offers, cancellations, signups per day."""
    signups = book.all()
    count = Counter(s.status for s in signups)
    per_day = Counter(dt.datetime.fromisoformat(s.created_at).date().isoformat() for s in signups)
    return {
        "event": event.id,
        "capacity": event.signup.capacity if event.signup else None,
        "confirmed": count["confirmed"], "offered": count["offered"], "waitlisted": count["waitlisted"],
        "cancelled": count["cancelled"],
        "per_day": dict(sorted(per_day.items())),
    }
