"""What the FAQ is missing, as people meet it: unanswered questions, /unanswered, picks, and the faq CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.app import build_bot, sample_content_path
from bot.cli_insights import quote, suggest, suggestions_yaml
from bot.config import Config, RolesConfig
from bot.insights import group_questions
from bot.messages import Incoming
from faq.content import load_content

ADMIN, OLGA, SAM = "console:ada", "console:olga", "console:sam"  # admin, EWRC organiser, Smart City organiser
REFUSAL = "Sorry, I can't help with that."

DOG = "Can I bring a pet to the EWRC?"
PARKING = "Where do I park my car for the EWRC?"


@pytest.fixture
def config() -> Config:
    return Config(roles=RolesConfig(admins=[ADMIN], organisers={"ewrc": [OLGA], "smart-city-expo": [SAM]}))


@pytest.fixture
def person(conversation, config):
    """person("pia") is Pia on her own console, with the roles above, on the sample content."""
    return lambda user, lang=None: conversation(language_hint=lang, user=user, config=config)


@pytest.fixture
def faq_cli(tmp_path):
    """faq_cli("suggest", ...) runs `eventbot faq ...` on the conversations' data folder; returns the output."""
    config_file = tmp_path / "eventbot.yaml"
    config_file.write_text(f"data_dir: {tmp_path / 'data'}\n", "utf-8")

    def run(*args: str) -> str:
        out = tmp_path / "cli-output.yaml"
        out.unlink(missing_ok=True)
        assert cli.main(["--config", str(config_file), "faq", *args, "--output", str(out)]) == 0
        return out.read_text("utf-8")

    return run


def band(knowledge, text: str, lang: str = "en") -> str:
    """How the sample FAQ answers a question on its own (the tests rely on these)."""
    return knowledge.ask(text, lang).band


async def test_unanswered_questions_are_grouped_for_the_events_people_organise(person, knowledge):
    assert band(knowledge, DOG) == "fallback" and band(knowledge, PARKING) == "suggest"
    pia = person("pia")
    out = await pia.say(DOG, "May I bring a pet to the EWRC?", PARKING, "Is there a cloakroom at the EWRC?", DOG)
    assert out.count("Sorry, I don't have an answer to that.") == 4
    assert "Did you mean one of these?" in out
    await person("ben").say("can i bring a pet to the ewrc")
    await person("carl").say("Is there a cloakroom at the Smart City Expo?")
    await person("dora").say("Is there a cloakroom?")  # names no event

    out = await person("olga").say("/unanswered ewrc")
    assert "Unanswered questions: European Week of Regions and Cities (EWRC)" in out
    assert "6 questions in 3 groups" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("1. "))
    assert lines[first] == f"1. 4× by 2 people: “{DOG}” (en)"  # "may i", lower case: the same group
    parking = next(i for i, line in enumerate(lines) if line.endswith(f". 1× by 1 person: “{PARKING}” (en)"))
    assert lines[parking + 1].startswith("   closest entry: ")  # it got "did you mean"
    cloakroom = next(i for i, line in enumerate(lines) if "“Is there a cloakroom at the EWRC?”" in line)
    assert not lines[cloakroom + 1].startswith("   closest")  # the fallback's guesses are not shown
    assert "Smart City" not in out and "Is there a cloakroom?" not in out

    out = await person("olga").say("/unanswered")  # every event she organises: only the EWRC
    assert "Unanswered questions: all your events" in out and "6 questions" in out
    assert "· European Week of Regions and Cities (EWRC)" in out

    out = await person("sam").say("/unanswered")
    assert "1 question in 1 group" in out and "cloakroom at the Smart City Expo" in out

    out = await person("ada").say("/unanswered")  # the admin: everything, questions without an event too
    assert "8 questions in 5 groups" in out
    assert "“Is there a cloakroom?” (en) · no event" in out
    assert "eventbot faq unanswered --export" in out


