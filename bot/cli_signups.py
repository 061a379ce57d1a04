"""`eventbot signups export|stats`: the signup lists for organisers, read while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from pathlib import Path

from bot import export
from bot.app import build_knowledge
from bot.config import Config
from bot.event_times import has_ended
from bot.storage import StorageError, TinyStore
from bot.terminal import printable
from faq.content import Event


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `signups` command and its subcommands."""
    signups = sub.add_parser("signups", help="export signup lists and show counts").add_subparsers(
        dest="signups_command", required=True)
    ex = signups.add_parser("export", help="one row per signup: CSV or XLSX (spreadsheets) or JSON")
    ex.add_argument("event", help="event id")
    ex.add_argument("--format", choices=export.FORMATS, default="csv",
                    help="xlsx: text cells, field and option labels, local times (needs -o on a terminal)")
    ex.add_argument("--language", metavar="LANG", help="xlsx: language of the labels (default: the event's)")
    ex.add_argument("--status", choices=("confirmed", "waitlist", "all"), default="all")
    ex.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    st = signups.add_parser("stats", help="confirmed / capacity, waiting list, cancellations, signups per day")
    st.add_argument("event", nargs="?", help="event id (default: every event with signups)")
    st.add_argument("--json", action="store_true")
    pu = signups.add_parser("purge", help="delete an ended event's signups, answers and open dialogs (irreversible)")
    pu.add_argument("event", help="event id")
    pu.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def run(config: Config, args: argparse.Namespace) -> int:
    """Run `eventbot signups ...`; opens the data folder read-only, so the bot may keep running."""
    knowledge = build_knowledge(config)
    events = knowledge.content.events
    wanted = [args.event] if args.event else [e.id for e in events.values() if e.signup]
    unknown = [e for e in wanted if e not in events]
    if unknown:
        print(f"eventbot: unknown event {unknown[0]!r} (known: {', '.join(events)})", file=sys.stderr)
        return 2
    if args.signups_command == "purge":
        return purge(config, events[args.event], args.yes)
    store = TinyStore(config.data_dir, readonly=True)
    if args.signups_command == "export":
        event = events[args.event]
        if args.format == "xlsx" and not args.output and sys.stdout.isatty():
            print("eventbot: an XLSX file is not for the terminal: write it with -o FILE", file=sys.stderr)
            return 2
        made = export.export_file(event, store.book(event.id), args.format, args.status, args.language)
        if args.output:
            try:
                args.output.write_bytes(made.data)
            except OSError as exc:
                print(f"eventbot: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
                return 2
            print(f"{made.count} signups written to {args.output}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(export.for_terminal(made.data) if sys.stdout.isatty() else made.data)
            sys.stdout.flush()
        return 0
    figures = [export.stats(events[e], store.book(e)) for e in wanted]
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    for f in figures:
        capacity = f["capacity"] if f["capacity"] is not None else "no limit"
        print(printable(f"{f['event']}: {f['confirmed']} confirmed / {capacity}, {f['offered']} offered, "
                        f"{f['waitlisted']} on the waiting list, {f['cancelled']} cancelled", one_line=True))
        for day, count in f["per_day"].items():
            print(printable(f"  {day}: {count} signups", one_line=True))
    return 0


def purge(config: Config, event: Event, yes: bool, now: dt.datetime | None = None) -> int:
    """`eventbot signups purge EVENT`: after the event, delete its signups for good (the bot must be stopped)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if not has_ended(event, now):
        print(f"eventbot: {event.id} has not ended yet; its signups are kept", file=sys.stderr)
        return 2
    try:
        store = TinyStore(config.data_dir)
    except StorageError as exc:
        print(f"eventbot: {exc}", file=sys.stderr)  # a running bot is named there: stop it first
        return 2
    try:
        count = len(store.book(event.id).all())
        if not yes:
            if not sys.stdin.isatty():
                print(f"eventbot: this deletes {count} signups of {event.id} for good; "
                      "run again with --yes to confirm", file=sys.stderr)
                return 2
            answer = input(f"Delete the {count} signups of {event.id} with their answers, for good? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("nothing deleted", file=sys.stderr)
                return 1
        async def purge_now() -> dict[str, int]:
            try:
                return await store.transact(lambda: store.purge_event(event.id))
            finally:
                await store.drain()  # the shard files themselves no longer hold the answers

        deleted = asyncio.run(purge_now())
    finally:
        store.close()
    print(f"{event.id}: deleted {deleted['signups']} signups of {deleted['people']} people "
          f"and {deleted['dialogs']} open dialogs")
    return 0
