"""The conversation core: one incoming message in, replies out, the same on every platform."""

from __future__ import annotations

import datetime as dt
import logging

from bot.commands import Command, Registry, Turn, parse_command
from bot.messages import Choice, Incoming, Messenger, Reply
from bot.storage import Profile, ProfileStore
from bot.texts import LANGUAGE_NAMES, t
from faq.content import Event
from faq.knowledge import Answer, Knowledge
from faq.language import detect, supported

log = logging.getLogger(__name__)

ANSWER_PREFIX = "/answer "


class Bot:
    """Handles messages for every adapter. Holds no platform details."""

    def __init__(self, knowledge: Knowledge, profiles: ProfileStore, default_language: str = "en") -> None:
        self.knowledge = knowledge
        self.profiles = profiles
        self.default_language = default_language
        self.registry = Registry()
        self.messengers: dict[str, Messenger] = {}
        for command in (
            Command("start", self._start, "help_start"),
            Command("help", self._help, "help_help"),
            Command("events", self._events, "help_events"),
            Command("event", self._event, "help_event", args="ID"),
            Command("topics", self._topics, "help_topics", args="[EVENT]"),
            Command("language", self._language, "help_language", args="CODE"),
            Command("answer", self._answer, hidden=True),
            Command("stale", self._stale, hidden=True),
        ):
            self.registry.add(command)

    # --- the surface adapters and the runner use -------------------------------------

    def attach(self, messenger: Messenger) -> None:
        """Let the core send messages it starts itself (promotions, broadcasts) on this platform."""
        self.messengers[messenger.platform] = messenger

    async def start(self) -> None:
        """Start background work (delivery of queued notifications). Call after attaching adapters."""

    async def stop(self) -> None:
        """Stop background work, finishing what is in flight."""

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        """Remember that the platform refuses messages to this person (blocked, left, deleted)."""
        user_key = f"{platform}:{user_id}"
        profile = await self.profiles.get(user_key)
        if not profile.unreachable:
            log.info("a %s user is unreachable; no further messages will be sent until they write again", platform)
            await self.profiles.save(profile.with_(unreachable=True))

    async def home(self, platform: str, user_id: str, language_hint: str | None = None) -> Reply:
        """An overview for a platform's home screen (Slack's App Home): upcoming events and the person's signups."""
        profile = await self.profiles.get(f"{platform}:{user_id}")
        lang = profile.language or supported(language_hint) or profile.detected_language or self.default_language
        return Reply(self._event_list(lang), self._event_choices(lang))

    def commands(self) -> list[Command]:
        """The visible commands with their help texts, for help and platform menus."""
        return self.registry.visible()

    async def handle(self, message: Incoming) -> list[Reply]:
        """Answer one message. Never raises: a failure becomes a polite apology."""
        profile = await self.profiles.get(message.user_key)
        try:
            return await self._dispatch(message, profile)
        except Exception:
            log.exception("failed to handle a message on %s", message.platform)
            return [Reply(t("error", self._language_of(profile, message, None)))]

    # --- language and context -------------------------------------------------------

    def _language_of(self, profile: Profile, message: Incoming, detected: str | None) -> str:
        return (
            profile.language
            or supported(message.language_hint)
            or detected
            or profile.detected_language
            or self.default_language
        )

    async def _dispatch(self, message: Incoming, profile: Profile) -> list[Reply]:
        text = (message.payload or message.text or "").strip()
        command = parse_command(text)
        detected = None if command or message.payload else detect(text)
        turn = Turn(message.user_key, self._language_of(profile, message, detected), profile.last_event, message.direct)
        if command is None:
            replies = await self._question(turn, text, detected or turn.language)
        else:
            name, args = command
            handler = self.registry.get(name)
            replies = await handler.handler(turn, args) if handler else [Reply(t("unknown_command", turn.language, command=name))]
        changed = profile.with_(
            unreachable=False,
            detected_language=detected or profile.detected_language,
            last_event=turn.event,
            language=turn.chosen_language or profile.language,
        )
        if changed != profile:
            await self.profiles.save(changed)
        return replies

    # --- commands -------------------------------------------------------------------

    async def _start(self, turn: Turn, args: str) -> list[Reply]:
        return [Reply(t("welcome", turn.language) + "\n\n" + self._event_list(turn.language),
                      self._event_choices(turn.language))]

    async def _help(self, turn: Turn, args: str) -> list[Reply]:
        lines = [t("help_header", turn.language)]
        for command in self.commands():
            usage = f"/{command.name}" + (f" {command.args}" if command.args else "")
            lines.append(f"{usage}: {command.help(turn.language)}")
        return [Reply("\n".join(lines))]

    async def _events(self, turn: Turn, args: str) -> list[Reply]:
        return [Reply(self._event_list(turn.language), self._event_choices(turn.language))]

    async def _event(self, turn: Turn, args: str) -> list[Reply]:
        event = self._resolve_event(args, turn)
        if event is None:
            return self._unknown_event(turn, args)
        turn.event = event.id
        return [Reply(self._event_details(event, turn.language), (
            Choice(t("button_topics", turn.language), f"/topics {event.id}"),
            Choice(t("button_events", turn.language), "/events"),
        ))]

    async def _topics(self, turn: Turn, args: str) -> list[Reply]:
        event = self._resolve_event(args, turn) if args or turn.event else None
        if args and event is None:
            return self._unknown_event(turn, args)
        if event is None:
            return [Reply(t("choose_event", turn.language), tuple(
                Choice(self._name(e, turn.language), f"/topics {e.id}") for e in self.knowledge.content.events.values()
            ))]
        turn.event = event.id
        entries = self.knowledge.topics(event.id)
        if not entries:
            return [Reply(t("no_topics", turn.language))]
        return [Reply(t("topics_header", turn.language, event=self._name(event, turn.language)), tuple(
            Choice(self.knowledge.question(e, turn.language), ANSWER_PREFIX + e.id) for e in entries
        ))]

    async def _language(self, turn: Turn, args: str) -> list[Reply]:
        code = supported(args.strip())
        if code is None:
            names = ", ".join(f"{code} ({name})" for code, name in LANGUAGE_NAMES.items())
            return [Reply(t("language_choose", turn.language, languages=names), tuple(
                Choice(name, f"/language {code}") for code, name in LANGUAGE_NAMES.items()
            ))]
        turn.language = turn.chosen_language = code
        return [Reply(t("language_set", code))]

    async def _stale(self, turn: Turn, args: str) -> list[Reply]:
        """A button the adapter no longer recognises (e.g. from before a restart)."""
        return [Reply(t("stale_choice", turn.language))] + await self._start(turn, "")

    async def _answer(self, turn: Turn, args: str) -> list[Reply]:
        entry = self.knowledge.content.entries.get(args.strip())
        if entry is None:
            return await self._stale(turn, args)
        lang = self.knowledge.answer_language(entry, turn.language)
        if entry.event:
            turn.event = entry.event
        return [Reply(self._answer_text(entry.texts[lang].answer, lang, turn.language))]

    # --- questions ------------------------------------------------------------------

    async def _question(self, turn: Turn, text: str, text_language: str) -> list[Reply]:
        if not text:
            return []
        answer = await self.knowledge.ask_async(text, turn.language, turn.event, text_language)
        log.debug("question band=%s confidence=%.1f matches=%s", answer.band, answer.confidence,
                  [(m.entry_id, m.score) for m in answer.matches])
        if answer.event:
            turn.event = answer.event
        if answer.band == "answer" and answer.text:
            return [Reply(self._answer_text(answer.text, answer.answer_language or turn.language, turn.language))]
        if answer.band == "suggest":
            return [Reply(t("did_you_mean", turn.language), self._suggestions(answer, turn.language))]
        return [self._fallback(turn)]

    def _suggestions(self, answer: Answer, lang: str) -> tuple[Choice, ...]:
        entries = self.knowledge.content.entries
        return tuple(Choice(self.knowledge.question(entries[m.entry_id], lang), ANSWER_PREFIX + m.entry_id)
                     for m in answer.matches[:3])

    def _fallback(self, turn: Turn) -> Reply:
        if turn.event and turn.event in self.knowledge.content.events:
            choices = (Choice(t("button_topics", turn.language), f"/topics {turn.event}"),
                       Choice(t("button_events", turn.language), "/events"))
        else:
            choices = self._event_choices(turn.language)
        return Reply(t("fallback", turn.language), choices)

    @staticmethod
    def _answer_text(text: str, answer_lang: str, wanted: str) -> str:
        if answer_lang == wanted:
            return text
        return f"{text}\n\n{t('answer_in_other_language', wanted, language=LANGUAGE_NAMES[answer_lang])}"

    # --- events ---------------------------------------------------------------------

    def _resolve_event(self, args: str, turn: Turn) -> Event | None:
        events = self.knowledge.content.events
        key = args.strip()
        if not key:
            return events.get(turn.event or "")
        return events.get(key.lower()) or self.knowledge.find_event(key)

    def _unknown_event(self, turn: Turn, name: str) -> list[Reply]:
        return [Reply(t("unknown_event", turn.language, name=name), self._event_choices(turn.language))]

    def _name(self, event: Event, lang: str) -> str:
        return self.knowledge.localized(event.names, lang, event.id) or event.id

    def _event_choices(self, lang: str) -> tuple[Choice, ...]:
        return tuple(Choice(self._name(e, lang), f"/event {e.id}") for e in self._upcoming())

    def _event_list(self, lang: str) -> str:
        events = self._upcoming()
        if not events:
            return t("no_events", lang)
        lines = [t("events_header", lang)]
        for event in events:
            lines.append(f"• {self._name(event, lang)}: {self._when(event, lang)}")
        return "\n".join(lines)

    def _upcoming(self) -> list[Event]:
        """Events that have not ended (undated ones included), soonest first."""
        today = dt.date.today()

        def ended(e: Event) -> bool:
            end = e.end or e.start
            return end is not None and _as_date(end) < today

        def key(e: Event) -> tuple[int, dt.date]:
            return (0, _as_date(e.start)) if e.start else (1, dt.date.max)

        return sorted((e for e in self.knowledge.content.events.values() if not ended(e)), key=key)

    def _when(self, event: Event, lang: str) -> str:
        if event.start:
            span = event.start.isoformat() if not event.end or event.end == event.start else f"{event.start.isoformat()} – {event.end.isoformat()}"
            return span.replace("T", " ")
        return self.knowledge.localized(event.when, lang, event.id) or t("not_announced", lang)

    def _event_details(self, event: Event, lang: str) -> str:
        lines = [f"**{self._name(event, lang)}**"]
        description = self.knowledge.localized(event.description, lang, event.id)
        if description:
            lines.append(description)
        lines.append(f"**{t('label_when', lang)}:** {self._when(event, lang)} ({t('label_timezone', lang)} {event.timezone})")
        lines.append(f"**{t('label_where', lang)}:** {self.knowledge.localized(event.place, lang, event.id) or t('not_announced', lang)}")
        if event.contact:
            c = event.contact
            parts = [p for p in (c.name, c.organisation, c.email, c.phone) if p]
            lines.append(f"**{t('label_contact', lang)}:** {', '.join(parts)}")
        if event.links:
            lines.append(f"**{t('label_links', lang)}:** " + " ".join(event.links))
        lines.append("")
        lines.append(t("ask_about_event", lang))
        return "\n".join(lines)


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value

