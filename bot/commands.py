"""The command registry: each command once, with its help text in every language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable

from bot.messages import Incoming, Reply
from bot.texts import TEXTS

if TYPE_CHECKING:
    from bot.storage import Profile

Handler = Callable[["Turn", str], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    """A slash command: its name, argument hint, help text key and handler."""

    name: str
    handler: Handler
    help_key: str = ""
    args: str = ""
    hidden: bool = False

    def help(self, lang: str) -> str:
        """The one-line help text in lang."""
        texts = TEXTS[self.help_key]
        return texts.get(lang) or texts["en"]


@dataclass
class Turn:
    """One incoming message being handled: who, in which language, about which event.

    Handlers change `profile` (e.g. its dialog) and `event`; the core saves them after
    the turn. A handler that changes other data saves `profile` in the same transaction.
    """

    user_key: str
    language: str
    event: str | None
    direct: bool = True
    chosen_language: str | None = None  # set by /language: saved as the explicit choice
    message: Incoming = field(default_factory=lambda: Incoming("", "", ""))
    profile: "Profile | None" = None
    forgotten: bool = False  # /forget ran: nothing about this person may be saved after the turn


def parse_command(text: str) -> tuple[str, str] | None:
    """Split "/name args" (also "/name@botname args") into (name, args); None if not a command."""
    text = text.strip()
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return (name, rest.strip()) if name else None


class Registry:
    """Commands by name, in registration order."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def add(self, command: Command) -> None:
        """Register a command; names are unique."""
        if command.name in self._commands:
            raise ValueError(f"command /{command.name} registered twice")
        self._commands[command.name] = command

    def get(self, name: str) -> Command | None:
        """The command called name, if any."""
        return self._commands.get(name)

    def visible(self) -> list[Command]:
        """The commands shown in help and platform menus."""
        return [c for c in self._commands.values() if not c.hidden]
