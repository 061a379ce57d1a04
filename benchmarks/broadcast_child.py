"""The bot of benchmarks/broadcast.py: the real adapters on the rate-limited fakes, and the crash test's child.

As a module it gives the benchmark the wiring it shares with its children (config,
recipients, adapters, pace). As a script it is

- `resume`: the bot the crash test kills: it builds the bot on the data folder,
  starts both adapters against the fakes the parent runs, starts the core (which
  resumes unfinished broadcasts from the outbox), and exits once nothing is pending;
- `naive`: the baseline, asyncio.gather of one adapter.notify per recipient of one
  platform, in a process of its own so that the parent can stop it after a time
  budget (thousands of requests queued in httpx make cancelling them take minutes);
  it prints its counts as a JSON line every second.

    python benchmarks/broadcast_child.py resume ROOT TELEGRAM_URL SLACK_BASE_URL TELEGRAM_FACTOR SLACK_FACTOR
    python benchmarks/broadcast_child.py naive ROOT TELEGRAM_URL SLACK_BASE_URL TELEGRAM_FACTOR SLACK_FACTOR N PLATFORM
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from aiolimiter import AsyncLimiter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.slack import SlackAdapter  # noqa: E402
from adapters.telegram import OVERALL_BURST, OVERALL_PER_SECOND, TelegramAdapter  # noqa: E402
from bot.app import build_bot  # noqa: E402
from bot.config import Config, ContentConfig, TelegramConfig  # noqa: E402
from bot.core import Bot  # noqa: E402
from bot.messages import Reply  # noqa: E402
from bot.outbox import DEFAULT_RATE  # noqa: E402
from bot.storage import TinyStore  # noqa: E402

EVENT = "bench"
TELEGRAM_TOKEN = "4242424242:AAE-fake_Secret-Token_0123456789abcdef"  # the fake's default token
SLACK_TOKEN = "xoxb-benchmark-token"
SLACK_SECRET = "benchmark-signing-secret"
TEXT = "The keynote moved to hall B, same time. See you there!"

EVENTS_YAML = f"""\
events:
  - id: {EVENT}
    names: {{en: "Broadcast benchmark conference"}}
    timezone: Europe/Brussels
    signup:
      capacity: 20000
"""


def recipient(i: int) -> tuple[str, str, str, str]:
    """(platform, user id, user_key, the chat the fake sees) of recipient i: even on Telegram, odd on Slack."""
    if i % 2 == 0:
        uid = str(100_000_000 + i)
        return "telegram", uid, f"telegram:{uid}", uid
    uid = f"U{i:07d}"
    return "slack", uid, f"slack:{uid}", "D" + uid[1:]  # the mock's conversations.open: "D" + id without "U"


def config(root: Path) -> Config:
    """The bot's config: data in ROOT/data, content (one event) in ROOT/content."""
    return Config(data_dir=root / "data", content=ContentConfig(path=root / "content"))


