"""A Slack workspace for tests: the real SlackAdapter (slack-bolt, slack_sdk) on the real core, fed
the way Slack feeds it, against the local mock of the Web API (tests/fakes/slack_api.py).

Use it from any test module by importing the fixtures and helpers you need::

    from tests.fakes.slack_harness import Chat, http, no_errors_logged, section_text, slack, slack_api, workspaces

    async def test_a_dutch_question(slack):            # runs in HTTP mode and in Socket Mode
        slack.person("U5", locale="en-US")
        answer = await Chat(slack, "U5").say("hoeveel bezoekers heeft EWRC?")
        assert "6.000" in section_text(answer)

Fixtures: `slack_api` (the mock), `workspaces` (a factory: `await workspaces(mode, config, **adapter settings)`
gives a running Workspace on its own bot and data folder), `slack` (one Workspace, parametrised over
"http" and "socket"), `http` (one in HTTP mode), and the autouse `no_errors_logged` (import it too: a
test fails when the adapter logged an error).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterator
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.slack import SlackAdapter
from bot.app import build_bot
from bot.config import Config
from bot.messages import Incoming, Reply
from tests.fakes.slack_api import BOT_USER_ID, WAIT, Call, SlackApiMock

BOT_TOKEN = "xoxb-111-222-botTokenSecret"
APP_TOKEN = "xapp-1-A111-333-appTokenSecret"
SIGNING_SECRET = "0123456789signingSecretabcdef"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)


class CoreSpy:
    """The real core, recording the messages it is given; `script` replaces its answers when set."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.handled: list[Incoming] = []
        self.script: list[Reply] | None = None
        self.gate = asyncio.Event()  # clear it to make the core slow: it answers once the gate opens
        self.gate.set()

    async def handle(self, message: Incoming) -> list[Reply]:
        self.handled.append(message)
        await self.gate.wait()
        return list(self.script) if self.script is not None else await self.bot.handle(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.bot, name)


