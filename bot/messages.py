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
    reply_to: str | None = None  # the platform id of the bot's message this one replies to (thread)

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
    chat the message came from". `private` marks a reply to a group message whose
    choices must be pressed in the person's private chat with the bot (a signup
    form): the adapter links or moves there (Telegram deep link, Slack DM).
    Choice payloads are at most 64 bytes of UTF-8 (Telegram's callback_data limit).
    `delivery_id` names a queued message (a broadcast, a reminder): an adapter whose
    platform can look messages up later stores it with the message (see
    Messenger.was_delivered).
    """

    text: str
    choices: tuple[Choice, ...] = ()
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    chat_id: str | None = None
    private: bool = False
    delivery_id: str | None = None


@dataclass(frozen=True)
class FieldView:
    """One field of a form shown all at once. For choice and yes/no fields, `options`
    are the allowed values (Choice.payload is the value to submit)."""

    id: str
    type: str  # text, email, phone, choice, yesno, number
    label: str
    required: bool
    options: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class FormView:
    """A signup form with every field, for platforms with dialog windows (Slack modals).

    Submit the answers with `Bot.submit_signup`; `consent` (if set) must be accepted.
    """

    event_id: str
    title: str
    fields: tuple[FieldView, ...]
    consent: str | None
    submit_label: str
    agree_label: str = ""  # the label of the consent checkbox ("I agree")


class DeliveryError(Exception):
    """A message could not be delivered. Retryable unless it is Unreachable.

    Adapters convert their platform's errors into these; the text is for logs only
    and must never contain a token.
    """

    retryable = True

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The person blocked the bot, left, or was deleted: retrying will not help."""

    retryable = False


class NotConnected(DeliveryError):
    """The person cannot be reached through this connection just now (another console
    session, for instance): keep the message and try again later, without counting it."""


class Messenger(Protocol):
    """What an adapter offers the core for messages it starts itself (promotions, broadcasts).

    Both methods raise DeliveryError (or Unreachable) when the platform refuses.
    """

    platform: str

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Deliver one reply to one chat (a private chat, group or channel).

        Returns the platform's id of the (last) message sent, where it has one, so the
        core can edit it later (`edit`, optional) or recognise replies to it.
        """
        ...

    async def notify(self, user_id: str, reply: Reply) -> None:
        """Deliver one reply to the person's private chat with the bot."""
        ...

    # Optional: `async def edit(self, chat_id: str, message_id: str, reply: Reply) -> None`
    # replaces the text of a message sent before (broadcast progress). And
    # `max_per_second` / `per_chat_interval`: the platform's pace for messages the core
    # starts itself (defaults below). And
    # `async def was_delivered(self, user_id: str, delivery_id: str, since: datetime) -> bool | None`:
    # whether the platform shows a message with this Reply.delivery_id in the person's
    # chat since then (None: cannot tell). The outbox asks it after a crash that fell
    # between a send and its record, instead of sending again.


class Adapter(Messenger, Protocol):
    """A platform connection run by `eventbot run` beside the others in one event loop.

    An adapter class is registered in the `eventbot.adapters` entry-point group and
    built by the composition root with `from_config(bot, config, environ)`, which
    returns None when the platform is not configured (no token in the environment).
    """

    async def start(self) -> None:
        """Connect and begin receiving messages; return once running."""
        ...

    async def stop(self) -> None:
        """Stop receiving, finish the messages in flight and disconnect."""
        ...