async def test_others_get_the_same_refusal_as_for_an_unknown_event(person, config, tmp_path):
    await person("pia").say(DOG)
    pia = person("pia")
    refusals = [await pia.say(command) for command in ("/unanswered ewrc", "/unanswered no-such-event", "/unanswered")]
    assert refusals == [REFUSAL + "\n"] * 3
    other = await person("sam").say("/unanswered ewrc")
    assert other == await person("sam").say("/unanswered no-such-event") == REFUSAL + "\n"
    assert "/unanswered" not in await pia.say("/help")  # organisers' tools are not advertised

    bot, store = build_bot(config.model_copy(update={"data_dir": tmp_path / "data"}))
    try:  # in a group chat the list (people's questions) moves to a private chat
        replies = await bot.handle(Incoming("console", "olga", "group", text="/unanswered ewrc", direct=False))
        assert replies[0].private and replies[0].choices[0].payload == "/unanswered ewrc"
        assert DOG not in replies[0].text
    finally:
        store.close()


async def test_a_picked_suggestion_becomes_a_proposed_phrasing(person, knowledge, faq_cli):
    picked = knowledge.ask(PARKING, "en").matches[0].entry_id
    pia = person("pia")
    out = await pia.say(PARKING, "1", "1")  # the second "1" presses the same button again: counted once
    assert "Did you mean one of these?" in out
    await person("ben").say(PARKING, "1")
    await person("carl").say(PARKING)  # no pick: stays unanswered

    suggested = faq_cli("suggest")
    assert f"  - id: {picked}  # faq-ewrc.yaml:" in suggested
    assert f'        - "{PARKING}"  # picked 2 times' in suggested
    data = yaml.safe_load(suggested)
    assert data["faq"] == [{"id": picked, "en": {"phrasings": [PARKING]}}]
    assert yaml.safe_load(faq_cli("suggest", "--min-count", "3")) == {"faq": []}
    assert yaml.safe_load(faq_cli("suggest", "--event", "smart-city-expo")) == {"faq": []}

    out = await person("ada").say("/unanswered")
    assert f"1× by 1 person: “{PARKING}”" in out  # the confirmed ones left the list


def test_suggest_leaves_out_phrasings_the_entry_already_has(knowledge):
    content = knowledge.content
    where = content.entries["ewrc-where"]
    assert "ja" not in where.texts

    def pick(text: str, lang: str, entry: str | None = "ewrc-where") -> dict:
        return {"user_key": "console:x", "text": text, "language": lang, "event": "ewrc", "band": "suggest",
                "candidates": [], "at": "2026-01-01T00:00:00+00:00", "picked": entry}

    records = [pick("LOCATION of the EWRC!!", "en"), pick("Where is it, the EWRC?", "en"),
               pick("where is it the ewrc", "en"), pick("EWRCの会場はどこ？", "ja"), pick("Hvor er EWRC?", "no"),
               pick("not picked", "en", None), pick("an entry that is gone", "en", "no-such-entry")]
    found = suggest(records, content)
    assert [(s.language, s.phrasings, s.new_block) for s in found] == [
        ("en", (("Where is it, the EWRC?", 2),), False),
        ("ja", (("EWRCの会場はどこ？", 1),), True),
        ("no", (("Hvor er EWRC?", 1),), False),
    ]
    data = yaml.safe_load(suggestions_yaml(found, content))["faq"]
    assert data == [{"id": "ewrc-where", "en": {"phrasings": ["Where is it, the EWRC?"]},
                     "ja": {"question": "EWRCの会場はどこ？", "answer": "TODO"},
                     "no": {"phrasings": ["Hvor er EWRC?"]}}]


