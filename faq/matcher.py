"""Rank FAQ entries for a question: lexical retrieval (BM25) fused with a token scorer.

Each entry has, per language, a list of phrasings. At load time the matcher builds
two BM25 indexes over one document per (entry, language): stemmed words and
character 3-grams. A question is scored against every document with both (sparse
sums, no loop over documents), the best candidates are re-scored with rapidfuzz's
``token_sort_ratio`` against each of their phrasings, and the three signals are
fused into one score in [0, 1]. An entry's score is its best document's score.

The band (answer / suggest / fallback) comes from a confidence that adds the margin
between the best and the second-best entry to the best score: a question that fits
two entries equally well ("when is it?") is a question to ask back, not to answer.

With semantic matching on (the optional `semantic` extra, see faq/semantic.py and
docs/semantic.md), every phrasing also has a sentence embedding, and a document's
score becomes (1 - w) * lexical + w * similarity, the similarity mixing the question's
cosine to the document's centroid with its best cosine to one phrasing. Embeddings
are multilingual, so a question can match an entry that has no phrasing in its
language; such an entry gets no lexical evidence (other than names), so its documents
weigh similarity more (SemanticSettings.other_language_weight). Off, nothing of it
runs and matching is exactly lexical.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

import bm25s
import numpy as np
import Stemmer
from rapidfuzz import fuzz, process

from faq.normalize import LANGUAGES, char_ngrams, normalize, stop_words, tokens
from faq.question_type import TYPES, asked_types, question_type
from faq.semantic import PhrasingVectors, Semantic, SemanticSettings

log = logging.getLogger(__name__)

Band = Literal["answer", "suggest", "fallback"]

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_STEMMERS = {"en": "english", "nl": "dutch", "no": "norwegian"}


@dataclass(frozen=True)
class MatchSettings:
    """Weights and thresholds; the defaults were measured in benchmarks/faq_quality.py."""

    answer_threshold: float = 30.0
    suggest_threshold: float = 15.0
    margin_weight: float = 5.0
    min_margin: float = 2.0  # best two entries closer than this (score points): ask, don't answer
    word_weight: float = 0.5
    char_weight: float = 0.4
    token_weight: float = 0.1
    candidates: int = 30
    # a question that names an event and asks when / who / where / how many (faq/question_type.py):
    # the score of an entry none of whose phrasings asks the same is multiplied by 1 - this
    question_word_weight: float = 0.4
    # a question that names one event, matched within its scope: the words of that event's names
    # and aliases count this much in the BM25 scores, the question's other words 1 (docs/semantic.md)
    name_weight: float = 0.2
    k1: float = 1.2
    b: float = 0.75
    semantic: SemanticSettings = SemanticSettings()  # off unless enabled


@dataclass(frozen=True)
class Document:
    """The phrasings of one FAQ entry in one language."""

    entry_id: str
    lang: str
    phrasings: Sequence[str]


@dataclass(frozen=True)
class Match:
    """One ranked entry: its id, fused score (0-100) and the phrasing that fit best."""

    entry_id: str
    score: float
    phrasing: str
    lang: str


@dataclass(frozen=True)
class MatchResult:
    """The outcome for one question."""

    band: Band
    confidence: float
    matches: list[Match] = field(default_factory=list)


def split_names(text: str, names: Sequence[str]) -> tuple[str, str]:
    """(text without the names, the names it contains), both normalised; `names` are normalised too.

    A Latin-script name counts as a whole word; a Japanese one anywhere.
    """
    rest = f" {normalize(text)} "
    found: list[str] = []
    for name in sorted(names, key=len, reverse=True):
        if name.isascii():
            pattern = rf"(?<![^\s{_CJK}]){re.escape(name)}(?![^\s{_CJK}])"
        else:
            pattern = re.escape(name)
        rest, count = re.subn(pattern, " ", rest)
        found += [name] * count
    return " ".join(rest.split()), " ".join(found)


class _Bm25:
    """A BM25 index (built by bm25s) scored with one sparse sum per query."""

    def __init__(self, docs: list[list[str]], k1: float, b: float) -> None:
        model = bm25s.BM25(k1=k1, b=b)
        model.index(docs, show_progress=False)
        scores = model.scores
        self._data = np.asarray(scores["data"], dtype=np.float32)
        self._indices = np.asarray(scores["indices"])
        self._indptr = np.asarray(scores["indptr"])
        self._n = int(scores["num_docs"])
        self._vocab: dict[str, int] = model.vocab_dict
        df = np.diff(self._indptr)
        self._idf = np.log(1 + (self._n - df + 0.5) / (df + 0.5))
        self._idf_unknown = float(np.log(1 + (self._n + 0.5) / 0.5))
        self._k1 = k1

    def score(self, query: list[str], weights: Sequence[float] | None = None) -> np.ndarray:
        """Scores of all documents in [0, 1]: BM25 over the best score the query could get.

        `weights` (one per query term, default 1) scale each term's share, in the
        scores and in the best score alike.
        """
        w = np.ones(len(query)) if weights is None else np.asarray(weights, dtype=np.float64)
        known = [i for i, t in enumerate(query) if t in self._vocab]
        out = np.zeros(self._n, dtype=np.float32)
        if not known:
            return out
        ids = [self._vocab[query[i]] for i in known]
        unknown = float(w.sum() - w[known].sum())
        bound = (self._k1 + 1) * (float((self._idf[ids] * w[known]).sum()) + unknown * self._idf_unknown)
        if bound <= 0:
            return out
        starts, ends = self._indptr[ids], self._indptr[np.asarray(ids) + 1]
        idx = np.concatenate([self._indices[s:e] for s, e in zip(starts, ends)])
        val = np.concatenate([self._data[s:e] for s, e in zip(starts, ends)])
        if weights is not None:
            val = val * np.repeat(w[known], ends - starts)
        out += np.bincount(idx, weights=val, minlength=self._n).astype(np.float32)
        return out / bound


class Analyzer:
    """Turns text in a language into the matcher's three views of it (safe to share between threads)."""

    def __init__(self) -> None:
        self._local = threading.local()  # Snowball stemmers keep state: one set per thread

    @property
    def _stemmers(self) -> dict[str, Stemmer.Stemmer]:
        stemmers = getattr(self._local, "stemmers", None)
        if stemmers is None:
            stemmers = self._local.stemmers = {lang: Stemmer.Stemmer(name) for lang, name in _STEMMERS.items()}
        return stemmers

    def analyze(self, text: str, lang: str | None) -> tuple[list[str], list[str], str]:
        """Stemmed words, character n-grams and the string the token scorer sees."""
        every = tokens(normalize(text), None)
        stops = stop_words(lang) if lang else frozenset()
        words = [w for w in every if w not in stops] or every
        stemmer = self._stemmers.get(lang or "")
        stems = stemmer.stemWords(words) if stemmer else words
        # n-grams over every word, stop words included: they carry the question's shape
        return stems, char_ngrams(every), " ".join(stems)


