"""`eventbot broadcast EVENT --text-file F --audience ...`: a broadcast from the command line, with progress.

When the bot is running, the request is handed to it (a file in the data folder
and a signal) and this command follows the progress from the data folder, read-only.
When it is not, the command starts the configured platforms itself, sends, and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from bot.app import build_bot, build_knowledge
from bot.broadcasts import AUDIENCES, recipients
from bot.config import Config, ConfigError
from bot.datafiles import write_atomic
from bot.messages import Unavailable
from bot.runner import platform_adapters
from bot.signups import Signup
from bot.storage import TinyStore
from bot.terminal import printable
from faq.content import Event
from filelock import FileLock, Timeout
from faq.normalize import LANGUAGES

log = logging.getLogger(__name__)

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


PLATFORM_NAMES = {"telegram": "Telegram", "slack": "Slack"}
NO_TERMINAL = ("eventbot: standard input is not a terminal, so I cannot ask before sending: "
               "check the preview, then run again with --yes")


def _name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def per_platform(targets: list[tuple[Signup, str]]) -> Counter[str]:
    """How many recipients each platform has."""
    return Counter(signup.user_key.split(":", 1)[0] for signup, _ in targets)


def _preview(event_id: str, args: argparse.Namespace, texts: dict[str, str], counts: Counter[str],
             offline: set[str] = frozenset()) -> None:
    total = sum(counts.values())
    where = ", ".join(f"{_name(p)} {n}" + (" (not connected here: queued until the bot runs there)" if p in offline else "")
                      for p, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    print(f"{event_id}: {total} recipients ({args.audience}{', ' + args.language if args.language else ''})"
          + (f": {where}" if where else ""))
    for lang, text in texts.items():  # the organiser's file may hold pasted escape sequences
        print(f"--- {lang} ---\n{printable(text)}")


def _confirmed(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    try:
        return input("send? [y/N] ").strip().lower() in ("y", "yes")
    except (EOFError, KeyboardInterrupt):
        print()
        return False


def run(config: Config, args: argparse.Namespace) -> int:
    """Preview, confirm, then send (through the running bot, or by itself)."""
    if not args.yes and not sys.stdin.isatty():
        print(NO_TERMINAL, file=sys.stderr)
        return 2
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
    if pid is None:
        return _by_itself(config, request, args, event)
    store = TinyStore(config.data_dir, readonly=True)
    counts = per_platform(recipients(store, config.default_language, event, args.audience, args.language))
    _preview(event.id, args, texts, counts)
    if not counts:
        print("nobody to send to", file=sys.stderr)
        return 1
    if not _confirmed(args):
        print("not sent", file=sys.stderr)
        return 1
    return _through_running_bot(config, request, pid)


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
        print(f"eventbot: the running bot refused the broadcast: {printable(answer.get('error', '?'), one_line=True)}",
              file=sys.stderr)
        return 2
    broadcast_id = answer["id"]

    def report() -> Progress:
        store = TinyStore(config.data_dir, readonly=True)
        return progress(store.table("broadcasts").get(broadcast_id) or {}, store.outbox.records.values(),
                        dt.datetime.now(dt.timezone.utc))

    with asyncio.Runner() as runner:
        return runner.run(_follow(report, f"\nThe running bot keeps sending broadcast #{broadcast_id}: "
                                          "its log and /broadcasts show how far it got."))


async def _follow(report: Callable[[], Progress], on_interrupt: str, interval: float = 1.0) -> int:
    """Draw a progress bar (and why it stalls) until the broadcast is finished; print the report.

    Ctrl-C stops following and prints `on_interrupt` (exit 130).
    """
    started = time.monotonic()
    shown = 0
    try:
        while True:
            now = report()
            width = 30
            filled = int(width * now.done / now.total) if now.total else width
            line = f"[{'#' * filled}{'.' * (width - filled)}] {now.done}/{now.total}"
            if now.stalled:
                line += "  " + "; ".join(now.stalled)
            sys.stderr.write("\r" + line.ljust(shown))
            sys.stderr.flush()
            shown = len(line)
            if now.finished:
                break
            await asyncio.sleep(interval)
    except asyncio.CancelledError:  # Ctrl-C
        print(on_interrupt, file=sys.stderr)
        return 130
    sys.stderr.write("\n")
    status = "done" if now.status == "sending" else now.status
    parked = f"; {now.parked} queued for platforms not connected here" if now.parked else ""
    print(f"{status}: " + ", ".join(f"{k} {v}" for k, v in sorted(now.counts.items()))
          + f"{parked} in {time.monotonic() - started:.0f} s")
    return 0 if not now.counts.get("failed") else 1


def _by_itself(config: Config, request: dict[str, Any], args: argparse.Namespace, event: Event) -> int:
    """Start the platforms the recipients are on (each must answer), preview, confirm, send and follow."""
    with asyncio.Runner() as runner:
        bot, store = build_bot(config)
        started: list[Any] = []
        try:
            counts = per_platform(recipients(bot.store, config.default_language, event, args.audience, args.language))
            if not counts:
                _preview(event.id, args, request["texts"], counts)
                print("nobody to send to", file=sys.stderr)
                return 1
            adapters = [a for a in platform_adapters(bot, config, os.environ) if a.platform in counts]
            if not adapters:
                _preview(event.id, args, request["texts"], counts)
                print("eventbot: none of these platforms is configured (set TELEGRAM_BOT_TOKEN and/or "
                      "SLACK_BOT_TOKEN); nothing was sent", file=sys.stderr)
                return 2
            for adapter in adapters:
                bot.attach(adapter)
                problem = runner.run(_start(adapter))
                if problem:
                    print(problem, file=sys.stderr)
                    return 2
                started.append(adapter)
            _preview(event.id, args, request["texts"], counts, offline=set(counts) - {a.platform for a in adapters})
            if not _confirmed(args):
                print("not sent", file=sys.stderr)
                return 1
            return runner.run(_send(bot, request))
        finally:
            runner.run(_close(bot, started))
            store.close()


async def _start(adapter: Any) -> str | None:
    """Connect once; a line saying why not (no secret), or None."""
    platform = _name(adapter.platform)
    try:
        await adapter.start()
    except Unavailable as exc:
        return (f"eventbot: {platform} cannot be reached just now ({printable(exc or 'no answer', one_line=True)}); nothing was sent: "
                "try again later")
    except (RuntimeError, ConfigError, ValueError) as exc:  # e.g. a rejected token; the message names no secret
        return f"eventbot: could not start {platform}: {printable(exc, one_line=True)}; nothing was sent"
    except Exception as exc:  # its text may hold a URL with a token: only its kind
        return f"eventbot: could not start {platform} ({type(exc).__name__}); nothing was sent"
    return None


async def _send(bot: Any, request: dict[str, Any]) -> int:
    await bot.start()
    broadcast_id = await bot.broadcasts.create_request(request, "cli")

    def report() -> Progress:
        return progress(bot.broadcasts.table.get(broadcast_id) or {}, bot.store.outbox.records.values(),
                        bot.clock(), connected=set(bot.messengers))

    return await _follow(report, f"\nStopped here. What is not sent yet stays queued: 'eventbot run' sends it "
                                 f"(or '/broadcast cancel {broadcast_id}' in the chat drops it).")


async def _close(bot: Any, adapters: list[Any]) -> None:
    await bot.stop()
    for adapter in reversed(adapters):
        try:
            await adapter.stop()
        except Exception as exc:  # stopping anyway; one line, no traceback
            log.warning("the %s adapter did not stop cleanly (%s)", adapter.platform, type(exc).__name__)


@dataclass(frozen=True)
class Progress:
    """Where a broadcast stands, as the command line shows it."""

    done: int
    total: int
    status: str
    counts: dict[str, int]
    stalled: tuple[str, ...] = ()  # why sending waits, per platform
    parked: int = 0  # waiting for a platform not connected here

    @property
    def finished(self) -> bool:
        """Nothing more will happen while we watch."""
        return self.status != "sending" or self.counts.get("pending", 0) <= self.parked


def progress(record: dict[str, Any], notes: Iterable[dict[str, Any]], now: dt.datetime,
             connected: set[str] | None = None) -> Progress:
    """A broadcast's progress from its record and its outbox records (`connected`: None means every platform)."""
    if not record:
        return Progress(0, 0, "missing", {})
    counts: Counter[str] = Counter()
    retry: dict[str, tuple[dt.datetime, str | None, int]] = {}
    parked = 0
    for note in notes:
        if note.get("ref") != record.get("id"):
            continue
        counts[note["status"]] += 1
        if note["status"] != "pending":
            continue
        platform = note["user_key"].split(":", 1)[0]
        if connected is not None and platform not in connected:
            parked += 1
        elif note.get("attempts") and note.get("next_attempt"):
            when = dt.datetime.fromisoformat(note["next_attempt"])
            first, reason, n = retry.get(platform, (when, None, 0))
            retry[platform] = (min(first, when), reason or note.get("last_error"), n + 1)
    stalled = []
    for platform, (when, reason, n) in sorted(retry.items()):
        seconds = max(0, round((when - now).total_seconds()))
        why = f" ({printable(reason, one_line=True)})" if reason else ""  # a platform's text, maybe echoing a person's
        stalled.append(f"{_name(platform)} answering errors{why}, retrying in {seconds} s")
    done = sum(v for k, v in counts.items() if k != "pending")
    return Progress(done, record.get("total", 0), record.get("status", "?"), dict(counts), tuple(stalled), parked)
