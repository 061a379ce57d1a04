"""What the FAQ is missing: unanswered questions and confirmed "did you mean" picks.

Every question that ends in "did you mean" or the fallback is logged in the
`unanswered` table: its text, language, event, band, best candidates with their
scores, and when. The record keeps the asker's key only so that /forget deletes it;
nothing that lists or exports the questions shows who asked.

When the person then picks one of the "did you mean" choices, that record gets
`picked` (the entry id) and `picked_rank` (the choice number): a confirmed
phrasing of that entry, which `eventbot faq suggest` proposes as a variant. The
question is remembered in `Profile.last_question` between the two turns.

Grouping: similar questions are grouped so that ten ways of asking about parking
show up as one line. Each question becomes a key of its content words (the
matcher's analysis: normalised, stop words removed, stemmed; CJK as bigrams), and
keys are clustered greedily within one event, most frequent key first: a key
joins the first group whose seed key scores at least GROUP_THRESHOLD with
rapidfuzz's token_set_ratio, else it seeds a new group. Comparing with the seed
only (not every member) keeps groups from drifting through chains of near matches.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from rapidfuzz import fuzz, process

from bot.commands import Command, Turn
from bot.messages import Choice, Reply, literal
from bot.texts import t, tn
from faq.knowledge import Answer
from faq.matcher import Analyzer
from faq.normalize import normalize

if TYPE_CHECKING:
    from bot.core import Bot
    from bot.storage import TinyStore
    from bot.datafiles import ShardedTable

log = logging.getLogger(__name__)

TABLE = "unanswered"
# token_set_ratio of content-word keys. Measured on hand-made paraphrases: the same
# need asked differently scores 78-100 ("park ewrc" / "where park ewrc" 100, "park car" /
# "park garag" 78), different needs sharing one word 60-78 ("park near venu" / "hotel
# near venu" 78, "park ewrc" / "bring dog ewrc" 62). 80 keeps those apart: a question
# wrongly hidden under another's line is worse than two lines for one need.
GROUP_THRESHOLD = 80
MAX_TEXT = 500  # characters of a question kept (a pasted essay is not a phrasing)
SHOWN_GROUPS = 10  # groups listed by /unanswered
SHOWN_TEXT = 120  # characters of a representative text shown in the chat
CANDIDATES = 3  # best candidates kept per question (the "did you mean" choices)


@dataclass(frozen=True)
class Asked:
    """One wording in a group: the text as first asked, its language, and how often it was asked."""

    text: str
    language: str
    count: int


@dataclass(frozen=True)
class Group:
    """Similar unanswered questions about one event (or none), most asked wording first."""

    event: str | None
    wordings: tuple[Asked, ...]
    count: int  # questions asked
    people: int  # different people who asked
    languages: tuple[str, ...]  # most used first
    best: tuple[str, float] | None  # the entry most often ranked first under "did you mean", with its best score
    last: str  # when it was last asked (ISO)

    @property
    def representative(self) -> Asked:
        """The wording asked most often."""
        return self.wordings[0]

    def in_language(self, lang: str) -> list[str]:
        """The group's wordings in one language, most asked first."""
        return [w.text for w in self.wordings if w.language == lang]


def unanswered(records: Iterable[dict[str, Any]], event_allowed: Callable[[str | None], bool]) -> list[dict[str, Any]]:
    """The logged questions nobody confirmed a "did you mean" choice for, in the allowed events."""
    return [r for r in records if not r.get("picked") and event_allowed(r.get("event"))]


