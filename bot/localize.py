"""Dates, times and numbers written the way each of the bot's languages writes them.

Small pure functions on top of Babel's CLDR data (babel.dates, babel.numbers); the bot's
language codes map to Babel locales through `bot.texts.BABEL_LOCALES` (English is
British English: "15 March 2027"). An unknown language code is read as English.

* `when(start, end, timezone, lang)`: an event's dates, e.g. "15 March 2027",
  "15–17 March 2027", "15 March 2027, 09:00–17:00 (Amsterdam time)".
* `moment(instant, timezone, lang)`: one point in time in the event's zone, e.g.
  "15 March 2027, 09:00 (Amsterdam time)" (offers' deadlines, reports, reminders).
* `moment_iso(stamp, timezone, lang)`: the same from a stored ISO timestamp.
* `number(n, lang)`: "6,000", "6.000", "6 000" (a no-break space), "6,000".
* `zone_name(timezone, lang)`: the zone named after its city: "Amsterdam time",
  "tijd in Amsterdam", "tidssone for Amsterdam", "アムステルダム時間".

House style, the same in every language: a 24-hour clock and never seconds; spans
use CLDR's interval patterns with the month written out ("March", not CLDR's "Mar"),
and a range dash is unspaced between plain numbers or times ("15–17 March",
"09:00–17:00") and spaced when the start has words in it ("15 March – 2 April 2027");
Japanese keeps its "～". CLDR's thin spaces become ordinary spaces, which every chat
client shows alike.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location, match_skeleton
from babel.numbers import format_decimal

from bot.texts import BABEL_LOCALES

__all__ = ["when", "moment", "moment_iso", "number", "zone_name", "babel_locale"]

_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu",
                        "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "Etc/Greenwich", "Greenwich"})
_DASHES = " \u2009\u202f\u00a0–-～~"  # what CLDR puts around its range dash
# A language's home zone is named after its country, as its speakers say it ("日本時間", not "東京時間").
_HOME_ZONES = {"ja": frozenset({"Asia/Tokyo", "Japan"})}


@lru_cache(maxsize=None)
def babel_locale(lang: str | None) -> Locale:
    """The Babel locale for one of the bot's language codes (English for an unknown code)."""
    return Locale.parse(BABEL_LOCALES.get(lang or "en", BABEL_LOCALES["en"]))


def _is_japanese(locale: Locale) -> bool:
    return locale.language == "ja"


def _plain_spaces(text: str) -> str:
    """CLDR's thin and narrow no-break spaces as ordinary spaces."""
    return text.replace("\u2009", " ").replace("\u202f", " ")


def _range(first: str, second: str, locale: Locale) -> str:
    """Two formatted ends joined by the language's range dash (see the module's house style)."""
    if _is_japanese(locale):
        return f"{first}～{second}"
    return f"{first} – {second}" if " " in first else f"{first}–{second}"


@lru_cache(maxsize=None)
def _time_pattern(locale: Locale) -> str:
    """The locale's short time pattern on a 24-hour clock, without seconds ("HH:mm"; Japanese "H:mm")."""
    pattern = locale.time_formats["short"].pattern
    if any(c in pattern for c in "hKa") or "s" in pattern.replace("'", ""):
        return "HH:mm"
    return pattern


@lru_cache(maxsize=None)
def _date_pattern(locale: Locale) -> str:
    """The locale's long date pattern: "d MMMM y", "d. MMMM y", "y年M月d日"."""
    return locale.date_formats["long"].pattern


def _date(day: dt.date, locale: Locale) -> str:
    return _plain_spaces(format_date(day, _date_pattern(locale), locale=locale))


def _time(moment_: dt.datetime, locale: Locale) -> str:
    """The wall-clock time of a datetime already in the zone to show: "09:00", "9:00"."""
    return format_time(moment_.replace(tzinfo=None).time(), _time_pattern(locale), locale=locale)


def _date_time(moment_: dt.datetime, locale: Locale) -> str:
    """A date and time in one: "15 March 2027, 09:00", "2027年3月15日 9:00"."""
    glue = str(locale.datetime_formats["long"])
    return glue.replace("{1}", _date(moment_.date(), locale)).replace("{0}", _time(moment_, locale))


def _date_span(first: dt.date, last: dt.date, locale: Locale) -> str:
    """Two dates as one span, the shared month and year written once: "15–17 March 2027"."""
    if first == last:
        return _date(first, locale)
    skeleton = match_skeleton("yMMMMd", locale.interval_formats) or "yMMMd"
    patterns = locale.interval_formats.get(skeleton) or {}
    field = "y" if first.year != last.year else "M" if first.month != last.month else "d"
    halves = patterns.get(field)
    if not halves or len(halves) != 2:
        return _range(_date(first, locale), _date(last, locale), locale)
    first_pattern, last_pattern = (_widen_month(p) for p in halves)
    start = _plain_spaces(format_date(first, first_pattern, locale=locale)).rstrip(_DASHES)
    end = _plain_spaces(format_date(last, last_pattern, locale=locale)).strip()
    return _range(start, end, locale)


