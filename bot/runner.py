"""`eventbot run`: every configured adapter in one event loop, stopped cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from bot.config import Config
from bot.core import Bot
from bot.messages import Adapter
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


async def run_until_stopped(bot: Bot, adapters: list[Adapter], stop: asyncio.Event | None = None,
                            pid_file: Path | None = None) -> None:
    """Start the adapters, wait for SIGINT/SIGTERM (or `stop`), then stop them in reverse order.

    SIGHUP re-reads the content while running.
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
    try:
        for adapter in adapters:
            bot.attach(adapter)
            await adapter.start()
            started.append(adapter)
            log.info("%s adapter running", adapter.platform)
        await bot.start()
        await stop.wait()
        log.info("stopping")
    finally:
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
