"""Slack rendering: the core's tiny markup as mrkdwn, replies as Block Kit messages and an App Home view.

Pure functions, no network: the Slack adapter calls them, the tests check them directly.
"""

from __future__ import annotations

import re
from typing import Any

from bot.messages import Choice, Reply

SECTION_LIMIT = 3000  # characters of text in one section block
MESSAGE_BLOCKS = 50  # blocks in one message
HOME_BLOCKS = 100  # blocks in the App Home view
BUTTONS_PER_BLOCK = 25  # elements in one actions block
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ACTION_PREFIX = "choice-"

_MARKUP = re.compile(r"\*\*(?P<bold>.+?)\*\*|(?P<url>https?://[^\s<>|*]+)")
_URL = re.compile(r"https?://[^\s<>|*]+")
_TRAILING = ".,;:!?)]}'\""
_ENTITY = re.compile(r"<([^<>]*)>")

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup: &, < and >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str) -> str:
    trail = ""
    while url and url[-1] in _TRAILING:
        url, trail = url[:-1], url[-1] + trail
    return f"<{escape(url)}>{escape(trail)}" if url else escape(trail)


def _links(text: str) -> str:
    out, pos = [], 0
    for match in _URL.finditer(text):
        out += [escape(text[pos:match.start()]), _link(match.group())]
        pos = match.end()
    return "".join(out) + escape(text[pos:])


def mrkdwn(text: str) -> str:
    """The core's markup as Slack mrkdwn: **bold** as *bold*, bare URLs as links, all else escaped literal text."""
    out, pos = [], 0
    for match in _MARKUP.finditer(text):
        out.append(escape(text[pos:match.start()]))
        bold = match.group("bold")
        if bold is not None:
            inner = bold.strip()
            out.append(f"*{_links(inner)}*" if inner else escape(match.group()))
        else:
            out.append(_link(match.group("url")))
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut text (core markup) into pieces whose mrkdwn fits in limit: at paragraphs, then lines, then words."""
    return [piece for piece in _pack(text, limit, ("\n\n", "\n", " ")) if piece.strip()]


def _pack(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if len(mrkdwn(text)) <= limit:
        return [text]
    if not separators:
        return _hard_split(text, limit)
    sep, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current: str | None = None
    for part in text.split(sep):
        candidate = part if current is None else current + sep + part
        if len(mrkdwn(candidate)) <= limit:
            current = candidate
            continue
        if current is not None:
            pieces.append(current)
        smaller = _pack(part, limit, finer)
        pieces += smaller[:-1]
        current = smaller[-1]
    if current is not None:
        pieces.append(current)
    return pieces


def _hard_split(text: str, limit: int) -> list[str]:
    pieces, current = [], ""
    for char in text:
        if len(mrkdwn(current + char)) > limit:
            pieces.append(current)
            current = ""
        current += char
    return pieces + [current]


def section(text: str) -> Block:
    """A section block of mrkdwn (at most SECTION_LIMIT characters); verbatim, so Slack adds no links or mentions."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def button(choice: Choice, number: int) -> Block:
    """A button for a choice; its value is the choice's payload and its action id "choice-<number>"."""
    label = " ".join(choice.label.split()) or choice.payload or "?"
    if len(label) > BUTTON_TEXT_LIMIT:
        label = label[:BUTTON_TEXT_LIMIT - 1] + "…"
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": choice.payload[:BUTTON_VALUE_LIMIT],
        "action_id": f"{ACTION_PREFIX}{number}",
    }


def choice_blocks(choices: tuple[Choice, ...]) -> list[Block]:
    """Choices as actions blocks of at most BUTTONS_PER_BLOCK buttons, numbered across the blocks."""
    buttons = [button(choice, n) for n, choice in enumerate(choices, 1)]
    return [{"type": "actions", "elements": buttons[i:i + BUTTONS_PER_BLOCK]}
            for i in range(0, len(buttons), BUTTONS_PER_BLOCK)]


def messages(reply: Reply) -> list[dict[str, Any]]:
    """The reply as chat.postMessage arguments (text and blocks): one section per message, buttons on the last."""
    out = [{"text": text, "blocks": [section(text)]} for text in (mrkdwn(p) for p in split_text(reply.text))]
    if not reply.choices:
        return out
    if not out:
        out.append({"text": escape(", ".join(c.label for c in reply.choices)), "blocks": []})
    for block in choice_blocks(reply.choices):
        if len(out[-1]["blocks"]) >= MESSAGE_BLOCKS:
            out.append({"text": out[-1]["text"], "blocks": []})
        out[-1]["blocks"].append(block)
    return out


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab for views.publish: the reply's text as sections and its choices as buttons."""
    blocks = [section(mrkdwn(p)) for p in split_text(reply.text)] + choice_blocks(reply.choices)
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack message text as the person typed it: the bot's mention removed, links and mentions as text, unescaped."""

    def entity(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@") and bot_user_id and target[1:] == bot_user_id:
            return " "
        if target.startswith("!"):
            return label
        return label or target

    text = _ENTITY.sub(entity, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", text).strip()
