"""FAQ matching quality on public intent data, ours beside the baselines, in one run.

Protocol (../shared/datasets/README.md): every intent is one FAQ entry whose
phrasings are K random training sentences (K=5); the test sentences are the
questions. Banking77: precision@1 over the whole test set. CLINC150: coverage and
answered accuracy at the confidence threshold where 10% of the out-of-scope test
questions still get an answer, and the same figures at the thresholds configured in
MatchSettings (chosen on CLINC150's validation split, printed here too).

    python benchmarks/faq_quality.py [--datasets ../shared/datasets] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faq.evaluate import coverage_at_far  # noqa: E402
from faq.matcher import Document, Matcher, MatchSettings, _Bm25  # noqa: E402
from faq.normalize import normalize, tokens  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def sample_faq(rows: list[tuple[str, str]], k: int, seed: int) -> dict[str, list[str]]:
    """K random phrasings per intent."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in rows:
        by_intent[intent].append(text)
    rng = random.Random(seed)
    faq = {}
    for intent in sorted(by_intent):
        texts = by_intent[intent][:]
        rng.shuffle(texts)
        faq[intent] = texts[:k]
    return faq


def banking77(root: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, test) rows of Banking77."""
    def read(name: str) -> list[tuple[str, str]]:
        with open(root / "banking77" / name, newline="", encoding="utf-8") as fh:
            return [(r["text"], r["category"]) for r in csv.DictReader(fh)]
    return read("train.csv"), read("test.csv")


def clinc150(root: Path) -> dict[str, list[tuple[str, str]]]:
    """The CLINC150 splits as lists of (text, intent)."""
    data = json.loads((root / "clinc150" / "data_full.json").read_text("utf-8"))
    return {k: [(t, i) for t, i in v] for k, v in data.items()}


# --- rankers: each returns (entry ids best first, confidence) for a question -------------

class Ours:
    """The product's matcher."""

    name = "eventbot (BM25 words+chars, token_sort)"

    def __init__(self, faq: dict[str, list[str]], settings: MatchSettings | None = None, semantic=None) -> None:
        self.matcher = Matcher([Document(i, "en", p) for i, p in faq.items()], settings, semantic=semantic)

    def rank_all(self, questions: list[str]) -> list[tuple[list[str], float]]:
        out = []
        for q in questions:
            matches, conf = self.matcher.rank(q, "en", limit=3)
            out.append(([m.entry_id for m in matches], conf))
        return out


class PhraseScorer:
    """Best phrasing per entry under one rapidfuzz scorer (the classic fuzzy FAQ bot)."""

    def __init__(self, name: str, faq: dict[str, list[str]], scorer, processor) -> None:
        self.name = name
        self.scorer, self.processor = scorer, processor
        self.texts = [p for ps in faq.values() for p in ps]
        self.owner = np.array([i for i, ps in enumerate(faq.values()) for _ in ps])
        self.ids = list(faq)

    def rank_all(self, questions: list[str]) -> list[tuple[list[str], float]]:
        matrix = process.cdist(questions, self.texts, scorer=self.scorer, processor=self.processor,
                               dtype=np.float32, workers=-1)
        out = []
        for row in matrix:
            best = np.zeros(len(self.ids), dtype=np.float32)
            np.maximum.at(best, self.owner, row)
            order = np.argsort(-best)[:3]
            out.append(([self.ids[i] for i in order], float(best[order[0]])))
        return out


class Bm25Words:
    """BM25 over plain words, one document per entry (the README's reference)."""

    name = "BM25 words alone"

    def __init__(self, faq: dict[str, list[str]]) -> None:
        self.ids = list(faq)
        self.index = _Bm25([[w for p in ps for w in tokens(normalize(p), "en")] for ps in faq.values()], 1.2, 0.75)

    def rank_all(self, questions: list[str]) -> list[tuple[list[str], float]]:
        out = []
        for q in questions:
            scores = self.index.score(tokens(normalize(q), "en"))
            order = np.argsort(-scores)[:3]
            out.append(([self.ids[i] for i in order], 100 * float(scores[order[0]])))
        return out


def rankers(faq: dict[str, list[str]], settings: MatchSettings | None = None) -> list:
    """Ours and the baselines, built on the same FAQ."""
    return [
        Ours(faq, settings),
        Bm25Words(faq),
        PhraseScorer("rapidfuzz token_set_ratio", faq, fuzz.token_set_ratio, utils.default_process),
        PhraseScorer("rapidfuzz WRatio", faq, fuzz.WRatio, utils.default_process),
        PhraseScorer("plain ratio (difflib-style, fuzz.ratio)", faq, fuzz.ratio, utils.default_process),
    ]


def precision_at_1(results: list[tuple[list[str], float]], gold: list[str]) -> float:
    return sum(r[0][:1] == [g] for r, g in zip(results, gold)) / len(gold)


