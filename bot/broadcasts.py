"""Broadcasts and reminders: one message to everyone signed up, each in their language, exactly once.

A broadcast is one record plus one outbox record per recipient, created in one
transaction; the delivery worker (bot/outbox.py) sends them at each platform's pace
and records every outcome, so a restart resumes where it stopped. Organisers write
the message in one or more languages, pick the audience, see a preview with the
number of recipients per platform, and only then send.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
import zoneinfo
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.language import for_notification
from bot.commands import Command, Turn
from bot.datafiles import write_atomic
from bot.messages import Choice, Reply
from bot.signups import Signup
from bot.storage import TinyStore
from bot.texts import LANGUAGE_NAMES, language_name, t, tn
from faq.content import Event

if TYPE_CHECKING:
    from bot.core import Bot

log = logging.getLogger(__name__)

AUDIENCES = ("confirmed", "waitlist", "all")
FINAL = ("sent", "failed", "unreachable", "cancelled")
PROGRESS_EVERY = 2.0  # seconds between updates of the organiser's status message
BC = "/bc"


@dataclass(frozen=True)
class Report:
    """Where a broadcast stands."""

    id: int
    event: str
    status: str
    total: int
    counts: dict[str, int]
    started_at: str
    finished_at: str | None

    @property
    def done(self) -> int:
        """Recipients with a final outcome."""
        return sum(self.counts.get(k, 0) for k in FINAL)


def recipients(store: TinyStore, default_language: str, event: Event, audience: str,
               language: str | None) -> list[tuple[Signup, str]]:
    """The signups a broadcast goes to, each with the language to write to them in."""
    out = []
    for signup in store.book(event.id).all():
        if not signup.active:
            continue
        if audience == "confirmed" and signup.status != "confirmed":
            continue
        if audience == "waitlist" and signup.status not in ("waitlisted", "offered"):
            continue
        profile = store.profile(signup.user_key)
        lang = for_notification(profile, default_language, signup.language)
        if language and lang != language:
            continue
        out.append((signup, lang))
    return out


def pick_text(texts: dict[str, str], lang: str, event: Event) -> str:
    """The message in lang, else the event's default language, else the first one written."""
    return texts.get(lang) or texts.get(event.default_language or "") or next(iter(texts.values()))


