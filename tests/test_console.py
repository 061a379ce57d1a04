"""`eventbot chat` as a person at a terminal meets it: Ctrl-C, /quit in /help, numbered choices, bold text."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter, render
from bot.app import build_bot
from bot.config import Config
from bot.messages import Incoming, Reply

REPO = Path(__file__).resolve().parent.parent
EWRC_PLACE = "Brussels"


def chat_process(cwd: Path) -> subprocess.Popen:
    """`eventbot chat` reading from a pipe this test keeps open, as a terminal would."""
    env = {k: v for k, v in os.environ.items() if k != "EVENTBOT_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.Popen([sys.executable, "-m", "bot", "chat"], cwd=cwd, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


def read_until(stream, needle: str) -> str:
    """Read lines until one contains `needle` (the process answered); returns what was read."""
    seen = []
    for line in stream:
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"{needle!r} never came:\n{''.join(seen)}")


def test_ctrl_c_at_the_prompt_quits_without_a_traceback(tmp_path):
    chat = chat_process(tmp_path)
    try:
        chat.stdin.write("how many people attend EWRC\n")
        chat.stdin.flush()
        read_until(chat.stdout, "6,000")  # the bot answered and waits for the next line
        time.sleep(0.5)  # not a measure: lets it get into the read, where Ctrl-C used to hang until Enter
        chat.send_signal(signal.SIGINT)
        code = chat.wait(timeout=60)  # a guard against the hang this fixed, not a timing measure
        err = chat.stderr.read()
    finally:
        chat.kill()
        chat.stdin.close()
        chat.stdout.close()
        chat.stderr.close()
    assert code == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


class SlowCore:
    """The real core, whose answer takes until the test lets it (our own core surface, for the console)."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.thinking = threading.Event()
        self.profiles = bot.profiles
        self.default_language = bot.default_language
        self.stopped = False

    def attach(self, messenger) -> None:
        self.bot.attach(messenger)

    async def start(self) -> None:
        await self.bot.start()

    async def stop(self) -> None:
        await self.bot.stop()
        self.stopped = True

    async def handle(self, message: Incoming) -> list[Reply]:
        self.thinking.set()
        os.kill(os.getpid(), signal.SIGINT)  # the person presses Ctrl-C while the bot is thinking
        await asyncio.sleep(3600)
        return await self.bot.handle(message)


def test_ctrl_c_while_the_bot_is_thinking_stops_the_chat_cleanly(tmp_path):
    bot, store = build_bot(Config(data_dir=tmp_path / "data"))
    core = SlowCore(bot)
    out = io.StringIO()
    adapter = ConsoleAdapter(core, io.StringIO("how many people attend EWRC\nwhen is the EWRC\n"), out,
                             interactive=True, files_dir=tmp_path / "files")
    try:
        with asyncio.Runner() as runner, pytest.raises(KeyboardInterrupt):  # what `eventbot chat` turns into exit 130
            runner.run(adapter.run())
    finally:
        store.close()
    assert core.thinking.is_set() and core.stopped
    assert out.getvalue().endswith("\n")  # the shell's prompt starts on a fresh line


async def test_help_on_the_console_lists_quit_in_the_persons_language(conversation):
    chat = conversation()
    assert "\n/quit: leave the chat" in await chat.say("/help")
    out = await chat.say("/language nl", "/help")
    assert "\n/quit: het gesprek verlaten" in out
    assert "/quit: leave" not in out
    assert "\n/quit: チャットを終了する" in await chat.say("/language ja", "/help")


async def test_a_number_picks_from_the_latest_list_only(conversation):
    out = await conversation().say("/events", "how many people attend EWRC", "2")
    lines = out.splitlines()
    [answer] = [i for i, line in enumerate(lines) if "6,000" in line]
    assert "  2. European Week of Regions and Cities (EWRC)" in lines[:answer]
    after = "\n".join(lines[answer + 1:])
    # the answer had no choices: "2" is text now, not the second event of the older list
    assert "Every October, four days" not in after and "Brussels" not in after
    assert "don't have an answer" in after

    out = await conversation(user="newcomer").say("/events", "when is it", "1")
    [_, did_you_mean] = out.split("Did you mean", 1)
    assert "Innovation journey East-Netherlands" not in did_you_mean  # not the first event of the older list
    first = did_you_mean.splitlines()[1].removeprefix("  1. ")
    assert first.startswith("When"), did_you_mean
    assert did_you_mean.splitlines()[-1] not in first  # the answer to the picked question follows


async def test_a_number_without_any_list_is_text(conversation):
    out = await conversation().say("3")
    assert "don't have an answer" in out


async def test_markup_typed_by_a_person_is_shown_as_typed(conversation):
    out = await conversation().say("/x**BIG**")
    assert "/x**big**" in out  # the core escaped it; the console shows it as typed, not bold
    assert "\\*" not in out


def test_bold_is_ansi_bold_at_a_terminal_and_escapes_are_literal():
    reply = Reply("**Events** \\*\\*BIG\\*\\* a\\\\b", ())
    assert render(reply, color=True) == "\033[1mEvents\033[0m **BIG** a\\b"
    assert render(reply, color=False) == "Events **BIG** a\\b"
