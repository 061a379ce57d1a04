"""The platform-free message types an adapter exchanges with the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Incoming:
    """A message from a person, as every adapter delivers it to the core.

    `text` is what the person typed; `payload` is set instead when they pressed a
    choice (the payload of that Choice). `language_hint` is the platform's locale
    for the person, if it has one. `direct` is False in group chats and channels.
    """

    platform: str
    user_id: str
    chat_id: str
    text: str = ""
    payload: str | None = None
    user_name: str = ""
    language_hint: str | None = None
    direct: bool = True

    @property
    def user_key(self) -> str:
        """The person's identity across the bot: platform and user id."""
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Choice:
    """An option the person can pick: a button, or a numbered line on the console."""

    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    """A file to send with a reply."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """What the core says back.

    `text` uses a small markup every adapter can render safely: `**bold**` and bare
    web addresses; everything else is literal text. `chat_id` is None for "the
    chat the message came from".
    """

    text: str
    choices: tuple[Choice, ...] = ()
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    chat_id: str | None = None


class Messenger(Protocol):
    """What an adapter offers the core for messages it starts itself (broadcasts, promotions)."""

    platform: str

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver one reply to one chat."""
        ...
