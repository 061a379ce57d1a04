"""Dialogs in progress, kept per (person, chat): a prompt opened in a group never
captures the person's next private message, and a flow started in the middle of
another (`/ask` halfway through a signup form) waits on top of it instead of
discarding it.

A person's profile keeps, per chat, a stack of dialogs (plain dicts with a "kind");
the last one is the one their next message answers. During a turn the core shows
the features only that one, as `Profile.dialog`; `fold` writes the feature's change
back onto the stack.
"""

from __future__ import annotations

from typing import Any

from bot.storage import Profile

Dialog = dict[str, Any]
MAX_DEPTH = 4  # dialogs waiting in one chat at most; the oldest goes first


def _same_flow(a: Dialog, b: Dialog) -> bool:
    return a.get("kind") == b.get("kind") and a.get("event") == b.get("event")


def without(profile: Profile, kind: str, event: str) -> Profile:
    """The profile with every dialog of this kind for this event closed, in every chat (a form
    finished elsewhere, e.g. in a Slack modal, leaves no chat form open behind it)."""
    dialogs = {chat: [d for d in stack if not (d.get("kind") == kind and d.get("event") == event)]
               for chat, stack in (profile.dialogs or {}).items()}
    return profile.with_(dialogs={c: s for c, s in dialogs.items() if s} or None)


def open_in(profile: Profile, chat: str) -> Profile:
    """The profile as a turn in `chat` sees it: `dialog` is the one the message answers."""
    dialogs = profile.dialogs
    if dialogs is None:  # saved before dialogs were kept per chat: it belongs to the chat written in next
        dialogs = {chat: [profile.dialog]} if profile.dialog else {}
    here = dialogs.get(chat) or []
    return profile.with_(dialogs=dialogs, dialog=here[-1] if here else None)


def waiting(profile: Profile, chat: str) -> Dialog | None:
    """The dialog that waits under the one being answered in this chat, if any."""
    here = (profile.dialogs or {}).get(chat) or []
    return here[-2] if len(here) > 1 else None


def fold(profile: Profile, chat: str, before: Dialog | None) -> Profile:
    """The profile to store after a turn in `chat` that began with dialog `before` and ends with `profile.dialog`.

    A finished dialog leaves the stack (what waited under it comes back); a new kind
    of dialog goes on top (the one under it waits); the same kind replaces it.
    """
    dialogs = {k: list(v) for k, v in (profile.dialogs or {}).items() if v}
    here = dialogs.pop(chat, [])
    after = profile.dialog
    if before is not None and here:
        here.pop()
        if after is not None and after.get("kind") != before.get("kind"):
            here.append(before)
    if after is not None:
        # the same flow started again (the same form, another question) replaces its waiting copy
        here = [d for d in here if not _same_flow(d, after)] + [after]
        here = here[-MAX_DEPTH:]
    if here:
        dialogs[chat] = here
    return profile.with_(dialog=None, dialogs=dialogs or None)
