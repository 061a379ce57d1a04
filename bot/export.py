"""Signup lists for organisers: CSV that spreadsheets open safely, XLSX with text cells, JSON, and counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import unicodedata
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Literal

from bot.signups import EventBook, Signup
from bot.terminal import printable
from faq.content import Event
from faq.signup_content import FormField

log = logging.getLogger(__name__)

StatusFilter = Literal["confirmed", "waitlist", "all"]
# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(...)",
# "@SUM(...)", "+cmd|..."). Full-width and small forms (＝＋－＠, ﹦﹢﹣﹫) count too (NFKC
# makes them ASCII; issue 15 found ＝ used so), and the minus sign U+2212 as a precaution.
FORMULA_START = ("=", "+", "-", "@", "\u2212")
LINE_START = ("\t", "\r", "\n")  # a cell starting with these is neutralised whatever follows
# what a validated answer looks like (bot/forms.py): E.164 numbers, addresses without
# quotes, parentheses, pipes or "!" (nothing a formula could call or reference)
VALIDATED = {"phone": re.compile(r"\+[1-9][0-9]{1,14}"), "email": re.compile(r"[\w.+\-]+@[\w.\-]+")}
TIME_COLUMNS = ("created_at", "updated_at", "confirmed_at", "offered_until", "cancelled_at", "consent_at")
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


# --- XLSX -------------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# XML cannot hold these: openpyxl refuses C0 controls, and would write a broken file with the others
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_XML_TEXT = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
_WIDTH = (6, 50)  # narrowest and widest column, in characters
# Excel holds at most 32,767 characters (UTF-16 units) in a cell and calls a file with a
# longer one damaged; a form with a large max_length, or a list kept from before, can hold one
_CELL_UNITS = 32767
_CUT = "\u2026"  # what ends a text cut to fit


def _label(labels: dict[str, str], language: str | None, fallback: str) -> str:
    """A text in the language, else English, else any; `fallback` if there is none."""
    if language and language in labels:
        return labels[language]
    return labels.get("en") or next(iter(labels.values()), fallback)


def _local(stamp: Any, zone: zoneinfo.ZoneInfo) -> Any:
    """A stored UTC timestamp as the event's local time (minutes), or the value as it was if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        return stamp
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _text(value: Any, field: FormField | None, language: str | None) -> str:
    """A value as the cell's text: option labels for choices, yes/no, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if field is not None and field.type == "choice":
        option = next((o for o in field.options if o.id == value), None)
        text = _label(option.labels, language, option.id) if option else text
    return _NOT_XML_TEXT.sub("\ufffd", _NOT_XML.sub("", text))


def _fit(text: str) -> str:
    """The text cut (ending with "…") to what a spreadsheet cell can hold."""
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * _CELL_UNITS:
        return text
    # half of a surrogate pair at the cut is dropped, not turned into a broken character
    return units[:2 * (_CELL_UNITS - len(_CUT))].decode("utf-16-le", "ignore") + _CUT


def _width(text: str) -> int:
    """How many character widths a text takes on its longest line (CJK counts double)."""
    return max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                for line in text.split("\n")), default=0)


def to_xlsx(header: list[str], table: Iterable[dict[str, Any]], event: Event, language: str | None = None) -> bytes:
    """A workbook of text cells: field labels as headers, option labels, local times; bold frozen header.

    Every cell is stored as a string (never a formula, a date or a number, whatever a
    person typed) and formatted as text, so editing it keeps it text. Times are in
    the event's time zone, named in their column's header. Labels are in `language`
    (default: the event's main language, else English). A text longer than a cell
    can hold (32,767 characters) is cut, ending with "…", and logged.
    """
    from openpyxl import Workbook  # here: the bot starts without loading it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    language = language or event.default_language
    zone = zoneinfo.ZoneInfo(event.timezone)
    fields = form_columns(event, header)
    titles = [_label(fields[c].labels, language, c) if c in fields else
              f"{c} ({event.timezone})" if c in TIME_COLUMNS else c for c in header]
    book = Workbook()
    sheet = book.active
    sheet.title = "signups"
    widths = [_width(title) for title in titles]
    bold = Font(bold=True)
    for col, title in enumerate(titles, 1):
        cell = sheet.cell(row=1, column=col)
        cell.value, cell.data_type, cell.number_format, cell.font = _text(title, None, None), "s", "@", bold
    for row_number, row in enumerate(table, 2):
        for col, key in enumerate(header, 1):
            value = row.get(key)
            if key in TIME_COLUMNS and value:
                value = _local(value, zone)
            text = _text(value, fields.get(key), language)
            if len(text) > _CELL_UNITS // 2 and (fitted := _fit(text)) != text:
                log.warning("export %s: %s of signup %s cut from %s to %s characters to fit a spreadsheet cell "
                            "(the CSV and JSON exports keep all of it)", event.id, key, row.get("id"), len(text),
                            len(fitted))
                text = fitted
            cell = sheet.cell(row=row_number, column=col)
            # assigned text starting with "=" becomes a formula in openpyxl: store it as a string
            cell.value, cell.data_type, cell.number_format = text, "s", "@"
            widths[col - 1] = max(widths[col - 1], _width(text))
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, _WIDTH[0]), _WIDTH[1])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{sheet.max_row}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- one file for the chat and the command line ---------------------------------------

FORMATS = ("csv", "json", "xlsx")


@dataclass(frozen=True)
class ExportFile:
    """A signup list as a file to hand to an organiser."""

    filename: str
    data: bytes
    mime_type: str
    count: int  # rows


def export_file(event: Event, book: EventBook, fmt: str = "csv", status: StatusFilter = "all",
                language: str | None = None) -> ExportFile:
    """The signup list of an event in one of FORMATS, for the chat's /export and the command line alike.

    `language`: of the XLSX's column headers and option labels (the organiser's; default the event's).
    """
    header, table = rows(event, book, status)
    if fmt == "xlsx":
        return ExportFile(f"{event.id}-signups.xlsx", to_xlsx(header, table, event, language), XLSX_MIME, len(table))
    if fmt == "json":
        return ExportFile(f"{event.id}-signups.json", to_json(event, header, table), "application/json", len(table))
    return ExportFile(f"{event.id}-signups.csv", to_csv(header, table, event), "text/csv", len(table))


def for_terminal(data: bytes) -> bytes:
    """A CSV or JSON export as it may be shown on a terminal: people's text without control sequences.

    For `eventbot signups export` without -o when standard output is a terminal (a
    name "\\x1b]0;HACKED\\x07" would set the window title); a file or a pipe gets the
    export unchanged.
    """
    return printable(data.decode("utf-8-sig", "replace")).encode("utf-8")


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