class Matcher:
    """Ranks FAQ entries for a question; everything is precomputed at construction."""

    def __init__(self, documents: Iterable[Document], settings: MatchSettings | None = None,
                 previous: "Matcher | None" = None, semantic: Semantic | None = None) -> None:
        """Index the documents; phrasings `previous` already analysed (or embedded) are not done again.

        Semantic matching is on when `semantic` is given, or when the settings enable it:
        then the previous matcher's model is reused, or the default one is loaded
        (SemanticUnavailable when the extra is not installed).
        """
        self.settings = settings or MatchSettings()
        self._analyzer = previous._analyzer if previous else Analyzer()
        old = previous.analyses if previous else {}
        self.analyses: dict[tuple[str, str], tuple[list[str], list[str], str]] = {}
        self.entry_ids: list[str] = []
        entry_index: dict[str, int] = {}
        word_docs: list[list[str]] = []
        char_docs: list[list[str]] = []
        doc_entry: list[int] = []
        self._doc_lang: list[str] = []
        self._phrasings: list[list[tuple[str, str]]] = []  # per doc: (token string, original)
        for doc in documents:
            if doc.entry_id not in entry_index:
                entry_index[doc.entry_id] = len(self.entry_ids)
                self.entry_ids.append(doc.entry_id)
            words: list[str] = []
            grams: list[str] = []
            phr: list[tuple[str, str]] = []
            for text in doc.phrasings:
                key = (doc.lang, text)
                analysis = self.analyses.get(key) or old.get(key) or self._analyzer.analyze(text, doc.lang)
                self.analyses[key] = analysis
                stems, ngrams, tokstr = analysis
                words += stems
                grams += ngrams
                phr.append((tokstr, text))
            word_docs.append(words)
            char_docs.append(grams)
            doc_entry.append(entry_index[doc.entry_id])
            self._doc_lang.append(doc.lang)
            self._phrasings.append(phr)
        self._tokstrs = [[p[0] for p in phr] for phr in self._phrasings]
        self._entry_index = entry_index
        self._doc_entry = np.asarray(doc_entry, dtype=np.int64)
        self.phrasing_count = sum(len(p) for p in self._phrasings)
        s = self.settings
        self._words = _Bm25(word_docs, s.k1, s.b) if word_docs else None
        self._chars = _Bm25(char_docs, s.k1, s.b) if char_docs else None
        if semantic is None and s.semantic.enabled:
            semantic = previous.semantic if previous is not None and previous.semantic is not None \
                else Semantic.from_settings(s.semantic)
        self.semantic = semantic
        self._type_factors = self._question_type_factors()
        self.vectors: PhrasingVectors | None = None
        self._weights = self._semantic_weights() if semantic is not None else {}
        if semantic is not None:
            counts = np.asarray([len(p) for p in self._phrasings], dtype=np.int64)
            self._row_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
            self._has_rows = counts > 0
            self.vectors = semantic.vectors([text for phr in self._phrasings for _, text in phr],
                                            previous.vectors if previous is not None else None)
            matrix = self.vectors.matrix
            self._centroids = np.zeros((len(self._phrasings), matrix.shape[1] if matrix.ndim == 2 else 0), np.float32)
            if len(matrix):
                sums = np.add.reduceat(matrix, self._row_start[self._has_rows], axis=0)
                self._centroids[self._has_rows] = sums / np.linalg.norm(sums, axis=1, keepdims=True).clip(1e-12)

    def _question_type_factors(self) -> dict[str, np.ndarray]:
        """Per question type, per document: 1 if its entry answers that type, else 1 - the weight."""
        weight = self._question_word_weight()
        if not weight or not self._phrasings:
            return {}
        texts: list[list[str]] = [[] for _ in self.entry_ids]
        for d, phr in enumerate(self._phrasings):  # an entry's type comes from its phrasings in every language
            texts[self._doc_entry[d]].extend(text for _, text in phr)
        asked = [asked_types(entry_texts) for entry_texts in texts]
        return {
            kind: np.where([kind in a for a in asked], 1.0, 1.0 - weight).astype(np.float32)[self._doc_entry]
            for kind in TYPES
        }

    def _question_word_weight(self) -> float:
        """The question-word weight for the scores in use (semantic matching has its own)."""
        s = self.settings
        return s.semantic.question_word_weight if self.semantic is not None else s.question_word_weight

    def _semantic_weights(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per question language, per document: the lexical and semantic shares and the token scorer's weight.

        A document of an entry without a phrasing in that language gets other_language_weight
        instead of weight. The shares are float32 like the scores they multiply (the sums come
        out as they did with one weight); a language outside these counts as unknown: weight for all.
        """
        s = self.settings
        doc_lang = np.asarray(self._doc_lang)
        weights = {}
        for lang in {*LANGUAGES, *self._doc_lang}:
            has = np.zeros(len(self.entry_ids), dtype=bool)
            has[self._doc_entry[doc_lang == lang]] = True
            w = np.where(has[self._doc_entry], s.semantic.weight, s.semantic.other_language_weight)
            weights[lang] = ((1.0 - w).astype(np.float32), w.astype(np.float32), (1.0 - w) * s.token_weight)
        return weights

    def __len__(self) -> int:
        return len(self.entry_ids)

    def entry_mask(self, allowed: Iterable[str]) -> np.ndarray:
        """A boolean mask over entries, for restricting a search to some entries."""
        mask = np.zeros(len(self.entry_ids), dtype=bool)
        for entry_id in allowed:
            if entry_id in self._entry_index:
                mask[self._entry_index[entry_id]] = True
        return mask

    def embed(self, text: str, lang: str | None = None) -> np.ndarray | None:
        """The question's vector when semantic matching is on, else None (embed once, rank often)."""
        return self.semantic.embed_query(text, lang) if self.semantic is not None else None

    def similarity(self, vector: np.ndarray) -> np.ndarray:
        """Per document: the cosine to its centroid mixed with the best cosine to one of its phrasings.

        A document without phrasings gets -1.
        """
        assert self.vectors is not None
        vector = vector.astype(np.float32, copy=False)
        # einsum, not @: numpy's BLAS spreads a matrix-vector product over threads that then
        # spin, which made it 8x slower here and slowed the next question's embedding too
        cosines = np.einsum("ij,j->i", self.vectors.matrix, vector)
        best = np.full(len(self._phrasings), -1.0, dtype=np.float32)
        if len(cosines):
            best[self._has_rows] = np.maximum.reduceat(cosines, self._row_start[self._has_rows])
        share = self.settings.semantic.centroid
        mixed = (1.0 - share) * best + share * np.einsum("ij,j->i", self._centroids, vector)
        return np.where(self._has_rows, mixed, -1.0).astype(np.float32)

    def _band_settings(self) -> tuple[float, float, float, float]:
        """(answer_threshold, suggest_threshold, margin_weight, min_margin) for the scores in use."""
        s = self.settings
        if self.vectors is not None:
            m = s.semantic
            return m.answer_threshold, m.suggest_threshold, m.margin_weight, m.min_margin
        return s.answer_threshold, s.suggest_threshold, s.margin_weight, s.min_margin

    def rank(self, text: str, lang: str | None, allowed: np.ndarray | None = None, limit: int = 3,
             vector: np.ndarray | None = None, names_event: bool = False,
             event_names: Sequence[str] = ()) -> tuple[list[Match], float]:
        """The best entries for a question (best first) and the confidence (0-100+).

        With semantic matching on, `vector` is the question's embedding (from embed());
        without it the question is embedded here. `names_event`: the question names an
        event, so its question word weighs (question_word_weight). `event_names`: the
        normalised names and aliases of the one event it names and is scoped to; their
        words weigh name_weight.
        """
        matches, confidence, _ = self._rank(text, lang, allowed, limit, vector, names_event, event_names)
        return matches, confidence

    def _rank(self, text: str, lang: str | None, allowed: np.ndarray | None, limit: int,
              vector: np.ndarray | None, names_event: bool = False,
              event_names: Sequence[str] = ()) -> tuple[list[Match], float, float]:
        """rank(), plus the best entry's lead over the second (unrounded, 0-100 like the scores)."""
        if self._words is None or self._chars is None:
            return [], 0.0, 0.0
        s = self.settings
        stems, grams, tokstr = self._analyzer.analyze(text, lang)
        name_weight = s.semantic.name_weight if self.semantic is not None else s.name_weight
        rest, named = split_names(text, event_names) if event_names and name_weight != 1.0 else (text, "")
        lexical: np.ndarray | None = None
        if named and rest:  # the named event's words weigh name_weight (a question that is only a name: as usual)
            rest_stems, rest_grams, _ = self._analyzer.analyze(rest, lang)
            name_stems, name_grams, _ = self._analyzer.analyze(named, lang)
            inside = allowed[self._doc_entry] if allowed is not None else np.ones(len(self._doc_entry), dtype=bool)
            alone = s.word_weight * self._words.score(rest_stems) + s.char_weight * self._chars.score(rest_grams)
            # when only the name reaches the entries in scope (a Japanese question about English
            # entries), the name keeps its full weight: it is all the lexical evidence there is
            if (alone[inside] > 0).any():
                word_w = [1.0] * len(rest_stems) + [name_weight] * len(name_stems)
                char_w = [1.0] * len(rest_grams) + [name_weight] * len(name_grams)
                lexical = (s.word_weight * self._words.score(rest_stems + name_stems, word_w)
                           + s.char_weight * self._chars.score(rest_grams + name_grams, char_w))
        if lexical is None:
            lexical = s.word_weight * self._words.score(stems) + s.char_weight * self._chars.score(grams)
        token_weight, candidates = s.token_weight, s.candidates
        if self.vectors is not None:
            w, floor = s.semantic.weight, s.semantic.floor
            keep, weigh, token_weight = self._weights.get(lang or "", (1.0 - w, w, (1.0 - w) * s.token_weight))
            query = vector if vector is not None else self.embed(text, lang)
            similar = np.clip((self.similarity(query) - floor) / (1.0 - floor), 0.0, 1.0)
            lexical = (keep * lexical + weigh * similar).astype(np.float32)
            candidates = s.semantic.candidates
        token_weights = np.broadcast_to(token_weight, lexical.shape)  # per document
        factors = self._type_factors.get(question_type(text) or "") if names_event and self._type_factors else None
        if factors is not None:  # the question word's say: entries that ask otherwise lose some
            lexical = lexical * factors
            token_weights = token_weights * factors
        if allowed is not None:
            lexical = np.where(allowed[self._doc_entry], lexical, -1.0)
        k = min(candidates, len(lexical))
        top_docs = np.argpartition(-lexical, k - 1)[:k]
        best: dict[int, tuple[float, str, str]] = {}
        for d in top_docs:
            if lexical[d] < 0:
                continue
            phr = self._phrasings[d]
            ratios = process.extract(tokstr, self._tokstrs[d], scorer=fuzz.token_sort_ratio,
                                     processor=None, limit=1)
            ratio, pos = (ratios[0][1], ratios[0][2]) if ratios else (0.0, 0)
            score = float(lexical[d]) + float(token_weights[d]) * ratio / 100
            entry = int(self._doc_entry[d])
            if entry not in best or score > best[entry][0]:
                best[entry] = (score, phr[pos][1] if phr else "", self._doc_lang[d])
        ranked = sorted(best.items(), key=lambda item: -item[1][0])
        if not ranked:
            return [], 0.0, 0.0
        first = ranked[0][1][0]
        second = ranked[1][1][0] if len(ranked) > 1 else 0.0
        confidence = 100 * (first + self._band_settings()[2] * (first - second))
        matches = [
            Match(self.entry_ids[e], round(100 * sc, 1), phrasing, lang_)
            for e, (sc, phrasing, lang_) in ranked[:limit]
        ]
        return matches, confidence, 100 * (first - second)

    def match(self, text: str, lang: str | None, allowed: np.ndarray | None = None, limit: int = 3,
              vector: np.ndarray | None = None, names_event: bool = False,
              event_names: Sequence[str] = ()) -> MatchResult:
        """Rank and decide the band: answer, suggest ("did you mean") or fallback (names_event: see rank)."""
        matches, confidence, lead = self._rank(text, lang, allowed, max(limit, 2), vector, names_event, event_names)
        answer_threshold, suggest_threshold, _, min_margin = self._band_settings()
        ambiguous = len(matches) > 1 and lead < min_margin  # on the scores, not the rounded ones shown
        matches = matches[:limit]
        if matches and confidence >= answer_threshold and not ambiguous:
            band: Band = "answer"
        elif matches and confidence >= suggest_threshold:
            band = "suggest"
        else:
            band = "fallback"
        return MatchResult(band, round(confidence, 1), matches)