def write_content(root: Path) -> None:
    """The content folder with the one event."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "content" / "events.yaml").write_text(EVENTS_YAML, "utf-8")


async def start_adapters(bot: Bot, telegram_url: str, slack_base_url: str, telegram_factor: float,
                         slack_factor: float) -> tuple[TelegramAdapter, SlackAdapter]:
    """Both real adapters on the fakes (Telegram polling, Slack HTTP mode), their pace scaled, attached."""
    telegram = TelegramAdapter(bot, TELEGRAM_TOKEN, TelegramConfig(
        base_url=f"{telegram_url}/bot", base_file_url=f"{telegram_url}/file/bot", poll_timeout=1), backoff=0.05)
    slack = SlackAdapter(bot, bot_token=SLACK_TOKEN, signing_secret=SLACK_SECRET, mode="http",
                         base_url=slack_base_url, port=0)
    await telegram.start()
    await slack.start()
    pace(telegram, slack, telegram_factor, slack_factor)
    bot.attach(telegram)
    bot.attach(slack)
    return telegram, slack


def declared_pace(adapter: type) -> float:
    """The pace an adapter class declares for the outbox (the outbox's default if none)."""
    return float(getattr(adapter, "max_per_second", DEFAULT_RATE))


def pace(telegram: TelegramAdapter, slack: SlackAdapter, telegram_factor: float, slack_factor: float) -> None:
    """Each adapter's pace for the outbox times its platform's factor (the fakes' limits get the same factor).

    python-telegram-bot's own AIORateLimiter (one call every 1/30 s, bucket of 2, under the outbox)
    is scaled too, else it would cap a scaled run at 30 per second.
    """
    telegram.max_per_second = declared_pace(TelegramAdapter) * telegram_factor  # type: ignore[misc]
    slack.max_per_second = declared_pace(SlackAdapter) * slack_factor  # type: ignore[misc,attr-defined]
    limiter = telegram.application.bot.rate_limiter
    if telegram_factor != 1.0 and limiter is not None:
        limiter._base_limiter = AsyncLimiter(  # type: ignore[attr-defined]
            OVERALL_BURST, OVERALL_BURST / (OVERALL_PER_SECOND * telegram_factor))


def pending(store: TinyStore) -> int:
    """Messages in the outbox not yet delivered (including those waiting for a retry)."""
    return sum(1 for r in store.outbox.records.values() if r["status"] == "pending")


async def child(root: Path, telegram_url: str, slack_base_url: str, telegram_factor: float,
                slack_factor: float) -> None:
    """Start the bot (it resumes the broadcast from the outbox) and stop once nothing is pending."""
    bot, store = build_bot(config(root))
    telegram, slack = await start_adapters(bot, telegram_url, slack_base_url, telegram_factor, slack_factor)
    print(f"child: started with {pending(store)} pending", flush=True)
    await bot.start()  # runs one delivery pass before returning, then delivers in the background
    while pending(store):
        await asyncio.sleep(0.2)
    print("child: nothing pending, stopping", flush=True)
    await bot.stop()
    await slack.stop()
    await telegram.stop()
    store.close()


async def naive(root: Path, telegram_url: str, slack_base_url: str, telegram_factor: float,
                slack_factor: float, n: int, platform: str) -> None:
    """One adapter.notify per recipient of the platform, all at once; counts printed every second and at the end."""
    write_content(root)
    bot, store = build_bot(config(root))
    telegram, slack = await start_adapters(bot, telegram_url, slack_base_url, telegram_factor, slack_factor)
    adapters = {"telegram": telegram, "slack": slack}
    counts: Counter[str] = Counter()
    last: dict[str, float] = {}
    started = time.perf_counter()

    def show(done: bool) -> None:
        print(json.dumps({"done": done, "seconds": time.perf_counter() - started, "cpu": time.process_time(),
                          "counts": counts, "last_success": last}), flush=True)

    async def send(i: int) -> None:
        platform, uid, _, _ = recipient(i)
        try:
            await adapters[platform].notify(uid, Reply(TEXT))
        except Exception as exc:
            counts[f"{platform} {type(exc).__name__}: {str(exc)[:50]}"] += 1
        else:
            counts[f"{platform} ok"] += 1
            last[platform] = time.perf_counter() - started

    async def report() -> None:
        while True:
            await asyncio.sleep(1.0)
            show(False)

    reporter = asyncio.create_task(report())
    await asyncio.gather(*(send(i) for i in range(n) if recipient(i)[0] == platform))
    reporter.cancel()
    show(True)
    await slack.stop()
    await telegram.stop()
    store.close()


def main() -> None:
    logging.basicConfig(level=logging.CRITICAL, format="child %(levelname)s %(name)s: %(message)s")
    mode, root, telegram_url, slack_base_url, telegram_factor, slack_factor = sys.argv[1:7]
    factors = float(telegram_factor), float(slack_factor)
    if mode == "naive":
        asyncio.run(naive(Path(root), telegram_url, slack_base_url, *factors, int(sys.argv[7]), sys.argv[8]))
    else:
        asyncio.run(child(Path(root), telegram_url, slack_base_url, *factors))


if __name__ == "__main__":
    main()
