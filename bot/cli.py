"""The `eventbot` command line: chat on the console, and check, ask and evaluate the FAQ."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Sequence

from bot import cli_broadcast, cli_data, cli_insights, cli_signups
from bot.app import build_bot, build_knowledge, content_paths
from bot.datafiles import StorageError
from bot.config import Config, ConfigError, find_config, load_config
from bot.runner import StartFailed, platform_adapters, run_until_stopped
from bot.terminal import printable
from faq.content import ContentError, load_content
from faq.evaluate import Query, evaluate
from faq.language import detect, supported
from faq.normalize import LANGUAGES
from faq.semantic import SemanticUnavailable

log = logging.getLogger("eventbot")
PID_FILE = cli_broadcast.PID_FILE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eventbot", description="An event chatbot for Telegram, Slack and the console.")
    parser.add_argument("--config", type=Path, help="config file (default: $EVENTBOT_CONFIG or ./eventbot.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="chat with the bot in this terminal (reads lines from a pipe too)")
    chat.add_argument("--lang", choices=LANGUAGES, help="your language, as a platform would hint it")

    run_cmd = sub.add_parser("run", help="run the bot on every platform whose token is set (Telegram, Slack)")
    run_cmd.add_argument("--accept-data-loss", action="store_true",
                         help="start even if data files are damaged; the log lists what is lost")
    sub.add_parser("reload", help="make the running bot re-read its events and FAQ (like SIGHUP)")

    cli_signups.add_parser(sub)
    cli_data.add_parser(sub)
    cli_broadcast.add_parser(sub)

    faq = sub.add_parser("faq", help="check, ask and evaluate the FAQ").add_subparsers(dest="faq_command", required=True)
    check = faq.add_parser("check", help="validate content files and print every problem as file:line: message")
    check.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="content folders or YAML files")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")

    ask = faq.add_parser("ask", help="show how the bot would answer a question")
    ask.add_argument("question")
    ask.add_argument("--lang", choices=LANGUAGES, help="the asker's language (default: detected)")
    ask.add_argument("--event", help="the event the asker is talking about")
    ask.add_argument("--faq", type=Path, action="append", metavar="PATH", help="content folder or file (repeatable)")
    ask.add_argument("--json", action="store_true", help="print JSON (a stable contract for scripts)")

    ev = faq.add_parser("eval", help="measure matching on labelled questions (JSON lines)")
    ev.add_argument("--faq", type=Path, action="append", metavar="PATH", help="content folder or file (repeatable)")
    ev.add_argument("--queries", type=Path, required=True, help='JSON lines: {"text": ..., "expected": id or null}')
    ev.add_argument("--json", action="store_true")
    cli_insights.add_parsers(faq)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        config = load_config(find_config(args.config))
    except ConfigError as exc:
        print(f"eventbot: invalid config, not starting:\n{exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=config.logging.level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        config_path = find_config(args.config)
        if args.command == "chat":
            return asyncio.run(_chat(config, args.lang, config_path))
        if args.command == "run":
            return asyncio.run(_run(config, args.accept_data_loss, config_path))
        if args.command == "reload":
            return _reload(config)
        if args.command == "broadcast":
            return cli_broadcast.run(config, args)
        if args.command == "signups":
            return cli_signups.run(config, args)
        if args.command == "data":
            return cli_data.run(config, args)
        handled = cli_insights.run(config, args) if args.command == "faq" else None
        if handled is not None:
            return handled
        if args.faq_command == "check":
            return _check(args.paths, args.strict, config)
        if args.faq_command == "ask":
            return _ask(config, args)
        return _eval(config, args)
    except ContentError as exc:
        print(f"eventbot: the content has errors (run 'eventbot faq check'):\n{exc}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"eventbot: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"eventbot: invalid config, not starting:\n{exc}", file=sys.stderr)
        return 2
    except SemanticUnavailable as exc:
        print(f"eventbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def adapter_class(name: str) -> Any:
    """The adapter registered under name in the `eventbot.adapters` entry-point group."""
    found = entry_points(group="eventbot.adapters", name=name)
    if not found:
        raise SystemExit(f"eventbot: the {name} adapter is not installed (pip install -e .)")
    return next(iter(found)).load()


def _reload(config: Config) -> int:
    # check first, so a broken file is reported here and not only in the bot's log
    content, problems = load_content(content_paths(config), config.content.max_file_bytes, check_duplicates=False)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print("eventbot: the content has errors; the running bot keeps the old content:", file=sys.stderr)
        for problem in errors:
            print(printable(str(problem)), file=sys.stderr)
        return 1
    pid = cli_broadcast.running_pid(config)
    try:
        if pid is None:
            raise OSError
        os.kill(pid, signal.SIGHUP)
    except OSError:
        print(f"eventbot: no running bot found for the data folder {config.data_dir}", file=sys.stderr)
        return 2
    print(f"reload requested: {len(content.events)} events, {len(content.entries)} FAQ entries "
          "(the bot's log shows what changed)")
    return 0


async def _run(config: Config, accept_data_loss: bool = False, config_path: Path | None = None) -> int:
    bot, store = build_bot(config, accept_data_loss=accept_data_loss, config_path=config_path)
    try:
        try:
            adapters = platform_adapters(bot, config, os.environ)
        except ConfigError as exc:
            print(f"eventbot: invalid config, not starting:\n{exc}", file=sys.stderr)
            return 2
        if not adapters:
            print("eventbot: no platform configured: set TELEGRAM_BOT_TOKEN and/or SLACK_BOT_TOKEN "
                  "(see README), or use 'eventbot chat' for the console", file=sys.stderr)
            return 2
        try:
            await run_until_stopped(bot, adapters, pid_file=config.data_dir / PID_FILE)
        except StartFailed as exc:  # e.g. a rejected token: names the platform and the reason, no secret
            print(f"eventbot: could not start {exc}", file=sys.stderr)
            return 2
    finally:
        store.close()
    return 0


async def _chat(config: Config, lang: str | None, config_path: Path | None = None) -> int:
    console = adapter_class("console")
    bot, store = build_bot(config, config_path=config_path)
    adapter = console(bot, sys.stdin, sys.stdout, interactive=sys.stdin.isatty(),
                      files_dir=config.data_dir / "files", language_hint=lang)
    try:
        await adapter.run()
    finally:
        store.close()
    return 0


def _check(paths: list[Path], strict: bool, config: Config) -> int:
    content, problems = load_content(paths, config.content.max_file_bytes)
    for problem in sorted(problems):
        print(printable(str(problem)))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{len(content.events)} events, {len(content.entries)} FAQ entries in {len(content.files)} files: "
          f"{errors} errors, {warnings} warnings", file=sys.stderr)
    return 1 if errors or (strict and warnings) else 0


def _ask(config: Config, args: argparse.Namespace) -> int:
    knowledge = build_knowledge(config, args.faq)
    lang = args.lang or detect(args.question) or config.default_language
    if args.event and args.event not in knowledge.content.events:
        print(f"eventbot: unknown event {args.event!r}", file=sys.stderr)
        return 2
    answer = knowledge.ask(args.question, lang, args.event)
    entries = knowledge.content.entries
    matches = [{"id": m.entry_id, "score": m.score, "question": knowledge.question(entries[m.entry_id], lang)}
               for m in answer.matches]
    if args.json:
        print(json.dumps({"band": answer.band, "language": lang, "answer": answer.text, "matches": matches},
                         ensure_ascii=False))
        return 0
    print(f"band: {answer.band} (confidence {answer.confidence:.1f})   language: {lang}")
    for i, m in enumerate(matches, 1):
        print(printable(f"{i}. {m['id']}  {m['score']:.1f}  {m['question']}", one_line=True))
    if answer.text:
        note = f" (in {answer.answer_language})" if answer.language_fallback else ""
        print(printable(f"answer{note}:\n{answer.text}"))
    return 0


def _eval(config: Config, args: argparse.Namespace) -> int:
    knowledge = build_knowledge(config, args.faq)
    queries = []
    try:
        lines = args.queries.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"eventbot: cannot read {args.queries}: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}", file=sys.stderr)
        return 2
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row["text"], str) or not isinstance(row["expected"], (str, type(None))):
                raise TypeError
            lang = supported(row.get("lang")) or detect(row["text"]) or config.default_language
            queries.append(Query(row["text"], row["expected"], lang))
        except (ValueError, KeyError, TypeError, AttributeError):
            print(f"{args.queries}:{number}: not a JSON object with text 'text' and 'expected' (an entry id or null)",
                  file=sys.stderr)
            return 2
    unknown = sorted({q.expected for q in queries if q.expected and q.expected not in knowledge.content.entries})
    if unknown:
        print(f"eventbot: the queries expect unknown entries: {', '.join(unknown)}", file=sys.stderr)
        return 2

    def rank(query: Query) -> tuple[str, list[str], float]:
        answer = knowledge.ask(query.text, query.lang or config.default_language)
        return answer.band, [m.entry_id for m in answer.matches], answer.confidence

    report = evaluate(queries, rank)
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    for key, value in report.as_dict().items():
        print(f"{key:24s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
