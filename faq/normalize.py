"""Text normalisation and tokenisation for English, Dutch, Norwegian and Japanese."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

LANGUAGES = ("en", "nl", "no", "ja")

# Letters that Unicode does not decompose into a base letter plus an accent.
_EXPLICIT_FOLDS = {
    "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "å": "a", "Å": "a",
    "ß": "ss", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i",
}
_APOSTROPHES = "'’‘`´"
_THOUSANDS = re.compile(r"(?<=\d)[.,\u00a0\u202f ](?=\d{3}(?!\d))")
_SPACES = re.compile(r"\s+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_RUNS = re.compile(
    r"(?P<cjk>[\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<word>[^\s\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
)


def _build_table() -> dict[int, str]:
    """Translation table: accent folding for Latin letters, punctuation and symbols to spaces."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if base != char:
            table[code] = base.casefold()
    for char, folded in _EXPLICIT_FOLDS.items():
        table[ord(char)] = folded
    for code in range(0x20, 0x3100):
        char = chr(code)
        if unicodedata.category(char)[0] in "PS" and char not in _APOSTROPHES:
            table[code] = " "
    for char in "\uff5e\uff01\uff1f\uff0c\uff0e\uff1a\uff1b\u3000":  # full-width leftovers
        table[ord(char)] = " "
    for char in _APOSTROPHES:
        table[ord(char)] = ""
    return table


_TABLE = _build_table()


def normalize(text: str) -> str:
    """Return text in the matching form: NFKC, case-folded, accent-folded, no punctuation."""
    if text.isascii():  # the common case: NFKC and accent folding change nothing
        return _SPACES.sub(" ", _THOUSANDS.sub("", text.lower()).translate(_TABLE)).strip()
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _THOUSANDS.sub("", text)
    text = text.translate(_TABLE)
    if _COMBINING.search(text):  # combining marks left after NFKC on Latin letters ("e" + U+0301)
        text = "".join(
            c for i, c in enumerate(text)
            if not (unicodedata.combining(c) and i and text[i - 1] < "\u0250")
        )
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """The stop words of one language (empty for languages without a list)."""
    if lang not in LANGUAGES:
        return frozenset()
    raw = resources.files("faq").joinpath(f"data/stopwords-{lang}.txt").read_text("utf-8")
    words = (line.strip() for line in raw.splitlines())
    return frozenset(normalize(w) for w in words if w and not w.startswith("#"))


@lru_cache(maxsize=None)
def _ja_stop_pattern() -> re.Pattern[str]:
    phrases = sorted(stop_words("ja"), key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases))


def tokens(norm: str, lang: str | None) -> list[str]:
    """Word tokens of normalised text: words without stop words, and bigrams for CJK runs."""
    stops = stop_words(lang) if lang else frozenset()
    out: list[str] = []
    for match in _RUNS.finditer(norm):
        run = match.group()
        if match.lastgroup == "word":
            if run not in stops:
                out.append(run)
            continue
        for part in _ja_stop_pattern().split(run):
            if len(part) == 1:
                out.append(part)
            out.extend(part[i:i + 2] for i in range(len(part) - 1))
    if not out:  # a question made only of stop words still deserves a match
        out = [m.group() for m in _RUNS.finditer(norm)]
    return out


def char_ngrams(words: list[str], n: int = 3) -> list[str]:
    """Character n-grams of each word, padded so that word starts and ends count."""
    grams: list[str] = []
    for word in words:
        grams.extend(_word_ngrams(word, n))
    return grams


@lru_cache(maxsize=65536)
def _word_ngrams(word: str, n: int) -> tuple[str, ...]:
    if len(word) <= 2 and not word.isascii():  # CJK bigram: already a fine unit
        return (word,)
    padded = f"<{word}>"
    return tuple(padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))


def is_cjk(text: str) -> bool:
    """True when the text contains Japanese or Chinese characters."""
    return any(m.lastgroup == "cjk" for m in _RUNS.finditer(text))
