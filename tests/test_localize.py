"""Dates, times, numbers and plurals as each language writes them (bot.localize, the plural texts)."""

from __future__ import annotations

import datetime as dt
import re
import string
import zoneinfo

import pytest
from babel.messages.pofile import read_po

from bot.localize import moment, moment_iso, number, when, zone_name
from bot.texts import BABEL_LOCALES, LANGUAGES, LOCALE_DIR, PLURALS, TEXTS, t, tn

D, T = dt.date, dt.datetime
AMS, TYO = "Europe/Amsterdam", "Asia/Tokyo"
UTC = dt.timezone.utc
SECONDS = re.compile(r"\d:\d\d:\d\d")  # a time with seconds, "09:00:00"


# --- when: an event's dates ------------------------------------------------------------

ONE_DAY = {"en": "15 March 2027", "nl": "15 maart 2027", "no": "15. mars 2027", "ja": "2027年3月15日"}
SPAN = {"en": "15–17 March 2027", "nl": "15–17 maart 2027", "no": "15.–17. mars 2027", "ja": "2027年3月15日～17日"}
SPAN_MONTHS = {"en": "15 March – 2 April 2027", "nl": "15 maart – 2 april 2027", "no": "15. mars – 2. april 2027",
               "ja": "2027年3月15日～4月2日"}
SPAN_YEARS = {"en": "30 December 2027 – 2 January 2028", "nl": "30 december 2027 – 2 januari 2028",
              "no": "30. desember 2027 – 2. januar 2028", "ja": "2027年12月30日～2028年1月2日"}
DAY_WITH_TIMES = {"en": "15 March 2027, 09:00–17:00 (Amsterdam time)",
                  "nl": "15 maart 2027, 09:00–17:00 (tijd in Amsterdam)",
                  "no": "15. mars 2027, 09:00–17:00 (tidssone for Amsterdam)",
                  "ja": "2027年3月15日 9:00～17:00（アムステルダム時間）"}
DAYS_WITH_TIMES = {"en": "15 March 2027, 09:00 – 17 March 2027, 17:00 (Amsterdam time)",
                   "nl": "15 maart 2027, 09:00 – 17 maart 2027, 17:00 (tijd in Amsterdam)",
                   "no": "15. mars 2027, 09:00 – 17. mars 2027, 17:00 (tidssone for Amsterdam)",
                   "ja": "2027年3月15日 9:00～2027年3月17日 17:00（アムステルダム時間）"}
