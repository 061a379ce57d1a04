"""Behaviour of text normalisation and tokenisation (faq.normalize)."""

from __future__ import annotations

import pytest

from faq.normalize import normalize, tokens


def toks(text: str, lang: str | None) -> list[str]:
    return tokens(normalize(text), lang)


# --- normalize: Unicode forms, case and accents --------------------------------------------


def test_full_width_letters_and_digits_become_ascii():
    assert normalize("ＥＷＲＣ　２０２６") == "ewrc 2026"


def test_half_width_katakana_becomes_full_width():
    assert normalize("ﾃｽﾄ") == "テスト"


def test_case_is_folded():
    assert normalize("WHEN Is The EWRC") == "when is the ewrc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("café", "cafe"),
        ("Zürich", "zurich"),
        ("crème brûlée", "creme brulee"),
        ("niño", "nino"),
        ("e\u0301te\u0301", "ete"),  # decomposed: letter + combining acute accent
    ],
)
def test_accents_are_folded(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bærum", "baerum"),
        ("Ålesund", "alesund"),
        ("Øl", "ol"),
        ("Holmås", "holmas"),
        ("Straße", "strasse"),
        ("ÆØÅ æøå", "aeoa aeoa"),
    ],
)
def test_letters_without_unicode_decomposition_are_folded_explicitly(text, expected):
    assert normalize(text) == expected


def test_accented_and_plain_spellings_normalise_alike():
    assert normalize("Når er det?") == normalize("nar er det")


# --- normalize: punctuation -----------------------------------------------------------------


def test_latin_punctuation_becomes_word_breaks():
    assert normalize('Hallo! Wat is dit? (EWRC) "quoted" «x» a/b e-mail') == "hallo wat is dit ewrc quoted x a b e mail"


def test_japanese_punctuation_becomes_word_breaks():
    assert normalize("東京。大阪、何？はい！「本」") == "東京 大阪 何 はい 本"


def test_only_punctuation_normalises_to_empty():
    assert normalize("?!。、「」...") == ""


def test_whitespace_is_collapsed_and_trimmed():
    assert normalize("  when \t is\n\nit  ") == "when is it"


# --- normalize: numbers and apostrophes -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["6,000", "6.000", "6\u00a0000", "６，０００"],
)
def test_thousands_separators_are_removed(text):
    assert normalize(text) == "6000"


def test_thousands_separators_in_a_sentence():
    assert normalize("About 6,000 participants") == normalize("about 6.000 participants") == "about 6000 participants"


def test_several_thousands_groups():
    assert normalize("1,000,000") == "1000000"
    assert normalize("1.000.000") == "1000000"


def test_a_decimal_comma_is_not_a_thousands_separator():
    # "1,5" has one digit after the comma: not a thousands group, so it must not become "15".
    assert normalize("1,5 uur") != "15 uur"


@pytest.mark.parametrize("text", ["regio's", "regio’s", "regio‘s", "regio`s"])
def test_apostrophes_are_dropped_without_splitting_the_word(text):
    assert normalize(text) == "regios"


# --- tokens: stop words per language, question words kept ---------------------------------


@pytest.mark.parametrize(
    ("question", "lang", "kept_word", "dropped"),
    [
        ("When is the event?", "en", "when", {"is", "the"}),
        ("Where is it held?", "en", "where", {"is", "it"}),
        ("Who is the contact?", "en", "who", {"is", "the"}),
        ("How do I register?", "en", "how", {"do", "i"}),
        ("Wanneer is het evenement?", "nl", "wanneer", {"is", "het"}),
        ("Waar is het evenement?", "nl", "waar", {"is", "het"}),
        ("Wie is de contactpersoon?", "nl", "wie", {"is", "de"}),
        ("Hoeveel deelnemers zijn er?", "nl", "hoeveel", {"zijn", "er"}),
        ("Når er det?", "no", "nar", {"er", "det"}),
        ("Hvor er det?", "no", "hvor", {"er", "det"}),
        ("Hvem er kontaktpersonen?", "no", "hvem", {"er"}),
    ],
)
def test_stop_words_are_removed_but_question_words_are_kept(question, lang, kept_word, dropped):
    result = toks(question, lang)
    assert kept_word in result
    assert not dropped & set(result)


def test_content_words_survive_stop_word_removal():
    assert toks("How many people take part in the EWRC?", "en") == ["how", "many", "people", "take", "part", "ewrc"]
    assert toks("Hoeveel deelnemers heeft de EWRC?", "nl") == ["hoeveel", "deelnemers", "ewrc"]
    assert toks("Hvor mange deltakere er det på EWRC?", "no") == ["hvor", "mange", "deltakere", "ewrc"]


def test_stop_words_depend_on_the_language():
    # "de" is a Dutch article, but not an English stop word.
    assert toks("de trein", "nl") == ["trein"]
    assert toks("de trein", "en") == ["de", "trein"]
    # and "the" is an English stop word, not a Dutch one.
    assert "the" in toks("the trein", "nl")
    assert "the" not in toks("the trein", "en")


def test_without_a_language_no_stop_words_are_removed():
    assert toks("the event", None) == ["the", "event"]


def test_a_question_of_only_stop_words_still_has_tokens():
    assert toks("Is it?", "en") != []


# --- tokens: Japanese -------------------------------------------------------------------------


def test_japanese_is_split_into_character_bigrams_without_spaces():
    assert toks("東京大阪", "ja") == ["東京", "京大", "大阪"]


def test_japanese_bigrams_do_not_need_a_language_hint():
    assert toks("東京大阪", None) == ["東京", "京大", "大阪"]


def test_japanese_tokens_are_at_most_two_characters():
    result = toks("郡山市と1988年から姉妹都市であるブルメン市", "ja")
    cjk = [t for t in result if not t.isascii()]
    assert cjk
    assert all(1 <= len(t) <= 2 for t in cjk)
    assert "郡山" in cjk and "姉妹" in cjk and "ブル" in cjk


def test_japanese_polite_endings_are_dropped():
    assert toks("いつですか", "ja") == ["いつ"]
    assert "です" not in toks("東京はどこですか", "ja")


def test_a_single_japanese_character_is_a_token():
    assert toks("郡", "ja") == ["郡"]


def test_japanese_punctuation_separates_bigram_runs():
    # No bigram may straddle the 。 between the two sentences.
    result = toks("東京。大阪", "ja")
    assert result == ["東京", "大阪"]
    assert "京大" not in result


def test_mixed_latin_and_japanese_without_spaces():
    assert toks("EWRCの日程", "ja") == ["ewrc", "の日", "日程"]


def test_mixed_latin_japanese_and_numbers():
    result = toks("ＥＷＲＣ 2026年10月", "ja")
    assert result[0] == "ewrc"
    assert "2026" in result and "10" in result
    assert "年" in result and "月" in result
