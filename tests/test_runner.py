"""`eventbot run` when a platform cannot be reached at start-up: retries with backoff, one log line each.

The adapters are fakes of our own Adapter protocol; the core is the real one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.config import Config
from bot.messages import Reply, Unavailable
from bot.runner import StartFailed, backoff_delay, run_until_stopped
from tests.fakes.messenger import until

TOKEN = "123456:SECRETtokenSECRET"


class FakeAdapter:
    """A platform connection whose start() fails as told: `unavailable` times, or always, or with `error`."""

    def __init__(self, platform: str, unavailable: int = 0, error: Exception | None = None) -> None:
        self.platform = platform
        self.unavailable = unavailable  # -1: the platform never answers
        self.error = error
        self.attempts = 0
        self.running = False
        self.stopped = False

    async def start(self) -> None:
        self.attempts += 1
        if self.error is not None:
            raise self.error
        if self.unavailable:
            self.unavailable -= 1
            raise Unavailable(f"{self.platform} did not answer (ConnectError)")
        self.running = True

    async def stop(self) -> None:
        self.running = False
        self.stopped = True

    async def send(self, chat_id: str, reply: Reply) -> None:
        pass

    async def notify(self, user_id: str, reply: Reply) -> None:
        pass


@pytest.fixture
def bot(tmp_path: Path):
    bot, store = build_bot(Config(data_dir=tmp_path / "data"))
    yield bot
    store.close()


def no_wait(attempt: int) -> float:
    return 0.01


def lines_about(caplog: pytest.LogCaptureFixture, platform: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.runner" and r.getMessage().startswith(f"{platform} unreachable")]


async def test_an_unreachable_platform_is_retried_with_one_line_per_attempt_while_the_other_runs(bot, caplog):
    caplog.set_level(logging.INFO)
    slack = FakeAdapter("slack", unavailable=-1)
    telegram = FakeAdapter("telegram")
    delays: list[int] = []

    def delay(attempt: int) -> float:
        delays.append(attempt)
        return 0.01

    stop = asyncio.Event()
    runner = asyncio.create_task(run_until_stopped(bot, [slack, telegram], stop, delay=delay))
    try:
        await until(lambda: telegram.running and slack.attempts >= 3)
        assert not slack.running  # Telegram runs while Slack is still being retried
        slack.unavailable = 0  # Slack answers again
        await until(lambda: slack.running)
    finally:
        stop.set()
        await runner

    failed = slack.attempts - 1
    assert delays == list(range(1, failed + 1))
    lines = lines_about(caplog, "slack")
    assert len(lines) == failed
    for number, record in enumerate(lines, 1):
        assert record.getMessage() == (f"slack unreachable (attempt {number}): slack did not answer (ConnectError); "
                                       "next try in 0 s")
        assert record.exc_info is None and record.levelno == logging.WARNING
    assert not lines_about(caplog, "telegram")
    assert slack.stopped and telegram.stopped
    assert not any(r.exc_info for r in caplog.records)


async def test_ctrl_c_during_the_retries_stops_cleanly(bot, caplog):
    slack = FakeAdapter("slack", unavailable=-1)
    telegram = FakeAdapter("telegram")
    runner = asyncio.create_task(run_until_stopped(bot, [slack, telegram], delay=lambda attempt: 3600.0))
    await until(lambda: slack.attempts == 1 and telegram.running)
    os.kill(os.getpid(), signal.SIGINT)  # the handler is installed: the runner stops, pytest does not
    await asyncio.wait_for(runner, 60)  # a guard against a hang, not a timing measure: the wait is an hour

    assert slack.attempts == 1 and not slack.stopped  # never started, so nothing to stop
    assert telegram.stopped
    assert not any(r.exc_info for r in caplog.records)


async def test_a_refused_token_stops_everything_with_one_clean_reason(bot, caplog):
    telegram = FakeAdapter("telegram", error=RuntimeError("Telegram refused the bot token ($TELEGRAM_BOT_TOKEN)"))
    slack = FakeAdapter("slack")
    with pytest.raises(StartFailed) as raised:
        await run_until_stopped(bot, [slack, telegram], delay=no_wait)
    assert str(raised.value) == "telegram: Telegram refused the bot token ($TELEGRAM_BOT_TOKEN)"
    assert telegram.attempts == 1  # not retried
    assert slack.stopped
    assert not any(r.exc_info for r in caplog.records)


async def test_an_unexpected_error_is_named_by_its_kind_only_so_no_token_leaks(bot, caplog):
    caplog.set_level(logging.DEBUG)
    telegram = FakeAdapter("telegram", error=OSError(f"https://api.telegram.org/bot{TOKEN}/getMe failed"))
    with pytest.raises(StartFailed) as raised:
        await run_until_stopped(bot, [telegram], delay=no_wait)
    assert str(raised.value) == "telegram: OSError"
    assert TOKEN not in caplog.text


def test_the_backoff_doubles_from_one_second_to_at_most_a_minute_with_jitter():
    for attempt, base in ((1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (50, 60)):
        delays = {backoff_delay(attempt) for _ in range(50)}
        assert all(base * 0.8 <= d <= base * 1.2 for d in delays), (attempt, delays)
        assert len(delays) > 1  # jittered, so restarted bots do not knock all at once
