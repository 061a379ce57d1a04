"""The console adapter: chat with the core in a terminal, or script it through a pipe."""

from __future__ import annotations

import asyncio
import codecs
import os
import threading
from pathlib import Path
from typing import Iterable, TextIO

from bot.core import Bot
from bot.messages import Choice, Incoming, NotConnected, Reply, segments
from bot.texts import t

QUIT = {"/quit", "/exit"}
BOLD, PLAIN = "\033[1m", "\033[0m"


def render(reply: Reply, color: bool = False) -> str:
    """A reply as terminal text: bold in ANSI (or plain), escapes resolved, choices as numbered lines."""
    text = "".join(f"{BOLD}{piece}{PLAIN}" if bold and color else piece for piece, bold in segments(reply.text))
    lines = [text] if text else []
    lines += [f"  {i}. {choice.label}" for i, choice in enumerate(reply.choices, 1)]
    return "\n".join(lines)


def _is_help(text: str) -> bool:
    words = text.split(maxsplit=1)
    return bool(words) and words[0].lower() == "/help"


class _LineReader:
    """The input's lines, read in a daemon thread so Ctrl-C never waits for a blocked read.

    A file with a descriptor is read with os.read (a daemon thread holding a Python
    file's lock would abort the interpreter at exit); others (io.StringIO) line by line.
    """

    def __init__(self, infile: TextIO, loop: asyncio.AbstractEventLoop) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.loop = loop
        self.infile = infile
        try:
            self.fd: int | None = infile.fileno()
        except (AttributeError, OSError, ValueError):
            self.fd = None
        threading.Thread(target=self._read, name="console-input", daemon=True).start()

    def _put(self, line: str | None) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, line)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            pass

    def _read(self) -> None:
        try:
            for line in self._lines():
                self._put(line)
        except (OSError, ValueError):
            pass
        self._put(None)

    def _lines(self) -> Iterable[str]:
        if self.fd is None:
            yield from iter(self.infile.readline, "")
            return
        decoder = codecs.getincrementaldecoder(getattr(self.infile, "encoding", None) or "utf-8")(errors="replace")
        pending = ""
        while chunk := os.read(self.fd, 65536):
            pending += decoder.decode(chunk)
            *lines, pending = pending.split("\n")
            yield from (line + "\n" for line in lines)
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending

    async def readline(self) -> str:
        """The next line ('' at the end of the input)."""
        return await self.queue.get() or ""


class ConsoleAdapter:
    """Reads one message per line and prints the replies; a number picks from the latest list of choices."""

    platform = "console"
    max_per_second = 1000.0  # no platform limits on a terminal
    per_chat_interval = 0.0

    def __init__(self, bot: Bot, infile: TextIO, outfile: TextIO, *, interactive: bool,
                 files_dir: Path, language_hint: str | None = None, user_id: str = "local") -> None:
        self.bot = bot
        self.infile, self.outfile = infile, outfile
        self.interactive = interactive
        self.files_dir = files_dir
        self.language_hint = language_hint
        self.user_id = user_id
        self._choices: tuple[Choice, ...] = ()

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Print a reply; attachments are written to files and their paths shown."""
        parts = [render(reply, color=self.interactive)]
        for attachment in reply.attachments:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(attachment.filename).name
            path.write_bytes(attachment.content)
            parts.append(f"[file] {path}")
        self.outfile.write("\n".join(p for p in parts if p) + "\n")
        self.outfile.flush()

    async def _show(self, replies: list[Reply]) -> None:
        """Print what the bot said; its last list of choices is the one numbers pick from (none: numbers are text)."""
        for reply in replies:
            await self.send(self.user_id, reply)
        self._choices = next((r.choices for r in reversed(replies) if r.choices), ())

    async def notify(self, user_id: str, reply: Reply) -> None:
        """A message the core starts itself: shown if it is for the person at this console."""
        if user_id != self.user_id:
            raise NotConnected("someone else's console")
        await self._show([reply])

    def to_incoming(self, line: str) -> Incoming:
        """A typed line as the core's message; a number picks one of the latest choices."""
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self._choices):
            return Incoming(self.platform, self.user_id, self.user_id, payload=self._choices[int(text) - 1].payload,
                            language_hint=self.language_hint)
        return Incoming(self.platform, self.user_id, self.user_id, text=text, language_hint=self.language_hint)

    async def run(self) -> None:
        """Chat until end of input, /quit or Ctrl-C; messages queued for this person are shown first."""
        loop = asyncio.get_running_loop()
        self.bot.attach(self)
        await self.bot.start()
        try:
            await self._chat(_LineReader(self.infile, loop))
        except asyncio.CancelledError:  # Ctrl-C (asyncio.run cancels us): leave the terminal on a fresh line
            if self.interactive:
                self.outfile.write("\n")
                self.outfile.flush()
            raise
        finally:
            await self.bot.stop()

    async def _answer(self, line: str) -> None:
        replies = await self.bot.handle(self.to_incoming(line))
        if _is_help(line) and replies:  # /quit is the console's own command: the core does not know it
            language = self.bot.profiles.profile(f"{self.platform}:{self.user_id}").last_language
            replies[0] = Reply(f"{replies[0].text}\n{t('running_help_quit', language or self.bot.default_language)}",
                               replies[0].choices, replies[0].attachments)
        await self._show(replies)

    async def _chat(self, reader: _LineReader) -> None:
        if self.interactive:
            await self._answer("/start")
        while True:
            if self.interactive:
                self.outfile.write("\n> ")
                self.outfile.flush()
            line = await reader.readline()
            if not line or line.strip().lower() in QUIT:
                break
            if line.strip():
                await self._answer(line)