def group_questions(records: Iterable[dict[str, Any]], threshold: float = GROUP_THRESHOLD) -> list[Group]:
    """Group similar questions per event; most asked first (then more people, then most recent)."""
    analyzer = Analyzer()
    by_event: dict[str | None, dict[str, list[dict[str, Any]]]] = {}
    for record in records:
        text = str(record.get("text", ""))
        key = analyzer.analyze(text, record.get("language"))[2] or normalize(text) or text
        by_event.setdefault(record.get("event"), {}).setdefault(key, []).append(record)
    groups: list[Group] = []
    for event, by_key in by_event.items():
        seeds: list[str] = []
        members: list[list[dict[str, Any]]] = []
        for key, found in sorted(by_key.items(), key=lambda item: (-len(item[1]), item[0])):
            best = process.extractOne(key, seeds, scorer=fuzz.token_set_ratio, score_cutoff=threshold) if seeds else None
            if best is None:
                seeds.append(key)
                members.append(list(found))
            else:
                members[best[2]].extend(found)
        groups += [_group(event, group) for group in members]
    groups.sort(key=lambda g: g.last, reverse=True)
    groups.sort(key=lambda g: (-g.count, -g.people))
    return groups


def _group(event: str | None, records: list[dict[str, Any]]) -> Group:
    wordings: dict[tuple[str, str], list[Any]] = {}  # (language, normalised text) -> [text, count]
    firsts: Counter[str] = Counter()
    scores: dict[str, float] = {}
    for record in sorted(records, key=lambda r: str(r.get("at", ""))):
        lang, text = str(record.get("language", "")), str(record.get("text", ""))
        wordings.setdefault((lang, normalize(text) or text), [text, 0])[1] += 1
        candidates = record.get("candidates") or []
        if candidates and record.get("band") == "suggest":  # a fallback's best guesses are noise
            first = candidates[0]
            firsts[first["id"]] += 1
            scores[first["id"]] = max(scores.get(first["id"], 0.0), float(first["score"]))
    asked = sorted((Asked(text, lang, n) for (lang, _), (text, n) in wordings.items()), key=lambda a: -a.count)
    languages = Counter(str(r.get("language", "")) for r in records)
    best_id = max(firsts, key=lambda i: (firsts[i], scores[i])) if firsts else None
    return Group(
        event=event, wordings=tuple(asked), count=len(records),
        people=len({r.get("user_key") for r in records}),
        languages=tuple(lang for lang, _ in languages.most_common()),
        best=(best_id, scores[best_id]) if best_id else None,
        last=max(str(r.get("at", "")) for r in records),
    )


def table(store: "TinyStore") -> "ShardedTable":
    """The table of logged questions (deleted per person by /forget: each record has a user_key)."""
    return store.table(TABLE)