START_ONLY = {"en": "15 March 2027, 09:00 (Amsterdam time)", "nl": "15 maart 2027, 09:00 (tijd in Amsterdam)",
              "no": "15. mars 2027, 09:00 (tidssone for Amsterdam)", "ja": "2027年3月15日 9:00（アムステルダム時間）"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_one_day_event_without_times_is_its_long_date(lang):
    assert when(D(2027, 3, 15), None, AMS, lang) == ONE_DAY[lang]
    assert when(D(2027, 3, 15), D(2027, 3, 15), AMS, lang) == ONE_DAY[lang]  # an end on the same day adds nothing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_span_of_dates_writes_the_shared_month_and_year_once(lang):
    assert when(D(2027, 3, 15), D(2027, 3, 17), AMS, lang) == SPAN[lang]
    assert when(D(2027, 3, 15), D(2027, 4, 2), AMS, lang) == SPAN_MONTHS[lang]
    assert when(D(2027, 12, 30), D(2028, 1, 2), AMS, lang) == SPAN_YEARS[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_one_day_event_with_times_names_the_date_once_and_the_zone(lang):
    text = when(T(2027, 3, 15, 9), T(2027, 3, 15, 17), AMS, lang)
    assert text == DAY_WITH_TIMES[lang]
    assert text.count("15") == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_several_day_event_with_times(lang):
    assert when(T(2027, 3, 15, 9), T(2027, 3, 17, 17), AMS, lang) == DAYS_WITH_TIMES[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_event_with_only_a_start(lang):
    assert when(T(2027, 3, 15, 9), None, AMS, lang) == START_ONLY[lang]
    assert when(T(2027, 3, 15, 9), T(2027, 3, 15, 9), AMS, lang) == START_ONLY[lang]
    assert when(None, None, AMS, lang) == ""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dates_alone_name_no_zone_and_no_time_while_times_do(lang):
    dates_only = when(D(2027, 7, 1), D(2027, 7, 3), TYO, lang)
    with_times = when(T(2027, 7, 1, 10), T(2027, 7, 3, 16), TYO, lang)
    assert zone_name(TYO, lang) not in dates_only and ":" not in dates_only
    assert with_times.endswith(("(" + zone_name(TYO, lang) + ")", "（" + zone_name(TYO, lang) + "）"))
    assert "10:00" in with_times and "16:00" in with_times


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_naive_event_time_is_local_to_the_event_zone_and_an_aware_one_is_converted(lang):
    naive_summer = when(T(2027, 7, 1, 9), None, AMS, lang)
    naive_tokyo = when(T(2027, 7, 1, 9), None, TYO, lang)
    assert "9:00" in naive_summer and "9:00" in naive_tokyo  # not shifted by the zone's offset
    aware = T(2027, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 in Amsterdam (summer time), 16:00 in Tokyo
    assert when(aware, None, AMS, lang) == naive_summer
    assert "16:00" in when(aware, None, TYO, lang)
    winter = T(2027, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam (winter time)
    assert when(winter, None, AMS, lang) == when(T(2027, 1, 15, 9), None, AMS, lang)


def test_an_event_across_midnight_in_its_zone_is_two_days():
    # 22:00-02:00 in Amsterdam: written as two days though the UTC dates would differ otherwise
    assert when(T(2027, 3, 15, 22), T(2027, 3, 16, 2), AMS, "en") == \
        "15 March 2027, 22:00 – 16 March 2027, 02:00 (Amsterdam time)"


def test_a_date_only_end_after_a_start_with_a_time():
    assert when(T(2027, 3, 15, 9), D(2027, 3, 17), AMS, "en") == "15 March 2027, 09:00 – 17 March 2027 (Amsterdam time)"
    assert when(T(2027, 3, 15, 9), D(2027, 3, 15), AMS, "en") == START_ONLY["en"]


# --- the zone's name --------------------------------------------------------------------


def test_zones_are_named_after_their_city_in_each_language():
    assert [zone_name(AMS, lang) for lang in LANGUAGES] == \
        ["Amsterdam time", "tijd in Amsterdam", "tidssone for Amsterdam", "アムステルダム時間"]
    assert [zone_name(TYO, lang) for lang in LANGUAGES] == ["Tokyo time", "tijd in Tokio", "tidssone for Tokyo", "日本時間"]
    assert zone_name("America/New_York", "en") == "New York time"
    assert zone_name("UTC", "ja") == zone_name(None, "nl") == "UTC"


# --- moment: one point in time ----------------------------------------------------------

SUMMER = T(2027, 7, 1, 7, 30, 45, tzinfo=UTC)  # 09:30 in Amsterdam (UTC+2), 16:30 in Tokyo
WINTER = T(2027, 1, 15, 8, 0, 59, tzinfo=UTC)  # 09:00 in Amsterdam (UTC+1), 17:00 in Tokyo


@pytest.mark.parametrize("lang, summer_ams, winter_ams, summer_tyo, winter_tyo", [
    ("en", "1 July 2027, 09:30 (Amsterdam time)", "15 January 2027, 09:00 (Amsterdam time)",
     "1 July 2027, 16:30 (Tokyo time)", "15 January 2027, 17:00 (Tokyo time)"),
    ("nl", "1 juli 2027, 09:30 (tijd in Amsterdam)", "15 januari 2027, 09:00 (tijd in Amsterdam)",
     "1 juli 2027, 16:30 (tijd in Tokio)", "15 januari 2027, 17:00 (tijd in Tokio)"),
    ("no", "1. juli 2027, 09:30 (tidssone for Amsterdam)", "15. januar 2027, 09:00 (tidssone for Amsterdam)",
     "1. juli 2027, 16:30 (tidssone for Tokyo)", "15. januar 2027, 17:00 (tidssone for Tokyo)"),
    ("ja", "2027年7月1日 9:30（アムステルダム時間）", "2027年1月15日 9:00（アムステルダム時間）",
     "2027年7月1日 16:30（日本時間）", "2027年1月15日 17:00（日本時間）"),
])
def test_a_moment_is_written_in_the_event_zone_with_summer_and_winter_time(lang, summer_ams, winter_ams,
                                                                          summer_tyo, winter_tyo):
    assert moment(SUMMER, AMS, lang) == summer_ams
    assert moment(WINTER, AMS, lang) == winter_ams
    assert moment(SUMMER, TYO, lang) == summer_tyo
    assert moment(WINTER, TYO, lang) == winter_tyo


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_naive_moment_is_utc_and_no_zone_means_utc(lang):
    assert moment(SUMMER.replace(tzinfo=None), AMS, lang) == moment(SUMMER, AMS, lang)
    assert moment(SUMMER, None, lang) == moment(SUMMER, "UTC", lang)
    assert "7:30" in moment(SUMMER, None, lang) and "UTC" in moment(SUMMER, None, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("instant", [SUMMER, WINTER, T(2027, 10, 31, 0, 59, 59, tzinfo=UTC)])
@pytest.mark.parametrize("zone", [AMS, TYO, None])
def test_stored_iso_stamps_round_trip_whatever_their_offset(lang, instant, zone):
    expected = moment(instant, zone, lang)
    for offset in (UTC, zoneinfo.ZoneInfo(AMS), zoneinfo.ZoneInfo(TYO), dt.timezone(dt.timedelta(hours=-5, minutes=-30))):
        stamp = instant.astimezone(offset).isoformat(timespec="seconds")
        assert moment_iso(stamp, zone, lang) == expected, stamp
    assert moment_iso(instant.isoformat().replace("+00:00", "Z"), zone, lang) == expected
    assert moment_iso(instant.replace(tzinfo=None).isoformat(), zone, lang) == expected  # naive: UTC


def test_the_end_of_summer_time_is_read_from_the_offset():
    # 31 October 2027: 00:59:59 UTC is 02:59 summer time, 01:00 UTC is 02:00 winter time in Amsterdam
    assert moment_iso("2027-10-31T02:59:59+02:00", AMS, "en") == "31 October 2027, 02:59 (Amsterdam time)"
    assert moment_iso("2027-10-31T01:00:00+00:00", AMS, "en") == "31 October 2027, 02:00 (Amsterdam time)"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_stamp_is_a_dash_and_an_odd_one_stays_as_it_is(lang):
    assert moment_iso(None, AMS, lang) == moment_iso("", AMS, lang) == "–"
    assert moment_iso("not a date", AMS, lang) == "not a date"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_seconds_and_a_24_hour_clock_anywhere(lang):
    texts = [when(T(2027, 3, 15, 9, 5, 30), T(2027, 3, 15, 21, 45, 10), AMS, lang),
             when(T(2027, 3, 15, 9, 5, 30), T(2027, 3, 17, 23, 59, 59), TYO, lang),
             when(T(2027, 3, 15, 13, 0, 1), None, AMS, lang),
             moment(SUMMER, AMS, lang), moment(WINTER, TYO, lang), moment(SUMMER, None, lang),
             moment_iso("2027-03-15T13:14:15+01:00", AMS, lang)]
    for text in texts:
        assert not SECONDS.search(text), text
        assert not re.search(r"\b(AM|PM|am|pm)\b|午前|午後", text), text
    assert "21:45" in texts[0] and "23:59" in texts[1] and "13:00" in texts[2]


def test_an_unknown_language_is_english():
    assert when(D(2027, 3, 15), None, AMS, "de") == ONE_DAY["en"]
    assert moment(SUMMER, AMS, None) == moment(SUMMER, AMS, "en")
    assert number(6000, "xx") == "6,000"


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang, thousands, decimal", [
    ("en", "6,000", "1,234.5"), ("nl", "6.000", "1.234,5"), ("no", "6\u00a0000", "1\u00a0234,5"), ("ja", "6,000", "1,234.5"),
])
def test_numbers_are_grouped_the_way_the_language_does(lang, thousands, decimal):
    assert number(6000, lang) == thousands
    assert number(1234.5, lang) == decimal
    assert number(7, lang) == "7"


def test_every_language_has_a_babel_locale():
    assert set(BABEL_LOCALES) == set(LANGUAGES)


# --- plurals ----------------------------------------------------------------------------

# The placeholder a plural text counts with, where it is not {count}.
NUMBER_FIELD = {"bc_preview": "total", "bc_started": "total", "form_too_long": "max"}
# What each plural text says for 1 and for 2 (English, Dutch, Norwegian; Japanese has one form).
READS = {
    "forget_signups": {"en": ("1 signup with its", "2 signups with their"), "nl": ("1 aanmelding ", "2 aanmeldingen "),
                       "no": ("1 påmelding ", "2 påmeldinger ")},
    "forget_messages": {"en": ("1 message ", "2 messages "), "nl": ("1 bericht,", "2 berichten,"),
                        "no": ("1 melding,", "2 meldinger,")},
    "forget_questions": {"en": ("1 question ", "2 questions "), "nl": ("1 vraag ", "2 vragen "),
                         "no": ("1 spørsmål ", "2 spørsmål ")},
    "export_ready": {"en": ("1 row.", "2 rows."), "nl": ("1 regel.", "2 regels."), "no": ("1 rad.", "2 rader.")},
    "bc_preview": {"en": ("1 recipient (", "2 recipients ("), "nl": ("1 ontvanger (", "2 ontvangers ("),
                   "no": ("1 mottaker (", "2 mottakere (")},
    "bc_started": {"en": ("to 1 person.", "to 2 people."), "nl": ("naar 1 persoon.", "naar 2 mensen."),
                   "no": ("til 1 person.", "til 2 personer.")},
    "unanswered_header": {"en": ("1 question in", "2 questions in"), "nl": ("1 vraag in", "2 vragen in"),
                          "no": ("1 spørsmål i", "2 spørsmål i")},
    "unanswered_groups": {"en": ("1 group of", "2 groups of"), "nl": ("1 groep van", "2 groepen van"),
                          "no": ("1 gruppe av", "2 grupper av")},
    "unanswered_people": {"en": ("1 person", "2 people"), "nl": ("1 persoon", "2 personen"),
                          "no": ("1 person", "2 personer")},
    "unanswered_more": {"en": ("1 more group.", "2 more groups."), "nl": ("nog 1 groep.", "nog 2 groepen."),
                        "no": ("1 gruppe til.", "2 grupper til.")},
    "form_too_long": {"en": ("1 character)", "2 characters)"), "nl": ("1 teken)", "2 tekens)"),
                      "no": ("1 tegn)", "2 tegn)")},
}
NPLURALS = {"en": 2, "nl": 2, "no": 2, "ja": 1}
MAKESHIFT_PLURAL = re.compile(r"\w\((?:s|es|en|er|r|e|n)\)|\b(\w+)/\1|vraag/vragen|persoon/personen|[Pp]erson\(s\)")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _render(key: str, n: int, lang: str) -> str:
    field = NUMBER_FIELD.get(key, "count")
    values = {name: f"<{name}>" for name in _fields(TEXTS[key]["en"]) if name not in ("count", field)}
    if field != "count":
        values[field] = n
    return tn(key, n, lang, **values)


def test_the_plural_texts_are_the_ones_expected():
    assert PLURALS == set(READS)  # a new plural text gets its expectations here


@pytest.mark.parametrize("key", sorted(READS))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plural_text_reads_right_for_one_and_for_two(key, lang):
    one, two = _render(key, 1, lang), _render(key, 2, lang)
    for text in (one, two):
        assert "{" not in text and "}" not in text, text
        assert not MAKESHIFT_PLURAL.search(text), text
    assert "1" in one and "2" in two
    if lang == "ja":
        assert two.replace("2", "1") == one  # one form, the number filled in
        return
    singular, plural = READS[key][lang]
    assert singular in one, one
    assert plural in two, two
    if singular.replace("1", "2") != plural:  # the word changes: the plural form must not show for 1
        assert plural.replace("2", "1") not in one, one


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plural_entry_has_the_forms_its_language_needs_and_the_english_placeholders(lang):
    with (LOCALE_DIR / f"{lang}.po").open("rb") as fp:
        catalog = read_po(fp, locale=BABEL_LOCALES[lang])
    plural = {m.id[0]: m for m in catalog if isinstance(m.id, tuple)}
    assert set(plural) == set(READS)
    assert catalog.num_plurals == NPLURALS[lang]
    for key, message in plural.items():
        assert message.id == (key, key)
        assert len(message.string) == NPLURALS[lang] and all(message.string), key
        english = _fields(TEXTS[key]["en"])
        assert all(_fields(form) == english for form in message.string), key


def test_no_text_in_any_language_writes_a_plural_with_brackets_or_slashes():
    for key, texts in TEXTS.items():
        for lang, text in texts.items():
            assert not MAKESHIFT_PLURAL.search(text), (key, lang, text)


def test_the_split_texts_fill_in_a_counted_phrase_so_each_number_has_its_own_plural():
    assert "{groups}" in t("unanswered_header", "en") and "{people}" in t("unanswered_item", "en")
    header = tn("unanswered_header", 1, "nl", scope="Expo", groups=tn("unanswered_groups", 3, "nl"))
    assert header.endswith("1 vraag in 3 groepen van gelijksoortige, de meest gestelde eerst:")
    header = tn("unanswered_header", 6, "en", scope="Expo", groups=tn("unanswered_groups", 1, "en"))
    assert header.endswith("6 questions in 1 group of similar ones, most frequent first:")
    item = t("unanswered_item", "no", count=4, people=tn("unanswered_people", 1, "no"), text="Hund?", languages="en")
    assert item == "4× fra 1 person: «Hund?» (en)"
    item = t("unanswered_item", "en", count=1, people=tn("unanswered_people", 2, "en"), text="Dog?", languages="en")
    assert item == "1× by 2 people: “Dog?” (en)"
