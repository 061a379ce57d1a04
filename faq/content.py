"""The content model (events and FAQ entries) and its loading and validation.

Every problem is collected, not just the first, so `eventbot faq check` can print
them all at once as `file:line: message`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from faq.content_files import content_files
from faq.content_suggest import closest, closest_language, closest_time_zone
from faq.content_dates import FORMS as DATE_FORMS, read_moment
from faq.near_duplicates import similar_pairs
from faq.normalize import LANGUAGES, normalize
from faq.reminder_content import Reminder, parse_reminders
from faq.signup_content import SignupSettings, parse_signup
from faq.yamlsafe import DEFAULT_MAX_BYTES, LineDict, LineList, Problem, YamlError, load_file

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# an answer not written yet: TODO, TBD, FIXME, XXX, ??? or lorem ipsum, as a word of its own
_PLACEHOLDER = re.compile(r"(?<![\w-])(TODO|TBD|TBA|FIXME|XXX+|lorem ipsum)(?![\w-])|\?\?\?", re.IGNORECASE)
NEAR_DUPLICATE_RATIO = 95.0


@dataclass(frozen=True)
class Contact:
    """Who to contact about an event."""

    name: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, kw_only=True)
class Located:
    """Where in the content files something is defined."""

    file: str = ""
    line: int = 0

    @property
    def source(self) -> str:
        """The place as file:line."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Event(Located):
    """One event, with its texts per language."""

    id: str
    names: dict[str, str]
    timezone: str
    default_language: str | None = None
    aliases: tuple[str, ...] = ()
    start: dt.date | dt.datetime | None = None
    end: dt.date | dt.datetime | None = None
    when: dict[str, str] = field(default_factory=dict)
    place: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    contact: Contact | None = None
    links: tuple[str, ...] = ()
    signup: SignupSettings | None = None  # None: no signups through the bot
    reminders: tuple[Reminder, ...] = ()
    past: bool = False  # the event took place: not "upcoming", whether or not it has dates


@dataclass(frozen=True)
class EntryText:
    """An FAQ entry in one language."""

    question: str
    phrasings: tuple[str, ...]
    answer: str

    @property
    def all_phrasings(self) -> tuple[str, ...]:
        """The question followed by its alternative phrasings."""
        return (self.question, *self.phrasings)


