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
