"""`eventbot run`: every configured adapter in one event loop, stopped cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any, Callable, Iterable, Mapping

from bot.config import Config
from bot.core import Bot
from bot.messages import Adapter

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


async def run_until_stopped(bot: Bot, adapters: list[Adapter], stop: asyncio.Event | None = None) -> None:
    """Start the adapters, wait for SIGINT/SIGTERM (or `stop`), then stop them in reverse order."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not supported here
            pass
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
