"""Near-identical phrasings of different FAQ entries, found without comparing every pair.

Two normalised phrasings a and b match when rapidfuzz's `fuzz.ratio` (Indel
similarity) is at least `ratio`: their Indel distance d is at most
(1 - ratio/100) * (len(a) + len(b)). Each insertion or deletion changes at most
Q of a text's character Q-grams, so a match shares at least len-Q+1 - Q*d
Q-grams with the other text (the Q-gram lemma). Ordering every text's Q-grams
from rarest to commonest, two texts sharing that many must share one among the
first Q*d_max + 1 of each (prefix filtering), where d_max bounds d over every
text that could match. Only texts sharing such a rare Q-gram are compared, so
the result is exactly that of comparing all pairs, at a cost that grows with the
number of real candidates, and the memory with the number of texts.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Sequence

from rapidfuzz import fuzz, process

Q = 3


def _grams(text: str) -> list[tuple[str, int]]:
    """The text's Q-grams, numbered by occurrence so that repeats count as often as they occur."""
    seen: Counter[str] = Counter()
    out = []
    for i in range(len(text) - Q + 1):
        gram = text[i:i + Q]
        seen[gram] += 1
        out.append((gram, seen[gram]))
    return out


def _max_distance(length: int, ratio: float) -> int:
    """The largest Indel distance to any text that can reach `ratio` with a text of this length."""
    slack = 1 - ratio / 100
    if slack <= 0:
        return 0
    longest = math.floor(length * (1 + slack) / (1 - slack) + 1e-9) if slack < 1 else 10 ** 9
    return math.floor(slack * (length + longest) + 1e-9)


def similar_pairs(texts: Sequence[str], ratio: float) -> list[tuple[int, int]]:
    """Every (i, j), i < j, with fuzz.ratio(texts[i], texts[j]) >= ratio, in (i, j) order."""
    frequency: Counter[tuple[str, int]] = Counter()
    for text in texts:  # the grams themselves are not kept: memory grows with distinct grams only
        frequency.update(_grams(text))
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    by_length: dict[int, list[int]] = defaultdict(list)
    found: list[tuple[int, int]] = []
    slack = min(max(1 - ratio / 100, 0.0), 0.999)
    for j, text in enumerate(texts):
        length = len(text)
        prefix_size = Q * _max_distance(length, ratio) + 1
        candidates: set[int] = set()
        grams = _grams(text)
        if prefix_size >= len(grams):
            # short text: a match may share no Q-gram at all, so compare it with every text of a fitting length
            low = math.floor(length * (1 - slack) / (1 + slack)) - 1
            high = math.ceil(length * (1 + slack) / (1 - slack)) + 1
            for other_length in range(max(low, 0), high + 1):
                candidates.update(by_length.get(other_length, ()))
        for gram in sorted(grams, key=lambda g: (frequency[g], g))[:prefix_size]:
            candidates.update(index[gram])
            index[gram].append(j)
        by_length[length].append(j)
        near = [i for i in candidates if abs(len(texts[i]) - length) <= slack * (len(texts[i]) + length) + 1]
        if len(near) > 32:  # many candidates: score them in one call
            scores = process.cdist([text], [texts[i] for i in near], scorer=fuzz.ratio, score_cutoff=ratio, workers=1)
            found.extend((near[k], j) for k in scores[0].nonzero()[0].tolist())
        else:
            found.extend((i, j) for i in near if fuzz.ratio(texts[i], text, score_cutoff=ratio))
    found.sort()
    return found
