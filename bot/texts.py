"""Every text the bot shows people, from the gettext catalogues in bot/locale/.

One catalogue per language (`en.po`, `nl.po`, `no.po`, `ja.po`), edited with any
gettext tool (Poedit, Weblate, msgfmt --check). A message's id is a stable key
(`welcome`, `signup_confirmed`); `en.po` holds the English source texts and the
other catalogues carry them as translator comments. Values are filled in with
Python's `str.format` (`{name}`); a text that depends on a number has plural forms
(`msgid_plural`) and is read with `tn`. The catalogues are loaded with Babel when
this module is imported; a text missing in a language falls back to English, and
a test checks that every key exists in all four languages.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "nl", "no", "ja")
# Babel's locale for each of the bot's language codes: British English (dates as "15 March 2027"); CLDR's "no" is Norwegian Bokmål.
BABEL_LOCALES = {"en": "en_GB", "nl": "nl", "no": "no", "ja": "ja"}


def _catalogue_files(lang: str) -> list[Path]:
    """The catalogue of a language: bot/locale/<lang>.po, one place per language."""
    return [LOCALE_DIR / f"{lang}.po"]


def _load(lang: str) -> tuple[gettext.GNUTranslations, Catalog]:
    merged = Catalog(locale=BABEL_LOCALES[lang], domain="eventbot")
    for path in _catalogue_files(lang):
        if not path.exists():
            continue
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=BABEL_LOCALES[lang])
        for message in catalog:
            if not message.id:
                continue
            if message.id in merged:
                raise ValueError(f"{path}: message {message.id!r} is defined twice for {lang}")
            merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), merged


_TRANSLATIONS: dict[str, gettext.GNUTranslations] = {}
TEXTS: dict[str, dict[str, str]] = {}  # key -> language -> text (a plural text: its singular form)
PLURALS: set[str] = set()
for _lang in LANGUAGES:
    _TRANSLATIONS[_lang], _catalog = _load(_lang)
    for _message in _catalog:
        if not _message.id or not _message.string:
            continue
        _key = _message.id[0] if isinstance(_message.id, tuple) else _message.id
        _text = _message.string[0] if isinstance(_message.string, tuple) else _message.string
        if isinstance(_message.id, tuple):
            PLURALS.add(_key)
        if _text:
            TEXTS.setdefault(_key, {})[_lang] = _text


def _language(lang: str | None) -> str:
    return lang if lang in _TRANSLATIONS else "en"


def t(key: str, lang: str | None, **values: object) -> str:
    """The text for key in lang (English if missing), with values filled in."""
    texts = TEXTS[key]
    text = texts.get(_language(lang)) or texts["en"]
    return text.format(**values) if values else text


def tn(key: str, count: int, lang: str | None, **values: object) -> str:
    """The plural form of key for count in lang (English if missing), with count and values filled in."""
    if key not in TEXTS:
        raise KeyError(key)
    lang = _language(lang)
    if lang not in TEXTS[key]:
        lang = "en"
    text = _TRANSLATIONS[lang].ngettext(key, key, count)
    return text.format(count=format_decimal(count, locale=BABEL_LOCALES[lang]), **values)


@lru_cache(maxsize=None)
def language_name(code: str, in_lang: str | None = None, in_sentence: bool = False) -> str:
    """A language's name written in in_lang (default: in the language itself, as on a language
    picker), from Babel's CLDR data; capitalised to stand alone, as CLDR writes it within a sentence."""
    reader = _language(in_lang or code)
    name = Locale.parse(BABEL_LOCALES.get(code, code)).get_language_name(BABEL_LOCALES[reader]) or code
    return name if in_sentence else name[:1].upper() + name[1:]


LANGUAGE_NAMES = {code: language_name(code) for code in LANGUAGES}
