"""The closest known word for a typo in a content file: a key, language code, event id or time zone."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from faq.normalize import LANGUAGES

# codes and names people write for the bot's languages
_LANGUAGE_NAMES = {
    "nb": "no", "nn": "no", "nor": "no", "nob": "no", "norsk": "no", "norwegian": "no", "bokmål": "no",
    "jp": "ja", "jpn": "ja", "japanese": "ja", "日本語": "ja",
    "eng": "en", "english": "en", "gb": "en", "uk": "en", "us": "en",
    "nld": "nl", "dut": "nl", "dutch": "nl", "nederlands": "nl", "be": "nl",
}


def closest(word: Any, known: Iterable[str]) -> str | None:
    """The known word nearest to word (case aside), or None when none is a likely typo of it.

    Likely typos: one letter wrong, missing, extra, or two swapped (`di` for `id`) per
    four letters, at least one.
    """
    if not isinstance(word, str) or not word:
        return None
    by_lower = {k.lower(): k for k in known}
    lowered = word.lower()
    found = process.extractOne(lowered, list(by_lower), scorer=OSA.distance,
                               score_cutoff=max(1, len(lowered) // 4))
    return by_lower[found[0]] if found else None


def closest_language(code: Any) -> str | None:
    """The language code meant by code (en, nl, no or ja), or None."""
    if not isinstance(code, str):
        return None
    lowered = code.strip().lower()
    if lowered in LANGUAGES:
        return lowered
    for separator in ("-", "_"):  # en-GB, nb_NO
        if separator in lowered:
            return closest_language(lowered.split(separator)[0])
    if lowered in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[lowered]
    if len(lowered) == 2:  # another real code (de, da, fr) is no typo, but swapped letters are
        return lowered[::-1] if lowered[::-1] in LANGUAGES else None
    return closest(lowered, LANGUAGES)


_AREAS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}


@functools.cache
def _time_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def closest_time_zone(name: str) -> str | None:
    """The IANA time zone name meant by name (Europe/Amsterdm -> Europe/Amsterdam), or None."""
    zones = _time_zones()
    exact = {z.lower(): z for z in zones}.get(name.strip().lower().replace(" ", "_"))
    if exact:
        return exact
    city = name.rsplit("/", 1)[-1].replace(" ", "_").lower()  # a right city in the wrong region, or no region
    cities = {z.rsplit("/", 1)[-1].lower(): z for z in zones if z.split("/", 1)[0] in _AREAS}
    if city in cities:
        return cities[city]
    guess = closest(name.replace(" ", "_"), zones)
    if guess:
        return guess
    found = closest(city, cities)
    return cities[found] if found else None
