"""Measure how well a matcher answers a set of labelled questions."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Sequence

from faq.matcher import Matcher

# Matcher.match-like: (text) -> (band, ranked entry ids, confidence)
Ranker = Callable[[str], tuple[str, list[str], float]]


@dataclass(frozen=True)
class Query:
    """A question and the entry that should answer it (None: out of scope)."""

    text: str
    expected: str | None
    lang: str | None = None


@dataclass(frozen=True)
class Report:
    """The figures `eventbot faq eval` and the benchmarks print."""

    queries: int
    in_scope: int
    out_of_scope: int
    precision_at_1: float
    recall_at_3: float
    mrr: float
    coverage: float
    answered_accuracy: float
    oos_false_accept_rate: float
    latency_p50_ms: float
    latency_p99_ms: float

    def as_dict(self) -> dict[str, float | int]:
        """The report as plain data, rounded for printing."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(pct / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def matcher_ranker(matcher: Matcher, lang: str | None = None) -> Callable[[Query], tuple[str, list[str], float]]:
    """Adapt a Matcher to the evaluation: band, ranked ids and confidence for a query."""

    def rank(query: Query) -> tuple[str, list[str], float]:
        result = matcher.match(query.text, query.lang or lang)
        return result.band, [m.entry_id for m in result.matches], result.confidence

    return rank


def evaluate(queries: Iterable[Query], rank: Callable[[Query], tuple[str, list[str], float]]) -> Report:
    """Run every query through rank and compute the report."""
    n_in = n_oos = top1 = top3 = answered = answered_right = oos_answered = 0
    rr = 0.0
    latencies: list[float] = []
    for query in queries:
        started = time.perf_counter()
        band, ranked, _ = rank(query)
        latencies.append((time.perf_counter() - started) * 1000)
        if query.expected is None:
            n_oos += 1
            oos_answered += band == "answer"
            continue
        n_in += 1
        if ranked[:1] == [query.expected]:
            top1 += 1
        if query.expected in ranked[:3]:
            top3 += 1
            rr += 1 / (ranked.index(query.expected) + 1)
        if band == "answer":
            answered += 1
            answered_right += ranked[:1] == [query.expected]
    return Report(
        queries=n_in + n_oos,
        in_scope=n_in,
        out_of_scope=n_oos,
        precision_at_1=top1 / n_in if n_in else 0.0,
        recall_at_3=top3 / n_in if n_in else 0.0,
        mrr=rr / n_in if n_in else 0.0,
        coverage=answered / n_in if n_in else 0.0,
        answered_accuracy=answered_right / answered if answered else 0.0,
        oos_false_accept_rate=oos_answered / n_oos if n_oos else 0.0,
        latency_p50_ms=percentile(latencies, 50),
        latency_p99_ms=percentile(latencies, 99),
    )


def coverage_at_far(in_scope: Sequence[tuple[bool, float]], out_of_scope: Sequence[float], far: float = 0.10) -> tuple[float, float, float]:
    """Coverage and answered accuracy at the confidence threshold that lets `far` of OOS through.

    in_scope holds (top-1 right?, confidence) per in-scope query; out_of_scope the
    confidences of out-of-scope queries. Returns (threshold, coverage, accuracy).
    """
    ranked = sorted(out_of_scope, reverse=True)
    threshold = ranked[min(len(ranked) - 1, int(far * len(ranked)))] if ranked else 0.0
    answered = [right for right, conf in in_scope if conf > threshold]
    coverage = len(answered) / len(in_scope) if in_scope else 0.0
    accuracy = sum(answered) / len(answered) if answered else 0.0
    return threshold, coverage, accuracy