class Broadcasts:
    """/broadcast, /broadcasts, the reminder schedule, and progress reports to organisers."""

    def __init__(self, bot: "Bot") -> None:
        self.bot = bot
        # an organiser who uses /forget leaves their broadcasts' reports to the others, without their name or chat
        self.table = bot.store.table("broadcasts", forget_fields=("user_key", "report_to"))
        self.reminders_done = bot.store.table("reminders")
        self._watchers: dict[int, asyncio.Task[None]] = {}

    def commands(self) -> list[Command]:
        """The commands this part of the core answers."""
        return [
            Command("broadcast", self.broadcast, "help_broadcast", args="EVENT | cancel ID", role="organiser"),
            Command("broadcasts", self.list, "help_broadcasts", role="organiser"),
            Command("bc", self.action, hidden=True),
        ]

    # --- creating -------------------------------------------------------------------

    def create(self, event: Event, texts: dict[str, str], audience: str, language: str | None,
               created_by: str, report_to: dict[str, Any] | None = None, kind: str = "broadcast",
               extra: dict[str, Any] | None = None) -> int:
        """Queue a broadcast and one message per recipient; call inside store.transact. Returns its id."""
        bot = self.bot
        now = bot.clock()
        targets = recipients(bot.store, bot.default_language, event, audience, language)
        broadcast_id = self.table.next_id()
        self.table.put(broadcast_id, {
            "id": broadcast_id, "event": event.id, "kind": kind, "audience": audience, "language": language,
            "texts": texts, "user_key": created_by, "created_at": bot.stamp(), "status": "sending",
            "total": len(targets), "finished_at": None, "report_to": report_to, **(extra or {})})
        for signup, lang in targets:
            profile = bot.store.profile(signup.user_key)
            note = bot.store.enqueue(signup.user_key, pick_text(texts, lang, event), now, kind=kind, ref=broadcast_id)
            if profile.unreachable:  # blocked the bot before: not worth a call
                bot.store.put_notification(replace(note, status="unreachable"))
        return broadcast_id

    async def create_request(self, request: dict[str, Any], created_by: str) -> int:
        """Queue a broadcast asked for outside the chat (`eventbot broadcast`); returns its id."""
        event = self.bot.knowledge.content.events[request["event"]]
        texts = {k: v for k, v in request["texts"].items() if k in LANGUAGE_NAMES and isinstance(v, str) and v}
        if not texts or request["audience"] not in AUDIENCES:
            raise ValueError("a broadcast needs a text and an audience")
        broadcast_id = await self.bot.store.transact(lambda: self.create(
            event, texts, request["audience"], request.get("language"), created_by))
        log.info("broadcast %d for %s queued from the command line", broadcast_id, event.id)
        self.bot.wake_delivery()
        self.watch(broadcast_id)
        return broadcast_id

    async def take_requests(self) -> None:
        """Broadcasts handed over by `eventbot broadcast` while the bot runs (files in <data_dir>/requests)."""
        folder = self.bot.store.folder.path / "requests"
        for path in sorted(folder.glob("broadcast-*.json")) if folder.is_dir() else ():
            if path.name.endswith(".done.json"):
                continue
            try:
                answer: dict[str, Any] = {"id": await self.create_request(json.loads(path.read_text("utf-8")), "cli")}
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                log.error("a broadcast request could not be used: %s", exc)
                answer = {"error": str(exc)}
            write_atomic(path.with_name(path.stem + ".done.json"), json.dumps(answer))
            path.unlink(missing_ok=True)

    def report(self, broadcast_id: int) -> Report | None:
        """Counts of a broadcast's outcomes so far."""
        record = self.table.get(broadcast_id)
        if record is None:
            return None
        counts = Counter(r["status"] for r in self.bot.store.outbox.records.values() if r.get("ref") == broadcast_id)
        return Report(broadcast_id, record["event"], record["status"], record["total"], dict(counts),
                      record["created_at"], record.get("finished_at"))

    # --- the conversation -----------------------------------------------------------

    async def broadcast(self, turn: Turn, args: str) -> list[Reply]:
        """/broadcast EVENT starts the dialog; /broadcast cancel ID stops one."""
        bot, lang = self.bot, turn.language
        words = args.split()
        if len(words) == 2 and words[0] == "cancel" and words[1].isdigit():
            return await self._cancel(turn, int(words[1]))
        event = bot.knowledge.content.events.get(words[0]) if words else None
        if event is None or not bot.roles.organises(turn.user_key, event.id):
            return [Reply(t("not_allowed", lang))]
        dialog = {"kind": "broadcast", "event": event.id, "token": secrets.token_hex(3), "stage": "text",
                  "lang": lang, "texts": {}, "audience": None, "language": None}
        turn.profile = turn.profile.with_(dialog=dialog)
        return [self.prompt(event, dialog, lang)]

    def prompt(self, event: Event, dialog: dict[str, Any], lang: str) -> Reply:
        """The current step of the broadcast dialog."""
        bot, token = self.bot, dialog["token"]
        stop = Choice(t("button_stop", lang), "/stop")
        name = bot.name(event, lang)
        stage = dialog["stage"]
        if stage == "text":
            return Reply(t("bc_ask_text", lang, event=name, language=language_name(dialog["lang"], lang, in_sentence=True)), (stop,))
        if stage == "more":
            others = [code for code in LANGUAGE_NAMES if code not in dialog["texts"]]
            return Reply(t("bc_more_languages", lang), tuple(
                [Choice(LANGUAGE_NAMES[c], f"{BC} {token} lang {c}") for c in others]
                + [Choice(t("button_continue", lang), f"{BC} {token} next"), stop]))
        if stage == "audience":
            return Reply(t("bc_audience", lang), tuple(
                Choice(t(f"bc_audience_{a}", lang), f"{BC} {token} audience {a}") for a in AUDIENCES) + (stop,))
        if stage == "filter":
            return Reply(t("bc_filter", lang), tuple(
                [Choice(t("bc_everyone", lang), f"{BC} {token} only all")]
                + [Choice(LANGUAGE_NAMES[c], f"{BC} {token} only {c}") for c in LANGUAGE_NAMES] + [stop]))
        targets = recipients(bot.store, bot.default_language, event, dialog["audience"], dialog["language"])
        per_platform = Counter(s.user_key.split(":", 1)[0] for s, _ in targets)
        counts = ", ".join(f"{p}: {n}" for p, n in sorted(per_platform.items())) or "–"
        lines = [tn("bc_preview", len(targets), lang, event=name, total=len(targets), counts=counts)]
        for code, text in dialog["texts"].items():
            lines.append(f"**{LANGUAGE_NAMES[code]}**\n{text}")
        choices = (Choice(t("button_send", lang), f"{BC} {token} send"), stop) if targets else (stop,)
        return Reply("\n\n".join(lines), choices)

    async def stop_dialog(self, turn: Turn) -> list[Reply]:
        """/stop during the broadcast dialog: nothing is sent."""
        turn.profile = turn.profile.with_(dialog=None)
        return [Reply(t("flow_stop_broadcast", turn.language))]

    def resume_dialog(self, turn: Turn) -> list[Reply]:
        """The current step again, after the person did something else."""
        dialog, event = self._current(turn)
        if event is None:
            turn.profile = turn.profile.with_(dialog=None)
            return []
        return [self.prompt(event, dialog, turn.language)]

    async def answer(self, turn: Turn, text: str) -> list[Reply]:
        """Typed text in the dialog: the message in the language being asked for."""
        dialog, event = self._current(turn)
        if event is None:
            turn.profile = turn.profile.with_(dialog=None)
            return await self.bot.stale(turn, "")
        if dialog["stage"] != "text":
            return [self.prompt(event, dialog, turn.language)]
        dialog["texts"][dialog["lang"]] = text
        dialog["stage"] = "more" if len(dialog["texts"]) < len(LANGUAGE_NAMES) else "audience"
        turn.profile = turn.profile.with_(dialog=dialog)
        return [self.prompt(event, dialog, turn.language)]

    async def action(self, turn: Turn, args: str) -> list[Reply]:
        """A button of the broadcast dialog: /bc TOKEN ACTION [VALUE]."""
        token, _, rest = args.partition(" ")
        action, _, value = rest.partition(" ")
        dialog, event = self._current(turn)
        if event is None or dialog["token"] != token:
            return await self.bot.stale(turn, "")
        stage = dialog["stage"]
        if action == "lang" and stage == "more" and value in LANGUAGE_NAMES:
            dialog.update(stage="text", lang=value)
        elif action == "next" and stage == "more":
            dialog["stage"] = "audience"
        elif action == "audience" and stage == "audience" and value in AUDIENCES:
            dialog.update(stage="filter", audience=value)
        elif action == "only" and stage == "filter" and (value == "all" or value in LANGUAGE_NAMES):
            dialog.update(stage="preview", language=None if value == "all" else value)
        elif action == "send" and stage == "preview":
            turn.profile = turn.profile.with_(dialog=None)
            return await self._send(turn, event, dialog)
        else:
            return await self.bot.stale(turn, "")
        turn.profile = turn.profile.with_(dialog=dialog)
        return [self.prompt(event, dialog, turn.language)]

    def _current(self, turn: Turn) -> tuple[dict[str, Any], Event | None]:
        dialog = turn.profile.dialog or {}
        if dialog.get("kind") != "broadcast" or not self.bot.roles.organises(turn.user_key, dialog.get("event", "")):
            return dialog, None
        event = self.bot.knowledge.content.events.get(dialog["event"])
        return dict(dialog, texts=dict(dialog["texts"])), event

    async def _send(self, turn: Turn, event: Event, dialog: dict[str, Any]) -> list[Reply]:
        bot, message = self.bot, turn.message
        report_to = {"platform": message.platform, "chat_id": message.chat_id, "language": turn.language}

        def change() -> int:
            bot.store.put_profile(turn.stored())
            return self.create(event, dialog["texts"], dialog["audience"], dialog["language"], turn.user_key, report_to)

        broadcast_id = await bot.store.transact(change)
        log.info("broadcast %d for %s queued", broadcast_id, event.id)
        bot.wake_delivery()
        self.watch(broadcast_id)
        report = self.report(broadcast_id)
        total = report.total if report else 0
        return [Reply(tn("bc_started", total, turn.language, id=broadcast_id, total=total))]

    async def _cancel(self, turn: Turn, broadcast_id: int) -> list[Reply]:
        bot, lang = self.bot, turn.language
        record = self.table.get(broadcast_id)
        if record is None or not bot.roles.organises(turn.user_key, record["event"]):
            return [Reply(t("not_allowed", lang))]
        if record["status"] != "sending":
            return [Reply(t("bc_not_running", lang, id=broadcast_id))]

        def change() -> None:
            self.table.put(broadcast_id, {**record, "status": "cancelled", "finished_at": bot.stamp()})
            for seq, note in list(bot.store.outbox.records.items()):
                if note.get("ref") == broadcast_id and note["status"] == "pending":
                    bot.store.outbox.put(seq, {**note, "status": "cancelled"})

        await bot.store.transact(change)
        return [Reply(t("bc_cancelled", lang, id=broadcast_id) + "\n" + self.describe(self.report(broadcast_id), lang))]

    async def list(self, turn: Turn, args: str) -> list[Reply]:
        """/broadcasts: the recent broadcasts of the events the person organises, with their reports."""
        bot, lang = self.bot, turn.language
        mine = [r for r in self.table.records.values() if bot.roles.organises(turn.user_key, r["event"])]
        if not bot.roles.organises_any(turn.user_key):
            return [Reply(t("not_allowed", lang))]
        if not mine:
            return [Reply(t("bc_none", lang))]
        recent = sorted(mine, key=lambda r: r["id"], reverse=True)[:10]
        return [Reply("\n\n".join(self.describe(self.report(r["id"]), lang) for r in recent))]

    def describe(self, report: Report | None, lang: str) -> str:
        """A broadcast's report in words."""
        if report is None:
            return ""
        c = report.counts
        event = self.bot.knowledge.content.events.get(report.event)
        return t("bc_report", lang, id=report.id, event=report.event, status=report.status, total=report.total,
                 sent=c.get("sent", 0), failed=c.get("failed", 0), unreachable=c.get("unreachable", 0),
                 pending=c.get("pending", 0), started=self.bot.moment_iso(report.started_at, event, lang),
                 finished=self.bot.moment_iso(report.finished_at, event, lang))

    # --- progress -------------------------------------------------------------------

    def watch(self, broadcast_id: int) -> None:
        """Keep the organiser informed until the broadcast is finished (and mark it done)."""
        if broadcast_id not in self._watchers:
            task = asyncio.create_task(self._watch(broadcast_id), name=f"eventbot-broadcast-{broadcast_id}")
            self._watchers[broadcast_id] = task
            task.add_done_callback(lambda _: self._watchers.pop(broadcast_id, None))

    async def resume(self) -> None:
        """After a restart: watch every broadcast still sending."""
        for record in list(self.table.records.values()):
            if record["status"] == "sending":
                log.info("resuming broadcast %d", record["id"])
                self.watch(record["id"])

    async def stop(self) -> None:
        """Stop watching (the outbox keeps what is left for the next start)."""
        for task in list(self._watchers.values()):
            task.cancel()
        await asyncio.gather(*self._watchers.values(), return_exceptions=True)

    async def _watch(self, broadcast_id: int) -> None:
        bot = self.bot
        status_id = None
        while True:
            report = self.report(broadcast_id)
            if report is None:
                return
            target = (self.table.get(broadcast_id) or {}).get("report_to")  # gone if the organiser used /forget
            messenger = bot.messengers.get(target["platform"]) if target else None
            lang = target.get("language", bot.default_language) if target else bot.default_language
            edit = getattr(messenger, "edit", None)
            finished = report.status != "sending" or not report.counts.get("pending")
            if finished and report.status == "sending":
                await bot.store.transact(lambda: self.table.put(
                    broadcast_id, {**self.table.get(broadcast_id), "status": "done", "finished_at": bot.stamp()}))
                report = self.report(broadcast_id)
                log.info("broadcast %d finished: %s", broadcast_id, report.counts if report else {})
            if messenger is not None and report is not None:
                progress = bot.present(messenger, Reply(t("bc_progress", lang, id=broadcast_id, done=report.done,
                                                           total=report.total)))
                try:
                    if finished and status_id is not None and edit is not None:  # the progress message ends as the report
                        final = bot.present(messenger, Reply(self.describe(report, lang)))
                        try:
                            await edit(target["chat_id"], status_id, final)
                        except Exception:  # the report must arrive: as a message of its own then
                            log.warning("could not edit the progress of broadcast %d into its report; sending it", broadcast_id)
                            await messenger.send(target["chat_id"], final)
                    elif finished:
                        await messenger.send(target["chat_id"], bot.present(messenger, Reply(self.describe(report, lang))))
                    elif status_id is not None and edit is not None:
                        await edit(target["chat_id"], status_id, progress)
                    elif edit is not None:
                        status_id = await messenger.send(target["chat_id"], progress)
                except Exception:  # progress is a courtesy: never let it stop the broadcast
                    log.warning("could not update the progress of broadcast %d", broadcast_id)
            if finished:
                return
            await asyncio.sleep(PROGRESS_EVERY)

    # --- reminders ------------------------------------------------------------------

    async def send_due_reminders(self) -> None:
        """Queue every reminder whose time has come, once, also if the bot was down at the time."""
        bot = self.bot
        now = bot.clock()
        done = {(r["event"], r["before"]) for r in self.reminders_done.records.values()}
        for event in list(bot.knowledge.content.events.values()):
            start = _aware_start(event)
            for index, reminder in enumerate(event.reminders):
                before = int(reminder.before.total_seconds())  # the key: reordering the YAML list changes nothing
                if (event.id, before) in done or start is None:
                    continue
                due = start - reminder.before
                if now < due:
                    continue
                late = now - due > dt.timedelta(minutes=5)
                skipped = now >= start

                def change(event: Event = event, before: int = before, reminder: Any = reminder,
                           skipped: bool = skipped) -> None:
                    broadcast_id = None if skipped else self.create(
                        event, reminder.texts, "confirmed", None, "reminder", kind="reminder",
                        extra={"reminder_before": before})
                    self.reminders_done.put(self.reminders_done.next_id(), {
                        "event": event.id, "before": before, "at": bot.stamp(), "broadcast": broadcast_id,
                        "skipped": skipped})

                await bot.store.transact(change)
                if skipped:
                    log.warning("reminder %d of %s was due at %s but the event has started: not sent",
                                index, event.id, due.isoformat())
                elif late:
                    log.warning("reminder %d of %s was due at %s; sent late (the bot was not running)",
                                index, event.id, due.isoformat())
                bot.wake_delivery()


def _aware_start(event: Event) -> dt.datetime | None:
    if event.start is None:
        return None
    start = event.start if isinstance(event.start, dt.datetime) else dt.datetime.combine(event.start, dt.time())
    return start if start.tzinfo else start.replace(tzinfo=zoneinfo.ZoneInfo(event.timezone))
