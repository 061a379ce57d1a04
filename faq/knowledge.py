"""What the bot knows: the content, its matcher, and how a question becomes an answer.

`Knowledge` is built once per content version (at start-up and on reload) with
everything precomputed; asking is read-only, so a reload can build a new one and
swap it in while the old one keeps answering. With semantic matching on, asking
embeds the question, so ask_async runs it on the model's worker threads.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Iterable

import numpy as np

from faq.content import Content, Event, FaqEntry, load_or_raise
from faq.matcher import Band, Document, Match, Matcher, MatchSettings
from faq.semantic import Semantic
from faq.normalize import LANGUAGES, is_cjk, normalize
from faq.yamlsafe import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Answer:
    """The outcome of a question, ready to be worded by the conversation layer."""

    band: Band
    language: str
    entry: FaqEntry | None
    answer_language: str | None
    matches: list[Match]
    confidence: float
    event: str | None

    @property
    def text(self) -> str | None:
        """The answer text in answer_language, when the band is "answer"."""
        if self.entry is None or self.answer_language is None:
            return None
        return self.entry.texts[self.answer_language].answer

    @property
    def language_fallback(self) -> bool:
        """True when the answer is not in the language that was asked for."""
        return self.answer_language is not None and self.answer_language != self.language


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


@lru_cache(maxsize=4096)
def _name_pattern(name: str) -> re.Pattern[str]:
    """A Latin-script name as a whole word: between spaces, the text's ends or Japanese characters."""
    return re.compile(rf"(?:^|(?<=\s)|(?<=[{_CJK}])){re.escape(name)}(?=$|\s|[{_CJK}])")


def _named(name: str, norm: str) -> bool:
    """True when normalised text contains the name ("inno4sportsはいつ" names inno4sports)."""
    return name in norm and _name_pattern(name).search(norm) is not None


MAX_QUESTION = 2_000  # characters of a question matching reads (far above any real question)