@dataclass(frozen=True)
class FaqEntry(Located):
    """One FAQ entry: a stable id, an optional event and its texts per language."""

    id: str
    texts: dict[str, EntryText]
    event: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Content:
    """Everything the admins wrote: events and FAQ entries, by id, in file order."""

    events: dict[str, Event]
    entries: dict[str, FaqEntry]
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentChanges:
    """What a reload changed: ids of entries and events added, removed and changed."""

    entries_added: tuple[str, ...] = ()
    entries_removed: tuple[str, ...] = ()
    entries_changed: tuple[str, ...] = ()
    events_added: tuple[str, ...] = ()
    events_removed: tuple[str, ...] = ()
    events_changed: tuple[str, ...] = ()

    @classmethod
    def between(cls, old: "Content", new: "Content") -> "ContentChanges":
        """Compare two loads (where something is defined does not count as a change)."""
        def diff(a: dict[str, Any], b: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
            same = lambda x, y: replace(x, file="", line=0) == replace(y, file="", line=0)  # noqa: E731
            return (tuple(k for k in b if k not in a), tuple(k for k in a if k not in b),
                    tuple(k for k in b if k in a and not same(a[k], b[k])))
        return cls(*diff(old.entries, new.entries), *diff(old.events, new.events))

    def summary(self) -> str:
        """One line per kind of change, e.g. "FAQ entries added: a, b"."""
        lines = []
        for label, ids in (("FAQ entries added", self.entries_added), ("FAQ entries removed", self.entries_removed),
                           ("FAQ entries changed", self.entries_changed), ("events added", self.events_added),
                           ("events removed", self.events_removed), ("events changed", self.events_changed)):
            if ids:
                lines.append(f"{label} ({len(ids)}): {', '.join(ids)}")
        return "\n".join(lines) or "no changes"


class ContentError(Exception):
    """Content that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Checker:
    """Collects problems while reading one file's plain data into the model."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self.misspelt: dict[int, set[str]] = {}  # id(mapping) -> keys an unknown key there was a typo for

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def warning(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message, "warning"))

    def missing(self, data: LineDict, key: str, message: str) -> None:
        """Report a missing key, unless an unknown key there was already reported as its typo."""
        if key not in self.misspelt.get(id(data), ()):
            self.error(data.line_of(key), message)

    def mapping(self, value: Any, line: int, what: str) -> LineDict | None:
        if isinstance(value, LineDict):
            return value
        self.error(line, f"{what} must be a mapping (key: value)")
        return None

    def unknown_keys(self, data: LineDict, allowed: Iterable[str], what: str, known: str = "") -> None:
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                self.unknown_key(data, key, allowed, f"unknown key {key!r} in {what}", known)

    def unknown_key(self, data: LineDict, key: str, allowed: Iterable[str], message: str, known: str = "") -> None:
        """Report key as unknown, naming the allowed key it is probably a typo for (then not also "missing")."""
        guess = closest(key, [k for k in allowed if k not in data])
        if guess:
            self.misspelt.setdefault(id(data), set()).add(guess)
            message += f" (did you mean {guess!r}?)"
        elif known:
            message += f" ({known})"
        self.error(data.line_of(key), message)

    def text(self, data: LineDict, key: str, what: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.missing(data, key, f"{what}: missing {key!r}")
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.error(data.line_of(key), f"{what}: {key!r} must be text")
            return ""
        if required and not value.strip():
            self.error(data.line_of(key), f"{what}: {key!r} is empty")
        return value.strip()

    def language(self, code: Any, line: int, what: str) -> bool:
        if code in LANGUAGES:
            return True
        guess = closest_language(code)
        hint = f"did you mean {guess!r}?" if guess else f"known: {', '.join(LANGUAGES)}"
        self.error(line, f"{what}: unknown language code {code!r} ({hint})")
        return False

    def per_language(self, data: LineDict, key: str, what: str, required: bool = False) -> dict[str, str]:
        value = data.get(key)
        if value is None:
            if required:
                self.missing(data, key, f"{what}: missing {key!r}")
            return {}
        block = self.mapping(value, data.line_of(key), f"{what}: {key!r}")
        if block is None:
            return {}
        out = {}
        for lang in block:
            if self.language(lang, block.line_of(lang), f"{what}: {key!r}"):
                text = self.text(block, lang, f"{what}: {key}.{lang}", required=True)
                if text:
                    out[lang] = text
        if required and not block:
            self.error(data.line_of(key), f"{what}: {key!r} needs at least one language")
        return out

    def text_list(self, data: LineDict, key: str, what: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, LineList):
            self.error(data.line_of(key), f"{what}: {key!r} must be a list")
            return ()
        out = []
        for item, line in zip(value, value.item_lines):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.error(line, f"{what}: every item of {key!r} must be non-empty text")
                continue
            out.append(item.strip())
        return tuple(out)

    def ident(self, data: LineDict, what: str) -> str:
        value = data.get("id")
        if value is None:
            self.missing(data, "id", f"{what} without 'id'")
            return ""
        if not isinstance(value, str) or not _ID.match(value):
            self.error(data.line_of("id"), f"{what} id {value!r} must be lowercase letters, digits and '-'")
            return ""
        return value


_EVENT_KEYS = ("id", "names", "default_language", "aliases", "start", "end", "when", "timezone",
               "place", "description", "contact", "links", "signup", "reminders", "past")
_CONTACT_KEYS = ("name", "organisation", "email", "phone")
_ENTRY_KEYS = ("id", "event", "tags")
_TEXT_KEYS = ("question", "phrasings", "answer")


def _parse_event(c: _Checker, data: LineDict) -> Event | None:
    c.unknown_keys(data, _EVENT_KEYS, "event")
    event_id = c.ident(data, "event")
    what = f"event {event_id or '?'}"
    names = c.per_language(data, "names", what, required=True)
    default_language = data.get("default_language")
    if default_language is not None and not c.language(default_language, data.line_of("default_language"), what):
        default_language = None
    timezone = c.text(data, "timezone", what, required=True)
    if timezone:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            guess = closest_time_zone(timezone)
            hint = f"did you mean {guess!r}?" if guess else "use an IANA name such as Europe/Brussels"
            c.error(data.line_of("timezone"), f"{what}: unknown time zone {timezone!r} ({hint})")
    start, end = (_moment_of(c, data, key, what) for key in ("start", "end"))
    if start is not None and end is not None:
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            c.error(data.line_of("end"), f"{what}: 'start' and 'end' must both have a time (YYYY-MM-DD HH:MM) "
                                         "or both be dates alone (whole days)")
        elif _as_datetime(end) < _as_datetime(start):
            c.error(data.line_of("end"), f"{what}: 'end' is before 'start'")
    contact = None
    if data.get("contact") is not None:
        block = c.mapping(data["contact"], data.line_of("contact"), f"{what}: 'contact'")
        if block is not None:
            c.unknown_keys(block, _CONTACT_KEYS, f"{what} contact")
            contact = Contact(**{k: c.text(block, k, f"{what}: contact") for k in _CONTACT_KEYS})
    # every field is checked before deciding, so all problems are reported at once
    aliases, links = c.text_list(data, "aliases", what), c.text_list(data, "links", what)
    when, place = c.per_language(data, "when", what), c.per_language(data, "place", what)
    description = c.per_language(data, "description", what)
    past = data.get("past", False)
    if not isinstance(past, bool):
        c.error(data.line_of("past"), f"{what}: 'past' must be true or false, not {past!r}")
        past = False
    signup = parse_signup(c, data, what, timezone)
    reminders = parse_reminders(c, data, what, has_start=start is not None or data.get("start") is not None)
    if not event_id or not names or not timezone:
        return None
    return Event(
        id=event_id, names=names, timezone=timezone, default_language=default_language, aliases=aliases,
        start=start, end=end,
        when=when, place=place, description=description, contact=contact,
        links=links, signup=signup, reminders=reminders, past=past, file=c.file, line=data.line,
    )


def _moment_of(c: _Checker, data: LineDict, key: str, what: str) -> dt.date | dt.datetime | None:
    value = data.get(key)
    if value is None:
        return None
    moment = read_moment(value)
    if moment is None:
        c.error(data.line_of(key), f"{what}: {key!r} must be {DATE_FORMS}, not {value!r}")
    return moment


def _as_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)


