"""The signup form as a conversation: one field at a time, /back and /stop, consent, summary.

The dialog's state lives in the person's profile (saved after every step), so a form
in progress survives a restart. Buttons carry the dialog's token: a button from a
finished or replaced form is recognised as stale.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from bot import dialogs, forms
from bot.commands import Command, Turn
from bot.event_times import has_ended
from bot.messages import Attachment, Choice, FieldView, FormView, Reply, literal
from bot.signups import AlreadySignedUp, EventFull
from bot.texts import t
from faq.content import Event
from faq.signup_content import FormField

if TYPE_CHECKING:
    from bot.core import Bot

FORM = "/form"


class SignupDialog:
    """/signup, the form steps, /back, /stop."""

    def __init__(self, bot: "Bot") -> None:
        self.bot = bot

    def commands(self) -> list[Command]:
        """The commands this part of the core answers."""
        return [
            Command("signup", self.start, "help_signup", args="[EVENT]"),
            Command("back", self.back, "help_back"),
            Command("form", self.action, hidden=True),
        ]

    # --- starting -------------------------------------------------------------------

    async def start(self, turn: Turn, args: str) -> list[Reply]:
        """/signup [EVENT]: check the event can be joined, then ask the first question."""
        bot, lang = self.bot, turn.language
        if not args:
            events = [e for e in bot.upcoming() if e.signup]
            if not events:
                return [Reply(t("signup_none", lang))]
            return [Reply(t("signup_choose_event", lang),
                          tuple(Choice(bot.name(e, lang), f"/signup {e.id}") for e in events))]
        event = bot.resolve_event(args, turn)
        if event is None:
            return bot.unknown_event(turn, args)
        turn.event = event.id
        if not turn.direct:
            return [Reply(t("continue_privately", lang, event=bot.name(event, lang)),
                          (Choice(t("button_signup", lang), f"/signup {event.id}"),), private=True)]
        refusal = self.refusal(event, turn)
        if refusal:
            return refusal
        lang = self.speak_form_language(turn, event)
        dialog = {"kind": "signup", "event": event.id, "token": secrets.token_hex(3), "stage": "field",
                  "index": 0, "answers": {}, "consent_at": None, "editing": False}
        if not event.signup or not event.signup.form:
            dialog["stage"] = "consent" if event.signup and event.signup.consent else "summary"
        turn.profile = turn.profile.with_(dialog=dialog)
        return [self.prompt(event, dialog, lang)]

    @staticmethod
    def speak_form_language(turn: Turn, event: Event) -> str:
        """Switch the turn to the one language the event's form is shown in (never a mix); returns it."""
        turn.own_language = turn.own_language or turn.language
        turn.language = forms.form_language(event.signup, turn.language, event.default_language)
        return turn.language

    def window_refusal(self, event: Event, lang: str) -> list[Reply]:
        """Why nobody can sign up for the event just now (no signups, not open yet, closed), or nothing."""
        bot, settings = self.bot, event.signup
        name = bot.name(event, lang)
        if settings is None:
            return [Reply(t("signup_not_here", lang, event=name, contact=bot.contact(event, lang)))]
        now = bot.clock()
        if has_ended(event, now):
            return [Reply(t("signup_past", lang, event=name))]
        if settings.opens and now < settings.opens:
            return [Reply(t("signup_not_open", lang, event=name, when=bot.moment(settings.opens, event, lang)))]
        if settings.closes and now > settings.closes:
            return [Reply(t("signup_closed", lang, event=name, when=bot.moment(settings.closes, event, lang),
                            contact=bot.contact(event, lang)))]
        return []

    def refusal(self, event: Event, turn: Turn) -> list[Reply]:
        """Why the person cannot sign up for the event now, or nothing."""
        bot, lang, settings = self.bot, turn.language, event.signup
        name = bot.name(event, lang)
        window = self.window_refusal(event, lang)
        if window:
            return window
        book = bot.store.book(event.id)
        existing = book.active(turn.user_key)
        if existing is not None:
            return [Reply(t("already_signed_up", lang, event=name) + "\n" + bot.manage.status_text(existing, lang),
                          bot.manage.signup_choices(existing, lang))]
        full = settings.capacity is not None and (book.taken >= settings.capacity or book.waiting)
        if full and not settings.waitlist:
            return [Reply(t("signup_full", lang, event=name, contact=bot.contact(event, lang)))]
        return []

    # --- asking ---------------------------------------------------------------------

    def prompt(self, event: Event, dialog: dict[str, Any], lang: str, note: str = "") -> Reply:
        """The current step of the form as a message with its buttons."""
        fields = event.signup.form if event.signup else ()
        token = dialog["token"]
        stop = Choice(t("button_stop", lang), "/stop")
        back = Choice(t("button_back", lang), "/back")
        header = f"**{t('signup_header', lang, event=self.bot.name(event, lang))}**"
        prefix = f"{note}\n\n" if note else ""
        stage = dialog["stage"]
        if stage == "field":
            index = dialog["index"]
            field = fields[index]
            text = f"{prefix}{header} ({index + 1}/{len(fields)})\n{forms.label(field.labels, lang, event.default_language)}"
            if not field.required:
                text += f" {t('form_optional', lang)}"
            choices = list(self._field_choices(field, token, lang))
            if not field.required:
                choices.append(Choice(t("button_skip", lang), f"{FORM} {token} skip"))
            if index > 0 or dialog["editing"]:
                choices.append(back)
            return Reply(text, tuple(choices + [stop]))
        if stage == "consent":
            consent = forms.label(event.signup.consent or {}, lang, event.default_language)
            choices = [Choice(t("button_agree", lang), f"{FORM} {token} agree")]
            if fields:
                choices.append(back)
            return Reply(f"{prefix}{header}\n{consent}", tuple(choices + [stop]))
        if stage == "edit":
            return Reply(f"{prefix}{t('form_edit_which', lang)}", tuple(
                [Choice(forms.label(f.labels, lang, event.default_language), f"{FORM} {token} edit {f.id}") for f in fields]
                + [back, stop]))
        lines = [f"{prefix}{header}", t("form_summary", lang)]
        yes, no = t("button_yes", lang), t("button_no", lang)
        for field in fields:
            value = forms.shown(field, dialog["answers"].get(field.id), lang, yes, no)
            lines.append(f"• {forms.label(field.labels, lang, event.default_language)}: {literal(str(value))}")
        choices = [Choice(t("button_confirm", lang), f"{FORM} {token} confirm")]
        if fields:
            choices.append(Choice(t("button_edit", lang), f"{FORM} {token} edit"))
        return Reply("\n".join(lines), tuple(choices + [stop]))

    @staticmethod
    def _field_choices(field: FormField, token: str, lang: str) -> tuple[Choice, ...]:
        if field.type == "choice":
            return tuple(Choice(forms.label(o.labels, lang), f"{FORM} {token} opt {o.id}") for o in field.options)
        if field.type == "yesno":
            return (Choice(t("button_yes", lang), f"{FORM} {token} yes"), Choice(t("button_no", lang), f"{FORM} {token} no"))
        return ()

    def resume_dialog(self, turn: Turn) -> list[Reply]:
        """A reminder of the form in progress, after the person did something else."""
        current = self._current(turn) if turn.profile and turn.profile.dialog else None
        if current is None:  # the event or its form went away on a reload
            turn.profile = turn.profile.with_(dialog=None)
            return []
        event, dialog = current
        return [self.prompt(event, dialog, turn.language, note=t("form_resume", turn.language))]

    # --- answering ------------------------------------------------------------------

    def _event_of(self, dialog: dict[str, Any] | None) -> Event | None:
        if not dialog or dialog.get("kind") != "signup":
            return None
        return self.bot.knowledge.content.events.get(dialog["event"])

    def _current(self, turn: Turn) -> tuple[Event, dict[str, Any]] | None:
        dialog = turn.profile.dialog
        event = self._event_of(dialog)
        if event is None or event.signup is None:
            return None
        self.speak_form_language(turn, event)
        dialog = dict(dialog, answers=dict(dialog["answers"]))
        fields = event.signup.form
        if dialog["stage"] == "field" and dialog["index"] >= len(fields):  # the form shrank on a reload
            dialog.update(stage="summary", editing=False)
        return event, dialog

    async def answer(self, turn: Turn, text: str) -> list[Reply]:
        """Typed text while a form is open: the answer to the current step."""
        current = self._current(turn)
        if current is None:
            turn.profile = turn.profile.with_(dialog=None)
            return [Reply(t("stale_choice", turn.language))]
        event, dialog = current
        stage, lang = dialog["stage"], turn.language
        if stage == "field":
            field = event.signup.form[dialog["index"]]
            try:
                value = forms.check(field, text)
            except forms.Invalid as problem:
                return [self.prompt(event, dialog, lang, note=forms.problem_text(problem, lang))]
            if value == "" and field.required:
                return [self.prompt(event, dialog, lang, note=t("form_required", lang))]
            return self._store_answer(turn, event, dialog, field, value if value != "" else None)
        if stage == "consent" and forms.normalize(text) in forms.YES:
            return self._agree(turn, event, dialog)
        if stage == "summary" and forms.normalize(text) in forms.YES:
            return await self._confirm(turn, event, dialog)
        return [self.prompt(event, dialog, lang, note=t("form_use_buttons", lang))]

    async def action(self, turn: Turn, args: str) -> list[Reply]:
        """A form button: /form TOKEN ACTION [ARGUMENT]."""
        token, _, rest = args.partition(" ")
        action, _, arg = rest.partition(" ")
        current = self._current(turn) if turn.profile.dialog else None
        if current is None or current[1]["token"] != token:
            return self._after_the_form(turn) or await self.bot.stale(turn, "")
        event, dialog = current
        fields = event.signup.form
        if action in ("opt", "yes", "no", "skip") and dialog["stage"] == "field":
            field = fields[dialog["index"]]
            if action == "skip" and not field.required:
                return self._store_answer(turn, event, dialog, field, None)
            if action == "opt" and field.type == "choice" and any(o.id == arg for o in field.options):
                return self._store_answer(turn, event, dialog, field, arg)
            if action in ("yes", "no") and field.type == "yesno":
                return self._store_answer(turn, event, dialog, field, action == "yes")
        if action == "agree" and dialog["stage"] == "consent":
            return self._agree(turn, event, dialog)
        if action == "confirm" and dialog["stage"] == "summary":
            return await self._confirm(turn, event, dialog)
        if action == "edit" and dialog["stage"] in ("summary", "edit"):
            if not arg:
                dialog["stage"] = "edit"
            else:
                index = next((i for i, f in enumerate(fields) if f.id == arg), None)
                if index is None:
                    return await self.bot.stale(turn, "")
                dialog.update(stage="field", index=index, editing=True)
            turn.profile = turn.profile.with_(dialog=dialog)
            return [self.prompt(event, dialog, turn.language)]
        return await self.bot.stale(turn, "")

    def _after_the_form(self, turn: Turn) -> list[Reply]:
        """A button of a form already sent (Confirm pressed twice): the signup it made, if any."""
        bot = self.bot
        event = bot.knowledge.content.events.get(turn.event or "")
        signup = bot.store.book(event.id).active(turn.user_key) if event and event.signup else None
        if signup is None:
            return []
        return [Reply(t("already_signed_up", turn.language, event=bot.name(event, turn.language)) + "\n"
                      + bot.manage.status_text(signup, turn.language), bot.manage.signup_choices(signup, turn.language))]

    def _store_answer(self, turn: Turn, event: Event, dialog: dict[str, Any], field: FormField, value: Any) -> list[Reply]:
        dialog["answers"][field.id] = value
        fields = event.signup.form
        if dialog["editing"]:
            missing = self._first_missing(fields, dialog["answers"])
            if missing is None:
                dialog.update(stage="summary", editing=False)
            else:
                dialog["index"] = missing
        elif dialog["index"] + 1 < len(fields):
            dialog["index"] += 1
        else:
            dialog["stage"] = "consent" if event.signup.consent and not dialog["consent_at"] else "summary"
        turn.profile = turn.profile.with_(dialog=dialog)
        return [self.prompt(event, dialog, turn.language)]

    @staticmethod
    def _first_missing(fields: tuple[FormField, ...], answers: dict[str, Any]) -> int | None:
        return next((i for i, f in enumerate(fields) if f.required and answers.get(f.id) is None), None)

    def _agree(self, turn: Turn, event: Event, dialog: dict[str, Any]) -> list[Reply]:
        dialog.update(stage="summary", consent_at=self.bot.stamp())
        turn.profile = turn.profile.with_(dialog=dialog)
        return [self.prompt(event, dialog, turn.language)]

    async def back(self, turn: Turn, args: str) -> list[Reply]:
        """/back: the previous step of the form."""
        current = self._current(turn) if turn.profile.dialog else None
        if current is None:
            return [Reply(t("form_none", turn.language))]
        event, dialog = current
        fields, stage = event.signup.form, dialog["stage"]
        if stage in ("edit",) or (stage == "field" and dialog["editing"]):
            dialog.update(stage="summary", editing=False)
        elif stage == "field" and dialog["index"] > 0:
            dialog["index"] -= 1
        elif stage == "consent" and fields:
            dialog.update(stage="field", index=len(fields) - 1)
        elif stage == "summary" and event.signup.consent:
            dialog.update(stage="consent", consent_at=None)
        elif stage == "summary" and fields:
            dialog.update(stage="field", index=len(fields) - 1)
        else:
            return [self.prompt(event, dialog, turn.language, note=t("form_first_step", turn.language))]
        turn.profile = turn.profile.with_(dialog=dialog)
        return [self.prompt(event, dialog, turn.language)]

    async def stop_dialog(self, turn: Turn) -> list[Reply]:
        """/stop during the form: leave it; nothing is kept."""
        turn.profile = turn.profile.with_(dialog=None)
        return [Reply(t("flow_stop_signup", turn.language))]

    # --- confirming -----------------------------------------------------------------

    async def _confirm(self, turn: Turn, event: Event, dialog: dict[str, Any]) -> list[Reply]:
        lang, settings = turn.language, event.signup
        missing = self._first_missing(settings.form, dialog["answers"])
        if missing is not None:  # the form gained a required field on a reload
            dialog.update(stage="field", index=missing, editing=True)
            turn.profile = turn.profile.with_(dialog=dialog)
            return [self.prompt(event, dialog, lang)]
        if settings.consent and not dialog["consent_at"]:
            dialog["stage"] = "consent"
            turn.profile = turn.profile.with_(dialog=dialog)
            return [self.prompt(event, dialog, lang)]
        turn.profile = turn.profile.with_(dialog=None)
        return await self.register(turn, event, dialog["answers"], dialog["consent_at"])

    async def register(self, turn: Turn, event: Event, answers: dict[str, Any], consent_at: str | None) -> list[Reply]:
        """Sign the person up with checked answers; the reply says confirmed or waiting-list position."""
        bot, lang, settings = self.bot, turn.language, event.signup
        refusal = self.window_refusal(event, lang)
        if refusal:  # the window closed while the form was open
            return refusal
        book = bot.store.book(event.id)
        message, done = turn.message, turn.profile

        def change() -> Any:
            signup = book.register(
                turn.user_key, capacity=settings.capacity, waitlist=settings.waitlist, now=bot.clock(),
                platform=message.platform, user_id=message.user_id, name=message.user_name,
                language=turn.own_language or lang,  # later messages in the person's language, not the form's
                priority=forms.priority(settings.form, answers), answers=answers, consent_at=consent_at)
            # signed up: no chat form for this event stays open anywhere (a Slack modal finishes it too)
            bot.store.put_profile(dialogs.without(turn.stored(done), "signup", event.id))
            return signup

        try:
            signup = await bot.store.transact(change)
        except AlreadySignedUp as exc:
            return [Reply(t("already_signed_up", lang, event=bot.name(event, lang)) + "\n"
                          + bot.manage.status_text(exc.signup, lang), bot.manage.signup_choices(exc.signup, lang))]
        except EventFull:
            return [Reply(t("signup_full", lang, event=bot.name(event, lang), contact=bot.contact(event, lang)))]
        name = bot.name(event, lang)
        if signup.status == "confirmed":
            text = t("signup_interest" if event.signup and event.signup.interest else "signup_confirmed", lang, event=name)
        else:
            text = t("signup_waitlisted", lang, event=name, position=book.position(signup))
        # a calendar entry only for a confirmed place: people on the waiting list are not expected there yet
        calendar = self.calendar(event, lang) if signup.status == "confirmed" else ()
        return [Reply(text, bot.manage.signup_choices(signup, lang), calendar)]

    # --- the whole form at once (a platform's dialog window, e.g. a Slack modal) ---------

    def form_view(self, turn: Turn, event_id: str) -> FormView | list[Reply]:
        """The event's form with every field, or the replies explaining why the person cannot sign up."""
        event = self.bot.resolve_event(event_id, turn) if event_id.strip() else None
        if event is None:
            return self.bot.unknown_event(turn, event_id)
        refusal = self.refusal(event, turn)
        if refusal:
            return refusal
        lang, default = self.speak_form_language(turn, event), event.default_language
        fields = tuple(FieldView(
            f.id, f.type, forms.label(f.labels, lang, default), f.required,
            tuple(Choice(forms.label(o.labels, lang, default), o.id) for o in f.options)
            or ((Choice(t("button_yes", lang), "yes"), Choice(t("button_no", lang), "no")) if f.type == "yesno" else ()),
        ) for f in event.signup.form)
        consent = forms.label(event.signup.consent, lang, default) if event.signup.consent else None
        return FormView(event.id, t("signup_header", lang, event=self.bot.name(event, lang)), fields, consent,
                        t("button_confirm", lang), t("button_agree", lang))

    async def submit(self, turn: Turn, event_id: str, answers: dict[str, str], consented: bool
                     ) -> tuple[dict[str, str], list[Reply]]:
        """Check a whole form at once: (problems by field id, "consent" included) or the signup's replies."""
        view = self.form_view(turn, event_id)
        if not isinstance(view, FormView):
            return {}, view
        event, lang = self.bot.knowledge.content.events[view.event_id], turn.language
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        for field in event.signup.form:
            raw = (answers.get(field.id) or "").strip()
            if not raw:
                if field.required:
                    problems[field.id] = t("form_required", lang)
                values[field.id] = None
                continue
            try:
                values[field.id] = forms.check(field, raw)
            except forms.Invalid as problem:
                problems[field.id] = forms.problem_text(problem, lang)
        if event.signup.consent and not consented:
            problems["consent"] = t("form_consent_needed", lang)
        if problems:
            return problems, []
        dialog = turn.profile.dialog or {}
        if dialog.get("kind") == "signup" and dialog.get("event") == event.id:  # the chat form for it is done too
            turn.profile = turn.profile.with_(dialog=None)
        return {}, await self.register(turn, event, values, self.bot.stamp() if event.signup.consent else None)

    def calendar(self, event: Event, lang: str) -> tuple[Attachment, ...]:
        """The event's .ics file as an attachment, when it has dates."""
        bot = self.bot
        ics = bot.ics(event, lang)
        return (Attachment(f"{event.id}.ics", ics, "text/calendar"),) if ics else ()
