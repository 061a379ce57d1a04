"""Shared fixtures: a whole bot on the shipped sample content, talked to like a person would."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable, Iterator

import pytest

from adapters.console import ConsoleAdapter
from bot.app import build_bot, build_knowledge
from bot.config import Config
from faq.knowledge import Knowledge

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The shipped sample content, indexed once for the whole test run."""
    return build_knowledge(Config())


class Conversation:
    """One person chatting through the console adapter: say() returns what the bot printed."""

    def __init__(self, data_dir: Path, language_hint: str | None = None) -> None:
        self.data_dir = data_dir
        self.language_hint = language_hint
        self.transcript: list[tuple[str, str]] = []

    async def say(self, *lines: str) -> str:
        """Send lines as one session of the console chat; returns the printed output."""
        bot, profiles = build_bot(Config(data_dir=self.data_dir))
        out = io.StringIO()
        adapter = ConsoleAdapter(bot, io.StringIO("\n".join(lines) + "\n"), out, interactive=False,
                                 files_dir=self.data_dir / "files", language_hint=self.language_hint)
        try:
            await adapter.run()
        finally:
            profiles.close()
        self.transcript.append(("\n".join(lines), out.getvalue()))
        return out.getvalue()


@pytest.fixture
def conversation(tmp_path: Path) -> Iterator[Callable[..., Conversation]]:
    """A factory for conversations sharing one data folder (so restarts can be tested)."""

    def make(language_hint: str | None = None) -> Conversation:
        return Conversation(tmp_path / "data", language_hint)

    yield make
