"""A fake platform for the core's own messages (it implements our Messenger protocol)."""

from __future__ import annotations

import asyncio

from bot.messages import DeliveryError, Reply, Unreachable


class FakeMessenger:
    """A platform for the core's own messages: records what was sent, can refuse people."""

    def __init__(self, platform: str, blocked: set[str] = frozenset(), flaky: int = 0) -> None:
        self.platform = platform
        self.max_per_second = 500.0
        self.per_chat_interval = 0.0
        self.blocked = set(blocked)
        self.flaky = flaky  # the first N sends fail with a retryable error
        self.sent: list[tuple[str, str]] = []
        self.edits: list[tuple[str, str, str]] = []

    async def send(self, chat_id: str, reply: Reply) -> str:
        self.sent.append((chat_id, reply.text))
        return str(len(self.sent))

    async def notify(self, user_id: str, reply: Reply) -> None:
        if user_id in self.blocked:
            raise Unreachable("blocked")
        if self.flaky:
            self.flaky -= 1
            raise DeliveryError("try later", retry_after=0)
        self.sent.append((user_id, reply.text))

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> None:
        self.edits.append((chat_id, message_id, reply.text))

    def to(self, user_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == user_id]


async def until(condition, timeout: float = 20.0) -> None:
    """Wait until condition() is true (polling), or fail."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")



class CuttingMessenger(FakeMessenger):
    """A platform whose Nth send arrives while the bot dies before learning it (a crash between call and record).

    `held` lists (user id, delivery id) of every message that reached the platform,
    shared across restarts of the bot.
    """

    def __init__(self, platform: str, held: list[tuple[str, str]], cut_after: int = 0) -> None:
        super().__init__(platform)
        self.held = held
        self.cut_after = cut_after
        self.cut = False

    async def notify(self, user_id: str, reply: Reply) -> None:
        await super().notify(user_id, reply)
        self.held.append((user_id, reply.delivery_id or ""))
        if self.cut_after and len(self.sent) == self.cut_after:
            self.cut = True
            raise asyncio.CancelledError  # the sending task dies before the outcome is recorded


class LookupMessenger(CuttingMessenger):
    """As above, on a platform that can look up the messages it holds (as Slack can)."""

    def __init__(self, platform: str, held: list[tuple[str, str]], cut_after: int = 0) -> None:
        super().__init__(platform, held, cut_after)
        self.checked: list[str] = []

    async def was_delivered(self, user_id: str, delivery_id: str, since: object) -> bool | None:
        self.checked.append(user_id)
        return (user_id, delivery_id) in self.held
