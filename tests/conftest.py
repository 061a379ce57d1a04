"""Shared fixtures: a whole bot on the shipped sample content, talked to like a person would."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Callable, Iterator

import pytest

from adapters.console import ConsoleAdapter
from bot.app import build_bot, build_knowledge
from bot.config import Config
from faq.knowledge import Knowledge

DATA = Path(__file__).parent / "data"


class Clock:
    """A clock the test moves by hand (starts 2026-06-01 10:00 UTC)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock for the core (signup windows, offers, reminders)."""
    return Clock()


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The shipped sample content, indexed once for the whole test run."""
    return build_knowledge(Config())


class Conversation:
    """One person chatting through the console adapter: say() returns what the bot printed."""

    def __init__(self, data_dir: Path, language_hint: str | None = None, user: str = "local",
                 config: Config | None = None, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.data_dir = data_dir
        self.language_hint = language_hint
        self.user = user
        self.config = (config or Config()).model_copy(update={"data_dir": data_dir})
        self.clock = clock
        self.transcript: list[tuple[str, str]] = []

    async def say(self, *lines: str) -> str:
        """Send lines as one session of the console chat (a fresh bot: a restart); returns the output."""
        bot, store = build_bot(self.config, self.clock)
        out = io.StringIO()
        adapter = ConsoleAdapter(bot, io.StringIO("\n".join(lines) + "\n"), out, interactive=False,
                                 files_dir=self.data_dir / "files" / self.user, language_hint=self.language_hint,
                                 user_id=self.user)
        try:
            await adapter.run()
        finally:
            store.close()
        self.transcript.append(("\n".join(lines), out.getvalue()))
        return out.getvalue()


@pytest.fixture
def conversation(tmp_path: Path) -> Iterator[Callable[..., Conversation]]:
    """A factory for conversations sharing one data folder (so restarts can be tested)."""

    def make(language_hint: str | None = None, user: str = "local", config: Config | None = None,
             clock: Callable[[], dt.datetime] | None = None) -> Conversation:
        return Conversation(tmp_path / "data", language_hint, user, config, clock)

    yield make