def _parse_entry(c: _Checker, data: LineDict) -> FaqEntry | None:
    entry_id = c.ident(data, "FAQ entry")
    what = f"FAQ entry {entry_id or '?'}"
    event = data.get("event")
    if event is not None and (not isinstance(event, str) or not event.strip()):
        c.error(data.line_of("event"), f"{what}: 'event' must be an event id")
        event = None
    texts: dict[str, EntryText] = {}
    for key in data:
        if key in _ENTRY_KEYS:
            continue
        if key not in LANGUAGES:
            language = closest_language(key)
            if language and language not in data:
                c.misspelt.setdefault(id(data), set()).add(language)
                c.error(data.line_of(key), f"{what}: unknown language code {key!r} (did you mean {language!r}?)")
            else:
                c.unknown_key(data, key, _ENTRY_KEYS, f"{what}: unknown key or language code {key!r}",
                              f"known: {', '.join(_ENTRY_KEYS + LANGUAGES)}")
            continue
        block = c.mapping(data[key], data.line_of(key), f"{what}: {key!r}")
        if block is None:
            continue
        c.unknown_keys(block, _TEXT_KEYS, f"{what} ({key})")
        question = c.text(block, "question", f"{what} ({key})", required=True)
        answer = c.text(block, "answer", f"{what} ({key})", required=True)
        phrasings = c.text_list(block, "phrasings", f"{what} ({key})")
        if question and answer:
            texts[key] = EntryText(question, phrasings, answer)
            if _PLACEHOLDER.search(answer):
                c.warning(block.line_of("answer"), f"{what} ({key}): the answer still reads "
                                                   f"{_PLACEHOLDER.search(answer).group(0)!r}; write the real answer")
    if not any(k in LANGUAGES for k in data) and not c.misspelt.get(id(data), set()) & set(LANGUAGES):
        c.error(data.line, f"{what}: no language block (add e.g. 'en:' with question and answer)")
    tags = c.text_list(data, "tags", what)
    if not entry_id or not texts:
        return None
    return FaqEntry(entry_id, texts, event, tags, file=c.file, line=data.line)


