"""Hand-off to a human: a participant's question goes to the event's organiser chat, and
an organiser's reply to it comes back to the participant, on whichever platform they use.

Each forwarded message is remembered (chat and message id) with the person it came
from, so a reply to it, or to any later message of the same thread, finds its way
back. The records carry the person's key, so /forget deletes them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.commands import Command, Turn
from bot.messages import Choice, DeliveryError, Incoming, Reply, literal
from bot.roles import ALL_EVENTS
from bot.texts import t

if TYPE_CHECKING:
    from bot.core import Bot

log = logging.getLogger(__name__)


class Handoff:
    """/ask, organisers' replies in their chat, and /faqstub."""

    def __init__(self, bot: "Bot") -> None:
        self.bot = bot
        self.table = bot.store.table("handoffs")

    def commands(self) -> list[Command]:
        """The commands this part of the core answers."""
        return [Command("ask", self.ask, "help_ask", args="QUESTION"),
                Command("faqstub", self.faqstub, "help_faqstub", role="organiser")]

    def chat_for(self, event_id: str | None) -> tuple[str, str] | None:
        """The organiser chat (platform, chat id) of an event, or of all events."""
        chats = self.bot.roles.organiser_chats
        key = chats.get(event_id or "") or chats.get(ALL_EVENTS)
        return tuple(key.split(":", 1)) if key else None  # type: ignore[return-value]

    async def ask(self, turn: Turn, args: str) -> list[Reply]:
        """/ask QUESTION forwards it; /ask alone asks for the question first."""
        lang, question = turn.language, args.strip()
        target = self.chat_for(turn.event)
        if target is None or target[0] not in self.bot.messengers:  # say so before asking for the question
            event = self.bot.knowledge.content.events.get(turn.event or "")
            contact = self.bot.contact(event, lang) if event else t("contact_organisers", lang)
            return [Reply(t("ask_no_chat", lang, contact=contact))]
        if not question:
            turn.profile = turn.profile.with_(dialog={"kind": "ask", "event": turn.event})
            return [Reply(t("ask_what", lang), (Choice(t("button_stop", lang), "/stop"),))]
        return await self._forward(turn, question)

    async def stop_dialog(self, turn: Turn) -> list[Reply]:
        """/stop instead of the question: nothing is passed on."""
        turn.profile = turn.profile.with_(dialog=None)
        return [Reply(t("flow_stop_ask", turn.language))]

    def resume_dialog(self, turn: Turn) -> list[Reply]:
        """The question is still wanted, after the person did something else."""
        return [Reply(t("ask_what", turn.language), (Choice(t("button_stop", turn.language), "/stop"),))]

    async def answer(self, turn: Turn, text: str) -> list[Reply]:
        """The question typed after /ask."""
        turn.profile = turn.profile.with_(dialog=None)
        return await self._forward(turn, text)

    async def _forward(self, turn: Turn, question: str) -> list[Reply]:
        bot, lang = self.bot, turn.language
        target = self.chat_for(turn.event)
        messenger = bot.messengers.get(target[0]) if target else None
        event = bot.knowledge.content.events.get(turn.event or "")
        if target is None or messenger is None:
            contact = bot.contact(event, lang) if event else t("contact_organisers", lang)
            return [Reply(t("ask_no_chat", lang, contact=contact))]
        name = literal(turn.message.user_name, 80) or t("ask_someone", bot.default_language)
        where = bot.name(event, bot.default_language) if event else "–"
        text = t("handoff_forward", bot.default_language, name=name, platform=turn.message.platform, event=where,
                 question=literal(question, 2000))
        try:
            message_id = await messenger.send(target[1], bot.present(messenger, Reply(text)))
        except DeliveryError:
            log.warning("a question could not be forwarded to the organiser chat on %s", target[0])
            return [Reply(t("storage_error", lang))]
        record = {"user_key": turn.user_key, "event": turn.event, "chat": ":".join(target),
                  "message_ids": [message_id] if message_id else [], "question": question, "answers": [],
                  "language": lang, "created_at": bot.stamp()}
        await bot.store.transact(lambda: self.table.put(self.table.next_id(), record))
        # the answer is delivered to the person's private chat (a queued notification)
        return [Reply(t("ask_sent" if turn.direct else "ask_sent_private", lang))]

    def thread_of(self, message: Incoming) -> tuple[int, dict[str, Any]] | None:
        """The hand-off an organiser's reply belongs to, if the message replies to a forwarded question."""
        if not message.reply_to:
            return None
        chat = f"{message.platform}:{message.chat_id}"
        for record_id, record in self.table.records.items():
            if record["chat"] == chat and message.reply_to in record["message_ids"]:
                return record_id, record
        return None

    async def organiser_reply(self, message: Incoming, record_id: int, record: dict[str, Any]) -> list[Reply] | None:
        """An organiser answered in their chat: queue the answer for the participant.

        None when the sender is not an organiser of the event: their message is an
        ordinary one, not an answer.
        """
        bot = self.bot
        if not bot.roles.organises(message.user_key, record.get("event") or ""):
            return None
        lang = record.get("language") or bot.default_language
        event = bot.knowledge.content.events.get(record.get("event") or "")
        where = bot.name(event, lang) if event else ""
        text = t("handoff_answer", lang, event=where, answer=literal(message.text.strip(), None))
        choices = ((t("button_reply", lang), "/ask"),)

        def change() -> None:
            current = self.table.get(record_id)
            if current is None:  # the participant used /forget meanwhile
                return
            bot.store.enqueue(record["user_key"], text, bot.clock(), choices, kind="handoff")
            self.table.put(record_id, {**current, "answers": [*current["answers"], message.text.strip()]})
            profile = bot.store.profile(record["user_key"])
            bot.store.put_profile(profile.with_(last_event=record.get("event") or profile.last_event))

        await bot.store.transact(change)
        bot.wake_delivery()
        return [Reply(t("handoff_delivered", bot.default_language))]

    async def faqstub(self, turn: Turn, args: str) -> list[Reply]:
        """/faqstub as a reply to a forwarded question: an FAQ entry stub with the question and the answer."""
        found = self.thread_of(turn.message)
        if found is None or not self.bot.roles.organises(turn.user_key, found[1].get("event") or ""):
            return [Reply(t("not_allowed", turn.language))]
        record = found[1]
        answer = record["answers"][-1] if record["answers"] else "TODO"
        lang = record.get("language") or self.bot.default_language
        lines = [f"  - id: asked-{found[0]}"]
        if record.get("event"):
            lines.append(f"    event: {record['event']}")
        lines += [f'    "{lang}":' if lang == "no" else f"    {lang}:",
                  f"      question: {_quote(record['question'])}", f"      answer: {_quote(answer)}"]
        return [Reply(t("faqstub_header", turn.language) + "\n\n" + "\n".join(lines))]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
