"""`eventbot run`: every configured adapter in one event loop, stopped cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from bot.config import Config, ConfigError
from bot.core import Bot
from bot.messages import Adapter, Unavailable
from faq.content import ContentError

log = logging.getLogger(__name__)


def configured_adapters(factories: Iterable[tuple[str, Any]], bot: Bot, config: Config,
                        environ: Mapping[str, str]) -> list[Adapter]:
    """The adapters whose platform is configured; `factories` are (name, class) pairs."""
    adapters = []
    for name, cls in factories:
        from_config: Callable[..., Adapter | None] | None = getattr(cls, "from_config", None)
        if from_config is None:
            continue
        adapter = from_config(bot, config, environ)
        if adapter is not None:
            log.info("adapter %s configured", name)
            adapters.append(adapter)
    return adapters


def platform_adapters(bot: Bot, config: Config, environ: Mapping[str, str]) -> list[Adapter]:
    """The installed platform adapters (entry points, the console aside) whose platform is configured.

    Raises ConfigError when a configured platform's settings are incomplete.
    """
    factories = []
    for ep in entry_points(group="eventbot.adapters"):
        if ep.name == "console":
            continue
        try:
            factories.append((ep.name, ep.load()))
        except ImportError as exc:
            log.warning("the %s adapter cannot be loaded: %s", ep.name, exc)
    return configured_adapters(factories, bot, config, environ)


async def reload_and_log(bot: Bot) -> None:
    """A reload asked for by SIGHUP or `eventbot reload`: the outcome goes to the log."""
    try:
        await bot.reload()
    except ContentError as exc:
        log.error("reload refused, the old content stays live:\n%s", exc)
    except Exception:
        log.exception("reload failed, the old content stays live")


def write_pid_file(path: Path) -> None:
    """Tell `eventbot reload` which process to signal."""
    path.write_text(str(os.getpid()))


def backoff_delay(attempt: int, first: float = 1.0, maximum: float = 60.0, jitter: float = 0.2) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, ...): doubling from `first` up to `maximum`, +-jitter."""
    base = min(maximum, first * 2 ** min(attempt - 1, 32))
    return base * random.uniform(1 - jitter, 1 + jitter)


class StartFailed(RuntimeError):
    """An adapter could not start for a reason retrying will not fix (a rejected token, a bad setting).

    The text names the platform and the reason, never a secret.
    """


def _reason(exc: BaseException) -> str:
    """An exception as one log line: its own text for our errors, else only its kind (its text may hold a URL with a token)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, (Unavailable, RuntimeError, ConfigError, ValueError)) and text:
        return text
    return type(exc).__name__


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less when `stop` is set meanwhile."""
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        pass


async def start_with_retries(adapter: Adapter, stop: asyncio.Event,
                             delay: Callable[[int], float] = backoff_delay) -> bool:
    """Start an adapter, retrying while its platform is Unavailable; False if `stop` was set first.

    Each failed attempt is one log line (no traceback). Any other exception from
    `start()` is raised as StartFailed.
    """
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            await adapter.start()
            return True
        except Unavailable as exc:
            wait = max(0.0, delay(attempt))
            log.warning("%s unreachable (attempt %d): %s; next try in %.0f s",
                        adapter.platform, attempt, _reason(exc), wait)
        except Exception as exc:
            raise StartFailed(f"{adapter.platform}: {_reason(exc)}") from None
        await _wait(stop, wait)
    return False


async def run_until_stopped(bot: Bot, adapters: list[Adapter], stop: asyncio.Event | None = None,
                            pid_file: Path | None = None, delay: Callable[[int], float] = backoff_delay) -> None:
    """Start the adapters, wait for SIGINT/SIGTERM (or `stop`), then stop them in reverse order.

    Each adapter starts in its own task, so one whose platform is unreachable (retried
    with `delay(attempt)` seconds between attempts) does not hold up the others.
    SIGHUP re-reads the content while running. Raises StartFailed, after stopping
    the rest, when an adapter cannot start for a reason other than Unavailable.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    reloads: set[asyncio.Task[None]] = set()

    def reload() -> None:
        task = asyncio.ensure_future(reload_and_log(bot))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    def requests() -> None:  # `eventbot broadcast` left a request in the data folder
        task = asyncio.ensure_future(bot.broadcasts.take_requests())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    for sig, action in ((signal.SIGINT, stop.set), (signal.SIGTERM, stop.set), (signal.SIGHUP, reload),
                        (signal.SIGUSR1, requests)):
        try:
            loop.add_signal_handler(sig, action)
            handled.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not supported here
            pass
    if pid_file is not None:
        write_pid_file(pid_file)
    started: list[Adapter] = []
    failures: list[StartFailed] = []

    async def start_one(adapter: Adapter) -> None:
        try:
            if await start_with_retries(adapter, stop, delay):
                started.append(adapter)
                log.info("%s adapter running", adapter.platform)
        except StartFailed as exc:
            failures.append(exc)
            stop.set()

    for adapter in adapters:
        bot.attach(adapter)  # queued messages wait (NotConnected) until it runs
    starting = [asyncio.create_task(start_one(adapter), name=f"start-{adapter.platform}") for adapter in adapters]
    try:
        await bot.start()
        await stop.wait()
        log.info("stopping")
    finally:
        for task in starting:
            task.cancel()
        await asyncio.gather(*starting, return_exceptions=True)
        await bot.stop()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("the %s adapter did not stop cleanly", adapter.platform)
        for sig in handled:
            loop.remove_signal_handler(sig)
        if pid_file is not None:
            pid_file.unlink(missing_ok=True)
    if failures:
        raise failures[0]
