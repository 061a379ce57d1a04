"""The test fakes of both platforms with their rate limits enforced, for benchmarks/broadcast.py.

Subclasses of tests/fakes (which stay untouched): a message call above the limit is
answered like the platform answers it, 429 with a retry time, and does not count as
delivered. Limits are sliding one-second windows: more than `per_second` accepted
messages within any second, or a second message to one chat within
`per_chat_interval` seconds, is refused. Both count what each chat received (only
answered calls with success), so a parent process can tell duplicates and losses
across restarts of the bot that talks to them.

Run as a script, it serves both fakes in a process of its own (the platforms'
CPU is then not the bot's) and answers one JSON line per command line on stdin:
`start TELEGRAM_PER_SECOND SLACK_PER_SECOND` (fresh fakes; their addresses),
`count` (messages accepted and 429s so far), `stats` (everything, per chat), `stop`.

    python benchmarks/ratelimited_fakes.py
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.slack_api import Call, SlackApiMock, _Failure, dm_channel
from tests.fakes.telegram_api import Fault, FakeTelegramAPI

PER_CHAT_INTERVAL = 1.0  # seconds between two messages to one chat: Telegram's and Slack's documented pace
TELEGRAM_METHODS = frozenset({"sendMessage", "sendDocument", "editMessageText"})
SLACK_METHODS = frozenset({"chat.postMessage"})


class Window:
    """Sliding one-second window over the whole bot plus a minimum interval per chat."""

    def __init__(self, per_second: float, per_chat_interval: float) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.accepted: deque[float] = deque()
        self.last: dict[str, float] = {}
        self.received: Counter[str] = Counter()  # chat -> messages accepted
        self.times: list[float] = []  # monotonic time of every accepted message
        self.attempts: list[float] = []  # monotonic time of every message call, refused ones included
        self.refused = 0  # 429s answered
        self.refused_chat = 0  # of which because of the per-chat interval

    def admit(self, chat: str) -> float | None:
        """None if the message may pass (and count it), else the seconds to wait."""
        now = time.monotonic()
        self.attempts.append(now)
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        wait = 0.0
        if len(self.accepted) >= self.per_second:
            wait = self.accepted[0] + 1.0 - now
        last = self.last.get(chat)
        if last is not None and now - last < self.per_chat_interval:
            self.refused_chat += wait == 0.0
            wait = max(wait, last + self.per_chat_interval - now)
        if wait > 0.0:
            self.refused += 1
            return wait
        self.accepted.append(now)
        self.last[chat] = now
        self.received[chat] += 1
        self.times.append(now)
        return None


class LimitedTelegramAPI(FakeTelegramAPI):
    """The fake Bot API, refusing messages above Telegram's limits with 429 and retry_after (whole seconds)."""

    def __init__(self, per_second: float = 30.0, per_chat_interval: float = 1.0) -> None:
        super().__init__()
        self.limit = Window(per_second, per_chat_interval)

    def _take_fault(self, method: str, params: dict) -> Fault | None:
        fault = super()._take_fault(method, params)
        if fault is not None or method not in TELEGRAM_METHODS:
            return fault
        wait = self.limit.admit(str(params.get("chat_id")))
        if wait is None:
            return None
        retry_after = max(1, math.ceil(wait))  # Telegram answers whole seconds
        return Fault(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass
class LimitedSlackAPI(SlackApiMock):
    """The mock Web API, refusing chat.postMessage above the limits with 429 and Retry-After (whole seconds)."""

    per_second: float = 30.0
    per_chat_interval: float = 1.0
    limit: Window = field(init=False)

    def __post_init__(self) -> None:
        self.limit = Window(self.per_second, self.per_chat_interval)

    def _injected(self, call: Call) -> _Failure | None:
        failure = super()._injected(call)
        if failure is not None or call.method not in SLACK_METHODS:
            return failure
        wait = self.limit.admit(dm_channel(str(call.args.get("channel"))))  # by user id or DM id: one channel
        if wait is None:
            return None
        return _Failure(429, None, max(1, math.ceil(wait)), 1)


class Server:
    """Both fakes in this process, driven by the commands of the parent."""

    def __init__(self) -> None:
        self.telegram: LimitedTelegramAPI | None = None
        self.slack: LimitedSlackAPI | None = None

    async def stop(self) -> None:
        for fake in (self.telegram, self.slack):
            if fake is not None:
                await fake.stop()
        self.telegram = self.slack = None

    async def command(self, line: str) -> dict:
        words = line.split()
        if words[0] == "start":
            await self.stop()
            self.telegram = LimitedTelegramAPI(float(words[1]), PER_CHAT_INTERVAL)
            self.slack = LimitedSlackAPI(per_second=float(words[2]), per_chat_interval=PER_CHAT_INTERVAL)
            await self.telegram.start()
            await self.slack.start()
            return {"telegram": self.telegram.url, "slack": self.slack.base_url}
        assert self.telegram is not None and self.slack is not None
        fakes = {"telegram": self.telegram.limit, "slack": self.slack.limit}
        if words[0] == "count":
            return {**{name: [len(w.times), w.refused] for name, w in fakes.items()}, "cpu": time.process_time()}
        if words[0] == "stats":
            out: dict = {name: {"received": dict(w.received), "times": w.times, "attempts": w.attempts,
                                "refused": w.refused,
                                "refused_chat": w.refused_chat, "per_second": w.per_second}
                         for name, w in fakes.items()}
            out["slack"]["conversations_open"] = len(self.slack.calls_to("conversations.open"))
            out["slack"]["conversations_history"] = len(self.slack.calls_to("conversations.history"))
            out["cpu"] = time.process_time()
            return out
        raise ValueError(line)


async def serve() -> None:
    """Answer the parent's commands until `stop` or the end of stdin."""
    server = Server()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "stop":
            break
        try:
            answer = await server.command(line)
        except Exception as exc:  # tell the parent instead of dying silently
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    await server.stop()


if __name__ == "__main__":
    # a killed bot leaves requests half-read: aiohttp logs each as an error with a traceback
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    asyncio.run(serve())
