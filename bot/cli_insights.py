"""`eventbot faq unanswered` and `eventbot faq suggest`. (Stub: filled in by issue 6's work.)"""

from __future__ import annotations

import argparse

from bot.config import Config


def add_parsers(faq: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the subcommands under `eventbot faq`."""


def run(config: Config, args: argparse.Namespace) -> int | None:
    """Run one of these subcommands; None if args.faq_command is not one of them."""
    return None