async def test_export_writes_stubs_that_load_as_faq_entries(person, faq_cli, knowledge, tmp_path):
    tricky = 'Is there a "quiet room": # for prayer?'
    assert band(knowledge, tricky) == "fallback"
    await person("pia").say(DOG, "May I bring a pet to the EWRC?", tricky)
    await person("ben", "nl").say("Mag ik mijn hond meenemen naar de EWRC?")
    await person("kai", "ja").say("EWRCに犬を連れて行けますか")
    await person("nora", "no").say("Kan jeg ta med hunden min til EWRC?")
    await person("dora").say("Is there a cloakroom?")

    stubs = faq_cli("unanswered", "--export")
    assert "# asked twice" not in stubs and "  # asked 2 times by 1 person" in stubs
    content = tmp_path / "content"
    shutil.copytree(sample_content_path(), content)
    (content / "unanswered.yaml").write_text(stubs.replace('"TODO"', '"We will tell you soon."'), "utf-8")
    loaded, problems = load_content([content])
    assert [p for p in problems if p.severity == "error"] == []
    new = {i: e for i, e in loaded.entries.items() if i.startswith("unanswered-")}
    dog = new["unanswered-bring-pet-ewrc"]
    assert dog.event == "ewrc"
    assert dog.texts["en"].question == DOG and dog.texts["en"].phrasings == ("May I bring a pet to the EWRC?",)
    assert dog.texts["en"].answer == "We will tell you soon."
    assert any(e.texts.get("ja") and e.texts["ja"].question == "EWRCに犬を連れて行けますか" for e in new.values())
    assert any(e.texts.get("nl") for e in new.values())
    assert any(e.texts.get("no") and e.texts["no"].question == "Kan jeg ta med hunden min til EWRC?" for e in new.values())
    assert any(tricky == e.texts["en"].question for e in new.values() if "en" in e.texts)
    assert new["unanswered-cloakroom"].event is None

    only = yaml.safe_load(faq_cli("unanswered", "--export", "--min-count", "2"))["faq"]
    assert [e["id"] for e in only] == ["unanswered-bring-pet-ewrc"]
    assert yaml.safe_load(faq_cli("unanswered", "--export", "--event", "smart-city-expo")) == {"faq": []}
    listing = faq_cli("unanswered")
    assert f'2x by 1 person  [en]  ewrc  "{DOG}"' in listing


async def test_forget_deletes_the_logged_questions(person, faq_cli, tmp_path):
    pia = person("pia")
    await pia.say(DOG, PARKING, "1", "Waar kan ik mijn fiets parkeren?")
    await person("ben").say("May I bring a pet to the EWRC?")
    out = await pia.say("/forget yes")
    assert "Klaar. Ik heb gewist:" in out  # in her last language
    stored = "".join(p.read_text("utf-8") for p in (tmp_path / "data").rglob("*.json"))
    assert "console:pia" not in stored and PARKING not in stored and "fiets" not in stored
    out = await person("ada").say("/unanswered")
    assert "1 question in 1 group" in out and "May I bring a pet" in out
    assert yaml.safe_load(faq_cli("suggest")) == {"faq": []}


def test_grouping_keeps_different_needs_apart():
    texts = ["Is there parking at the EWRC?", "Where can I park at the EWRC?", "parking at the ewrc",
             "Is there a hotel near the venue?", "Is there parking near the venue?", "Can I bring my dog to the EWRC?"]
    records = [{"user_key": f"console:{i}", "text": text, "language": "en", "event": "ewrc", "band": "fallback",
                "candidates": [], "at": f"2026-01-01T00:00:0{i}+00:00"} for i, text in enumerate(texts)]
    groups = group_questions(records)
    assert [(g.representative.text, g.count) for g in groups][:1] == [("Is there parking at the EWRC?", 3)]
    assert sorted(g.count for g in groups) == [1, 1, 1, 3]
    assert all(g.best is None for g in groups)  # fallbacks name no closest entry


@pytest.mark.parametrize("text", ['a "b" \\ c', "tab\tand\nnewline", "\u2028\x85\x00", "日本語？", ": - # {x} [y] &a *b !t", "yes"])
def test_stub_quoting_survives_any_text(text):
    assert yaml.safe_load(f"k: {quote(text)}  # note\n")["k"] == text
