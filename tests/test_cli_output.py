"""People's text on the operator's terminal: no escape sequence in it reaches the terminal (issue 15).

The core strips control characters from incoming messages now, so the hostile text is
written straight into the data, as a question recorded before that change would be, or
comes through the organiser's own broadcast text file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import yaml

from bot import insights
from bot.cli_broadcast import progress
from bot.storage import TinyStore
from tests.test_cli import SIGNUP_CONTENT, eventbot, write

HOSTILE = "\x1b]0;HACKED\x07\x1b[2J"  # sets the window title, clears the screen
TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def record_questions(data_dir: Path, *texts: str, picked: str | None = None) -> None:
    """Questions in the unanswered log, as the bot kept them before control characters were stripped.

    With `picked`: each was confirmed as that FAQ entry under "did you mean".
    """
    async def log() -> None:
        store = TinyStore(data_dir)
        try:
            questions = insights.table(store)

            def change() -> None:
                for n, text in enumerate(texts):
                    questions.put(questions.next_id(), {
                        "user_key": f"console:p{n}", "text": text, "language": "en", "event": None,
                        "band": "fallback", "candidates": [], "at": f"2026-01-0{n + 1}T10:00:00+00:00",
                        **({"picked": picked, "picked_rank": 1} if picked else {})})
            await store.transact(change)
            await store.drain()
        finally:
            store.close()
    asyncio.run(log())


def test_faq_unanswered_prints_hostile_questions_without_their_escape_sequences(tmp_path):
    record_questions(tmp_path / "data", HOSTILE + "Is there a cloakroom?",
                     "Can I bring\r  2. a fake line\n\x1b[31mmy bike\x1b[0m?", "\u202eevil\u202c ok?")
    write(tmp_path / "eventbot.yaml", f"data_dir: {tmp_path / 'data'}\n")

    result = eventbot("faq", "unanswered", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert not TERMINAL_CONTROL.search(result.stdout), repr(result.stdout)
    assert '"Is there a cloakroom?"' in result.stdout
    assert '"Can I bring  2. a fake line my bike?"' in result.stdout  # one line per question, nothing overwritten
    assert '"evil ok?"' in result.stdout
    assert "HACKED" not in result.stdout
    assert len(result.stdout.splitlines()) == 3


def test_faq_unanswered_export_escapes_bidi_overrides_and_keeps_the_text(tmp_path):
    question = "Where is the \u202eexit\u202c?"
    record_questions(tmp_path / "data", question)
    write(tmp_path / "eventbot.yaml", f"data_dir: {tmp_path / 'data'}\n")

    result = eventbot("faq", "unanswered", "--export", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert not TERMINAL_CONTROL.search(result.stdout), repr(result.stdout)
    [entry] = yaml.safe_load(result.stdout)["faq"]
    assert entry["en"]["question"] == question  # escaped on screen, the same text once pasted


def test_faq_suggest_escapes_what_people_typed_and_keeps_the_text(tmp_path):
    phrasing = HOSTILE + "what is \u202eCRWE\u202c about"
    record_questions(tmp_path / "data", phrasing, picked="ewrc-about")
    write(tmp_path / "eventbot.yaml", f"data_dir: {tmp_path / 'data'}\n")

    result = eventbot("faq", "suggest", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert not TERMINAL_CONTROL.search(result.stdout), repr(result.stdout)
    [entry] = yaml.safe_load(result.stdout)["faq"]
    assert entry["id"] == "ewrc-about"
    assert entry["en"]["phrasings"] == [phrasing]  # escaped on screen, the same text once pasted


def test_broadcast_preview_shows_the_organisers_text_without_escape_sequences(tmp_path):
    write(tmp_path / "eventbot.yaml", f"data_dir: {tmp_path / 'data'}\ncontent:\n  path: {SIGNUP_CONTENT}\n")
    (tmp_path / "message.txt").write_text(HOSTILE + "The bus\x1b[1A leaves\x08 at 9:00.\nSee you!", "utf-8")

    result = eventbot("broadcast", "trip", "--text-file", "message.txt", "--yes", cwd=tmp_path)

    assert result.returncode == 1 and "nobody to send to" in result.stderr  # the preview comes first
    assert not TERMINAL_CONTROL.search(result.stdout), repr(result.stdout)
    assert "The bus leaves at 9:00.\nSee you!" in result.stdout  # the organiser's own line breaks stay


def test_broadcast_progress_shows_a_platforms_error_without_escape_sequences():
    now = dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone.utc)
    note = {"ref": 1, "status": "pending", "user_key": "telegram:1", "attempts": 1,
            "next_attempt": (now + dt.timedelta(seconds=30)).isoformat(),
            "last_error": "Bad Request: chat " + HOSTILE + "not found\n"}

    shown = progress({"id": 1, "total": 1, "status": "sending"}, [note], now)

    assert shown.stalled == ("Telegram answering errors (Bad Request: chat not found ), retrying in 30 s",)