class Knowledge:
    """Content plus everything precomputed to answer questions about it."""

    def __init__(self, content: Content, settings: MatchSettings | None = None, default_language: str = "en",
                 previous: "Knowledge | None" = None, semantic: Semantic | None = None) -> None:
        """Index content; with `previous`, only phrasings that changed are analysed (and embedded) again.

        Semantic matching is on when the settings enable it (the model is loaded, or
        reused from `previous`) or when a `semantic` model is passed in.
        """
        self.content = content
        self.default_language = default_language
        self.matcher = Matcher(
            (Document(e.id, lang, text.all_phrasings) for e in content.entries.values() for lang, text in e.texts.items()),
            settings, previous.matcher if previous else None, semantic,
        )
        self._event_names = self._names(content.events.values())
        self._names_of: dict[str, list[str]] = {}
        for name, event_id in self._event_names:
            self._names_of.setdefault(event_id, []).append(name)
        self._scopes: dict[str | None, np.ndarray | None] = {None: None}  # None: every entry
        for event_id in content.events:
            allowed = [e.id for e in content.entries.values() if e.event in (None, event_id)]
            self._scopes[event_id] = self.matcher.entry_mask(allowed)

    @classmethod
    def load(cls, paths: Iterable[Path], settings: MatchSettings | None = None, default_language: str = "en",
             max_bytes: int = DEFAULT_MAX_BYTES, previous: "Knowledge | None" = None,
             semantic: Semantic | None = None) -> "Knowledge":
        """Load content from YAML files or folders; raises ContentError on any error.

        Pass the Knowledge in use as `previous` on a reload: it keeps answering until
        the new one is ready, and lends it the analysis (and embeddings) of unchanged phrasings.
        """
        return cls(load_or_raise(list(paths), max_bytes), settings, default_language, previous, semantic)

    @staticmethod
    def _names(events: Iterable[Event]) -> list[tuple[str, str]]:
        names: list[tuple[str, str]] = []
        for event in events:
            for name in {event.id, event.id.replace("-", " "), *event.names.values(), *event.aliases}:
                norm = normalize(name)
                if norm:
                    names.append((norm, event.id))
        return sorted(names, key=lambda item: -len(item[0]))

    def events_named(self, text: str) -> list[str]:
        """The events a text names (by id, name or alias), longest name first."""
        norm = normalize(text)
        found: list[str] = []
        for name, event_id in self._event_names:
            hit = name in norm if is_cjk(name) else _named(name, norm)
            if hit and event_id not in found:
                found.append(event_id)
        return found

    def find_event(self, text: str) -> Event | None:
        """The one event a text names, or None when it names none or several."""
        named = self.events_named(text)
        return self.content.events[named[0]] if len(named) == 1 else None

    def pick_language(self, available: Iterable[str], wanted: str, event_id: str | None) -> str | None:
        """The language to show: wanted, else the event's default, else the bot's, else any available."""
        available = [lang for lang in available]
        event = self.content.events.get(event_id or "")
        for lang in (wanted, event.default_language if event else None, self.default_language, *LANGUAGES):
            if lang and lang in available:
                return lang
        return available[0] if available else None

    def localized(self, texts: dict[str, str], wanted: str, event_id: str | None) -> str:
        """A per-language text in the language pick_language chooses ("" when there is none)."""
        lang = self.pick_language((k for k, v in texts.items() if v), wanted, event_id)
        return texts[lang] if lang else ""

    def answer_language(self, entry: FaqEntry, wanted: str) -> str:
        """The language to answer an entry in (every entry has at least one)."""
        return self.pick_language(entry.texts, wanted, entry.event) or next(iter(entry.texts))

    def ask(self, text: str, language: str, context_event: str | None = None, text_language: str | None = None) -> Answer:
        """Answer a question in language, scoped to the event it names or the context event.

        text_language is the language the question is written in (for stemming and
        stop words) when it differs from the language the answer should be in.
        Text that cannot be encoded (lone surrogates) is read with U+FFFD in their place,
        and only the first MAX_QUESTION characters count.
        """
        text = text[:MAX_QUESTION]
        if any("\ud800" <= c <= "\udfff" for c in text):
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        named = self.events_named(text)
        scope = named[0] if len(named) == 1 else (None if named else context_event)
        match_lang = text_language or language
        vector = self.matcher.embed(text, match_lang)  # None unless semantic matching is on
        # the question word weighs when an event is named: the name's words match every entry of it
        # within the one event a question names, the event's names tell its entries no apart: they weigh less
        result = self.matcher.match(text, match_lang, self._scopes.get(scope), vector=vector, names_event=bool(named),
                                    event_names=self._names_of.get(scope, ()) if len(named) == 1 else ())
        if scope is not None and not named and result.band != "answer":
            wider = self.matcher.match(text, match_lang, vector=vector)
            if wider.band == "answer":
                result, scope = wider, None
        entry = self.content.entries[result.matches[0].entry_id] if result.band == "answer" else None
        return Answer(
            band=result.band, language=language, entry=entry,
            answer_language=self.answer_language(entry, language) if entry else None,
            matches=result.matches, confidence=result.confidence,
            event=entry.event if entry and entry.event else scope,
        )

    async def ask_async(self, text: str, language: str, context_event: str | None = None,
                        text_language: str | None = None) -> Answer:
        """ask() for the event loop: with semantic matching on, it runs on the model's worker threads.

        Embedding a question takes tens of milliseconds of CPU; on a worker thread the
        loop keeps serving other people meanwhile, and with two or more workers one
        slow question does not hold up the next.
        """
        semantic = self.matcher.semantic
        if semantic is None:
            return self.ask(text, language, context_event, text_language)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(semantic.executor, partial(self.ask, text, language, context_event, text_language))

    def question(self, entry: FaqEntry, language: str) -> str:
        """An entry's question in the language (or its fallback)."""
        return entry.texts[self.answer_language(entry, language)].question

    def topics(self, event_id: str | None) -> list[FaqEntry]:
        """The entries of an event (or the general ones), grouped by their first tag."""
        entries = [e for e in self.content.entries.values() if e.event == event_id]
        return sorted(entries, key=lambda e: (e.tags[0] if e.tags else "~"))
