"""What the FAQ is missing: unanswered questions and confirmed "did you mean" picks.

(Stub: filled in by the unanswered-questions work of issue 6.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import Command, Turn
from faq.knowledge import Answer

if TYPE_CHECKING:
    from bot.core import Bot


class Insights:
    """Logs questions the FAQ could not answer and the suggestions people picked."""

    def __init__(self, bot: "Bot") -> None:
        self.bot = bot

    def commands(self) -> list[Command]:
        """The commands this part of the core answers."""
        return []

    async def record(self, turn: Turn, text: str, text_language: str, answer: Answer) -> None:
        """A question ended in "did you mean" or the fallback."""

    async def picked(self, turn: Turn, entry_id: str) -> None:
        """The person picked an FAQ entry (from "did you mean", topics or elsewhere)."""
