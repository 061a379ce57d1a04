"""The console adapter: chat with the core in a terminal, or script it through a pipe."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TextIO

from bot.core import Bot
from bot.messages import Choice, Incoming, NotConnected, Reply

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
QUIT = {"/quit", "/exit"}


def render(reply: Reply, color: bool = False) -> str:
    """A reply as terminal text: bold in ANSI (or plain), choices as numbered lines."""
    text = _BOLD.sub(r"\033[1m\1\033[0m" if color else r"\1", reply.text)
    lines = [text] if text else []
    lines += [f"  {i}. {choice.label}" for i, choice in enumerate(reply.choices, 1)]
    return "\n".join(lines)


class ConsoleAdapter:
    """Reads one message per line and prints the replies; numbers pick the last choices."""

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
        if reply.choices:
            self._choices = reply.choices
        self.outfile.write("\n".join(p for p in parts if p) + "\n")
        self.outfile.flush()

    async def notify(self, user_id: str, reply: Reply) -> None:
        """A message the core starts itself: shown if it is for the person at this console."""
        if user_id != self.user_id:
            raise NotConnected("someone else's console")
        await self.send(user_id, reply)

    def to_incoming(self, line: str) -> Incoming:
        """A typed line as the core's message; a number picks one of the last choices."""
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self._choices):
            return Incoming(self.platform, self.user_id, self.user_id, payload=self._choices[int(text) - 1].payload,
                            language_hint=self.language_hint)
        return Incoming(self.platform, self.user_id, self.user_id, text=text, language_hint=self.language_hint)

    async def run(self) -> None:
        """Chat until end of input or /quit; messages queued for this person are shown first."""
        loop = asyncio.get_running_loop()
        self.bot.attach(self)
        await self.bot.start()
        try:
            await self._chat(loop)
        finally:
            await self.bot.stop()

    async def _chat(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.interactive:
            for reply in await self.bot.handle(self.to_incoming("/start")):
                await self.send(self.user_id, reply)
        while True:
            if self.interactive:
                self.outfile.write("\n> ")
                self.outfile.flush()
            line = await loop.run_in_executor(None, self.infile.readline)
            if not line or line.strip().lower() in QUIT:
                break
            if not line.strip():
                continue
            for reply in await self.bot.handle(self.to_incoming(line)):
                await self.send(self.user_id, reply)
