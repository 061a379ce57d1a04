"""The Telegram adapter: python-telegram-bot updates in, the core's replies out.

It only translates. A message or a pressed button becomes an `Incoming`; each
`Reply` becomes HTML messages (see telegram_render), an inline keyboard and
documents. Telegram's errors become the core's delivery errors: a blocked bot is
`Unreachable` (and remembered by the core), anything else that survives the rate
limiter's and the network retries is a retryable `DeliveryError`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets
import warnings
from collections import OrderedDict
from typing import Awaitable, Callable, Iterable, Mapping, TypeVar

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.warnings import PTBDeprecationWarning

from adapters.redaction import SecretRedactor
from adapters.telegram_render import split_html
from bot.config import Config, ConfigError, TelegramConfig
from bot.core import Bot
from bot.messages import DeliveryError, Incoming, NotConnected, Reply, Unavailable, Unreachable
from bot.texts import LANGUAGE_NAMES

log = logging.getLogger(__name__)

T = TypeVar("T")

UPDATES = ["message", "callback_query"]
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MAX_DESCRIPTION = 256  # Telegram's limit for a command description
TOKEN_PREFIX = "#cb:"  # callback data standing for a longer payload kept in memory
STALE = "/stale"
# python-telegram-bot's limiter for every call: Telegram's 30 a second as a bucket of 2 (one
# every 1/30 s, a late one caught up) rather than of 30. After a 429 it holds all calls for the
# wait; a bucket of 30 would then let everything queued meanwhile leave at once, and Telegram
# would answer 429 again.
OVERALL_PER_SECOND = 30.0
OVERALL_BURST = 2
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_START_PARAM = re.compile(r"/start(?:@\w+)?\s+([A-Za-z0-9_-]{1,64})", re.I)
_DEEP_COMMAND = re.compile(r"[a-z0-9]+")
_DEEP_ARGS = re.compile(r"[A-Za-z0-9 -]*")
# What a person can send instead of text, as the Message attribute and the core's Incoming.media
# kind (first match wins: an animation also carries a document, a venue a location).
MEDIA = (("photo", "photo"), ("sticker", "sticker"), ("voice", "voice"), ("audio", "voice"),
         ("video_note", "video"), ("animation", "video"), ("video", "video"), ("document", "file"),
         ("venue", "location"), ("location", "location"), ("contact", "contact"))
MEDIA_FILTER = (filters.PHOTO | filters.Sticker.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE
                | filters.ANIMATION | filters.VIDEO | filters.Document.ALL | filters.VENUE | filters.LOCATION
                | filters.CONTACT)  # service messages (someone joined, a pin) carry none of these


def deep_link_param(payload: str) -> str | None:
    """A choice payload as a /start parameter: "/signup ewrc" -> "signup-ewrc"; None if it cannot be one."""
    command, _, args = payload.strip().removeprefix("/").partition(" ")
    args = args.strip()
    if not payload.startswith("/") or not _DEEP_COMMAND.fullmatch(command) or not _DEEP_ARGS.fullmatch(args):
        return None
    param = f"{command}-{args.replace(' ', '_')}" if args else command
    return param if len(param) <= 64 else None


def from_deep_link(param: str) -> str:
    """A /start parameter back as the command the core understands: "signup-ewrc" -> "/signup ewrc"."""
    command, _, args = param.partition("-")
    return f"/{command} {args.replace('_', ' ')}".rstrip()


# What a /start link may start: anyone can post a t.me link, so it may open a step but never confirm one
# ("/cancel ewrc yes" or "/forget yes" from a link would act for whoever taps it).
_DEEP_LINK_COMMANDS = {"signup": 1, "event": 1, "topics": 1, "cancel": 1, "export": 3, "unanswered": 1,
                       "mysignups": 0, "forget": 0, "events": 0, "help": 0}


def safe_deep_link(command: str) -> str:
    """The command a /start link may run: an allowed command with at most its own arguments, never
    a confirmation ("/cancel ewrc yes" -> "/cancel ewrc", "/forget yes" -> "/forget"); "" if none."""
    name, *args = command.removeprefix("/").split()
    if name not in _DEEP_LINK_COMMANDS:
        return ""
    return " ".join(["/" + name, *args[: _DEEP_LINK_COMMANDS[name]]])


def media_kind(message: Message) -> str | None:
    """What the message carries instead of text ("photo", "voice", "file", ...); None for a text message."""
    return next((kind for attr, kind in MEDIA if getattr(message, attr, None)), None)


def _is_private(chat_id: str) -> bool:
    """Private chats have positive ids (the user's id); groups and channels negative ones or @names."""
    return chat_id.isdigit()


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TokenRedactor(SecretRedactor):
    """The bot token and webhook secret out of the logs of python-telegram-bot, httpx and the bot."""

    NAMESPACES = ("telegram", "httpx", "httpcore", "tornado", "aiohttp", "asyncio", "adapters", "bot")

    def __init__(self, secrets_: Iterable[str]) -> None:
        super().__init__(secrets_, self.NAMESPACES)


class TelegramAdapter:
    """Runs the bot on Telegram, by long polling or a webhook, beside other adapters in one event loop."""

    platform = "telegram"
    max_per_second = 28.0  # Telegram allows about 30 messages per second to different chats
    per_chat_interval = 1.0  # and about one per second to one chat

    def __init__(self, bot: Bot, token: str, settings: TelegramConfig | None = None, *,
                 webhook_secret: str | None = None, rate_limit_retries: int = 3, network_retries: int = 3,
                 backoff: float = 1.0, timeout: float = 10.0) -> None:
        settings = settings or TelegramConfig()
        if not token:
            raise ValueError("the Telegram adapter needs a bot token")
        if settings.mode == "webhook" and not webhook_secret:
            raise ValueError("webhook mode needs a secret token: refusing to accept updates from anyone")
        if webhook_secret and not _SECRET.fullmatch(webhook_secret):
            raise ValueError("the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        self.bot = bot
        self.settings = settings
        self.rate_limit_retries = rate_limit_retries
        self.network_retries = network_retries
        self.backoff = backoff
        self.timeout = timeout
        self._token = token
        self._webhook_secret = webhook_secret
        self._redactor = TokenRedactor([token, webhook_secret or ""])
        self._app: Application | None = None
        self._payloads: OrderedDict[str, str] = OrderedDict()  # callback token -> payload
        self._tokens: dict[str, str] = {}  # payload -> callback token
        self.max_tokens = 10_000

    @classmethod
    def from_config(cls, bot: Bot, config: Config, environ: Mapping[str, str]) -> TelegramAdapter | None:
        """The adapter for the config's telegram section; None when disabled or the token is not set."""
        settings = config.telegram
        token = (environ.get(settings.token_env) or "").strip()
        if not settings.enabled or not token:
            return None
        secret = (environ.get(settings.webhook_secret_env) or "").strip() or None
        if settings.mode == "webhook" and not secret:
            raise ConfigError(f"telegram.mode is webhook but ${settings.webhook_secret_env} is not set: "
                              "a webhook without a secret token would accept updates from anyone")
        try:
            return cls(bot, token, settings, webhook_secret=secret)
        except ValueError as exc:
            raise ConfigError(f"telegram: {exc}") from None

    @property
    def application(self) -> Application:
        """The running python-telegram-bot application."""
        if self._app is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._app

    @property
    def username(self) -> str:
        """The bot's @username (without the @), known once started."""
        return self.application.bot.username

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, set the command menu and start receiving updates; return once running.

        Raises bot.messages.Unavailable (the runner retries) when the Bot API cannot be
        reached, times out or answers a server error, and RuntimeError when Telegram
        refuses the token. If it fails or is cancelled halfway, what was built is shut down.
        """
        self._redactor.install()
        app = self._build()
        try:
            await self._connect(app)
        except BaseException:
            try:
                await self._close(app)
            except Exception as exc:  # keep the reason start failed, not the clean-up's
                log.warning("telegram: cleaning up after a failed start: %s", type(exc).__name__)
            raise
        log.info("telegram: running as @%s (%s)", app.bot.username, self.settings.mode)

    def _build(self) -> Application:
        """The python-telegram-bot application with the adapter's handlers, not yet connected."""
        builder = (Application.builder().token(self._token)
                   .rate_limiter(AIORateLimiter(overall_max_rate=OVERALL_BURST,
                                                overall_time_period=OVERALL_BURST / OVERALL_PER_SECOND,
                                                max_retries=self.rate_limit_retries))
                   .connect_timeout(self.timeout).read_timeout(self.timeout).write_timeout(self.timeout))
        if self.settings.base_url:
            builder = builder.base_url(self.settings.base_url)
        if self.settings.base_file_url:
            builder = builder.base_file_url(self.settings.base_file_url)
        app = builder.build()
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & (filters.TEXT | MEDIA_FILTER), self._on_message))
        app.add_error_handler(self._on_error)
        return app

    async def _connect(self, app: Application) -> None:
        try:
            await app.initialize()
        except InvalidToken:  # its text contains the token
            raise RuntimeError(f"Telegram refused the bot token (${self.settings.token_env})") from None
        except (NetworkError, RetryAfter) as exc:  # refused, timed out, 5xx, or busy
            raise self._unavailable(exc) from None
        self._app = app
        await self._set_commands()
        await app.start()
        try:
            await self._receive(app)
        except (NetworkError, RetryAfter) as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: TelegramError) -> Unavailable:
        """One short reason, without the token, for the runner's log line."""
        return Unavailable(f"Telegram cannot be reached: {self._why(exc) or type(exc).__name__}")

    async def _receive(self, app: Application) -> None:
        """Start the webhook server or long polling."""
        if self.settings.mode == "webhook":
            hook = self.settings.webhook
            await app.updater.start_webhook(  # type: ignore[union-attr]
                listen=hook.listen, port=hook.port, url_path=hook.path.lstrip("/"), webhook_url=hook.url,
                secret_token=self._webhook_secret, allowed_updates=UPDATES, bootstrap_retries=3)
        else:
            await app.updater.start_polling(  # type: ignore[union-attr]
                poll_interval=self.settings.poll_interval,
                timeout=dt.timedelta(seconds=self.settings.poll_timeout),
                allowed_updates=UPDATES, bootstrap_retries=3, error_callback=self._on_polling_error)

    def _on_polling_error(self, exc: TelegramError) -> None:
        """One line per failed poll (python-telegram-bot retries with a growing pause, up to 30 s)."""
        log.warning("telegram: polling failed, retrying: %s: %s", type(exc).__name__, self._why(exc))

    async def stop(self) -> None:
        """Stop receiving, finish the updates in flight and disconnect."""
        if self._app is not None:
            await self._close(self._app)

    async def _close(self, app: Application) -> None:
        """Stop and shut down an application, also one that started only halfway."""
        try:
            if app.updater and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()  # waits for the updates in flight, which still send their replies
            await app.shutdown()
            await app.bot.shutdown()  # its HTTP clients, opened even when initialize() failed
        finally:
            if self._app is app:
                self._app = None
            self._redactor.uninstall()

    async def _set_commands(self) -> None:
        commands = [c for c in self.bot.commands() if _COMMAND_NAME.fullmatch(c.name)]
        for lang in [None] + [code for code in LANGUAGE_NAMES if code != "en"]:
            menu = [BotCommand(c.name, (c.help(lang or "en") or c.name)[:MAX_DESCRIPTION]) for c in commands]
            try:
                await self.application.bot.set_my_commands(menu, language_code=lang)
            except TelegramError as exc:
                log.warning("telegram: could not set the command menu for %s: %s", lang or "default", exc)

    # --- updates in -----------------------------------------------------------------

    def to_incoming(self, message: Message) -> Incoming | None:
        """A text message, or a photo, voice message, file, ... (as `media`, without text), as the
        core's Incoming; None for group chatter not meant for the bot."""
        user, chat, text = message.from_user, message.chat, message.text or ""
        if user is None or user.is_bot:
            return None
        private = chat.type == "private"
        media = None if message.text else media_kind(message)
        if media is not None:
            if not private and not self._addressed_media(message):
                return None
            text = ""
        elif private:
            match = _START_PARAM.fullmatch(text.strip())
            command = safe_deep_link(from_deep_link(match.group(1))) if match else ""
            if command and self.bot.registry.get(command[1:].split(" ", 1)[0]) is not None:
                text = command  # a link from one of the bot's own buttons; other /start parameters stay /start
        else:
            text = self._addressed_text(message)
            if text is None:
                return None
        replied = message.reply_to_message
        return Incoming(platform=self.platform, user_id=str(user.id), chat_id=str(chat.id), text=text,
                        user_name=user.full_name, language_hint=user.language_code, direct=private,
                        reply_to=str(replied.message_id) if replied else None, media=media)

    def _addressed_text(self, message: Message) -> str | None:
        """The text of a group message meant for the bot (mention removed), else None."""
        me = self.application.bot
        text = message.text or ""
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            _, at, name = head.partition("@")
            return text if not at or name.lower() == me.username.lower() else None
        mentions = self._mentions(message.parse_entities(["mention", "text_mention"]))
        if mentions:
            for value in mentions:
                text = text.replace(value, " ")
            return " ".join(text.split())
        return text if self._replies_to_me(message) else None

    def _addressed_media(self, message: Message) -> bool:
        """Whether a photo, file, ... in a group is meant for the bot: a reply to it, or a caption mentioning it."""
        return bool(self._mentions(message.parse_caption_entities(["mention", "text_mention"]))
                    or self._replies_to_me(message))

    def _mentions(self, entities: Mapping[MessageEntity, str]) -> list[str]:
        """The texts of the entities that mention the bot."""
        me = self.application.bot
        return [value for e, value in entities.items()
                if value.lower() == f"@{me.username.lower()}" or (e.user and e.user.id == me.id)]

    def _replies_to_me(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == self.application.bot.id)

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is None:
            return
        incoming = self.to_incoming(update.message)
        if incoming is not None:
            await self._answer(incoming)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as exc:  # e.g. too old: the press still counts
            log.info("telegram: could not answer a button press: %s", exc)
        user = query.from_user
        chat = query.message.chat if query.message else None
        payload = self.payload_of(query.data or "")
        await self._answer(Incoming(
            platform=self.platform, user_id=str(user.id), chat_id=str(chat.id if chat else user.id),
            payload=payload, user_name=user.full_name, language_hint=user.language_code,
            direct=chat is None or chat.type == "private"))

    async def _answer(self, incoming: Incoming) -> None:
        for reply in await self.bot.handle(incoming):
            try:
                await self.send(reply.chat_id or incoming.chat_id, reply)
            except Unreachable:
                log.info("telegram: a reply was not delivered: the person blocked the bot or left")
                return
            except DeliveryError as exc:
                log.warning("telegram: a reply was not delivered: %s", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, TelegramError):  # Telegram or the network failed: one line
            log.warning("telegram: an update could not be processed: %s: %s", type(error).__name__, self._why(error))
        else:  # a bug: the traceback helps
            log.error("telegram: an update could not be processed", exc_info=error)

    # --- replies out ----------------------------------------------------------------

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Deliver one reply to one chat: HTML text, a keyboard on the last part, then documents.

        Returns the id of the last text message sent.
        """
        chat_id = str(chat_id)
        if self._app is None:
            raise NotConnected("the telegram adapter is not running")
        app_bot = self._app.bot
        chunks = split_html(reply.text)
        markup = self.keyboard(reply, _is_private(chat_id))
        message_id = None
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            sent = await self._call(chat_id, lambda chunk=chunk, last=last: app_bot.send_message(
                chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup if last else None))
            message_id = str(sent.message_id)
        if markup and not chunks:
            log.warning("telegram: a reply with choices but no text cannot be sent; choices dropped")
        for attachment in reply.attachments:
            await self._call(chat_id, lambda a=attachment: app_bot.send_document(
                chat_id, document=a.content, filename=a.filename))
        return message_id

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> None:
        """Replace the text of a message sent before (a broadcast's progress)."""
        if self._app is None:
            raise NotConnected("the telegram adapter is not running")
        app_bot = self._app.bot
        text = split_html(reply.text)[0] if reply.text else ""
        await self._call(str(chat_id), lambda: app_bot.edit_message_text(
            text, chat_id=chat_id, message_id=int(message_id), parse_mode=ParseMode.HTML,
            reply_markup=self.keyboard(reply, _is_private(str(chat_id)))))

    async def notify(self, user_id: str, reply: Reply) -> None:
        """Deliver one reply to the person's private chat (its id is the user id)."""
        await self.send(str(user_id), reply)

    def keyboard(self, reply: Reply, private_chat: bool) -> InlineKeyboardMarkup | None:
        """The reply's choices as buttons; links into the private chat when they must be pressed there."""
        if not reply.choices:
            return None
        if reply.private and not private_chat:
            rows = [[InlineKeyboardButton(c.label, url=self.deep_link(c.payload))] for c in reply.choices]
        else:
            rows = [[InlineKeyboardButton(c.label, callback_data=self.callback_data(c.payload))]
                    for c in reply.choices]
        return InlineKeyboardMarkup(rows)

    def deep_link(self, payload: str) -> str:
        """A t.me link that opens the private chat with the bot and sends the payload there."""
        param = deep_link_param(payload)
        base = f"https://t.me/{self.username}"
        return f"{base}?start={param}" if param else base

    def callback_data(self, payload: str) -> str:
        """The payload itself when it fits in callback_data, else a token remembered in memory."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(TOKEN_PREFIX):
            return payload
        token = self._tokens.get(payload)
        if token is None:
            token = TOKEN_PREFIX + secrets.token_urlsafe(12)
            self._tokens[payload] = token
            self._payloads[token] = payload
            while len(self._payloads) > self.max_tokens:
                _, old = self._payloads.popitem(last=False)
                self._tokens.pop(old, None)
        return token

    def payload_of(self, data: str) -> str:
        """The payload a button stands for; "/stale" for a token this process does not know."""
        if data.startswith(TOKEN_PREFIX):
            return self._payloads.get(data, STALE)
        return data or STALE

    def _why(self, exc: TelegramError) -> str:
        """An error's text for logs and delivery errors, without secrets."""
        return self._redactor.redact(exc.message)

    async def _call(self, chat_id: str, request: Callable[[], Awaitable[T]]) -> T:
        """One Bot API call with network retries; Telegram's errors as the core's delivery errors."""
        attempt = 0
        while True:
            try:
                return await request()
            except Forbidden as exc:
                if _is_private(chat_id):
                    await self.bot.mark_unreachable(self.platform, chat_id)
                raise Unreachable(f"telegram refused: {self._why(exc)}") from None
            except RetryAfter as exc:  # still limited after the rate limiter's own retries
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", PTBDeprecationWarning)
                    wait = _seconds(exc.retry_after)
                raise DeliveryError("telegram rate limit", retry_after=wait) from None
            except BadRequest as exc:
                raise DeliveryError(f"telegram rejected the message: {self._why(exc)}") from None
            except NetworkError as exc:
                if attempt >= self.network_retries:
                    raise DeliveryError(f"telegram unreachable after {attempt + 1} tries: {self._why(exc)}") from None
                delay = self.backoff * 2 ** attempt
                attempt += 1
                log.info("telegram: network error (%s), retry %d in %.1fs", self._why(exc), attempt, delay)
                await asyncio.sleep(delay)
            except TelegramError as exc:
                raise DeliveryError(f"telegram error: {type(exc).__name__}: {self._why(exc)}") from None

