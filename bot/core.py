"""The conversation core: one incoming message in, replies out, the same on every platform."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from typing import Any, Callable

from bot import dialogs, language, localize
from bot.broadcasts import Broadcasts
from bot.calendar import event_ics
from bot.commands import Command, Registry, Turn, commands_written, parse_command
from bot.datafiles import StorageError
from bot.event_times import as_date, ended_days_ago, has_ended
from bot.handoff import Handoff
from bot.insights import Insights
from bot.messages import Choice, FormView, Incoming, Messenger, Reply, cleaned, literal
from bot.outbox import Deliverer
from bot.roles import Roles
from bot.signup_dialog import SignupDialog
from bot.signup_manage import SignupManager
from bot.signups import now_iso
from bot.storage import Profile, TinyStore
from bot.texts import LANGUAGE_NAMES, language_name, t
from faq.content import ContentChanges, ContentError, Event
from faq.knowledge import Answer, Knowledge
from faq.language import detect, supported

log = logging.getLogger(__name__)

ANSWER_PREFIX = "/answer "
MATCH_CHARS = 1_000  # what matching reads of a question (questions are short; the rest cannot change the answer much)
_FORM_COMMANDS = {"signup", "back", "stop", "form"}


class Bot:
    """Handles messages for every adapter. Holds no platform details."""

    def __init__(self, knowledge: Knowledge, store: TinyStore, default_language: str = "en",
                 roles: Roles | None = None, clock: Callable[[], dt.datetime] | None = None,
                 loader: Callable[[Knowledge], Knowledge] | None = None) -> None:
        self.knowledge = knowledge
        self.loader = loader  # re-reads the content (raises ContentError); None: reloading is off
        self.store = store
        self.default_language = default_language
        self.roles = roles or Roles()
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.messengers: dict[str, Messenger] = {}
        self._reload_lock = asyncio.Lock()
        self.dialog = SignupDialog(self)
        self.manage = SignupManager(self)
        self.insights = Insights(self)
        self.broadcasts = Broadcasts(self)
        self.handoff = Handoff(self)
        self.deliverer = Deliverer(store, self.messengers, self.clock, self.tick, self.present)
        self.registry = Registry()
        for command in (
            Command("start", self._start, "help_start"),
            Command("help", self._help, "help_help"),
            Command("events", self._events, "help_events"),
            Command("event", self._event, "help_event", args="ID"),
            Command("topics", self._topics, "help_topics", args="[EVENT]"),
            *self.dialog.commands(),
            *self.manage.commands(),
            *self.insights.commands(),
            *self.broadcasts.commands(),
            *self.handoff.commands(),
            Command("language", self._language, "help_language", args="CODE"),
            Command("stop", self._stop, "help_stop"),
            Command("reload", self._reload, "help_reload", role="admin"),
            Command("answer", self._answer, hidden=True),
            Command("stale", self.stale, hidden=True),
        ):
            self.registry.add(command)

    @property
    def profiles(self) -> TinyStore:
        """The store, under the name adapters use for profiles."""
        return self.store

    # --- the surface adapters and the runner use -------------------------------------

    def attach(self, messenger: Messenger) -> None:
        """Let the core send messages it starts itself (promotions, broadcasts) on this platform."""
        self.messengers[messenger.platform] = messenger

    async def start(self) -> None:
        """Catch up (expired offers, queued messages), then keep delivering in the background.

        Call after attaching the adapters.
        """
        await self.tick()
        await self.broadcasts.resume()
        await self.deliverer.deliver_due()
        self.deliverer.start()

    async def tick(self) -> None:
        """Time-driven work: expired offers, free places, due reminders (the delivery worker calls this)."""
        await self.manage.fill_all()
        await self.broadcasts.send_due_reminders()
        await self.broadcasts.take_requests()
        await self.purge_expired()

    async def purge_expired(self) -> None:
        """Retention: an event's signups, answers and open dialogs go `delete_after_days` after it ended."""
        now = self.clock()
        for event in list(self.knowledge.content.events.values()):
            keep = event.signup.delete_after_days if event.signup else None
            days = ended_days_ago(event, now)
            if keep is None or days is None or days < keep or not self.store.book(event.id).all():
                continue
            deleted = await self.store.transact(lambda: self.store.purge_event(event.id))
            log.info("retention: %s ended %d days ago; deleted %d signups of %d people and %d open dialogs",
                     event.id, days, deleted["signups"], deleted["people"], deleted["dialogs"])

    async def stop(self) -> None:
        """Stop background work and let the last write land."""
        await self.deliverer.stop()
        await self.broadcasts.stop()
        await self.store.drain()

    def wake_delivery(self) -> None:
        """New messages were queued: deliver them now."""
        self.deliverer.wake.set()

    async def replace_knowledge(self, knowledge: Knowledge) -> None:
        """Switch to reloaded content; raised capacities promote from the waiting lists at once."""
        self.knowledge = knowledge
        await self.manage.fill_all()

    async def reload(self) -> ContentChanges:
        """Re-read the events and FAQ (in a worker thread; the old content answers meanwhile).

        Raises ContentError with every problem when the files have errors: the old
        content then stays live.
        """
        if self.loader is None:
            raise ContentError([])
        async with self._reload_lock:
            old = self.knowledge
            new = await asyncio.to_thread(self.loader, old)
            changes = ContentChanges.between(old.content, new.content)
            await self.replace_knowledge(new)
        log.info("content reloaded: %s", changes.summary())
        return changes

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        """Remember that the platform refuses messages to this person (blocked, left, deleted)."""
        user_key = f"{platform}:{user_id}"
        profile = self.store.profile(user_key)
        if not profile.unreachable:
            log.info("a %s user is unreachable; no further messages will be sent until they write again", platform)
            await self.store.save(profile.with_(unreachable=True))

    async def home(self, platform: str, user_id: str, language_hint: str | None = None) -> Reply:
        """An overview for a platform's home screen (Slack's App Home): upcoming events and the person's signups."""
        user_key = f"{platform}:{user_id}"
        profile = self.store.profile(user_key)
        lang = language.for_screen(profile, language_hint, self.default_language)
        lines = [self._event_list(lang)]
        signups = self.store.signups_of(user_key)
        if signups:
            lines += ["", t("mysignups_header", lang)] + [f"• {self.manage.status_text(s, lang)}" for s in signups]
        return Reply("\n".join(lines), self._event_choices(lang))

    async def signup_form(self, message: Incoming, event_id: str) -> FormView | list[Reply]:
        """The event's whole signup form for a dialog window, or replies saying why the person cannot sign up."""
        turn = self._turn(message)
        view = self.dialog.form_view(turn, event_id)
        if isinstance(view, list):
            return [self._written_for(message.command_prefix, r) for r in view]
        if view.consent and message.command_prefix != "/":
            view = dataclasses.replace(view, consent=self._written_for(message.command_prefix, Reply(view.consent)).text)
        return view

    async def submit_signup(self, message: Incoming, event_id: str, answers: dict[str, str],
                            consented: bool) -> tuple[dict[str, str], list[Reply]]:
        """Sign up with a whole form: returns (problems by field id, to show beside the fields) or the replies."""
        turn = self._turn(message)
        try:
            problems, replies = await self.dialog.submit(turn, event_id, answers, consented)
        except StorageError:
            return {}, [Reply(t("storage_error", turn.language))]
        return problems, [self._written_for(message.command_prefix, r) for r in replies]

    def _turn(self, message: Incoming) -> Turn:
        profile = self.store.profile(message.user_key)
        return Turn(message.user_key, self._language_of(profile, message, profile.detected_language), profile.last_event,
                    message.direct, message=message, profile=profile)

    def commands(self) -> list[Command]:
        """The visible commands with their help texts, for help and platform menus."""
        return self.registry.visible()

    async def handle(self, message: Incoming) -> list[Reply]:
        """Answer one message. Never raises: a failure becomes a polite apology."""
        message = cleaned(message)
        await asyncio.sleep(0)  # let others' messages in between: one person's flood never holds the loop
        profile = self.store.profile(message.user_key)
        try:
            return await self._dispatch(message, profile)
        except StorageError:
            log.error("a change could not be saved; the person was asked to try again")
            return [Reply(t("storage_error", self._language_of(profile, message, None)))]
        except Exception:
            log.exception("failed to handle a message on %s", message.platform)
            return [Reply(t("error", self._language_of(profile, message, None)))]

    # --- language and context -------------------------------------------------------

    def _language_of(self, profile: Profile, message: Incoming, written: str | None) -> str:
        return language.for_reply(profile, written, message.language_hint, self.default_language)

    def language_for(self, profile: Profile, signed_up_in: str | None = None) -> str:
        """The language to write to a person in when they did not just write (notifications)."""
        return language.for_notification(profile, self.default_language, signed_up_in)

    def flows(self) -> dict[str, Any]:
        """The dialog kinds by name: each answers typed text, stops and resumes itself."""
        return {"signup": self.dialog, "broadcast": self.broadcasts, "ask": self.handoff}

    async def _dispatch(self, message: Incoming, stored: Profile) -> list[Reply]:
        profile = dialogs.open_in(stored, message.chat_id)
        text = (message.payload or message.text or "").strip()
        command = parse_command(text)
        media_only = bool(message.media and not text)  # a photo or voice message: nothing to read or pass on
        thread = self.handoff.thread_of(message) if command is None and not media_only else None
        if thread is not None:  # an organiser answers a forwarded question
            answered = await self.handoff.organiser_reply(message, *thread)
            if answered is not None:
                return answered
        # A button, a command or a form answer says nothing about language: the conversation's stays.
        detected = None if command or message.payload or profile.dialog else detect(text[:MATCH_CHARS])
        written = detected if detected or not (command or message.payload or profile.dialog) else profile.detected_language
        turn = Turn(message.user_key, self._language_of(profile, message, written), profile.last_event,
                    message.direct, message=message, profile=profile, dialog_before=profile.dialog)
        flows = self.flows()
        if media_only:
            replies = [Reply(t("media_text_only", turn.language))]
        elif command is None and profile.dialog:
            replies = await flows.get(profile.dialog.get("kind"), self.dialog).answer(turn, text)
        elif command is None:
            replies = await self._question(turn, text, detected or turn.language)
        else:
            name, args = command
            handler = self.registry.get(name)
            replies = await handler.handler(turn, args) if handler else [
                Reply(t("unknown_command", turn.language, command=literal(name, 40)))]
            dialog = turn.profile.dialog
            if (not turn.forgotten and dialog and dialog is turn.dialog_before and name not in _FORM_COMMANDS
                    and dialog.get("kind") == "signup"):
                replies += self.dialog.resume_dialog(turn)
        if turn.forgotten:
            return replies
        replies = self._after_flow(turn) + replies if self._started_on_top(turn) else replies + self._after_flow(turn)
        changed = turn.stored(turn.profile.with_(
            unreachable=False,
            name=message.user_name or turn.profile.name,
            detected_language=detected or turn.profile.detected_language,
            last_language=turn.language,
            last_event=turn.event,
            language=turn.chosen_language or turn.profile.language,
        ))
        if changed != stored:
            try:
                await self.store.save(changed)
            except StorageError:
                if _only_context_changed(stored, changed):  # the answer stands; only remembered context is lost
                    log.warning("a person's context could not be saved; their answer was sent anyway")
                else:
                    raise
        return [self._written_for(message.command_prefix, r) for r in replies]

    @staticmethod
    def _started_on_top(turn: Turn) -> bool:
        before, after = turn.dialog_before, turn.profile.dialog
        return bool(before and after and before.get("kind") != after.get("kind"))

    def _after_flow(self, turn: Turn) -> list[Reply]:
        """When a flow started on top of another, say the other waits; when it ended, resume the other."""
        before, after = turn.dialog_before, turn.profile.dialog
        if self._started_on_top(turn):
            return [Reply(t(f"flow_waits_{before['kind']}", turn.language))] if before else []
        if before is None or after is not None:
            return []
        under = dialogs.waiting(turn.profile, turn.message.chat_id)
        flow = self.flows().get((under or {}).get("kind", ""))
        if under is None or flow is None:
            return []
        # the finished dialog leaves the stack now; the one under it is answered next
        turn.profile = dialogs.fold(turn.profile, turn.message.chat_id, before)
        turn.profile = dialogs.open_in(turn.profile, turn.message.chat_id)
        turn.dialog_before = turn.profile.dialog
        return flow.resume_dialog(turn)

    async def _stop(self, turn: Turn, args: str) -> list[Reply]:
        """/stop: leave the dialog in progress in this chat; the dialog says what it stopped."""
        dialog = turn.profile.dialog
        flow = self.flows().get((dialog or {}).get("kind", ""))
        if dialog is None or flow is None:
            turn.profile = turn.profile.with_(dialog=None)
            return [Reply(t("flow_none", turn.language))]
        return await flow.stop_dialog(turn)

    def _written_for(self, prefix: str, reply: Reply) -> Reply:
        """The reply with every command it names written as this platform types commands."""
        if prefix == "/":
            return reply
        return commands_written(reply, prefix, self.registry.names())

    def present(self, messenger: Messenger, reply: Reply) -> Reply:
        """A message the core starts itself, as the messenger's platform shows it (commands written its way)."""
        return self._written_for(getattr(messenger, "command_prefix", "/"), reply)

    # --- shared helpers for the parts of the core ------------------------------------

    def stamp(self) -> str:
        """Now, as stored."""
        return now_iso(self.clock())

    @staticmethod
    def moment(when: dt.datetime, event: Event | None, lang: str) -> str:
        """A point in time as people read it in lang: in the event's time zone, with the zone named."""
        return localize.moment(when, event.timezone if event else None, lang)

    @staticmethod
    def moment_iso(stamp: str | None, event: Event | None, lang: str) -> str:
        """A stored timestamp as people read it ("–" for none)."""
        return localize.moment_iso(stamp, event.timezone if event else None, lang)

    def contact(self, event: Event, lang: str) -> str:
        """Who to contact about the event, in one line."""
        c = event.contact
        parts = [p for p in (c.name, c.organisation, c.email, c.phone) if p] if c else []
        return ", ".join(parts) or t("contact_organisers", lang)

    def has_calendar(self, event_id: str) -> bool:
        """Whether the event has dates for a calendar file."""
        event = self.knowledge.content.events.get(event_id)
        return bool(event and event.start)

    def ics(self, event: Event, lang: str) -> bytes | None:
        """The event's calendar file in the language, or None without dates."""
        place = self.knowledge.localized(event.place, lang, event.id) or ""
        description = self.knowledge.localized(event.description, lang, event.id) or ""
        return event_ics(event, self.name(event, lang), place, description, self.clock())

    # --- commands -------------------------------------------------------------------

    async def _start(self, turn: Turn, args: str) -> list[Reply]:
        return [Reply(t("welcome", turn.language) + "\n\n" + self._event_list(turn.language),
                      self._event_choices(turn.language))]

    async def _help(self, turn: Turn, args: str) -> list[Reply]:
        lines = [t("help_header", turn.language)] + self._help_lines(self.commands(), turn.language)
        roles = [("organiser", self.roles.organises_any(turn.user_key)), ("admin", self.roles.is_admin(turn.user_key))]
        own = [c for role, has in roles if has for c in self.registry.visible(role)]
        if own:
            lines += ["", t("help_organiser_header", turn.language)] + self._help_lines(own, turn.language)
        return [Reply("\n".join(lines))]

    @staticmethod
    def _help_lines(commands: list[Command], lang: str) -> list[str]:
        return [f"/{c.name}" + (f" {c.args}" if c.args else "") + f": {c.help(lang)}" for c in commands]

    async def _events(self, turn: Turn, args: str) -> list[Reply]:
        """/events: the upcoming events, then the ones that took place (they still answer questions)."""
        lang = turn.language
        text = self._event_list(lang)
        earlier = self.earlier()
        if earlier:
            text += "\n\n" + "\n".join([t("events_earlier", lang)] + [f"• {self.name(e, lang)}: {self._when(e, lang)}"
                                                                      for e in earlier])
        return [Reply(text, self._event_choices(lang) + tuple(Choice(self.name(e, lang), f"/event {e.id}")
                                                              for e in earlier))]

    async def _event(self, turn: Turn, args: str) -> list[Reply]:
        if not args.strip():  # what a platform's command menu sends: pick one
            return [Reply(t("choose_event", turn.language), self._event_choices(turn.language))]
        event = self.resolve_event(args, turn)
        if event is None:
            return self.unknown_event(turn, args)
        turn.event = event.id
        return [Reply(self._event_details(event, turn.language), (
            Choice(t("button_topics", turn.language), f"/topics {event.id}"),
            Choice(t("button_events", turn.language), "/events"),
        ))]

    async def _topics(self, turn: Turn, args: str) -> list[Reply]:
        event = self.resolve_event(args, turn) if args or turn.event else None
        if args and event is None:
            return self.unknown_event(turn, args)
        if event is None:
            return [Reply(t("choose_event", turn.language), tuple(
                Choice(self.name(e, turn.language), f"/topics {e.id}") for e in self.knowledge.content.events.values()
            ))]
        turn.event = event.id
        entries = self.knowledge.topics(event.id)
        if not entries:
            return [Reply(t("no_topics", turn.language))]
        return [Reply(t("topics_header", turn.language, event=self.name(event, turn.language)), tuple(
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

    async def _reload(self, turn: Turn, args: str) -> list[Reply]:
        """/reload (admins): re-read the content files; errors keep the old content live."""
        if not self.roles.is_admin(turn.user_key):
            return [Reply(t("not_allowed", turn.language))]
        try:
            changes = await self.reload()
        except ContentError as exc:
            problems = "\n".join(str(p) for p in exc.problems[:20])
            more = len(exc.problems) - 20
            if more > 0:
                problems += "\n" + t("reload_more_problems", turn.language, count=more)
            return [Reply(t("reload_refused", turn.language) + "\n" + problems)]
        return [Reply(t("reload_done", turn.language) + "\n" + changes.summary())]

    async def stale(self, turn: Turn, args: str) -> list[Reply]:
        """A button the adapter no longer recognises, or from an earlier step (pressed twice).

        With a dialog in progress in this chat, its current step again; otherwise where to go from here.
        """
        flow = self.flows().get((turn.profile.dialog or {}).get("kind", "")) if turn.profile else None
        resumed = flow.resume_dialog(turn) if flow else []
        if resumed:
            return [Reply(t("stale_step", turn.language))] + resumed
        return [Reply(t("stale_choice", turn.language))] + await self._start(turn, "")

    async def _answer(self, turn: Turn, args: str) -> list[Reply]:
        entry = self.knowledge.content.entries.get(args.strip())
        if entry is None:
            return await self.stale(turn, args)
        lang = self.knowledge.answer_language(entry, turn.language)
        if entry.event:
            turn.event = entry.event
        await self.insights.picked(turn, entry.id)
        return [Reply(self._answer_text(entry.texts[lang].answer, lang, turn.language))]

    # --- questions ------------------------------------------------------------------

    async def _question(self, turn: Turn, text: str, text_language: str) -> list[Reply]:
        if not text:
            return []
        text = text[:MATCH_CHARS]  # what matching, detection and the unanswered log read of a question
        answer = await self.knowledge.ask_async(text, turn.language, turn.event, text_language)
        log.debug("question band=%s confidence=%.1f matches=%s", answer.band, answer.confidence,
                  [(m.entry_id, m.score) for m in answer.matches])
        if answer.event:
            turn.event = answer.event
        if answer.band == "answer" and answer.text:
            return [Reply(self._answer_text(answer.text, answer.answer_language or turn.language, turn.language))]
        await self.insights.record(turn, text, text_language, answer)
        if answer.band == "suggest":
            return [Reply(t("did_you_mean", turn.language), self._suggestions(answer, turn.language) + self._ask_choice(turn))]
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
        return Reply(t("fallback", turn.language), choices + self._ask_choice(turn))

    def _ask_choice(self, turn: Turn) -> tuple[Choice, ...]:
        """"Ask an organiser", when the event has an organiser chat on a running platform."""
        chat = self.handoff.chat_for(turn.event)
        return (Choice(t("button_ask_organiser", turn.language), "/ask"),) if chat and chat[0] in self.messengers else ()

    @staticmethod
    def _answer_text(text: str, answer_lang: str, wanted: str) -> str:
        if answer_lang == wanted:
            return text
        return f"{text}\n\n{t('answer_in_other_language', wanted, language=language_name(answer_lang, wanted, in_sentence=True))}"

    # --- events ---------------------------------------------------------------------

    def resolve_event(self, args: str, turn: Turn) -> Event | None:
        events = self.knowledge.content.events
        key = args.strip()
        if not key:
            return events.get(turn.event or "")
        return events.get(key.lower()) or self.knowledge.find_event(key)

    def unknown_event(self, turn: Turn, name: str) -> list[Reply]:
        return [Reply(t("unknown_event", turn.language, name=literal(name, 60)), self._event_choices(turn.language))]

    def name(self, event: Event, lang: str) -> str:
        return self.knowledge.localized(event.names, lang, event.id) or event.id

    def _event_choices(self, lang: str) -> tuple[Choice, ...]:
        return tuple(Choice(self.name(e, lang), f"/event {e.id}") for e in self.upcoming())

    def _event_list(self, lang: str) -> str:
        events = self.upcoming()
        if not events:
            return t("no_events", lang)
        lines = [t("events_header", lang)]
        for event in events:
            lines.append(f"• {self.name(event, lang)}: {self._when(event, lang)}")
        return "\n".join(lines)

    def upcoming(self) -> list[Event]:
        """Events still to come: not ended in their own time zone and not marked `past`; dated ones
        soonest first, then the undated."""
        now = self.clock()

        def key(e: Event) -> tuple[int, dt.date]:
            return (0, as_date(e.start)) if e.start else (1, dt.date.max)

        return sorted((e for e in self.knowledge.content.events.values() if not has_ended(e, now)), key=key)

    def earlier(self) -> list[Event]:
        """Events that took place (ended, or marked `past`), the latest first."""
        now = self.clock()
        done = [e for e in self.knowledge.content.events.values() if has_ended(e, now)]
        return sorted(done, key=lambda e: as_date(e.end or e.start) if (e.end or e.start) else dt.date.min, reverse=True)

    def _when(self, event: Event, lang: str) -> str:
        if event.start:
            return localize.when(event.start, event.end, event.timezone, lang)
        return self.knowledge.localized(event.when, lang, event.id) or t("not_announced", lang)

    def _event_details(self, event: Event, lang: str) -> str:
        lines = [f"**{self.name(event, lang)}**"]
        description = self.knowledge.localized(event.description, lang, event.id)
        if description:
            lines.append(description)
        lines.append(f"**{t('label_when', lang)}:** {self._when(event, lang)}")
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


_CONTEXT_FIELDS = ("detected_language", "last_language", "last_event", "name", "unreachable", "last_question")


def _only_context_changed(before: Profile, after: Profile) -> bool:
    """Whether a turn changed only what the bot remembers for context (no dialog step, no choice)."""
    return all(getattr(before, f) == getattr(after, f) for f in Profile.__dataclass_fields__ if f not in _CONTEXT_FIELDS)