def _widen_month(pattern: str) -> str:
    """A pattern with its abbreviated month ("MMM") written out ("MMMM"), as CLDR's matching allows."""
    out, i, quoted = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            quoted = not quoted
            out.append(c)
            i += 1
            continue
        if not quoted and c in "ML":
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            out.append(c * 4 if j - i == 3 else pattern[i:j])
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _zone(timezone: str | None) -> dt.tzinfo:
    if not timezone or timezone in _UTC_NAMES:
        return dt.timezone.utc
    return zoneinfo.ZoneInfo(timezone)


@lru_cache(maxsize=None)
def zone_name(timezone: str | None, lang: str | None) -> str:
    """A time zone as people call it, after its city in CLDR's words for lang: "Amsterdam time", "tijd in
    Amsterdam", "tidssone for Amsterdam", "アムステルダム時間"; "UTC" for UTC (and for None). Japanese names
    Japan's own zone by the country, "日本時間", as Japanese speakers do."""
    if not timezone or timezone in _UTC_NAMES:
        return "UTC"
    locale = babel_locale(lang)
    if timezone in _HOME_ZONES.get(locale.language, ()):
        return get_timezone_location(timezone, locale=locale)
    city = get_timezone_location(timezone, locale=locale, return_city=True)
    region = str(locale.zone_formats["region"])  # "%s Time", "tijd in %s", "tidssone for %s", "%s時間"
    if locale.language == "en":
        region = region.lower()  # "Amsterdam time", as English writes it in a sentence
    return region % city


def _parenthesised(text: str, zone: str, locale: Locale) -> str:
    return f"{text}（{zone}）" if _is_japanese(locale) else f"{text} ({zone})"


def _local(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An event's date-time in its zone: naive is already local there, aware is converted."""
    return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)


def when(start: dt.date | dt.datetime | None, end: dt.date | dt.datetime | None, timezone: str | None,
         lang: str | None) -> str:
    """An event's dates as people read them in lang, or "" without a start.

    Dates alone (no zone: a day is a day everywhere): "15 March 2027", "15–17 March 2027",
    "15 March – 2 April 2027", "2027年3月15日～17日". With times, in the event's zone (a naive
    datetime is local time there, an aware one is converted) and the zone named: one day
    "15 March 2027, 09:00–17:00 (Amsterdam time)" (the date once); several days
    "15 March 2027, 09:00 – 17 March 2027, 17:00 (Amsterdam time)"; no end (or an end equal to
    the start) "15 March 2027, 09:00 (Amsterdam time)".
    """
    if start is None:
        return ""
    locale = babel_locale(lang)
    if not isinstance(start, dt.datetime):
        last = end.date() if isinstance(end, dt.datetime) else end
        return _date_span(start, last if last and last > start else start, locale)
    tz = _zone(timezone)
    first = _local(start, tz)
    zone = zone_name(timezone, lang)
    if end is None or end == start:
        text = _date_time(first, locale)
    elif not isinstance(end, dt.datetime):  # a date-only end after a start with a time
        text = _date_time(first, locale) if end <= first.date() else _range(_date_time(first, locale),
                                                                             _date(end, locale), locale)
    else:
        last = _local(end, tz)
        if last.date() == first.date():
            times = _range(_time(first, locale), _time(last, locale), locale)
            text = str(locale.datetime_formats["long"]).replace("{1}", _date(first.date(), locale)).replace("{0}", times)
        else:
            text = _range(_date_time(first, locale), _date_time(last, locale), locale)
    return _parenthesised(text, zone, locale)


def moment(instant: dt.datetime, timezone: str | None, lang: str | None) -> str:
    """One point in time in the event's zone (UTC when timezone is None), the zone named, no seconds:
    "15 March 2027, 09:00 (Amsterdam time)", "2027年3月15日 9:00（アムステルダム時間）".

    An aware instant is converted; a naive one is read as UTC (how the bot stores its clock).
    For an event's own start or end, naive in local time, use `when(value, None, timezone, lang)`.
    """
    tz = _zone(timezone)
    aware = instant if instant.tzinfo else instant.replace(tzinfo=dt.timezone.utc)
    locale = babel_locale(lang)
    return _parenthesised(_date_time(aware.astimezone(tz), locale), zone_name(timezone, lang), locale)


def moment_iso(stamp: str | None, timezone: str | None, lang: str | None) -> str:
    """A stored ISO 8601 timestamp (with an offset, or naive UTC) as `moment` writes it; "–" for None or "".

    A stamp that is not ISO 8601 is returned as it is, so a report never fails on one odd record.
    """
    if not stamp:
        return "–"
    try:
        instant = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment(instant, timezone, lang)


def number(n: int | float | Decimal, lang: str | None) -> str:
    """A number with the language's digit grouping and decimal sign: 6,000 / 6.000 / 6 000 / 6,000
    (Norwegian groups with a no-break space, U+00A0); 1234.5 is "1,234.5" / "1.234,5"."""
    return format_decimal(n, locale=babel_locale(lang))