def near_duplicates(entries: Iterable[FaqEntry], ratio: float = NEAR_DUPLICATE_RATIO) -> list[tuple[str, str, str, str]]:
    """Pairs of different entries with near-identical phrasings: (lang, id_a, id_b, phrasing)."""
    found: list[tuple[str, str, str, str]] = []
    by_lang: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for entry in entries:
        for lang, text in entry.texts.items():
            norms, owners, originals = by_lang.setdefault(lang, ([], [], []))
            for phrasing in text.all_phrasings:
                norms.append(" ".join(sorted(normalize(phrasing).split())))
                owners.append(entry.id)
                originals.append(phrasing)
    for lang, (norms, owners, originals) in by_lang.items():
        reported: set[tuple[str, str]] = set()
        for i, j in similar_pairs(norms, ratio):  # candidates from rare character 3-grams, not all pairs
            a, b = owners[i], owners[j]
            if a != b and (a, b) not in reported:
                reported.add((a, b))
                found.append((lang, a, b, originals[i]))
    return found


def load_content(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES, check_duplicates: bool = True) -> tuple[Content, list[Problem]]:
    """Read every YAML file under paths; return what is usable and every problem found."""
    events: dict[str, Event] = {}
    entries: dict[str, FaqEntry] = {}
    event_refs: list[tuple[FaqEntry, str, int]] = []
    first_seen: dict[str, dict[str, str]] = {"events": {}, "faq": {}}
    paths = list(paths)
    files, problems = content_files(paths)
    if not files:
        problems.append(Problem(", ".join(str(p) for p in paths) or ".", 1, "no YAML files found"))
    for path in files:
        try:
            data = load_file(path, max_bytes, regular_only=True)
        except YamlError as exc:
            problems.append(exc.problem)
            continue
        c = _Checker(str(path), problems)
        if data is None:
            continue
        root = c.mapping(data, 1, "the file")
        if root is None:
            continue
        c.unknown_keys(root, ("events", "faq"), "the file", "expected 'events' and/or 'faq'")
        for key, parse, target in (("events", _parse_event, events), ("faq", _parse_entry, entries)):
            items = root.get(key)
            if items is None:
                continue
            if not isinstance(items, LineList):
                c.error(root.line_of(key), f"{key!r} must be a list")
                continue
            for item, line in zip(items, items.item_lines):
                block = c.mapping(item, line, f"each item of {key!r}")
                if block is None:
                    continue
                raw_id = block.get("id")
                seen = first_seen[key]
                if isinstance(raw_id, str) and raw_id in seen:
                    c.error(block.line_of("id"), f"duplicate id {raw_id!r} (first at {seen[raw_id]})")
                    continue
                if isinstance(raw_id, str):
                    seen[raw_id] = f"{path}:{block.line}"
                parsed = parse(c, block)
                if parsed is None:
                    continue
                target[parsed.id] = parsed
                if isinstance(parsed, FaqEntry) and parsed.event:
                    event_refs.append((parsed, str(path), block.line_of("event")))
    for entry, file, line in event_refs:
        if entry.event not in events:
            guess = closest(entry.event, [*events, *first_seen["events"]])
            hint = f" (did you mean {guess!r}?)" if guess else ""
            problems.append(Problem(file, line, f"FAQ entry {entry.id}: unknown event {entry.event!r}{hint}"))
    if check_duplicates:
        for lang, a, b, phrasing in near_duplicates(entries.values()):
            problems.append(Problem(entries[b].file, entries[b].line, f"FAQ entries {a} and {b} have near-identical {lang} phrasings "
                                    f"({phrasing!r}); they will confuse matching", "warning"))
    return Content(events, entries, tuple(str(f) for f in files)), problems


def load_or_raise(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Content:
    """Load content for the running bot: any error refuses the whole content."""
    content, problems = load_content(paths, max_bytes, check_duplicates=False)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentError(errors)
    return content
