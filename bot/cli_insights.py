"""`eventbot faq unanswered` and `eventbot faq suggest`: what the FAQ is missing, as YAML to paste.

Both read the data folder read-only, so they work while the bot runs. Neither
shows who asked: the logged questions keep a person's key only for /forget.
"""

from __future__ import annotations

import argparse
import re
import sys
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from bot import insights
from bot.app import build_knowledge
from bot.config import Config
from bot.storage import TinyStore
from bot.terminal import printable
from faq.content import Content
from faq.normalize import normalize, tokens

_SLUG_WORDS = 6
_SLUG_CHARS = 40


def add_parsers(faq: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the subcommands under `eventbot faq`."""
    un = faq.add_parser("unanswered", help="the questions the bot could not answer, grouped by similarity")
    un.add_argument("--export", action="store_true", help="write them as FAQ entry stubs (YAML) to fill in and paste")
    su = faq.add_parser("suggest", help='phrasings people confirmed under "did you mean", as YAML to paste')
    for sub in (un, su):
        sub.add_argument("--event", metavar="ID", help="only this event")
        sub.add_argument("--output", "-o", type=Path, metavar="FILE", help="file to write (default: standard output)")
        sub.add_argument("--min-count", type=int, default=1, metavar="N", help="leave out what was asked fewer than N times")


def run(config: Config, args: argparse.Namespace) -> int | None:
    """Run one of these subcommands; None if args.faq_command is not one of them."""
    if args.faq_command not in ("unanswered", "suggest"):
        return None
    content = build_knowledge(config).content
    if args.event and args.event not in content.events:
        print(f"eventbot: unknown event {args.event!r} (known: {', '.join(content.events)})", file=sys.stderr)
        return 2
    store = TinyStore(config.data_dir, readonly=True)
    try:
        records = list(insights.table(store).records.values())
    finally:
        store.close()
    if args.faq_command == "suggest":
        suggestions = suggest(records, content, args.event, args.min_count)
        _write(args.output, suggestions_yaml(suggestions, content))
        print(f"{sum(len(s.phrasings) for s in suggestions)} phrasings for {len({s.entry_id for s in suggestions})} "
              "entries", file=sys.stderr)
        return 0
    wanted = (lambda e: e == args.event) if args.event else (lambda e: True)
    groups = [g for g in insights.group_questions(insights.unanswered(records, wanted)) if g.count >= args.min_count]
    _write(args.output, stubs_yaml(groups, content) if args.export else listing(groups, content))
    print(f"{sum(g.count for g in groups)} unanswered questions in {len(groups)} groups", file=sys.stderr)
    return 0


def _write(output: Path | None, text: str) -> None:
    if output:
        try:
            output.write_text(text, "utf-8")
        except OSError as exc:
            raise SystemExit(f"eventbot: cannot write {output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


# --- unanswered -------------------------------------------------------------------


def listing(groups: list[insights.Group], content: Content) -> str:
    """The groups as plain text, most frequent first."""
    if not groups:
        return "No unanswered questions.\n"
    lines = []
    for number, g in enumerate(groups, 1):
        best = f"  closest: {g.best[0]} ({g.best[1]:.1f})" if g.best else ""
        lines.append(f"{number:3d}. {g.count}x by {_people(g.people)}  [{', '.join(g.languages)}]  "
                     f"{g.event or '(no event)'}  \"{g.representative.text}\"{best}")
        lines += [f"       {w.count}x [{w.language}] \"{w.text}\"" for w in g.wordings[1:]]
    # people's questions: no escape sequence reaches the operator's terminal, no newline fakes a line
    return "\n".join(printable(line, one_line=True) for line in lines) + "\n"


def stubs_yaml(groups: list[insights.Group], content: Content) -> str:
    """One FAQ entry stub per group: fill in each answer (replace TODO) and paste the entries into the FAQ."""
    lines = [
        "# Unanswered questions as FAQ entry stubs, most frequent first.",
        '# Write each answer (replace "TODO"), check the id, then paste the entries',
        "# under 'faq:' in a content file and run 'eventbot faq check'.",
        "faq:",
    ]
    used = set(content.entries)
    for g in groups:
        entry_id = _unique(f"unanswered-{_slug(g.representative.text, g.representative.language)}", used)
        closest = f"; closest entry now: {g.best[0]} ({g.best[1]:.1f})" if g.best else ""
        lines.append(f"  # asked {_times(g.count)} by {_people(g.people)}{closest}")
        lines.append(f"  - id: {entry_id}")
        if g.event and g.event in content.events:
            lines.append(f"    event: {g.event}")
        elif g.event:
            lines.append(f"    # event: {printable(g.event, one_line=True)}  (no longer in the content)")
        for lang in g.languages:
            texts = g.in_language(lang)
            lines.append(f"    {_key(lang)}:")
            lines.append(f"      question: {quote(texts[0])}")
            if texts[1:]:
                lines.append("      phrasings:")
                lines += [f"        - {quote(text)}" for text in texts[1:]]
            lines.append('      answer: "TODO"')
    if not groups:
        lines[-1] = "faq: []"
    return "\n".join(lines) + "\n"


def _key(lang: str) -> str:
    """A language code as a YAML key: "no" quoted, or YAML 1.1 reads it as false."""
    return quote(lang) if lang == "no" else lang


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _slug(text: str, lang: str) -> str:
    """Up to six content words of the text (stop words left out), else a hash: for an entry id."""
    norm = normalize(text)
    words = [w for w in tokens(norm, lang) if re.fullmatch(r"[a-z0-9]+", w)] or re.findall(r"[a-z0-9]+", norm)
    words = words[:_SLUG_WORDS]
    slug = "-".join(words)[:_SLUG_CHARS].strip("-")
    return slug or f"{zlib.crc32(text.encode('utf-8')):08x}"


def _unique(entry_id: str, used: set[str]) -> str:
    candidate, n = entry_id, 2
    while candidate in used:
        candidate, n = f"{entry_id}-{n}", n + 1
    used.add(candidate)
    return candidate


def quote(text: str) -> str:
    """A YAML double-quoted scalar for any text (one line, every control character and bidi override escaped)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif (code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029\ufeff\ufffe\uffff" or 0xD800 <= code <= 0xDFFF
              or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069):  # bidi overrides reorder the terminal
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


# --- suggest ----------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """New phrasings for one entry in one language: (text, times picked), most picked first."""

    entry_id: str
    language: str
    phrasings: tuple[tuple[str, int], ...]
    new_block: bool  # the entry has no block in this language yet


def suggest(records: Iterable[dict[str, Any]], content: Content, event: str | None = None,
            min_count: int = 1) -> list[Suggestion]:
    """Questions confirmed by a "did you mean" pick that are not yet phrasings of the picked entry."""
    found: dict[tuple[str, str], dict[str, list[Any]]] = {}  # (entry, lang) -> normalised -> [text, count]
    for record in sorted(records, key=lambda r: str(r.get("at", ""))):
        entry = content.entries.get(str(record.get("picked") or ""))
        if entry is None or (event and entry.event != event):
            continue
        lang, text = str(record.get("language", "")), str(record.get("text", "")).strip()
        norm = normalize(text)
        block = entry.texts.get(lang)
        if not norm or (block and norm in {normalize(p) for p in block.all_phrasings}):
            continue
        found.setdefault((entry.id, lang), {}).setdefault(norm, [text, 0])[1] += 1
    order = list(content.entries)
    out = []
    for (entry_id, lang), texts in sorted(found.items(), key=lambda item: (order.index(item[0][0]), item[0][1])):
        counted = Counter({text: n for text, n in texts.values()})
        phrasings = tuple((text, n) for text, n in counted.most_common() if n >= min_count)
        if phrasings:
            out.append(Suggestion(entry_id, lang, phrasings, lang not in content.entries[entry_id].texts))
    return out


def suggestions_yaml(suggestions: list[Suggestion], content: Content) -> str:
    """The suggestions as partial FAQ entries: paste each phrasing under the entry's language block."""
    lines = [
        '# Phrasings people confirmed by picking an entry under "did you mean", most picked first.',
        "# Add them under the entry's 'phrasings:' in its language block (a new language",
        '# block also needs its answer: replace "TODO"), then run \'eventbot faq check\'.',
        "faq:",
    ]
    current = None
    for s in suggestions:
        entry = content.entries[s.entry_id]
        if s.entry_id != current:
            current = s.entry_id
            lines.append(f"  - id: {s.entry_id}  # {Path(entry.file).name}:{entry.line}")
        texts = list(s.phrasings)
        if s.new_block:
            lines.append(f"    {_key(s.language)}:  # new language block for this entry")
            text, n = texts.pop(0)
            lines.append(f"      question: {quote(text)}  # picked {_times(n)}")
        else:
            lines.append(f"    {_key(s.language)}:")
        if texts:
            lines.append("      phrasings:")
            lines += [f"        - {quote(text)}  # picked {_times(n)}" for text, n in texts]
        if s.new_block:
            lines.append('      answer: "TODO"')
    if not suggestions:
        lines[-1] = "faq: []"
    return "\n".join(lines) + "\n"
