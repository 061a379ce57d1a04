"""The one language policy: which language the bot writes to a person in.

Every part of the core asks here; nothing else chooses a language.
"""

from __future__ import annotations

from typing import Protocol

from faq.language import supported


class Speaker(Protocol):
    """What the policy reads of a person (bot.storage.Profile has these fields)."""

    language: str | None  # chosen explicitly with /language
    detected_language: str | None  # the last language detected from their messages
    last_language: str | None  # the language of the last reply to a message they wrote


def for_reply(person: Speaker, written: str | None, locale: str | None, default: str) -> str:
    """The language to answer a message in.

    An explicit /language choice wins; then the language the message is written in
    (`written`: detected with confidence; for a pressed button, a command or an
    answer in a form, which say nothing about language, the language the person
    last wrote in, so a conversation does not switch language at a button); then
    the platform's locale for the person; then the last language detected from this
    person; then the default.
    """
    return person.language or written or supported(locale) or person.detected_language or default


def for_screen(person: Speaker, locale: str | None, default: str) -> str:
    """The language of a screen the person opens without writing (Slack's App Home)."""
    return for_reply(person, person.last_language or person.detected_language, locale, default)


def for_notification(person: Speaker, default: str, signed_up_in: str | None = None) -> str:
    """The language of a message the bot starts itself (promotion, offer, reminder, broadcast, answer).

    An explicit /language choice wins; then the language the person signed up in
    (for messages about that signup); then the language they last wrote in; never
    the platform's locale, which often differs from the language people write.
    """
    return person.language or signed_up_in or person.detected_language or person.last_language or default
