"""The command registry: each command once, with its help text in every language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable

from bot import dialogs

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
    role: str = ""  # "organiser" or "admin": shown in /help only to people with that role

    def help(self, lang: str) -> str:
        """The one-line help text in lang."""
        texts = TEXTS[self.help_key]
        return texts.get(lang) or texts["en"]


@dataclass
class Turn:
    """One incoming message being handled: who, in which language, about which event.

    Handlers change `profile` (e.g. its dialog: the one in progress in this chat) and
    `event`; the core saves them after the turn. A handler that changes other data
    saves `stored()` in the same transaction.
    """

    user_key: str
    language: str
    event: str | None
    direct: bool = True
    chosen_language: str | None = None  # set by /language: saved as the explicit choice
    message: Incoming = field(default_factory=lambda: Incoming("", "", ""))
    profile: "Profile | None" = None
    forgotten: bool = False  # /forget ran: nothing about this person may be saved after the turn
    dialog_before: dict[str, Any] | None = None  # the dialog this turn's message answered
    own_language: str | None = None  # the person's language when a form is shown in another (see form_language)

    def stored(self, profile: "Profile | None" = None) -> "Profile":
        """The profile (this turn's, or one derived from it) as it is saved: dialogs folded back per chat."""
        chosen = profile or self.profile
        assert chosen is not None
        return dialogs.fold(chosen, self.message.chat_id, self.dialog_before)


def commands_written(reply: Reply, prefix: str, names: Iterable[str]) -> Reply:
    """The reply with every "/command" it names written with the platform's prefix ("/eventbot signup" on Slack).

    Payloads stay as they are (the core reads them); web addresses are left alone.
    """
    pattern = _command_pattern(tuple(sorted(names, key=len, reverse=True)))
    if pattern is None:
        return reply

    def written(text: str) -> str:
        # web addresses keep every character: rewrite only the text between them
        parts = _URL.split(text)
        return "".join(part if i % 2 else pattern.sub(lambda m: prefix + m.group(1), part) for i, part in enumerate(parts))

    return replace(reply, text=written(reply.text),
                   choices=tuple(replace(c, label=written(c.label)) for c in reply.choices))


_URL = re.compile(r"((?:https?://|www\.)\S+)")


@lru_cache(maxsize=8)
def _command_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    # not inside a web address or a path: "?next=/signup", "#/start", "a/help" stay as they are
    return re.compile(r"(?<![\w/.:@=#&?%~+-])/(" + "|".join(map(re.escape, names)) + r")(?![\w/-])")


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

    def names(self) -> tuple[str, ...]:
        """Every command's name."""
        return tuple(self._commands)

    def typed(self) -> frozenset[str]:
        """The names of the commands people type (for everyone or a role); not the buttons' hidden ones."""
        return frozenset(name for name, c in self._commands.items() if not c.hidden)

    def visible(self, role: str = "") -> list[Command]:
        """The commands shown in help and platform menus: everyone's, or those of one role."""
        return [c for c in self._commands.values() if not c.hidden and c.role == role]
