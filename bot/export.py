"""Signup lists for organisers: CSV that spreadsheets open safely, JSON, and counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Literal

from bot.signups import EventBook, Signup
from faq.content import Event
from faq.signup_content import FormField

StatusFilter = Literal["confirmed", "waitlist", "all"]
# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(...)",
# "@SUM(...)", "+cmd|..."); full-width forms (＝＋－＠) are read as ASCII by NFKC, as
# Excel and LibreOffice do on Japanese and Chinese systems.
FORMULA_START = ("=", "+", "-", "@", "\u2212")
LINE_START = ("\t", "\r", "\n")  # a cell starting with these is neutralised whatever follows
# what a validated answer looks like (bot/forms.py): E.164 numbers, addresses without
# quotes, parentheses, pipes or "!" (nothing a formula could call or reference)
VALIDATED = {"phone": re.compile(r"\+[1-9][0-9]{1,14}"), "email": re.compile(r"[\w.+\-]+@[\w.\-]+")}
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


def _invisible(char: str) -> bool:
    """Spaces and format characters (zero-width space, BOM, bidi marks): a spreadsheet skips them before '='."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula (or a formula split over lines)."""
    if text.startswith(LINE_START):
        return True
    start = next((char for char in text if not _invisible(char)), "")
    return unicodedata.normalize("NFKC", start).startswith(FORMULA_START)


def form_columns(event: Event | None, header: Iterable[str]) -> dict[str, FormField]:
    """The form field behind each column of `header` that holds a form answer."""
    fields = {f.id: f for f in event.signup.form} if event and event.signup else {}
    columns = {f"form:{key}" if key in BASE_COLUMNS else key: field for key, field in fields.items()}
    return {column: columns[column] for column in header if column in columns}


def _validated(field: FormField | None, value: Any) -> bool:
    pattern = VALIDATED.get(field.type) if field else None
    return bool(pattern and isinstance(value, str) and pattern.fullmatch(value))


def _cell(value: Any, field: FormField | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if isinstance(value, (int, float)) or _validated(field, value):
        return text  # a number, a checked phone number or e-mail address: never a formula
    # a spreadsheet would run "=HYPERLINK(...)" as a formula: make it text
    return "'" + text if formula_like(text) else text


def to_csv(header: list[str], table: Iterable[dict[str, Any]], event: Event | None = None) -> bytes:
    """UTF-8 with BOM, header row, every field quoted, formulas neutralised.

    With the event, validated phone numbers and e-mail addresses (the form's field
    types say which columns) keep their leading '+' or '-' without an apostrophe.
    """
    fields = form_columns(event, header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in table:
        writer.writerow([_cell(row.get(key), fields.get(key)) for key in header])
    return buffer.getvalue().encode("utf-8-sig")


def to_json(event: Event, header: list[str], table: list[dict[str, Any]]) -> bytes:
    """The same rows as a JSON document."""
    return json.dumps({"event": event.id, "columns": header, "signups": table}, ensure_ascii=False,
                      indent=2).encode("utf-8")


FORMATS = ("csv", "json")


@dataclass(frozen=True)
class ExportFile:
    """A signup list as a file to hand to an organiser."""

    filename: str
    data: bytes
    mime_type: str
    count: int  # rows


def export_file(event: Event, book: EventBook, fmt: str = "csv", status: StatusFilter = "all") -> ExportFile:
    """The signup list of an event in one of FORMATS, for the chat's /export and the command line alike."""
    header, table = rows(event, book, status)
    if fmt == "json":
        return ExportFile(f"{event.id}-signups.json", to_json(event, header, table), "application/json", len(table))
    return ExportFile(f"{event.id}-signups.csv", to_csv(header, table, event), "text/csv", len(table))


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
