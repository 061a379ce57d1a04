"""`eventbot data check`: every problem in the data folder, without starting the bot (works while it runs)."""

from __future__ import annotations

import argparse
import sys

from bot.config import Config
from bot.storage import check_data
from bot.terminal import printable


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `data` command and its subcommands."""
    data = sub.add_parser("data", help="check the data folder").add_subparsers(dest="data_command", required=True)
    data.add_parser("check", help="report damaged or missing data files (exit 1 if any), without starting the bot")


def run(config: Config, args: argparse.Namespace) -> int:
    """Run `eventbot data check`: one line per problem; exit 0 clean, 1 damaged (StorageError: unusable, exit 2)."""
    problems = check_data(config.data_dir)
    for problem in problems:
        print(printable(problem, one_line=True))
    if problems:
        print(f"{config.data_dir}: {len(problems)} problem(s); restore the files named from a backup, or start the "
              "bot with --accept-data-loss to go on without what is damaged", file=sys.stderr)
        return 1
    print(f"{config.data_dir}: every file checked, no problem found", file=sys.stderr)
    return 0
