"""One person's bad input never costs them or anyone else an answer (issue 15, isolation)."""

from __future__ import annotations

import pytest

from bot.app import build_knowledge
from bot.config import Config
from bot.core import Bot
from bot.datafiles import DataFolder
from bot.messages import Incoming
from bot.storage import TinyStore


class FullDisk(DataFolder):
    """A data folder on a full disk: every write fails."""

    def write_journal(self, files):
        raise OSError(28, "No space left on device")


@pytest.fixture
async def bot(tmp_path, knowledge):
    store = TinyStore(tmp_path)
    bot = Bot(knowledge, store)
    yield bot
    await bot.stop()
    store.close()


def said(replies) -> str:
    return "\n".join(r.text for r in replies)


@pytest.mark.parametrize("text", ["How many people attend EWRC caf\udce9?", "\udce9\udcff how many people attend EWRC",
                                  "how many people attend EWRC\x00\x1b[2J"])
async def test_undecodable_or_control_characters_still_get_the_answer(bot, text):
    out = said(await bot.handle(Incoming("console", "p", "p", text=text)))
    assert "6,000" in out, out
    assert "went wrong" not in out


async def test_a_huge_question_is_read_only_in_part_and_answered(bot):
    out = said(await bot.handle(Incoming("console", "p", "p", text="how many people attend EWRC " + "x" * 5_000_000)))
    assert "went wrong" not in out
    assert len(out) < 5_000
    assert "6,000" in said(await bot.handle(Incoming("console", "q", "q", text="how many people attend EWRC")))


async def test_a_huge_command_argument_is_not_echoed_back(bot):
    out = said(await bot.handle(Incoming("console", "p", "p", text="/event " + "y" * 10_000)))
    assert len(out) < 1_500, len(out)


async def test_on_a_full_disk_a_question_still_gets_its_answer(tmp_path, knowledge):
    store = TinyStore(tmp_path, folder=FullDisk)
    bot = Bot(knowledge, store)
    try:
        out = said(await bot.handle(Incoming("console", "p", "p", text="how many people attend EWRC")))
        assert "6,000" in out, out
        out = said(await bot.handle(Incoming("console", "p", "p", text="/language nl")))
        assert "could not" in out.lower() or "try again" in out.lower(), out  # a choice that was not saved says so
    finally:
        store.close()


def test_the_faq_engine_itself_reads_undecodable_text(knowledge):
    answer = knowledge.ask("how many people attend EWRC caf\udce9", "en")
    assert answer.band == "answer" and "6,000" in answer.text


async def test_c1_controls_and_bidi_overrides_are_dropped_at_the_edge(bot):
    from bot.messages import clean_text
    assert clean_text("how\x9b2J many\u202e people\u2066 attend\x85 EWRC") == "how2J many people attend EWRC"
    out = said(await bot.handle(Incoming("console", "p", "p", text="how many\u202e people attend EWRC")))
    assert "6,000" in out