class Workspace:
    """A Slack workspace talking to the adapter: events, commands and button presses, in either mode."""

    def __init__(self, adapter: SlackAdapter, api: SlackApiMock, core: CoreSpy, session: aiohttp.ClientSession) -> None:
        self.adapter, self.api, self.core, self.session = adapter, api, core, session
        self.mode = adapter.mode
        self._ids = iter(range(1, 10_000))

    def person(self, user: str, locale: str) -> None:
        """Set a person's Slack locale (what users.info answers; en-US when not set); before they first write."""
        self.api.users[user] = locale

    def posts(self, channel: str | None = None) -> list[Call]:
        """The messages the bot posted (chat.postMessage accepted by Slack), in one channel or DM if given."""
        return [c for c in self.api.calls_to("chat.postMessage") if channel is None or c.channel == channel]

    def responses(self, user: str | None = None) -> list[Call]:
        """The ephemeral answers to slash commands (of one person, if given)."""
        return [c for c in self.api.calls_to("response") if user is None or c.args["name"] == f"cmd-{user}"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.http_port}{self.adapter.path}"

    async def post(self, body: str, content_type: str, *, timestamp: int | None = None,
                   signature: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        """POST a body to the adapter's HTTP endpoint, signed with the signing secret unless told otherwise."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        if signature is None:
            base = f"v0:{timestamp}:{body}".encode()
            signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
                       "X-Slack-Signature": signature, **(headers or {})}
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as response:
            return response.status, await response.text()

    async def _deliver(self, kind: str, payload: dict[str, Any], http_body: str, content_type: str,
                       retry: int | None = None) -> Any:
        if self.mode == "http":
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
            status, text = await self.post(http_body, content_type, headers=headers)
            assert status == 200, text
            return text
        envelope_id = await self.api.push(kind, payload, retry_attempt=retry)
        return await self.api.ack(envelope_id)

    async def event(self, event: dict[str, Any], event_id: str | None = None, retry: int | None = None) -> Any:
        """Deliver an Events API event (acknowledged before this returns)."""
        body = {"token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
                "event": event, "event_id": event_id or f"Ev{next(self._ids):04d}", "event_time": int(time.time()),
                "authorizations": [{"team_id": "T0001", "user_id": BOT_USER_ID, "is_bot": True}]}
        return await self._deliver("events_api", body, json.dumps(body), "application/json", retry)

    async def dm(self, text: str, user: str = "U1", **extra: Any) -> Any:
        """The person writes to the bot in their DM."""
        ts = f"{time.time():.6f}"
        return await self.event({"type": "message", "channel_type": "im", "channel": "D" + user[1:],
                                 "user": user, "text": text, "ts": ts, "event_ts": ts, **extra})

    async def mention(self, text: str, user: str = "U1", channel: str = "C1", ts: str = "1700000001.000200",
                      thread_ts: str | None = None) -> Any:
        """The person mentions the bot in a channel (in the thread of thread_ts, if given)."""
        return await self.event({"type": "app_mention", "channel": channel, "user": user,
                                 "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "event_ts": ts,
                                 **({"thread_ts": thread_ts} if thread_ts else {})})

    async def command(self, text: str, user: str = "U1", channel: str = "C1") -> Any:
        """The person runs the slash command."""
        payload = {"token": "legacy", "team_id": "T0001", "channel_id": channel, "channel_name": "general",
                   "user_id": user, "user_name": "person", "command": "/eventbot", "text": text,
                   "response_url": self.api.response_url(f"cmd-{user}"), "trigger_id": "1.2.3", "api_app_id": "A0001"}
        return await self._deliver("slash_commands", payload, urlencode(payload), "application/x-www-form-urlencoded")

    async def press(self, button: dict[str, Any], user: str = "U1", channel: str | None = "D1",
                    thread_ts: str | None = None, ephemeral: bool = False) -> Any:
        """The person presses a button (from a message in channel, or from the App Home when channel is None)."""
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": "T0001"}, "api_app_id": "A0001", "token": "legacy",
            "user": {"id": user, "username": "person", "team_id": "T0001"}, "trigger_id": "1.2.3",
            "actions": [{**button, "type": "button", "block_id": "b1", "action_ts": "1700000002.0"}],
        }
        if channel is None:
            payload["container"] = {"type": "view", "view_id": "V0001"}
            payload["view"] = {"id": "V0001", "type": "home"}
        else:
            message = {"ts": "1700000001.000300", "text": "", **({"thread_ts": thread_ts} if thread_ts else {})}
            payload.update(channel={"id": channel, "name": "x"}, message=message, response_url=self.api.response_url(f"btn-{user}"),
                           container={"type": "message", "message_ts": message["ts"], "channel_id": channel,
                                      "is_ephemeral": ephemeral})
        return await self._deliver("interactive", payload, urlencode({"payload": json.dumps(payload)}),
                                   "application/x-www-form-urlencoded")

    async def submit(self, view: dict[str, Any], answers: dict[str, Any], user: str = "U1") -> dict[str, Any]:
        """The person submits a modal opened with `view`, filled in with answers by block id; returns Slack's
        answer to the submission ({} when it just closes the modal)."""
        values: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] != "input" or block["block_id"] not in answers:
                continue
            element, answer = block["element"], answers[block["block_id"]]
            options = {o["value"]: o for o in element.get("options", [])}
            if element["type"] == "checkboxes":
                state = {"selected_options": list(options.values()) if answer else []}
            elif element["type"] in ("static_select", "radio_buttons"):
                state = {"selected_option": options[answer]}
            else:
                state = {"value": answer}
            values[block["block_id"]] = {element["action_id"]: {"type": element["type"], **state}}
        payload = {"type": "view_submission", "team": {"id": "T0001"}, "api_app_id": "A0001", "token": "legacy",
                   "user": {"id": user, "username": "person", "team_id": "T0001"}, "trigger_id": "1.2.4",
                   "view": {**view, "id": "V0001", "team_id": "T0001", "state": {"values": values}},
                   "response_urls": []}
        answer = await self._deliver("interactive", payload, urlencode({"payload": json.dumps(payload)}),
                                     "application/x-www-form-urlencoded")
        if self.mode == "http":
            return json.loads(answer) if answer else {}
        return answer.get("payload") or {}


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test fails when the adapter logged an error (a failure swallowed in a background task)."""
    yield
    records = caplog.get_records("call") + caplog.records  # the test, and the teardown so far
    errors = [r for r in records if r.levelno >= logging.ERROR and r.name.startswith("adapters.slack")]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def slack_api() -> AsyncIterator[SlackApiMock]:
    api = SlackApiMock(users={"U1": "en-US", "U2": "nl-NL"})
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def workspaces(tmp_path: Path, slack_api: SlackApiMock) -> AsyncIterator[Any]:
    """A factory of running adapters (mode "http" or "socket"), each on its own bot, against the mock Slack."""
    adapters: list[SlackAdapter] = []
    stores: list[Any] = []
    session = aiohttp.ClientSession()

    async def make(mode: str = "http", config: Config | None = None, **settings: Any) -> Workspace:
        config = (config or Config()).model_copy(update={"data_dir": tmp_path / f"data{len(stores)}"})
        bot, store = build_bot(config)
        stores.append(store)
        core = CoreSpy(bot)
        adapter = SlackAdapter(core, bot_token=BOT_TOKEN, app_token=APP_TOKEN, signing_secret=SIGNING_SECRET,
                               mode=mode, base_url=slack_api.base_url, port=0, **settings)  # type: ignore[arg-type]
        await adapter.start()
        adapters.append(adapter)
        if mode == "socket":
            await slack_api.connected()
        return Workspace(adapter, slack_api, core, session)

    yield make
    for adapter in adapters:
        await adapter.stop()
    await session.close()
    for store in stores:
        store.close()


@pytest.fixture(params=["http", "socket"])
async def slack(request: pytest.FixtureRequest, workspaces: Any) -> Workspace:
    """One running adapter, in HTTP mode and in Socket Mode."""
    return await workspaces(request.param)


@pytest.fixture
async def http(workspaces: Any) -> Workspace:
    return await workspaces("http")


async def until(condition: Any, timeout: float = WAIT) -> None:
    """Poll until condition() is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def blocks(call: Any) -> list[dict[str, Any]]:
    """The blocks of a message or of a view."""
    return call.args.get("blocks") or (call.args.get("view") or {}).get("blocks") or []


def section_text(call: Any) -> str:
    """The text of a message's (or view's) section blocks, as Slack mrkdwn."""
    return "\n".join(b["text"]["text"] for b in blocks(call) if b["type"] == "section")


def buttons(call: Any) -> list[dict[str, Any]]:
    """The buttons of a message or view."""
    return [e for b in blocks(call) if b["type"] == "actions" for e in b["elements"]]


def button_with(call: Any, ending: str) -> dict[str, Any]:
    """The button whose value (the core's payload) ends with `ending`."""
    return next(b for b in buttons(call) if b["value"].endswith(ending))



class Chat:
    """One person talking to the bot: in their DM (say, press), by mention in a channel, or by the slash command.

    Each method waits for the bot's next message there and returns it (a mock Call: read it with
    section_text and buttons). `locale` sets the person's Slack locale (the mock's default: en-US).
    """

    def __init__(self, ws: Workspace, user: str, locale: str | None = None) -> None:
        self.ws, self.user, self.dm = ws, user, "D" + user[1:]
        if locale is not None:
            ws.person(user, locale)
        self.seen: list[Any] = []
        self._ts = iter(range(1, 100_000))

    async def next_message(self) -> Any:
        """The bot's next message in the DM (waits for it)."""
        posts = await self.ws.api.wait_for("chat.postMessage", len(self.seen) + 1,
                                           where=lambda c: c.channel == self.dm)
        self.seen.append(posts[len(self.seen)])
        return self.seen[-1]

    async def say(self, text: str) -> Any:
        await self.ws.dm(text, user=self.user)
        return await self.next_message()

    async def press(self, label: str) -> Any:
        button = next(b for b in buttons(self.seen[-1]) if b["text"]["text"] == label)
        await self.ws.press(button, user=self.user, channel=self.dm)
        return await self.next_message()

    async def mention(self, text: str, channel: str = "C1", thread_ts: str | None = None) -> Any:
        """`@eventbot text` in a channel; returns the bot's first message in that thread."""
        ts = f"{1700000000 + next(self._ts)}.{self.user}"
        await self.ws.mention(text, user=self.user, channel=channel, ts=ts, thread_ts=thread_ts)
        thread = thread_ts or ts
        [first, *_] = await self.ws.api.wait_for("chat.postMessage", where=lambda c: c.channel == channel
                                                 and c.args.get("thread_ts") == thread)
        return first

    async def command(self, text: str, channel: str = "C1") -> Any:
        """`/eventbot text` in a channel; returns the bot's next ephemeral answer to this person."""
        before = len(self.ws.responses(self.user))
        await self.ws.command(text, user=self.user, channel=channel)
        responses = await self.ws.api.wait_for("response", before + 1,
                                               where=lambda c: c.args["name"] == f"cmd-{self.user}")
        return responses[before]