def run_banking(root: Path, seeds: list[int], k: int) -> None:
    train, test = banking77(root)
    questions, gold = [t for t, _ in test], [i for _, i in test]
    print(f"\n## Banking77: {k} phrasings per intent, {len(test)} test questions, precision@1")
    table: dict[str, list[float]] = defaultdict(list)
    for seed in seeds:
        for ranker in rankers(sample_faq(train, k, seed)):
            started = time.perf_counter()
            table[ranker.name].append(precision_at_1(ranker.rank_all(questions), gold))
            table[ranker.name + " (s)"].append(time.perf_counter() - started)
    for name, values in table.items():
        if name.endswith(" (s)"):
            continue
        per_seed = " ".join(f"{v:.3f}" for v in values)
        print(f"{name:45s} mean {statistics.mean(values):.3f}   per seed {per_seed}")
    ours = statistics.mean(table[Ours.name])
    print(f"goal: ours >= 0.65 -> {'met' if ours >= 0.65 else 'NOT met'} ({ours:.3f}); "
          f"ratio to BM25 words alone {ours / statistics.mean(table[Bm25Words.name]):.2f}x")


def run_clinc(root: Path, seeds: list[int], k: int, far: float) -> None:
    data = clinc150(root)
    settings = MatchSettings()
    print(f"\n## CLINC150: {k} phrasings per intent; coverage / answered accuracy at {far:.0%} out-of-scope false accepts")
    rows: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    configured: list[tuple[float, float, float]] = []
    chosen: list[float] = []
    suggest_chosen: list[float] = []
    offered: list[float] = []
    oos_offered: list[float] = []
    for seed in seeds:
        faq = sample_faq(data["train"], k, seed)
        for ranker in rankers(faq, settings):
            ins = ranker.rank_all([t for t, _ in data["test"]])
            oos = ranker.rank_all([t for t, _ in data["oos_test"]])
            scored = [(r[0][:1] == [i], r[1]) for r, (_, i) in zip(ins, data["test"])]
            rows[ranker.name].append(coverage_at_far(scored, [r[1] for r in oos], far))
            if isinstance(ranker, Ours):
                answered = [ok for ok, conf in scored if conf >= settings.answer_threshold]
                oos_answered = sum(r[1] >= settings.answer_threshold for r in oos) / len(oos)
                configured.append((len(answered) / len(scored), sum(answered) / max(1, len(answered)), oos_answered))
                val_in = ranker.rank_all([t for t, _ in data["val"]])
                val_oos = ranker.rank_all([t for t, _ in data["oos_val"]])
                val_scored = [(r[0][:1] == [i], r[1]) for r, (_, i) in zip(val_in, data["val"])]
                chosen.append(coverage_at_far(val_scored, [r[1] for r in val_oos], far)[0])
                suggest_chosen.append(coverage_at_far(val_scored, [r[1] for r in val_oos], 0.5)[0])
                offered.append(sum(i in r[0] and r[1] >= settings.suggest_threshold for r, (_, i) in zip(ins, data["test"])) / len(ins))
                oos_offered.append(sum(r[1] >= settings.suggest_threshold for r in oos) / len(oos))
    for name, values in rows.items():
        cov = statistics.mean(v[1] for v in values)
        acc = statistics.mean(v[2] for v in values)
        print(f"{name:45s} coverage {cov:.3f}  answered accuracy {acc:.3f}  (threshold {statistics.mean(v[0] for v in values):.1f})")
    cov = statistics.mean(v[1] for v in rows[Ours.name])
    acc = statistics.mean(v[2] for v in rows[Ours.name])
    print(f"goal: coverage >= 0.65 with accuracy >= 0.85 -> {'met' if cov >= 0.65 and acc >= 0.85 else 'NOT met'}")
    c_cov = statistics.mean(v[0] for v in configured)
    c_acc = statistics.mean(v[1] for v in configured)
    c_far = statistics.mean(v[2] for v in configured)
    print(f"at the configured answer_threshold {settings.answer_threshold}: coverage {c_cov:.3f}, "
          f"answered accuracy {c_acc:.3f}, out-of-scope false accepts {c_far:.3f}")
    print(f"threshold at {far:.0%} false accepts on the validation split: {statistics.mean(chosen):.1f} "
          f"(per seed {', '.join(f'{c:.1f}' for c in chosen)}); at 50% (the suggest band): "
          f"{statistics.mean(suggest_chosen):.1f}")
    print(f"at the configured suggest_threshold {settings.suggest_threshold}: the right entry is answered or offered "
          f"for {statistics.mean(offered):.3f} of in-scope questions; {statistics.mean(oos_offered):.3f} of "
          f"out-of-scope questions get choices or an answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--phrasings", type=int, default=5)
    parser.add_argument("--far", type=float, default=0.10)
    args = parser.parse_args()
    run_banking(args.datasets, args.seeds, args.phrasings)
    run_clinc(args.datasets, args.seeds, args.phrasings, args.far)


if __name__ == "__main__":
    main()
