"""Secrets out of the logs: one filter every adapter installs on the loggers its libraries write to.

Platform libraries log request URLs and exception texts that can contain a bot token
(python-telegram-bot puts it in every URL); a logger's filter only sees the records
made by that logger, so the filter goes on every existing logger of the given
namespaces (and the root logger).
"""

from __future__ import annotations

import logging
from typing import Iterable
from urllib.parse import quote


class SecretRedactor(logging.Filter):
    """Replaces secrets (tokens, signing and webhook secrets, also URL-quoted) in log records:
    message, arguments, traceback and stack. Never drops a record."""

    PLACEHOLDER = "<redacted>"

    def __init__(self, secrets: Iterable[str | None], namespaces: Iterable[str]) -> None:
        super().__init__()
        found = {s for s in secrets if s}
        self._secrets = sorted(found | {quote(s, safe="") for s in found}, key=len, reverse=True)
        self.namespaces = tuple(namespaces)
        self._loggers: list[logging.Logger] = []

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, self.PLACEHOLDER)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record without the secrets."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def install(self) -> None:
        """Attach to the root logger and every existing logger of the namespaces."""
        names = [n for n in logging.root.manager.loggerDict
                 if any(n == ns or n.startswith(ns + ".") for ns in self.namespaces)]
        for logger in [logging.getLogger()] + [logging.getLogger(n) for n in set(names) | set(self.namespaces)]:
            if self not in logger.filters:
                logger.addFilter(self)
                self._loggers.append(logger)

    def uninstall(self) -> None:
        """Detach from every logger install() attached to."""
        for logger in self._loggers:
            logger.removeFilter(self)
        self._loggers.clear()
