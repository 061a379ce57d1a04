"""Slack rendering: the core's tiny markup as mrkdwn, replies as Block Kit messages and an App Home view.

Pure functions, no network: the Slack adapter calls them, the tests check them directly.
"""

from __future__ import annotations

import re
from typing import Any

from bot.messages import Choice, Reply, segments

SECTION_LIMIT = 3000  # characters of text in one section block
MESSAGE_BLOCKS = 50  # blocks in one message
HOME_BLOCKS = 100  # blocks in the App Home view
BUTTONS_PER_BLOCK = 25  # elements in one actions block
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ACTION_PREFIX = "choice-"

_URL = re.compile(r"https?://[^\s<>|*]+")
_TRAILING = ".,;:!?)]}'\""
_ENTITY = re.compile(r"<([^<>]*)>")
# A formatting character of mrkdwn (*bold*, _italic_, ~strike~, `code`) that could open or close
# formatting: not between two letters or digits (snake_case and 2*3 stay as they are).
_FORMATTING = re.compile(r"`|(?<![^\W_])[*_~]|[*_~](?![^\W_])")
ZWSP = "\u200b"

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup: &, < and >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def literal(text: str) -> str:
    """Text shown as it is: &, < and > escaped, and every formatting character that could pair up
    wrapped in zero-width spaces. Slack's mrkdwn has no escape character; a zero-width space on both
    sides keeps `*` from opening or closing bold whether Slack counts it as a space or a letter,
    and the character itself stays (for copy and paste)."""
    return _FORMATTING.sub(lambda m: ZWSP + m.group() + ZWSP, escape(text))


def _link(url: str) -> str:
    trail = ""
    while url and url[-1] in _TRAILING:
        url, trail = url[:-1], url[-1] + trail
    return f"<{escape(url)}>{literal(trail)}" if url else literal(trail)


def _links(text: str) -> str:
    out, pos = [], 0
    for match in _URL.finditer(text):
        out += [literal(text[pos:match.start()]), _link(match.group())]
        pos = match.end()
    return "".join(out) + literal(text[pos:])


def mrkdwn(text: str) -> str:
    """The core's markup as Slack mrkdwn: bold as *bold*, bare URLs as links, all else literal text.

    Starts from bot.messages.segments, so what a person typed (escaped by the core) is shown as typed.
    """
    out = []
    for piece, bold in segments(text):
        inner = piece.strip()
        if bold and inner:
            lead, trail = piece[:len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
            out.append(f"{literal(lead)}*{_links(inner)}*{literal(trail)}")
        elif bold:  # bold around nothing: the marks as written
            out.append(literal(f"**{piece}**"))
        else:
            out.append(_links(piece))
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


def media(files: Any) -> str | None:
    """What a person sent in files (Slack's file objects): "photo", "video", "voice" or "file"; None for none."""
    kinds = {str(f.get("mimetype") or "").split("/")[0] for f in files if isinstance(f, dict)}
    if not files:
        return None
    if len(kinds) == 1:
        return {"image": "photo", "video": "video", "audio": "voice"}.get(kinds.pop(), "file")
    return "file"


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