class Insights:
    """Logs questions the FAQ could not answer and the suggestions people picked."""

    def __init__(self, bot: "Bot") -> None:
        self.bot = bot
        table(bot.store)  # open the table now: /forget deletes only from tables the store has opened

    def commands(self) -> list[Command]:
        """The commands this part of the core answers."""
        return [Command("unanswered", self.unanswered, "help_unanswered", args="[EVENT]", role="organiser")]

    # --- logging --------------------------------------------------------------------

    async def record(self, turn: Turn, text: str, text_language: str, answer: Answer) -> None:
        """A question ended in "did you mean" or the fallback: log it (and remember a "did you mean")."""
        bot = self.bot
        questions = table(bot.store)
        record = {
            "user_key": turn.user_key,
            "text": text[:MAX_TEXT],
            "language": text_language,
            "event": answer.event,
            "band": answer.band,
            "candidates": [{"id": m.entry_id, "score": round(float(m.score), 1)} for m in answer.matches[:CANDIDATES]],
            "at": bot.stamp(),
        }
        profile = turn.profile

        def change() -> int:
            doc_id = questions.next_id()
            questions.put(doc_id, record)
            if profile is not None:
                last = None
                if answer.band == "suggest":
                    last = {"id": doc_id, "candidates": [c["id"] for c in record["candidates"]]}
                turn.profile = profile.with_(last_question=last)
                bot.store.put_profile(turn.stored())
            return doc_id

        doc_id = await bot.store.transact(change)
        log.debug("logged unanswered question %d (band %s, event %s)", doc_id, answer.band, answer.event)

    async def picked(self, turn: Turn, entry_id: str) -> None:
        """The person picked an FAQ entry (from "did you mean", topics or elsewhere).

        Only a pick among the choices of their last "did you mean" counts: it marks
        that question as a confirmed phrasing of the entry. One pick per question.
        """
        bot, profile = self.bot, turn.profile
        last = profile.last_question if profile else None
        if profile is None or not last or entry_id not in last.get("candidates", ()):
            return
        questions = table(bot.store)
        rank = list(last["candidates"]).index(entry_id) + 1
        stamp = bot.stamp()

        def change() -> bool:
            turn.profile = profile.with_(last_question=None)
            bot.store.put_profile(turn.stored())
            record = questions.get(int(last.get("id", 0)))
            if record is None or record.get("user_key") != turn.user_key or record.get("picked"):
                return False
            questions.put(int(last["id"]), {**record, "picked": entry_id, "picked_rank": rank, "picked_at": stamp})
            return True

        if await bot.store.transact(change):
            log.debug("question %s confirmed as a phrasing of %s (choice %d)", last.get("id"), entry_id, rank)

    # --- /unanswered ----------------------------------------------------------------

    async def unanswered(self, turn: Turn, args: str) -> list[Reply]:
        """/unanswered [EVENT]: the most frequent unanswered questions, grouped (organisers and admins)."""
        bot, lang, roles, who = self.bot, turn.language, self.bot.roles, turn.user_key
        key = args.strip()
        if key:
            event = bot.knowledge.content.events.get(key.lower()) or bot.knowledge.find_event(key)
            if event is None or not roles.organises(who, event.id):
                return [Reply(t("not_allowed", lang))]
            event_id: str | None = event.id
            scope = bot.name(event, lang)
            allowed: Callable[[str | None], bool] = lambda e: e == event_id
        else:
            if not roles.organises_any(who):
                return [Reply(t("not_allowed", lang))]
            event_id, scope = None, t("unanswered_scope_all", lang)
            allowed = lambda e: roles.is_admin(who) or (e is not None and roles.organises(who, e))
        if not turn.direct:
            payload = f"/unanswered {event_id}" if event_id and len(event_id) <= 50 else "/unanswered"
            return [Reply(t("unanswered_private", lang), (Choice(t("button_unanswered", lang), payload),), private=True)]
        if event_id:
            turn.event = event_id
        found = unanswered(list(table(bot.store).records.values()), allowed)
        groups = await asyncio.to_thread(group_questions, found)  # long logs: keep the loop serving others
        if not groups:
            return [Reply(t("unanswered_none", lang, scope=scope))]
        count = sum(g.count for g in groups)
        lines = [tn("unanswered_header", count, lang, scope=scope, groups=tn("unanswered_groups", len(groups), lang))]
        for number, group in enumerate(groups[:SHOWN_GROUPS], 1):
            lines.append(self._group_line(number, group, lang, show_event=event_id is None))
        if len(groups) > SHOWN_GROUPS:
            lines.append(tn("unanswered_more", len(groups) - SHOWN_GROUPS, lang))
        lines += ["", t("unanswered_hint", lang)]
        return [Reply("\n".join(lines))]

    def _group_line(self, number: int, group: Group, lang: str, show_event: bool) -> str:
        bot = self.bot
        text = literal(group.representative.text, SHOWN_TEXT)
        line = f"{number}. " + t("unanswered_item", lang, count=group.count, people=tn("unanswered_people", group.people, lang), text=text,
                                   languages=", ".join(group.languages))
        if show_event:
            event = bot.knowledge.content.events.get(group.event or "")
            line += " · " + (bot.name(event, lang) if event else group.event or t("unanswered_no_event", lang))
        entry = bot.knowledge.content.entries.get(group.best[0]) if group.best else None
        if entry is not None:
            line += "\n   " + t("unanswered_closest", lang, entry=bot.knowledge.question(entry, lang))
        return line
