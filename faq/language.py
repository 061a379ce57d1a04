"""Detect which of the bot's languages a message is written in (py3langid, restricted)."""

from __future__ import annotations

import threading
from functools import lru_cache

from faq.normalize import LANGUAGES, is_cjk

MIN_LETTERS = 4
MIN_CONFIDENCE = 0.80

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    with _lock:
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(LANGUAGES))
    return identifier


def detect(text: str) -> str | None:
    """The message's language, or None when it is too short or too unclear to tell."""
    if is_cjk(text):
        return "ja"
    letters = sum(c.isalpha() for c in text)
    if letters < MIN_LETTERS:
        return None
    lang, confidence = _identifier().classify(text)
    return lang if confidence >= MIN_CONFIDENCE else None


def supported(code: str | None) -> str | None:
    """The supported language for a locale like 'nl-BE', 'nb' or 'ja_JP', else None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    base = {"nb": "no", "nn": "no"}.get(base, base)
    return base if base in LANGUAGES else None
