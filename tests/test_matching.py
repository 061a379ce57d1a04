"""Matching behaviour: bands, languages, event scope, and the parts it is built from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage import AtomicJSONStorage
from bot.texts import TEXTS
from faq.language import detect, supported
from faq.matcher import Document, Matcher, MatchSettings

FAQ = [
    Document("opening-hours", "en", ["When are you open?", "What are the opening hours?", "What time do you open?"]),
    Document("parking", "en", ["Where can I park?", "Is there parking?", "Where do I leave my car?"]),
    Document("wifi", "en", ["What is the wifi password?", "Is there wifi?", "How do I get internet access?"]),
    Document("opening-hours", "nl", ["Wanneer zijn jullie open?", "Wat zijn de openingstijden?"]),
    Document("parking", "ja", ["駐車場はどこですか", "車はどこに停められますか"]),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(FAQ)


def test_a_reworded_question_is_answered(matcher):
    result = matcher.match("what are your opening times", "en")
    assert result.band == "answer"
    assert result.matches[0].entry_id == "opening-hours"


def test_typos_still_match(matcher):
    result = matcher.match("wher can i prak my car", "en")
    assert result.matches[0].entry_id == "parking"


def test_dutch_and_japanese_phrasings_match(matcher):
    assert matcher.match("wat zijn jullie openingstijden", "nl").matches[0].entry_id == "opening-hours"
    assert matcher.match("車を停める場所はありますか", "ja").matches[0].entry_id == "parking"


def test_nothing_close_is_a_fallback(matcher):
    assert matcher.match("who won the football match yesterday", "en").band == "fallback"


def test_shared_filler_words_are_not_an_answer_but_one_telling_word_is(matcher):
    # WRatio/partial scorers give any single shared word 85+; ours answers only on a word that tells entries apart
    password = matcher.match("password", "en")
    assert password.band == "answer" and password.matches[0].entry_id == "wifi"
    assert matcher.match("is there a swimming pool", "en").band == "fallback"  # shares only "is there"
    assert matcher.match("the", "en").band == "fallback"


def test_two_equally_good_entries_are_offered_not_answered():
    twins = Matcher([Document("a-when", "en", ["When is the Brussels event?"]),
                     Document("b-when", "en", ["When is the Barcelona event?"])])
    result = twins.match("when is the event", "en")
    assert result.band == "suggest"
    assert {m.entry_id for m in result.matches} == {"a-when", "b-when"}


def test_the_scope_mask_restricts_entries(matcher):
    mask = matcher.entry_mask(["wifi"])
    result = matcher.match("where can I park", "en", mask)
    assert all(m.entry_id == "wifi" for m in result.matches)


def test_thresholds_come_from_settings():
    strict = Matcher(FAQ, MatchSettings(answer_threshold=1000, suggest_threshold=999))
    assert strict.match("what are the opening hours", "en").band == "fallback"


def test_an_entry_scores_by_its_best_phrasing(matcher):
    result = matcher.match("How do I get internet access?", "en")
    assert result.matches[0].entry_id == "wifi"
    assert result.matches[0].phrasing == "How do I get internet access?"


def test_knowledge_names_events_and_scopes_questions(knowledge):
    assert knowledge.events_named("Is the EWRC in Brussels?") == ["ewrc"]
    assert knowledge.events_named("郡山への旅") == ["japan-journey"]
    assert knowledge.find_event("Barcelona and Brussels") is None  # two events named: no single one
    answer = knowledge.ask("how many visitors came", "en", context_event="smart-city-expo")
    assert answer.band == "answer" and answer.entry.event == "smart-city-expo"


def test_answer_language_falls_back_to_the_events_language(knowledge):
    answer = knowledge.ask("How many visitors did the Smart City Expo have?", "ja", text_language="en")
    assert answer.band == "answer"
    assert answer.answer_language in ("nl", "en") and answer.language_fallback


@pytest.mark.parametrize("text, lang", [
    ("How many people attend the EWRC?", "en"),
    ("Hoeveel mensen komen er naar de EWRC?", "nl"),
    ("Hvor mange deltakere er det på EWRC?", "no"),
    ("EWRCには何人参加しますか", "ja"),
    ("ok", None),
])
def test_language_detection(text, lang):
    assert detect(text) == lang


@pytest.mark.parametrize("hint, lang", [("nl-BE", "nl"), ("nb", "no"), ("ja_JP", "ja"), ("de", None), (None, None)])
def test_platform_locale_hints(hint, lang):
    assert supported(hint) == lang


def test_every_text_exists_in_all_four_languages():
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "nl", "no", "ja"}, key
        assert all(v.strip() for v in texts.values()), key


CRASHER = """
import sys
from bot.storage import AtomicJSONStorage
storage = AtomicJSONStorage(sys.argv[1])
i = 0
while True:
    i += 1
    storage.write({"n": i, "payload": "x" * 20000})
    print(i, flush=True)
"""


def test_atomic_storage_leaves_old_or_new_file_after_sigkill(tmp_path):
    path = tmp_path / "db.json"
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", CRASHER, str(path)], stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parents[1])
        last = 0
        for _ in range(20):
            last = int(proc.stdout.readline())
        proc.kill()
        proc.wait()
        data = json.loads(path.read_text("utf-8"))  # never half a file
        assert data["n"] >= last
    leftovers = [p for p in os.listdir(tmp_path) if p != "db.json"]
    assert len(leftovers) <= 5  # at most the temp file of each killed write
    assert AtomicJSONStorage(path).read()["payload"] == "x" * 20000


def test_a_rebuilt_matcher_reuses_unchanged_analyses_and_answers_the_same():
    first = Matcher(FAQ)
    edited = FAQ[:-1] + [Document("parking", "ja", ["駐車場はありますか"])]
    second = Matcher(edited, previous=first)
    assert ("ja", "駐車場はありますか") in second.analyses
    assert ("ja", "駐車場はどこですか") not in second.analyses  # dropped with the edit
    assert second.analyses[("en", "Is there wifi?")] is first.analyses[("en", "Is there wifi?")]
    before, after = first.match("what are the opening hours", "en"), second.match("what are the opening hours", "en")
    assert (after.band, after.matches[0].entry_id) == (before.band, before.matches[0].entry_id) == ("answer", "opening-hours")


def test_two_entries_closer_than_min_margin_are_asked_about_even_when_the_shown_scores_round_apart():
    """The shown scores are rounded to 0.1; whether the best entry leads by min_margin is decided on the real ones."""
    questions = ["when open car", "when open wifi", "when open password", "when time car", "open parking", "wifi car"]
    rounded_apart = 0
    for question in questions:
        # the confidence adds margin_weight times the real lead: two margin weights give the lead
        matches, plain = Matcher(FAQ, MatchSettings(margin_weight=0.0)).rank(question, "en")
        _, with_lead = Matcher(FAQ, MatchSettings(margin_weight=1.0)).rank(question, "en")
        if len(matches) < 2 or Matcher(FAQ, MatchSettings(min_margin=0.0)).match(question, "en").band != "answer":
            continue
        lead = with_lead - plain
        assert Matcher(FAQ, MatchSettings(min_margin=lead - 0.01)).match(question, "en").band == "answer"
        assert Matcher(FAQ, MatchSettings(min_margin=lead + 0.01)).match(question, "en").band == "suggest", question
        rounded_apart += matches[0].score - matches[1].score >= lead + 0.01
    assert rounded_apart, "no question whose shown scores lead by more than the real ones: the test proves nothing"
