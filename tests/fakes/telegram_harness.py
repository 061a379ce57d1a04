"""Telegram for tests: the real TelegramAdapter (python-telegram-bot over real HTTP) on the real core,
against the local fake Bot API server (tests/fakes/telegram_api.py), driven like a chat.

Use it from any test module by importing the fixtures and helpers you need (the three fixtures
together: `chat` needs `start`, which needs `fake`)::

    from tests.fakes.telegram_harness import GROUP, USER, chat, fake, plain, start  # noqa: F401

    async def test_a_dutch_question(chat):              # runs in polling and in webhook mode
        replies = await chat.say("Hoeveel deelnemers heeft de EWRC?", language_code="en")
        assert "6.000" in plain(replies[0])

    async def test_in_a_group(start):
        h = await start()                               # polling; start("webhook", config=...) too
        await h.say(f"/ask@{h.fake.username}", chat=GROUP)

Without pytest fixtures, `running_telegram(fake, data_dir)` is the same as an async context manager.
Each `say`/`send`/`press` returns once the bot has answered (a bystander's /help is answered after
it: the adapter handles updates one at a time), so tests need no sleeps.
"""

from __future__ import annotations

import contextlib
import html
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from adapters.telegram import TelegramAdapter
from bot.app import build_bot
from bot.config import Config, TelegramConfig, TelegramWebhookConfig
from bot.core import Bot
from tests.fakes.telegram_api import FakeTelegramAPI

USER = 5001  # the person the helpers speak for by default (their private chat has the same id)
OTHER = 5002
BYSTANDER = 9999  # writes /help to settle the update queue
GROUP = -100777  # a supergroup
SECRET = "webhook-Secret_123"  # the webhook secret in webhook mode


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plain(sent: str) -> str:
    """What a person reads in an HTML message the bot sent (bold removed, entities unescaped)."""
    return html.unescape(sent.replace("<b>", "").replace("</b>", ""))


@dataclass
class Harness:
    """One running adapter, its core and the fake server, driven like a chat."""

    fake: FakeTelegramAPI
    adapter: TelegramAdapter
    bot: Bot
    mode: str
    webhook_url: str = ""

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        """Post an update to the adapter's webhook; returns the HTTP status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.webhook_url, json=update, headers=headers) as response:
                return response.status

    async def deliver(self, update: dict[str, Any]) -> None:
        """Hand an update to the bot the way the mode receives them."""
        if self.mode == "webhook":
            assert await self.post(update) == 200
        else:
            self.fake.enqueue(update)

    async def settle(self) -> None:
        """Return once every update delivered so far has been answered."""
        before = len(self.fake.texts(BYSTANDER))
        await self.deliver(self.fake.message(BYSTANDER, "/help"))
        await self.fake.wait_for(lambda: len(self.fake.texts(BYSTANDER)) > before, what="the bystander's /help")

    async def say(self, text: str, user: int = USER, chat: int | None = None, **kw: Any) -> list[str]:
        """A person writes text in their private chat, or in `chat` (GROUP: a supergroup); returns the
        HTML texts the bot sent to that chat in answer. Keywords as for FakeTelegramAPI.message:
        language_code (the person's Telegram locale, "en" unless given; None for none), reply_to_bot,
        reply_to_message_id, first_name, chat_type."""
        return await self.send(self.fake.message, text, user, chat, **kw)

    async def send(self, make: Callable[..., dict[str, Any]], what: str, user: int = USER, chat: int | None = None,
                   **kw: Any) -> list[str]:
        """A person sends the update make(user, what, ...) builds (fake.message, fake.media, fake.service);
        returns the texts the bot sent to that chat in answer."""
        chat = user if chat is None else chat
        before = len(self.fake.texts(chat))
        await self.deliver(make(user, what, chat_id=chat, chat_type=kw.pop("chat_type", "private"
                                if chat > 0 else "supergroup"), **kw))
        await self.settle()
        return self.fake.texts(chat)[before:]

    async def press(self, data: str, user: int = USER, **kw: Any) -> list[str]:
        """A person presses a button with this callback data; returns the texts sent in answer."""
        before = len(self.fake.texts(user))
        await self.deliver(self.fake.callback(user, data, **kw))
        await self.settle()
        return self.fake.texts(user)[before:]

    def buttons(self, chat: int = USER) -> list[dict[str, Any]]:
        """The inline buttons of the last message with a keyboard sent to the chat."""
        for call in reversed(self.fake.calls_of("sendMessage", chat_id=chat)):
            markup = call.params.get("reply_markup")
            if markup:
                return [button for row in markup["inline_keyboard"] for button in row]
        return []


def button(h: Harness, ending: str, chat: int = USER) -> str:
    """The callback data of the last keyboard's button whose payload ends with `ending`."""
    found = [b["callback_data"] for b in h.buttons(chat) if b.get("callback_data", "").endswith(ending)]
    assert found, f"no button ending in {ending!r}: {h.buttons(chat)}"
    return found[0]


@contextlib.asynccontextmanager
async def running_telegram(fake: FakeTelegramAPI, data_dir: Path, mode: str = "polling",
                           config: Config | None = None, **options: Any) -> AsyncIterator[Harness]:
    """A bot on its own data folder (or `config`) with the adapter started on the fake server in
    "polling" or "webhook" mode; `options` go to TelegramAdapter (network_retries, timeout, ...).
    Stopped and closed on exit."""
    config = config or Config(data_dir=data_dir)
    bot, profiles = build_bot(config)
    try:
        port = free_port()
        settings = TelegramConfig(base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot", mode=mode,
                                  poll_timeout=1, webhook=TelegramWebhookConfig(
                                      port=port, path="/telegram", url="https://bot.example.org/telegram"))
        options = {"backoff": 0.01, "timeout": 5.0, **options}
        adapter = TelegramAdapter(bot, fake.token, settings, webhook_secret=SECRET if mode == "webhook" else None,
                                  **options)
        await adapter.start()
        try:
            yield Harness(fake, adapter, bot, mode, f"http://127.0.0.1:{port}/telegram")
        finally:
            await adapter.stop()
    finally:
        profiles.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    """The fake Bot API server on 127.0.0.1, started."""
    api = FakeTelegramAPI()
    await api.start()
    yield api
    await api.stop()


Start = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start(fake: FakeTelegramAPI, tmp_path: Path) -> AsyncIterator[Start]:
    """Start an adapter on the fake server: `await start(mode="polling", config=None, **adapter options)`
    gives a running Harness; everything started is stopped after the test."""
    async with contextlib.AsyncExitStack() as stack:
        async def make(mode: str = "polling", config: Config | None = None, **options: Any) -> Harness:
            return await stack.enter_async_context(
                running_telegram(fake, tmp_path / "data", mode, config, **options))

        yield make


@pytest.fixture(params=["polling", "webhook"])
async def chat(request: pytest.FixtureRequest, start: Start) -> Harness:
    """A running adapter in each receiving mode."""
    return await start(request.param)
