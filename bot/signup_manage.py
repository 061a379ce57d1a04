"""After signing up: /mysignups, /cancel, waiting-list offers, /forget, and organisers' /export.

Whenever a change frees a place, the waiting list moves up in the same transaction,
and the messages telling those people are queued in that transaction too: nobody is
promoted without being told, even if the bot crashes right after.
"""

from __future__ import annotations

import logging

from typing import TYPE_CHECKING, Any

from bot import export
from bot.commands import Command, Turn
from bot.messages import Attachment, Choice, Reply
from bot.signups import Change, NoSignup, Signup
from bot.texts import t, tn
from faq.content import Event

if TYPE_CHECKING:
    from bot.core import Bot


log = logging.getLogger(__name__)


class SignupManager:
    """The commands about existing signups, and moving the waiting list up."""

    def __init__(self, bot: "Bot") -> None:
        self.bot = bot

    def commands(self) -> list[Command]:
        """The commands this part of the core answers."""
        return [
            Command("mysignups", self.mysignups, "help_mysignups"),
            Command("cancel", self.cancel, "help_cancel", args="[EVENT]"),
            Command("forget", self.forget, "help_forget"),
            Command("export", self.export, "help_export", args="EVENT [csv|xlsx|json] [confirmed|waitlist|all]", role="organiser"),
            Command("offer", self.offer, hidden=True),
            Command("calendar", self.calendar, hidden=True),
        ]

    # --- showing --------------------------------------------------------------------

    def status_text(self, signup: Signup, lang: str) -> str:
        """One line: the signup's state in words."""
        bot = self.bot
        event = bot.knowledge.content.events.get(signup.event)
        name = bot.name(event, lang) if event else signup.event
        if signup.status == "confirmed":
            return t("status_confirmed", lang, event=name)
        if signup.status == "offered":
            until = bot.moment_iso(signup.offered_until, event, lang)
            return t("status_offered", lang, event=name, until=until)
        position = bot.store.book(signup.event).position(signup)
        return t("status_waitlisted", lang, event=name, position=position)

    def signup_choices(self, signup: Signup, lang: str) -> tuple[Choice, ...]:
        """The buttons that go with a signup."""
        choices = []
        if signup.status == "offered":
            choices += [Choice(t("button_accept", lang), f"/offer {signup.event} accept"),
                        Choice(t("button_decline", lang), f"/offer {signup.event} decline")]
        if signup.status == "confirmed" and self.bot.has_calendar(signup.event):
            choices.append(Choice(t("button_calendar", lang), f"/calendar {signup.event}"))
        if signup.active:
            choices.append(Choice(t("button_cancel_signup", lang), f"/cancel {signup.event}"))
        return tuple(choices)

    @staticmethod
    def privately(turn: Turn, payload: str) -> list[Reply]:
        """A command about the person's own data, asked in a group: it continues in the private chat."""
        lang = turn.language
        return [Reply(t("continue_privately_generic", lang), (Choice(t("button_open_private", lang), payload[:64]),),
                      private=True)]

    async def mysignups(self, turn: Turn, args: str) -> list[Reply]:
        """/mysignups: every active signup with its state (in a group: in the private chat)."""
        if not turn.direct:
            return self.privately(turn, "/mysignups")
        signups = self.bot.store.signups_of(turn.user_key)
        if not signups:
            return [Reply(t("mysignups_none", turn.language), (Choice(t("button_signup", turn.language), "/signup"),))]
        replies = [Reply(t("mysignups_header", turn.language))]
        for signup in signups:
            replies.append(Reply(self.status_text(signup, turn.language), self.signup_choices(signup, turn.language)))
        return replies

    async def calendar(self, turn: Turn, args: str) -> list[Reply]:
        """/calendar EVENT: the event's calendar file."""
        event = self.bot.knowledge.content.events.get(args.strip())
        attachments = self.bot.dialog.calendar(event, turn.language) if event else ()
        if not attachments:
            return [Reply(t("no_calendar", turn.language))]
        return [Reply(t("calendar_file", turn.language, event=self.bot.name(event, turn.language)), (), attachments)]

    # --- cancelling and offers ------------------------------------------------------

    async def cancel(self, turn: Turn, args: str) -> list[Reply]:
        """/cancel [EVENT] asks to confirm; /cancel EVENT yes cancels and moves the waiting list up."""
        bot, lang = self.bot, turn.language
        if not turn.direct:  # personal data stays out of groups
            return self.privately(turn, f"/cancel {args.strip()}".strip())
        key, _, answer = args.strip().partition(" ")
        if not key:
            signups = bot.store.signups_of(turn.user_key)
            if not signups:
                return [Reply(t("mysignups_none", lang))]
            if len(signups) > 1:
                return [Reply(t("cancel_which", lang), tuple(
                    Choice(self._event_name(s.event, lang), f"/cancel {s.event}") for s in signups))]
            key = signups[0].event
        event = bot.resolve_event(key, turn)
        name = bot.name(event, lang) if event else key
        signup = bot.store.book(event.id).active(turn.user_key) if event else None
        if signup is None:
            return [Reply(t("no_signup", lang, event=name))]
        turn.event = event.id
        if answer == "no":
            return [Reply(t("cancel_kept", lang, event=name))]
        if answer != "yes":
            return [Reply(t("cancel_confirm", lang, event=name) + "\n" + self.status_text(signup, lang), (
                Choice(t("button_cancel_yes", lang), f"/cancel {event.id} yes"),
                Choice(t("button_keep", lang), f"/cancel {event.id} no")))]
        try:
            await self.change_and_fill(event, lambda book: book.cancel(turn.user_key, bot.clock()))
        except NoSignup:
            return [Reply(t("no_signup", lang, event=name))]
        return [Reply(t("cancel_done", lang, event=name))]

    async def offer(self, turn: Turn, args: str) -> list[Reply]:
        """/offer EVENT accept|decline: the answer to a freed place offered from the waiting list."""
        bot, lang = self.bot, turn.language
        key, _, answer = args.strip().partition(" ")
        event = bot.knowledge.content.events.get(key)
        if event is None or answer not in ("accept", "decline"):
            return await bot.stale(turn, "")
        name = bot.name(event, lang)
        book = bot.store.book(event.id)
        try:
            if answer == "accept":
                signup = await bot.store.transact(lambda: book.accept_offer(turn.user_key, bot.clock()))
                return [Reply(t("offer_accepted", lang, event=name), self.signup_choices(signup, lang),
                              bot.dialog.calendar(event, lang))]

            def decline(book: Any) -> Signup:
                signup = book.active(turn.user_key)
                if signup is None or signup.status != "offered":
                    raise NoSignup(event.id)
                return book.cancel(turn.user_key, bot.clock(), "declined offer")

            await self.change_and_fill(event, decline)
        except NoSignup:
            return [Reply(t("offer_gone", lang, event=name))]
        return [Reply(t("offer_declined", lang, event=name))]

    async def change_and_fill(self, event: Event, change: Any) -> Any:
        """Run a change on the event's book, move the waiting list up and queue the news, in one transaction."""
        bot = self.bot
        book = bot.store.book(event.id)
        settings = event.signup

        def transaction() -> Any:
            result = change(book)
            if settings is not None:
                self._tell(event, book.fill(settings.capacity, settings.waitlist_offer_hours, bot.clock()))
            return result

        result = await bot.store.transact(transaction)
        bot.wake_delivery()
        return result

    def _tell(self, event: Event, changes: list[Change]) -> None:
        """Queue a message for each person the waiting list moved (inside the transaction)."""
        bot = self.bot
        for change in changes:
            signup = change.signup
            lang = bot.language_for(bot.store.profile(signup.user_key), signup.language)
            name = bot.name(event, lang)
            if change.kind == "promoted":
                text, choices = t("promoted", lang, event=name), self.signup_choices(signup, lang)
            elif change.kind == "offered":
                text = t("offered", lang, event=name, until=bot.moment_iso(signup.offered_until, event, lang))
                choices = self.signup_choices(signup, lang)
            else:
                text, choices = t("offer_expired", lang, event=name), ()
            bot.store.enqueue(signup.user_key, text, bot.clock(), tuple((c.label, c.payload) for c in choices),
                              kind=change.kind)

    async def fill_all(self) -> None:
        """Expire old offers and give free places to waiting lists, in every event (after a reload, on a timer)."""
        bot = self.bot
        for event in bot.knowledge.content.events.values():
            settings = event.signup
            if settings is None or event.id not in bot.store.books:
                continue
            if bot.store.book(event.id).due(settings.capacity, bot.clock()):
                await self.change_and_fill(event, lambda book: None)

    # --- forgetting -----------------------------------------------------------------

    async def forget(self, turn: Turn, args: str) -> list[Reply]:
        """/forget asks to confirm; /forget yes deletes everything stored about the person."""
        bot, lang = self.bot, turn.language
        if not turn.direct:  # what was deleted names the person's signups: not in a group
            return self.privately(turn, "/forget")
        if args.strip() == "no":
            return [Reply(t("forget_kept", lang))]
        if args.strip() != "yes":
            return [Reply(t("forget_confirm", lang), (Choice(t("button_forget_yes", lang), "/forget yes"),
                                                       Choice(t("button_keep", lang), "/forget no")))]
        freed = [e for e in bot.knowledge.content.events.values()
                 if e.id in bot.store.books and bot.store.book(e.id).active(turn.user_key)]

        def transaction() -> dict[str, Any]:
            deleted = bot.store.forget(turn.user_key)
            for event in freed:
                if event.signup:
                    book = bot.store.book(event.id)
                    self._tell(event, book.fill(event.signup.capacity, event.signup.waitlist_offer_hours, bot.clock()))
            return deleted

        deleted = await bot.store.transact(transaction)
        try:
            bot.store.remove_delivered_files()  # exported lists may name the person
        except OSError:
            log.warning("exported files in the data folder could not all be removed after a /forget")
        bot.wake_delivery()
        turn.forgotten = True
        events = sorted({self._event_name(s.event, lang) for s in deleted["signups"]})
        lines = [t("forget_done", lang)]
        lines.append("• " + t("forget_profile", lang))
        lines.append("• " + tn("forget_signups", len(deleted["signups"]), lang, events=", ".join(events) or "–"))
        lines.append("• " + tn("forget_messages", deleted["messages"], lang))
        lines.append("• " + tn("forget_questions", deleted["tables"].get("unanswered", 0), lang))
        return [Reply("\n".join(lines))]

    # --- organisers -----------------------------------------------------------------

    async def export(self, turn: Turn, args: str) -> list[Reply]:
        """/export EVENT [csv|json] [confirmed|waitlist|all]: the signup list as a file (organisers only)."""
        bot, lang = self.bot, turn.language
        words = args.split()
        event = bot.knowledge.content.events.get(words[0]) if words else None
        if event is None or not bot.roles.organises(turn.user_key, event.id):
            return [Reply(t("not_allowed", lang))]
        fmt = next((w for w in words[1:] if w in export.FORMATS), "csv")
        status = next((w for w in words[1:] if w in ("confirmed", "waitlist", "all")), "all")
        if not turn.direct:
            return [Reply(t("export_private", lang), (Choice(t("button_export", lang), f"/export {event.id} {fmt} {status}"),),
                          private=True)]
        attachment, count = self.export_file(event, fmt, status, lang)
        return [Reply(tn("export_ready", count, lang, event=bot.name(event, lang)), (), (attachment,))]

    def export_file(self, event: Event, fmt: str, status: Any, language: str | None = None) -> tuple[Attachment, int]:
        """The signup list of an event as a file, and how many rows it has."""
        made = export.export_file(event, self.bot.store.book(event.id), fmt, status, language)
        return Attachment(made.filename, made.data, made.mime_type), made.count

    def _event_name(self, event_id: str, lang: str) -> str:
        event = self.bot.knowledge.content.events.get(event_id)
        return self.bot.name(event, lang) if event else event_id

