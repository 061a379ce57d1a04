"""The Slack adapter: Slack events, the slash command and button presses in, the core's replies out.

Built on slack-bolt's AsyncApp. Socket Mode (default) or HTTP mode with signed requests;
both run in the event loop of `eventbot run`, beside the other adapters. Rendering lives
in adapters/slack_render.py and adapters/slack_modal.py (the signup form as a modal);
this file only translates and delivers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Awaitable, Literal, Mapping

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters import slack_modal as modal
from adapters import slack_render as render
from adapters.redaction import SecretRedactor
from adapters.slack_retry import REQUEST_TIMEOUT, retry_handlers
from bot.commands import parse_command
from bot.config import Config, ConfigError
from bot.core import Bot
from bot.messages import Attachment, DeliveryError, FormView, Incoming, Reply, Unavailable, Unreachable

log = logging.getLogger(__name__)

# Errors that retrying will not fix: the person is gone, or the bot cannot post in the channel.
PERMANENT_ERRORS = frozenset({
    "user_not_found", "users_not_found", "account_inactive", "user_disabled", "cannot_dm_bot",
    "user_is_bot", "channel_not_found", "not_in_channel", "is_archived", "messages_tab_disabled",
})
DELIVERY_EVENT = "eventbot_delivery"  # message metadata naming a queued message (Reply.delivery_id)
HISTORY_MARGIN = 120.0  # seconds before a send began that was_delivered also looks at (clocks differ)
SEEN_EVENTS = 10_000  # event ids remembered in memory to drop Slack's retries of handled events
STALE = "/stale"
CONNECT_TIMEOUT = 30.0  # seconds to establish the Socket Mode connection at start
PROFILE_WAIT = 1.0  # seconds a modal submission waits for the person's locale (Slack wants an answer in 3)
_REDACTED_LOGGERS = ("slack_sdk", "slack_bolt", "aiohttp", "eventbot", __name__)


@dataclass(frozen=True)
class _Where:
    """Where the replies to one message go: a channel (and thread), or an ephemeral response URL."""

    channel: str
    thread_ts: str | None = None
    respond: AsyncRespond | None = None


class SlackAdapter:
    """Connects the core to one Slack workspace (Messenger and Adapter of bot.messages)."""

    platform = "slack"
    # The pace for messages the core starts itself (broadcasts, reminders, promotions). Slack
    # documents one chat.postMessage per second per channel (each recipient's DM is its own
    # channel) and a workspace-wide limit of "several hundred messages per minute", shared
    # with the bot's live answers. The default (config slack.messages_per_second) is 94% of
    # 300 a minute; a 429 on the way is waited out by slack_sdk's retry handler or retried
    # later by the outbox, never lost.
    max_per_second = 4.7
    per_chat_interval = 1.0
    # how commands are typed on Slack (its client takes every message starting with "/"); the
    # core names commands so, on every Incoming and in the messages it starts itself
    command_prefix = "/eventbot "

    def __init__(self, bot: Bot, *, bot_token: str, app_token: str | None = None,
                 signing_secret: str | None = None, mode: Literal["socket", "http"] = "socket",
                 base_url: str | None = None, listen: str = "127.0.0.1", port: int = 3000,
                 path: str = "/slack/events", slash_command: str = "/eventbot",
                 rate_limit_retries: int = 3, stop_timeout: float = 10.0,
                 request_timeout: float = REQUEST_TIMEOUT, max_per_second: float | None = None) -> None:
        if mode == "socket" and not app_token:
            raise ValueError("Slack Socket Mode needs the app-level token")
        if mode == "http" and not signing_secret:
            raise ValueError("Slack HTTP mode needs the signing secret")
        self.bot = bot
        self.mode = mode
        if max_per_second is not None:
            self.max_per_second = max_per_second
        self.listen, self.port, self.path = listen, port, path
        self.slash_command = slash_command
        self.command_prefix = f"{slash_command} "
        self.stop_timeout = stop_timeout
        self._app_token = app_token
        self._redactor = SecretRedactor([bot_token, app_token, signing_secret], _REDACTED_LOGGERS)
        # signing_secret="" in Socket Mode keeps bolt from reading SLACK_SIGNING_SECRET itself. Bolt builds
        # the Web API client from the token (handed a client, it would warn on every start that the
        # SLACK_BOT_TOKEN it reads by itself goes unused); the client then gets our address, timeout, retries.
        self.app = AsyncApp(name="eventbot", token=bot_token, signing_secret=signing_secret or "",
                            logger=logging.getLogger("slack_bolt.AsyncApp"))
        self.client: AsyncWebClient = self.app.client
        self.client.base_url = base_url or AsyncWebClient.BASE_URL
        self.client.timeout = request_timeout  # type: ignore[assignment]
        self.client.retry_handlers = retry_handlers(rate_limit_retries)
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("app_home_opened")(self._on_home_opened)
        self.app.command(slash_command)(self._on_command)
        self.app.action(re.compile(f"^{render.ACTION_PREFIX}"))(self._on_choice)
        self.app.view(modal.CALLBACK_ID)(self._on_form_submitted)
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._people: dict[str, tuple[str, str | None]] = {}  # user id -> (name, locale)
        self._lookups: dict[str, asyncio.Future[tuple[str, str | None]]] = {}
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._dm_channels: dict[str, str] = {}  # user id -> their DM channel with the bot
        self._dm_users: dict[str, str] = {}  # DM channel -> user id

    @classmethod
    def from_config(cls, bot: Bot, config: Config, environ: Mapping[str, str]) -> SlackAdapter | None:
        """The adapter for config.slack, or None when Slack is disabled or the bot token is not set."""
        slack = config.slack
        token = environ.get(slack.bot_token_env)
        if not slack.enabled or not token:
            return None
        needed = slack.app_token_env if slack.mode == "socket" else slack.signing_secret_env
        if not environ.get(needed):
            raise ConfigError(f"slack.mode is {slack.mode}: set the environment variable {needed} "
                              f"(or unset {slack.bot_token_env} to run without Slack)")
        return cls(bot, bot_token=token, mode=slack.mode, base_url=slack.base_url,
                   app_token=environ.get(slack.app_token_env) if slack.mode == "socket" else None,
                   signing_secret=environ.get(slack.signing_secret_env) if slack.mode == "http" else None,
                   listen=slack.http.listen, port=slack.http.port, path=slack.http.path,
                   slash_command=slack.slash_command, max_per_second=slack.messages_per_second)

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token, then connect by Socket Mode or listen for HTTP requests; returns once running.

        Raises RuntimeError with Slack's reason when a token is refused, and bot.messages.Unavailable
        (retried by the runner) when Slack cannot be reached, times out or answers a server error.
        """
        self._redact_logs()
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        # one HTTP session for every Web API call: without it slack_sdk opens (and closes) a
        # connection per call, which a broadcast to thousands pays for in CPU and latency
        self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
        try:
            auth = await self.client.auth_test()
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise self._start_error(exc, "Slack refused the bot token") from None
        self.bot_user_id, self.bot_id = auth.get("user_id"), auth.get("bot_id")
        if self.mode == "socket":
            self._socket = AsyncSocketModeHandler(self.app, app_token=self._app_token, web_client=self.client)
            try:
                self._socket.client.wss_uri = await self._socket.client.issue_new_wss_url()
            except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise self._start_error(exc, "Slack refused the app-level token") from None
            try:  # slack_sdk retries a failing connection forever: give up after a while (the runner retries)
                await asyncio.wait_for(self._socket.connect_async(), CONNECT_TIMEOUT)
            except asyncio.TimeoutError:
                raise Unavailable("could not connect to Slack's Socket Mode websocket") from None
            log.info("connected to Slack by Socket Mode")
        else:
            server = web.Application()
            server.router.add_post(self.path, self._on_http)
            self._runner = web.AppRunner(server, shutdown_timeout=self.stop_timeout)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.listen, self.port).start()
            log.info("listening for Slack on %s:%s%s", self.listen, self.http_port, self.path)

    def _start_error(self, exc: Exception, refused: str) -> Exception:
        """Unavailable (the runner retries) when Slack cannot be reached or fails; else the refusal, a hard stop."""
        status = exc.response.status_code if isinstance(exc, SlackApiError) else None
        if isinstance(exc, SlackApiError) and status is not None and status < 500 and status != 429:
            return RuntimeError(f"{refused}: {self._describe(exc)}")
        reason = f"HTTP {status}" if status else self._describe(exc)
        return Unavailable(f"Slack cannot be reached: {reason}")

    @property
    def http_port(self) -> int | None:
        """The port the HTTP server listens on (useful when it was started on port 0)."""
        if self._runner is None or not self._runner.addresses:
            return None
        return self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop receiving, finish the replies in flight (cancelled after stop_timeout), disconnect."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self.stop_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.sleep(0)  # let the socket client's cancelled tasks finish
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None
        self._redactor.uninstall()

    def _redact_logs(self) -> None:
        logging.getLogger("eventbot")  # bolt's per-request logger, named after the app
        self._redactor.install()

    async def _on_http(self, request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(await self.app.async_dispatch(await to_bolt_request(request)))

    def _spawn(self, user: str, work: Awaitable[None]) -> None:
        """Run work after the acknowledgement, tracked so stop() can finish it; one person's work in order."""
        lock = self._turns.get(user)
        if lock is None:
            lock = self._turns[user] = asyncio.Lock()

        async def guarded() -> None:
            try:
                async with lock:
                    await work
            except Exception:
                log.exception("failed to handle a Slack request")

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _first_time(self, body: Mapping[str, Any]) -> bool:
        """False for an event id already handled (Slack's retry); bounded memory, in this process only."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        if event_id in self._seen:
            log.info("ignoring Slack's retry of event %s", event_id)
            return False
        self._seen[event_id] = None
        if len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)
        return True

    def _from_a_bot(self, event: Mapping[str, Any]) -> bool:
        return bool(event.get("bot_id") or event.get("subtype") == "bot_message"
                    or (self.bot_user_id and event.get("user") == self.bot_user_id))

    # --- incoming: bolt listeners acknowledge at once and leave the work to a task ----

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        subtype, has_files = event.get("subtype"), bool(event.get("files"))
        sent_files = subtype == "file_share" or (has_files and not (event.get("text") or "").strip())
        if event.get("channel_type") != "im" or (subtype and not sent_files) or self._from_a_bot(event) \
                or not event.get("user"):
            return  # edits, deletions, joins and bots' messages (including our own)
        if self._first_time(body):
            self._spawn(event["user"], self._converse(event, event.get("thread_ts"), direct=True))

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if self._from_a_bot(event) or not event.get("user") or str(event.get("channel", "")).startswith("D"):
            return  # a direct message arrives as message.im as well
        if self._first_time(body):
            self._spawn(event["user"], self._converse(event, event.get("thread_ts") or event.get("ts"), direct=False))

    async def _on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and self._first_time(body):
            self._spawn(event["user"], self._publish_home(event["user"]))

    async def _on_command(self, ack: Any, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        self._spawn(body["user_id"], self._command(body, respond))

    async def _on_choice(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        self._spawn(body["user"]["id"], self._choice(body, action, respond))

    async def _on_form_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # checked and acknowledged at once, not behind the person's queued work: Slack waits three
        # seconds for the answer (the field errors); the confirmation is posted in the person's turn
        user = body["user"]["id"]
        done = await self._form_submitted(ack, user, view)
        if done is not None:
            self._spawn(user, self._in_dm(*done))

    async def _converse(self, event: Mapping[str, Any], thread_ts: str | None, direct: bool) -> None:
        user, channel = event["user"], event["channel"]
        if direct:
            self._remember_dm(user, channel)
        name, locale = await self._person(user)
        text = render.plain_text(event.get("text") or "", self.bot_user_id)
        media = None if text else render.media(event.get("files") or ())  # a photo or file without words
        parent = event.get("thread_ts")  # in a thread: the message that started it (a forwarded question)
        reply_to = parent if parent and parent != event.get("ts") else None
        if not direct and reply_to is None and not media:  # `@eventbot help` is the command, as on the slash
            text = self._command_text(text)  # command; in a thread it may be an organiser's answer ("Start is at 9")
        incoming = Incoming(self.platform, user, channel, text=text, user_name=name, language_hint=locale,
                            direct=direct, reply_to=reply_to, media=media, command_prefix=self.command_prefix)
        await self._answer(incoming, _Where(channel, thread_ts))

    async def _command(self, body: Mapping[str, Any], respond: AsyncRespond) -> None:
        user, channel = body["user_id"], body["channel_id"]
        name, locale = await self._person(user)
        text = self._command_text(render.plain_text(body.get("text") or "", self.bot_user_id))
        incoming = Incoming(self.platform, user, channel, text=text,
                            user_name=name or body.get("user_name", ""), language_hint=locale,
                            direct=channel.startswith("D"), command_prefix=self.command_prefix)
        where = _Where(channel, respond=respond)
        event_id = self._signup_event(incoming.text)
        if event_id and body.get("trigger_id"):
            await self._open_form(incoming, event_id, body["trigger_id"], where)
        else:
            await self._answer(incoming, where)

    def _command_text(self, text: str) -> str:
        """`topics ewrc` after `/eventbot` or `@eventbot` is the command /topics; anything else is the question."""
        if not text:
            return "/start"
        word = text.split(maxsplit=1)[0].lower()
        return "/" + text if word in self.bot.registry.typed() else text  # never a button's hidden command

    async def _choice(self, body: Mapping[str, Any], action: Mapping[str, Any], respond: AsyncRespond) -> None:
        user = body["user"]["id"]
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        if channel is None:  # a button in the App Home: answer in the person's DM
            try:
                channel = await self._dm(user)
            except DeliveryError as exc:
                log.warning("cannot open a Slack DM for a button in the App Home: %s", exc)
                return
            where = _Where(channel)
        elif container.get("is_ephemeral"):
            where = _Where(channel, respond=respond)
        else:
            where = _Where(channel, (body.get("message") or {}).get("thread_ts"))
        name, locale = await self._person(user)
        incoming = Incoming(self.platform, user, channel, payload=action.get("value") or STALE, user_name=name,
                            language_hint=locale, direct=channel.startswith("D"), command_prefix=self.command_prefix)
        event_id = self._signup_event(incoming.payload or "")
        if event_id and body.get("trigger_id"):
            await self._open_form(incoming, event_id, body["trigger_id"], where)
        else:
            await self._answer(incoming, where)

    # --- the signup form as a modal -------------------------------------------------------

    @staticmethod
    def _signup_event(text: str) -> str | None:
        """The event of `/signup EVENT` (the slash command's or a button's), which opens the form as a modal."""
        command = parse_command(text)
        return command[1] if command and command[0] == "signup" and command[1] else None

    async def _open_form(self, incoming: Incoming, event_id: str, trigger_id: str, where: _Where) -> None:
        """Show the whole form as a modal; the core's refusal where the person asked; the chat form if Slack says no."""
        form = await self.bot.signup_form(incoming, event_id)
        if not isinstance(form, FormView):
            await self._deliver(incoming, form, where)
            return
        view = modal.form_view(form, {"event": form.event_id, "channel": incoming.chat_id})
        try:  # the trigger is valid for 3 seconds after the command or the button press
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.warning("could not open a Slack modal (%s): the form continues in the DM", self._describe(exc))
            signup = replace(incoming, text=f"/signup {form.event_id}", payload=None)
            if not incoming.direct:  # where they asked, the core's words saying it continues in private
                await self._deliver(incoming, [Reply(r.text) for r in await self.bot.handle(signup)], where)
            await self._in_dm(signup)

    async def _form_submitted(self, ack: Any, user: str, view: dict[str, Any]) -> tuple[Incoming, list[Reply]] | None:
        """Check the submitted form and answer Slack: the field errors beside the fields, or the modal closes
        and the signup's replies are returned (for the DM)."""
        metadata = modal.metadata(view)
        event_id, started_in = str(metadata.get("event") or ""), str(metadata.get("channel") or "")
        answers, consented = modal.answers(view)
        try:  # known from the command that opened the modal; a slow users.info must not miss Slack's 3 seconds
            name, locale = await asyncio.wait_for(self._person(user), PROFILE_WAIT)
        except asyncio.TimeoutError:
            name, locale = "", None
        incoming = Incoming(self.platform, user, started_in, user_name=name, language_hint=locale, direct=True,
                            command_prefix=self.command_prefix)
        problems, replies = await self.bot.submit_signup(incoming, event_id, answers, consented)
        if problems:
            if set(problems) <= modal.block_ids(view):
                await ack(response_action="errors", errors=problems)
                return None
            form = await self.bot.signup_form(incoming, event_id)  # the form changed (a reload) since it was opened
            if isinstance(form, FormView):  # show the new form; its errors come with the next submission
                await ack(response_action="update", view=modal.form_view(form, metadata))
                return None
            replies = form
        await ack()
        return incoming, replies

    async def _in_dm(self, incoming: Incoming, replies: list[Reply] | None = None) -> None:
        """Deliver replies (or the core's answer to the message) in the person's DM with the bot."""
        try:
            channel = await self._dm(incoming.user_id)
        except DeliveryError as exc:
            log.warning("cannot open a Slack DM: %s", exc)
            return
        incoming = replace(incoming, chat_id=channel, direct=True)
        if replies is None:
            await self._answer(incoming, _Where(channel))
        else:
            await self._deliver(incoming, replies, _Where(channel))

    async def _publish_home(self, user: str) -> None:
        _, locale = await self._person(user)
        reply = await self.bot.home(self.platform, user, locale)
        try:
            await self.client.views_publish(user_id=user, view=render.home_view(reply))
        except SlackClientError as exc:
            log.warning("could not publish a Slack App Home: %s", self._describe(exc))

    async def _person(self, user: str) -> tuple[str, str | None]:
        """The person's display name and locale, from users.info once per user (also when asked at once)."""
        if user in self._people:
            return self._people[user]
        lookup = self._lookups.get(user)
        if lookup is None:
            lookup = self._lookups[user] = asyncio.ensure_future(self._look_up(user))
            lookup.add_done_callback(lambda _: self._lookups.pop(user, None))
        return await asyncio.shield(lookup)

    async def _look_up(self, user: str) -> tuple[str, str | None]:
        try:
            info = (await self.client.users_info(user=user, include_locale=True))["user"]
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.info("no Slack profile for a user: %s", self._describe(exc))
            return "", None
        profile = info.get("profile") or {}
        name = profile.get("display_name") or info.get("real_name") or info.get("name") or ""
        self._people[user] = (name, info.get("locale"))
        return self._people[user]

    # --- outgoing ---------------------------------------------------------------------

    async def _answer(self, incoming: Incoming, where: _Where) -> None:
        """Let the core answer and deliver its replies where they belong."""
        await self._deliver(incoming, await self.bot.handle(incoming), where)

    async def _deliver(self, incoming: Incoming, replies: list[Reply], where: _Where) -> None:
        """Deliver the core's replies to a message where they belong; failures are logged."""
        for reply in replies:
            try:
                if reply.chat_id and reply.chat_id != where.channel:
                    await self.send(reply.chat_id, reply)
                elif reply.private and not incoming.direct:
                    # the buttons go to the DM; where the person asked, the same words without them point there
                    await self.notify(incoming.user_id, reply)
                    await self._reply(incoming, Reply(reply.text), where)
                else:
                    await self._reply(incoming, reply, where)
            except DeliveryError as exc:
                log.warning("a Slack reply was not delivered: %s", exc)

    async def _reply(self, incoming: Incoming, reply: Reply, where: _Where) -> None:
        """A reply where the message came from: ephemeral for the slash command, else the channel (thread)."""
        if where.respond is not None:
            await self._respond(where.respond, reply, incoming.user_id)
        else:
            await self._post(where.channel, reply, where.thread_ts, person=incoming.user_id if incoming.direct else None)

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Post a reply to a channel or DM; returns the ts of its (last) message.

        Raises Unreachable or DeliveryError when Slack refuses.
        """
        return await self._post(chat_id, reply, person=self._dm_users.get(chat_id))

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> None:
        """Replace a message sent before (a broadcast's progress) with chat.update; only its first part fits."""
        message = (render.messages(reply) or [{"text": " ", "blocks": []}])[0]
        try:
            await self.client.chat_update(channel=chat_id, ts=message_id, **message)
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise await self._delivery_error(exc, self._dm_users.get(chat_id)) from None

    async def notify(self, user_id: str, reply: Reply) -> None:
        """Post a reply in the person's DM with the bot.

        chat.postMessage takes the user id as the channel (the DM with the app) and answers
        with the DM's id, so a broadcast to thousands needs no conversations.open (Tier 3,
        about 50 a minute) per person. Files need the DM's id first.
        """
        channel = self._dm_channels.get(user_id)
        if channel is None and reply.attachments:
            channel = await self._dm(user_id)
        await self._post(channel or user_id, reply, person=user_id)

    async def was_delivered(self, user_id: str, delivery_id: str, since: dt.datetime) -> bool | None:
        """Whether the person's DM holds the bot's message with this delivery id, posted since then.

        One conversations.history call (Tier 3) per message whose send was cut short by a
        crash; None when Slack cannot be asked (the outbox then sends again).
        """
        try:
            channel = await self._dm(user_id)
            history = await self.client.conversations_history(
                channel=channel, oldest=f"{since.timestamp() - HISTORY_MARGIN:.6f}", include_all_metadata=True,
                limit=100)
        except (DeliveryError, SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.warning("could not check a Slack DM for a message cut short by a restart: %s", self._describe(exc))
            return None
        for message in history.get("messages") or ():
            metadata = message.get("metadata") or {}
            if (message.get("bot_id") == self.bot_id and metadata.get("event_type") == DELIVERY_EVENT
                    and (metadata.get("event_payload") or {}).get("id") == delivery_id):
                return True
        return False

    async def _dm(self, user: str) -> str:
        if user not in self._dm_channels:
            try:
                channel = (await self.client.conversations_open(users=user))["channel"]["id"]
            except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise await self._delivery_error(exc, user) from None
            self._remember_dm(user, channel)
        return self._dm_channels[user]

    def _remember_dm(self, user: str, channel: str) -> None:
        self._dm_channels[user], self._dm_users[channel] = channel, user

    async def _post(self, channel: str, reply: Reply, thread_ts: str | None = None,
                    person: str | None = None) -> str | None:
        """Post the reply's messages, then its files; returns the ts of the last message."""
        ts = None
        try:
            for message in render.messages(reply):
                if reply.delivery_id:  # kept with the message, so that was_delivered can find it after a crash
                    message["metadata"] = {"event_type": DELIVERY_EVENT, "event_payload": {"id": reply.delivery_id}}
                posted = await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                                            unfurl_media=False, **message)
                ts = posted.get("ts")
                if person is not None and channel == person and posted.get("channel"):
                    channel = posted["channel"]  # posted by user id: the DM's id, for the next parts and files
                    self._remember_dm(person, channel)
            await self._upload(channel, reply.attachments, thread_ts)
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise await self._delivery_error(exc, person) from None
        return ts

    async def _upload(self, channel: str, attachments: tuple[Attachment, ...], thread_ts: str | None = None) -> None:
        for attachment in attachments:
            await self.client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=attachment.content,
                                              filename=attachment.filename, title=attachment.filename)

    async def _respond(self, respond: AsyncRespond, reply: Reply, user: str) -> None:
        """An ephemeral answer through the response URL; files go to the person's DM (ephemeral has none)."""
        for message in render.messages(reply):
            try:
                response = await respond(response_type="ephemeral", replace_original=False, **message)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise DeliveryError(f"Slack response URL failed: {type(exc).__name__}") from None
            if response.status_code != 200:
                raise DeliveryError(f"Slack response URL answered {response.status_code}")
        if reply.attachments:
            await self._post(await self._dm(user), Reply("", attachments=reply.attachments), person=user)

    async def _delivery_error(self, exc: Exception, person: str | None) -> DeliveryError:
        """The core's delivery error for a Slack failure; marks the person unreachable when they are gone."""
        if isinstance(exc, SlackApiError):
            error = str(exc.response.get("error", ""))
            if error in PERMANENT_ERRORS:
                if person:
                    await self.bot.mark_unreachable(self.platform, person)
                return Unreachable(f"Slack refused: {error}")
            headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
            retry_after = headers.get("retry-after")
            if isinstance(retry_after, list):
                retry_after = retry_after[0] if retry_after else None
            return DeliveryError(f"Slack refused: {error}",
                                 retry_after=float(retry_after) if retry_after else None)
        return DeliveryError(self._describe(exc))

    @staticmethod
    def _describe(exc: Exception) -> str:
        if isinstance(exc, SlackApiError):
            return f"{exc.response.get('error')}"
        return type(exc).__name__
