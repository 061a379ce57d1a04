"""`eventbot broadcast EVENT --text-file F --audience ...`: a broadcast from the command line, with progress.

When the bot is running, the request is handed to it (a file in the data folder
and a signal) and this command follows the progress from the data folder, read-only.
When it is not, the command starts the configured platforms itself, sends, and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from bot.app import build_bot, build_knowledge
from bot.broadcasts import AUDIENCES, recipients
from bot.config import Config
from bot.datafiles import write_atomic
from bot.storage import TinyStore
from filelock import FileLock, Timeout
from faq.normalize import LANGUAGES

REQUESTS = "requests"
PID_FILE = "eventbot.pid"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `broadcast` command."""
    bc = sub.add_parser("broadcast", help="send a message to everyone signed up for an event, with progress")
    bc.add_argument("event", help="event id")
    bc.add_argument("--text-file", action="append", required=True, metavar="[LANG:]FILE",
                    help="the message (UTF-8 text); repeat as nl:FILE, ja:FILE for other languages "
                         "(without LANG: the event's main language)")
    bc.add_argument("--audience", choices=AUDIENCES, default="confirmed")
    bc.add_argument("--language", choices=LANGUAGES, help="only people who use this language")
    bc.add_argument("--yes", action="store_true", help="send without asking to confirm the preview")


def _texts(specs: list[str], default: str) -> dict[str, str]:
    texts = {}
    for spec in specs:
        lang, sep, path = spec.partition(":")
        if not sep or lang not in LANGUAGES:
            lang, path = default, spec
        text = Path(path).read_text("utf-8").strip()
        if not text:
            raise ValueError(f"{path} is empty")
        texts[lang] = text
    return texts


def running_pid(config: Config) -> int | None:
    """The process id of the bot running on this data folder, or None.

    The data folder's lock tells whether a bot runs (a pid file left by a crash may
    name an unrelated process by now); the pid file says which process it is.
    """
    lock = FileLock(str(config.data_dir / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        try:
            return int((config.data_dir / PID_FILE).read_text())
        except (OSError, ValueError):
            return None
    lock.release()
    return None


def run(config: Config, args: argparse.Namespace) -> int:
    """Preview, confirm, then send (through the running bot, or by itself)."""
    knowledge = build_knowledge(config)
    event = knowledge.content.events.get(args.event)
    if event is None:
        print(f"eventbot: unknown event {args.event!r}", file=sys.stderr)
        return 2
    try:
        texts = _texts(args.text_file, event.default_language or config.default_language)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"eventbot: cannot use the message: {exc}", file=sys.stderr)
        return 2
    pid = running_pid(config)
    request = {"event": event.id, "texts": texts, "audience": args.audience, "language": args.language}
    store = TinyStore(config.data_dir, readonly=True)
    count = len(recipients(store, config.default_language, event, args.audience, args.language))
    print(f"{event.id}: {count} recipients ({args.audience}{', ' + args.language if args.language else ''})")
    for lang, text in texts.items():
        print(f"--- {lang} ---\n{text}")
    if not count:
        print("nobody to send to", file=sys.stderr)
        return 1
    if not args.yes and (not sys.stdin.isatty() or input("send? [y/N] ").strip().lower() not in ("y", "yes")):
        print("not sent", file=sys.stderr)
        return 1
    if pid is not None:
        return _through_running_bot(config, request, pid)
    return asyncio.run(_by_itself(config, request))


def _through_running_bot(config: Config, request: dict[str, Any], pid: int) -> int:
    name = f"broadcast-{uuid.uuid4().hex}"
    folder = config.data_dir / REQUESTS
    write_atomic(folder / f"{name}.json", json.dumps(request, ensure_ascii=False))
    os.kill(pid, signal.SIGUSR1)
    done = folder / f"{name}.done.json"
    for _ in range(300):
        if done.exists():
            break
        time.sleep(0.1)
    else:
        try:  # withdraw it, so it is not sent later behind our back
            (folder / f"{name}.json").rename(folder / f"{name}.withdrawn")
        except OSError:
            pass
        print("eventbot: the running bot did not take the broadcast in 30 s (see its log); nothing was sent",
              file=sys.stderr)
        return 2
    answer = json.loads(done.read_text("utf-8"))
    done.unlink(missing_ok=True)
    if "id" not in answer:
        print(f"eventbot: the running bot refused the broadcast: {answer.get('error', '?')}", file=sys.stderr)
        return 2
    return asyncio.run(_follow(lambda: _report(config, answer["id"])))


def _report(config: Config, broadcast_id: int) -> tuple[int, int, str, dict[str, int]]:
    store = TinyStore(config.data_dir, readonly=True)
    record = store.table("broadcasts").get(broadcast_id) or {}
    counts: dict[str, int] = {}
    for note in store.outbox.records.values():
        if note.get("ref") == broadcast_id:
            counts[note["status"]] = counts.get(note["status"], 0) + 1
    done = sum(v for k, v in counts.items() if k != "pending")
    return done, record.get("total", 0), record.get("status", "?"), counts


async def _follow(report: Callable[[], tuple[int, int, str, dict[str, int]]], interval: float = 1.0) -> int:
    """Draw a progress bar until the broadcast is finished; print the report."""
    started = time.monotonic()
    while True:
        done, total, status, counts = report()
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
        if status != "sending" or not counts.get("pending"):
            status = "done" if status == "sending" else status
            break
        await asyncio.sleep(interval)
    sys.stderr.write("\n")
    print(f"{status}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f" in {time.monotonic() - started:.0f} s")
    return 0 if not counts.get("failed") else 1


async def _by_itself(config: Config, request: dict[str, Any]) -> int:
    from bot.runner import platform_adapters

    bot, store = build_bot(config)
    try:
        adapters = platform_adapters(bot, config, os.environ)
        if not adapters:
            print("eventbot: no platform configured (set TELEGRAM_BOT_TOKEN and/or SLACK_BOT_TOKEN)", file=sys.stderr)
            return 2
        for adapter in adapters:
            bot.attach(adapter)
            try:
                await adapter.start()
            except RuntimeError as exc:  # e.g. a rejected token; the message names no secret
                print(f"eventbot: could not start {adapter.platform}: {exc}", file=sys.stderr)
                return 2
        await bot.start()
        broadcast_id = await bot.broadcasts.create_request(request, "cli")
        return await _follow(lambda: _in_process(bot, broadcast_id))
    finally:
        await bot.stop()
        for adapter in reversed(list(bot.messengers.values())):
            stop = getattr(adapter, "stop", None)
            if stop:
                await stop()
        store.close()


def _in_process(bot: Any, broadcast_id: int) -> tuple[int, int, str, dict[str, int]]:
    report = bot.broadcasts.report(broadcast_id)
    return report.done, report.total, report.status, report.counts
