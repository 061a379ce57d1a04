"""Signup lists as organisers open them in a spreadsheet: CSV without formulas, XLSX with text cells (issue 15).

The signups are written straight into the data folder (the core cleans what people type
today; lists kept from before may hold anything), then exported with the real
`eventbot signups export`, and read back with the csv module and openpyxl.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from bot.storage import TinyStore
from tests.test_cli import SIGNUP_CONTENT, eventbot, write

NOW = dt.datetime(2027, 4, 1, 0, 30, tzinfo=dt.timezone.utc)  # 09:30 in Tokyo, the trip's time zone


def signed_up(folder: Path, *people: dict[str, Any]) -> Path:
    """A data folder with these people's signups for the trip (their answers as the form stores them)."""
    async def register() -> None:
        store = TinyStore(folder / "data")
        try:
            def change() -> None:
                for n, answers in enumerate(people, 1):
                    store.book("trip").register(f"telegram:{n}", capacity=10, waitlist=True, now=NOW,
                                                platform="telegram", user_id=str(n), name=f"Person {n}",
                                                language="en", answers=answers, consent_at=NOW.isoformat())
            await store.transact(change)
            await store.drain()
        finally:
            store.close()
    asyncio.run(register())
    write(folder / "eventbot.yaml", f"data_dir: {folder / 'data'}\ncontent:\n  path: {SIGNUP_CONTENT}\n")
    return folder


def answers(name: str, email: str = "anna@example.org", phone: str | None = None) -> dict[str, Any]:
    return {"name": name, "email": email, "member": "guest", "age": 40, "dinner": True, "phone": phone}


def export_csv(folder: Path) -> list[dict[str, str]]:
    result = eventbot("signups", "export", "trip", "-o", "trip.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    text = (folder / "trip.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_neutralises_formulas_behind_line_breaks_full_width_signs_and_invisible_characters(tmp_path):
    hostile = [
        "\n=HYPERLINK(\"http://x\",\"click\")",  # a line feed first
        "\r+SUM(1)",
        "\uff1dHYPERLINK(\"http://x\")",  # full-width equals sign
        "\uff0b1+1", "\uff0dcmd", "\uff20SUM(A1)",  # full-width plus, minus, at
        "\u200b=1+1",  # zero-width space
        "\ufeff@SUM(A1)",  # BOM
        "\u200e-2+3",  # left-to-right mark
        "  \u00a0=1+1",  # spaces, a no-break space
        "\ufe66SUM(1)", "\ufe62A1", "\ufe6bSUM(A1)",  # small equals, plus, at
        "\u2212A1",  # minus sign
        "\u2060\u00ad\u3000=1+1",  # word joiner, soft hyphen, ideographic space
        "\nplain text after a line feed",
    ]
    rows = export_csv(signed_up(tmp_path, *(answers(name) for name in hostile), answers("Anna = organiser")))

    assert [r["name"] for r in rows] == ["'" + name for name in hostile] + ["Anna = organiser"]


def test_csv_leaves_validated_phone_numbers_and_addresses_as_they_are(tmp_path):
    rows = export_csv(signed_up(
        tmp_path,
        answers("Anna", "anna@example.org", "+31612345678"),
        answers("Ben", "-ben@example.org", "+81312345678"),
        answers("+31612345678", "=cmd|'/C calc'!A0@example.org"),  # a name is not a phone number
    ))

    assert [r["phone"] for r in rows] == ["+31612345678", "+81312345678", ""]
    assert [r["email"] for r in rows] == ["anna@example.org", "-ben@example.org",
                                          "'=cmd|'/C calc'!A0@example.org"]  # '=' starts a formula even so
    assert rows[2]["name"] == "'+31612345678"
    assert rows[0]["age"] == "40" and rows[0]["dinner"] == "yes"


# --- XLSX --------------------------------------------------------------------------------------


def export_xlsx(folder: Path, *options: str) -> Any:
    import openpyxl

    result = eventbot("signups", "export", "trip", "--format", "xlsx", "-o", "trip.xlsx", *options, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "2 signups written to trip.xlsx" in result.stderr
    return openpyxl.load_workbook(folder / "trip.xlsx").active


def columns(sheet: Any) -> dict[str, list[Any]]:
    """Each column's cell values under its header, as the spreadsheet shows them."""
    header = [cell.value for cell in sheet[1]]
    return {title: [row[i].value for row in sheet.iter_rows(min_row=2)] for i, title in enumerate(header)}


def test_xlsx_has_text_cells_field_and_option_labels_and_local_times(tmp_path):
    sheet = export_xlsx(signed_up(
        tmp_path,
        answers("=HYPERLINK(\"http://x\",\"click\")", "anna@example.org", "+31612345678"),
        {**answers("2027-05-10"), "member": "member", "dinner": False, "age": 42.5},  # a date as a name
    ))
    table = columns(sheet)

    assert list(table)[-6:] == ["Your name", "Your e-mail address", "Are you a member?", "Your age",
                                "Do you join the dinner?", "Phone number"]
    assert table["Your name"] == ["=HYPERLINK(\"http://x\",\"click\")", "2027-05-10"]  # text, no apostrophe
    assert table["Are you a member?"] == ["Guest", "Member"]
    assert table["Do you join the dinner?"] == ["yes", "no"]
    assert table["Your age"] == ["40", "42.5"]
    assert table["Phone number"] == ["+31612345678", None]
    assert table["created_at (Asia/Tokyo)"] == ["2027-04-01 09:30", "2027-04-01 09:30"]
    assert table["consent_at (Asia/Tokyo)"] == ["2027-04-01 09:30", "2027-04-01 09:30"]
    filled = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type == "s" and isinstance(cell.value, str) for cell in filled)  # nothing evaluated
    assert all(cell.number_format == "@" for cell in filled)  # and an edit keeps it text
    assert all(cell.font.b for cell in sheet[1]) and not any(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A2"
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert widths["Your name"] >= len("=HYPERLINK(\"http://x\",\"click\")")
    assert widths["Are you a member?"] >= len("Are you a member?") and max(widths.values()) <= 60


def test_xlsx_labels_in_the_organisers_language_and_text_a_sheet_can_hold(tmp_path):
    sheet = export_xlsx(signed_up(tmp_path, answers("Anna\x1b[2J\x07"), {**answers("Ben"), "member": "member"}),
                        "--language", "nl")
    table = columns(sheet)

    assert table["Je naam"] == ["Anna[2J", "Ben"]  # control characters an XLSX cannot hold are left out
    assert table["Ben je lid?"] == ["Gast", "Lid"]


def test_xlsx_is_not_written_to_a_terminal(tmp_path):
    import os
    import subprocess
    import sys

    from tests.test_cli import REPO

    folder = signed_up(tmp_path, answers("Anna"))
    env = {k: v for k, v in os.environ.items() if k != "EVENTBOT_CONFIG"}
    env["PYTHONPATH"] = str(REPO)
    terminal, screen = os.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "bot", "signups", "export", "trip", "--format", "xlsx"],
                                cwd=folder, env=env, stdout=screen, stderr=subprocess.PIPE, text=True, timeout=60,
                                stdin=subprocess.DEVNULL)
        os.close(screen)
        shown = b""
        try:
            while chunk := os.read(terminal, 4096):
                shown += chunk
        except OSError:  # the terminal closed: all was read
            pass
    finally:
        os.close(terminal)
    assert result.returncode == 2
    assert "-o FILE" in result.stderr and "Traceback" not in result.stderr
    assert b"PK" not in shown  # no zip archive on the screen


