"""What kind of fact a question asks for: a time, a person, a place or a number.

A question that names an event by its full name has many words in common with every
entry of that event; the one word that says what it asks ("when", "wanneer", "når",
"いつ") is easily outweighed, and sentence embeddings barely see it. So the question
word gets a say of its own: a small table per language of question words and of the
phrases that ask the same ("which month", "hoe lang", "hvor mange", "何人").

`question_type` works on the matching form of a text (faq.normalize.normalize):
lower case, accents folded (*når* is *nar*), no punctuation. It reads all four
languages' tables at once, so a question whose language was not detected, or a
Norwegian question about an entry that has only English and Dutch, still gets its
type. The first pattern in the text wins ("where can I find out when ..." asks where).

"What" is not a type: "what is", "what does it cost", "what dates" ask for anything.
"How much" is not a number either: in all four languages it mostly asks a price.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Literal

from faq.normalize import normalize

QuestionType = Literal["when", "who", "where", "how_many"]
TYPES: tuple[QuestionType, ...] = ("when", "who", "where", "how_many")

# Per type and language: word sequences (in normalised form) that ask for it. A longer
# sequence wins over a shorter one at the same place: "hvor mange" is a number, "hvor" a place.
_WORDS: dict[QuestionType, dict[str, tuple[str, ...]]] = {
    "when": {  # a time, a date or a duration ("how many days": how long)
        "en": ("how many days", "how many weeks", "how many months", "how many years", "when", "what time", "what date", "what dates", "which date", "which dates", "which month",
               "what month", "which year", "what year", "how long", "dates", "date"),
        "nl": ("hoeveel dagen", "hoeveel weken", "hoeveel maanden", "hoeveel jaar", "wanneer", "hoe lang", "hoe laat", "welke datum", "welke data", "op welke data", "welke dag",
               "welke maand", "welk jaar", "datum", "startdatum", "einddatum"),
        "no": ("hvor mange dager", "hvor mange uker", "hvor mange maneder", "hvor mange ar", "nar", "hvor lenge", "hvilken dato", "hvilke datoer", "hvilken dag", "hvilken maned", "hvilket ar",
               "dato", "datoer"),
        "ja": ("いつ", "何月", "何日に", "何時", "日程", "日付", "期間", "何日間", "何年間", "何か月", "何ヶ月"),
    },
    "who": {
        "en": ("who", "whom", "whose", "which organisation", "which organization"),
        "nl": ("wie", "wiens", "welke organisatie"),
        "no": ("hvem", "hvilken organisasjon"),
        "ja": ("誰", "だれ", "どなた", "どんな人"),
    },
    "where": {
        "en": ("where", "which city", "what city", "which country", "which countries", "which region",
               "which place", "location"),
        "nl": ("waar", "waarheen", "welke stad", "welk land", "welke landen", "welke regio", "welke plaats",
               "locatie"),
        "no": ("hvor", "hvilken by", "hvilket land", "hvilke land", "hvilken region", "hvilket sted"),
        "ja": ("どこ", "どの都市", "どの国", "行き先", "場所", "目的地"),
    },
    "how_many": {
        "en": ("how many", "number of"),
        "nl": ("hoeveel", "aantal"),
        "no": ("hvor mange", "antall"),
        "ja": ("何人", "何名", "いくつ", "何か国", "何カ国", "何ヶ国", "何社", "何件", "何個", "何回"),
    },
}
# Phrases that start like a question word but ask something else: a price ("hoeveel kost",
# "hvor mye"), a size ("hvor stor"), a frequency or a distance, a phone number. Removed before the search.
_NOT_A_TYPE = re.compile(r"(?<!\S)(?:hoeveel (?:kost\w*|geld|euro)|phone number|hvor (?:mye|stor|stort|store|langt|ofte|gammel|dyr|dyrt|godt))(?!\S)")


# In English, Dutch and Norwegian the question word comes first, perhaps after a word or two
# ("roughly how many", "tot wanneer", "bij wie"); one further on is in a clause of its own
# ("is Poland in it, and who else?"). Japanese puts it anywhere.
LEADING_WORDS = 3


@lru_cache(maxsize=1)
def _tables() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, QuestionType]]:
    """(words pattern, Japanese pattern, phrase -> type), longest phrases first."""
    kinds: dict[str, QuestionType] = {}
    for kind, by_lang in _WORDS.items():
        for phrases in by_lang.values():
            for phrase in phrases:
                kinds[normalize(phrase)] = kind
    latin = sorted((p for p in kinds if p.isascii()), key=len, reverse=True)
    cjk = sorted((p for p in kinds if not p.isascii()), key=len, reverse=True)
    words = re.compile(r"(?<!\S)(?:%s)(?!\S)" % "|".join(re.escape(p) for p in latin))
    japanese = re.compile("|".join(re.escape(p) for p in cjk))
    return words, japanese, kinds


def question_type(text: str) -> QuestionType | None:
    """The type of a question in any of the four languages, or None when it asks none of them."""
    norm = _NOT_A_TYPE.sub(" ", normalize(text))
    words, japanese, kinds = _tables()
    latin = words.search(norm)
    if latin is not None and norm.count(" ", 0, latin.start()) >= LEADING_WORDS:
        latin = None
    found = [m for m in (latin, japanese.search(norm)) if m is not None]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    return kinds[first.group()]


# An entry asks a type fully when at least this share of its phrasings ask it: entries of the
# same type ("how many people", "how many sessions") are not told apart by how often they say so.
FULL_SHARE = 1e-9


def asked_types(phrasings: Iterable[str]) -> frozenset[QuestionType]:
    """The types an FAQ entry answers: every type one of its phrasings asks.

    One phrasing is enough: an entry about Battle of Concepts that has "how many students
    can take part?" among its phrasings answers a how-many question. Counting shares
    instead (half of the phrasings or more) measured worse on the seed questions.
    """
    return frozenset(kind for kind in map(question_type, phrasings) if kind is not None)
