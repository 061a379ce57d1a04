"""The platform-free message types an adapter exchanges with the core."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Protocol

ECHO_LIMIT = 200  # characters of a person's own text the bot repeats back at most
MAX_INPUT = 50_000  # characters of one message the core reads (Telegram sends at most 4,096, Slack 40,000)


@dataclass(frozen=True)
class Incoming:
    """A message from a person, as every adapter delivers it to the core.

    `text` is what the person typed; `payload` is set instead when they pressed a
    choice (the payload of that Choice). `language_hint` is the platform's locale
    for the person, if it has one. `direct` is False in group chats and channels.
    `media` names what the person sent instead of text ("photo", "voice",
    "sticker", "file", "video", "location", ...; the bot answers that it reads
    text). `command_prefix` is how a command is typed on this platform: "/" on
    Telegram and the console, "/eventbot " on Slack (whose client takes every
    message starting with "/"); the core writes the commands it names in that form.
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
    media: str | None = None
    command_prefix: str = "/"

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
    web addresses; everything else is literal text. A backslash escapes the next
    character: `\\*` is a literal asterisk that never starts bold, `\\\\` a backslash.
    Text a person typed is always passed through `literal()` before it is put in a
    reply, so `**BIG**` typed by someone stays literal; renderers (see `unescape`)
    drop the escaping backslashes. `chat_id` is None for "the
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


# C0 and C1 controls but line breaks and tabs, and the bidi overrides that can make text read backwards
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, limit: int = MAX_INPUT) -> str:
    """Text as the core reads it: at most `limit` characters, lone surrogates (undecodable
    bytes) as U+FFFD, no control characters but line breaks and tabs, no bidi overrides."""
    text = text[:limit]
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROL.sub("", text)


def cleaned(message: Incoming) -> Incoming:
    """The message with its text, payload and name cleaned (see clean_text): the core's edge."""
    return replace(message, text=clean_text(message.text), user_name=clean_text(message.user_name, 200),
                   payload=clean_text(message.payload, 1_000) if message.payload is not None else None)


_SPECIAL = re.compile(r"([\\*])")
_ESCAPED = re.compile(r"\\(.)", re.S)


def literal(text: str, limit: int | None = ECHO_LIMIT) -> str:
    """A person's own text, safe to put in a reply: cut to `limit` characters (with "…") and escaped."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _SPECIAL.sub(r"\\\1", text)


def unescape(text: str) -> str:
    """Plain text with the markup's escapes removed (for a renderer's literal pieces)."""
    return _ESCAPED.sub(r"\1", text)


_TOKEN = re.compile(r"\\(.)|(\*\*)", re.S)


def segments(text: str) -> list[tuple[str, bool]]:
    """The markup as (literal text, bold) pieces: escapes resolved, `**` pairs as bold.

    Every renderer starts from this, so `**BIG**` typed by a person (escaped by
    `literal`) is shown as typed on every platform. A `**` without a partner is literal.
    """
    marks = [m.start() for m in _TOKEN.finditer(text) if m.group(2)]
    if len(marks) % 2:
        marks.pop()
    toggles = set(marks)
    out: list[tuple[str, bool]] = []
    bold, piece, pos = False, [], 0
    for match in _TOKEN.finditer(text):
        piece.append(text[pos:match.start()])
        pos = match.end()
        if match.group(1) is not None:
            piece.append(match.group(1))
        elif match.start() in toggles:
            if "".join(piece):
                out.append(("".join(piece), bold))
            piece, bold = [], not bold
        else:
            piece.append("**")
    piece.append(text[pos:])
    if "".join(piece):
        out.append(("".join(piece), bold))
    return out


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


class Unavailable(Exception):
    """The platform cannot be reached just now (at start-up or while running).

    `Adapter.start` raises it when the platform's servers do not answer, so the
    runner retries with backoff instead of crashing; the text is for logs only
    and must never contain a token.
    """


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

    # Optional: `command_prefix: str`, how commands are typed on this platform ("/" when
    # absent; Slack: "/eventbot "): messages the core starts itself name commands so.
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