def test_xlsx_cuts_a_text_longer_than_a_spreadsheet_cell_holds(tmp_path):
    # Excel holds 32,767 characters (UTF-16 units) in a cell and calls a file with more damaged;
    # Slack lets a person send 40,000, and a form may allow that many
    essay = "I would like to say " + "a" * 32745 + "\U0001f600" + "b" * 8000  # an emoji across the limit
    sheet = export_xlsx(signed_up(tmp_path, answers(essay), answers("Ben")))
    table = columns(sheet)

    [long, short] = table["Your name"]
    assert len(long.encode("utf-16-le")) // 2 <= 32767
    assert long.startswith("I would like to say aaa") and long.endswith("a\u2026")  # no half emoji
    assert short == "Ben"


# --- on a terminal -----------------------------------------------------------------------------


def test_an_export_shown_on_a_terminal_has_no_escape_sequences_and_a_file_keeps_everything(tmp_path):
    import json
    import re

    from bot import export

    hostile = "Ben\x1b]0;HACKED\x07\x1b[2J\x9b31m \u202eevil\u202c"  # title, clear, 8-bit CSI, bidi override
    folder = signed_up(tmp_path, answers(hostile), answers("Anna\nline two"))
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    shown = {}
    for fmt in ("csv", "json"):
        result = eventbot("signups", "export", "trip", "--format", fmt, "-o", f"trip.{fmt}", cwd=folder)
        assert result.returncode == 0, result.stderr
        shown[fmt] = export.for_terminal((folder / f"trip.{fmt}").read_bytes()).decode("utf-8")
        assert not control.search(shown[fmt]), repr(shown[fmt])

    rows = list(csv.DictReader(io.StringIO(shown["csv"], newline="")))
    assert [row["name"] for row in rows] == ["Ben evil", "Anna\nline two"]  # still a table, line breaks stay
    signups = json.loads(shown["json"])["signups"]  # still JSON; its own escapes (\u001b) are plain text
    assert [row["name"] for row in signups] == ["Ben\x1b]0;HACKED\x07\x1b[2J evil", "Anna\nline two"]
    assert export_csv(folder)[0]["name"] == hostile  # a file (or a pipe) keeps what was stored
