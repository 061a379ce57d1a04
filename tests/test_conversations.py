"""Conversations through the console adapter, the way a participant meets the bot."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DATA

SEED_QUESTIONS = [json.loads(line) for line in (DATA / "seed_questions.jsonl").read_text("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("text, fact", [
    ("how many people attend EWRC", "6,000"),
    ("Hoeveel bezoekers had de Smart City Expo in Barcelona?", "20.000"),
    ("Hvor mange deltakere er det på EWRC?", "6000"),
    ("郡山市とブルメンはいつから姉妹都市ですか", "1988"),
])
async def test_a_question_in_each_language_gets_the_fact_in_that_language(conversation, text, fact):
    out = await conversation().say(text)
    assert fact in out



@pytest.mark.parametrize("lang", ["en", "nl", "no", "ja"])
async def test_seed_questions_are_answered_or_the_right_question_is_offered(conversation, knowledge, lang):
    questions = [q for q in SEED_QUESTIONS if q["lang"] == lang and q["expected"]]
    assert len(questions) >= 10, f"too few test questions for {lang}"
    out = await conversation().say(*[f"/language {lang}"] + [q["text"] for q in questions])
    answered = [q for q in questions if q["fact"] in out]
    offered = [q for q in questions if q["fact"] not in out
               and knowledge.question(knowledge.content.entries[q["expected"]], lang) in out]
    # measured on the sample content: most are answered outright, the rest get "did you mean"
    assert len(answered) / len(questions) >= 0.5, f"{lang}: answered {len(answered)} of {len(questions)}:\n{out}"
    assert (len(answered) + len(offered)) / len(questions) >= 0.9, f"{lang}: {out}"


async def test_out_of_scope_questions_get_the_friendly_fallback(conversation):
    out = await conversation().say("Can you book me a taxi to the airport?")
    assert "don't have an answer" in out
    assert "1. " in out  # offers events or topics to pick from


async def test_an_ambiguous_question_offers_choices_and_a_number_picks_one(conversation, knowledge):
    offered = knowledge.ask("when is it", "en").matches
    assert len(offered) >= 2
    second = knowledge.content.entries[offered[1].entry_id]
    out = await conversation().say("when is it", "2")
    assert "Did you mean" in out
    assert f"  2. {knowledge.question(second, 'en')}" in out, out
    # the answer to the picked (second) question follows the choices
    answer = second.texts["en"].answer.replace("**", "")
    assert out.rstrip().endswith(answer.strip()), out


async def test_start_welcomes_with_the_events(conversation):
    out = await conversation().say("/start")
    assert "Hello" in out
    assert "European Week of Regions and Cities" in out
    assert "Inno4Sports" in out


async def test_event_details_show_place_and_contact(conversation):
    out = await conversation().say("/event japan-journey")
    assert "Kees Verspui" in out
    assert "https://www.brummen.nl/innovatiereis" in out
    assert "Koriyama" in out


async def test_event_by_alias_and_unknown_event(conversation):
    out = await conversation().say("/event EWRC", "/event atlantis")
    assert "Brussels" in out
    assert 'I don\'t know the event "atlantis"' in out


async def test_the_event_in_context_scopes_the_next_question(conversation):
    out = await conversation().say("/event smart-city-expo", "how many visitors were there?")
    assert "20,000" in out


async def test_language_choice_wins_and_survives_a_restart(conversation):
    chat = conversation()
    out = await chat.say("/language nl")
    assert "Nederlands" in out
    out = await chat.say("How many people attend the EWRC?")  # a new session: the bot restarted
    assert "6.000" in out  # the Dutch answer
    assert "deelnemers" in out


@pytest.mark.parametrize("text, fact", [
    ("Hoeveel deelnemers heeft de EWRC?", "6.000"),
    ("Hvor mange deltakere er det på EWRC?", "6000"),
    ("郡山市とブルメンはいつから姉妹都市ですか", "1988年"),
])
async def test_the_language_written_in_beats_an_english_platform_locale(conversation, text, fact):
    out = await conversation(language_hint="en").say(text)
    assert fact in out
    assert "participants" not in out, out


async def test_the_platform_locale_decides_when_the_message_says_nothing_about_language(conversation):
    out = await conversation(language_hint="nl").say("EWRC?", "/help")
    assert "Stel een vraag" in out  # Dutch help
    assert "Ask a question" not in out


async def test_a_button_keeps_the_language_the_person_writes_in(conversation):
    # a Dutch speaker with an English interface picks a "did you mean" choice: the answer stays Dutch
    chat = conversation(language_hint="en")
    out = await chat.say("Wanneer is het evenement eigenlijk?", "1")
    assert "Bedoelde je" in out, out
    assert "Did you mean" not in out


async def test_missing_language_falls_back_and_says_so(conversation):
    # Smart City Expo entries exist in English and Dutch only
    out = await conversation().say("/language ja", "How many visitors did the Smart City Expo 2018 have?")
    assert "20" in out
    assert "（この回答は" in out


async def test_topics_list_the_questions_of_an_event_as_choices(conversation):
    out = await conversation().say("/topics inno4sports", "1")
    assert "Questions about Inno4Sports" in out
    assert "  1. " in out


async def test_help_lists_every_visible_command(conversation):
    out = await conversation().say("/help")
    for command in ("/start", "/help", "/events", "/event ID", "/language CODE", "/topics [EVENT]"):
        assert command in out


async def test_unknown_command_and_stale_choice(conversation):
    out = await conversation().say("/frobnicate", "/answer no-such-entry")
    assert "I don't know the command /frobnicate" in out
    assert "no longer valid" in out


async def test_an_event_that_took_place_is_listed_apart_and_takes_no_signups(conversation):
    out = await conversation().say("/start")
    assert "Smart City Expo" not in out  # it ran in November 2018 (marked past in the content)
    out = await conversation().say("/events")
    upcoming, _, earlier = out.partition("Earlier events")
    assert "European Week of Regions and Cities" in upcoming and "Smart City Expo" in earlier, out
    out = await conversation().say("/signup smart-city-expo")
    assert "already taken place" in out, out
    out = await conversation().say("how many visitors did the Smart City Expo have?")
    assert "20,000" in out  # its facts still answer questions



async def test_the_language_an_answer_falls_back_to_is_named_in_the_readers_language(conversation):
    # Smart City Expo entries exist in English and Dutch only
    out = await conversation().say("/language no", "How many visitors did the Smart City Expo 2018 have?")
    assert "(Dette svaret finnes bare på nederlandsk.)" in out or "(Dette svaret finnes bare på engelsk.)" in out, out
