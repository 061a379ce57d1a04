"""Signing up, as people meet it on the console: forms, waiting lists, offers, cancel, forget, export."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.app import build_bot, build_knowledge
from bot.config import Config, ContentConfig, RolesConfig
from bot.messages import Incoming

CONTENT = Path(__file__).parent / "data" / "signup_content"
ORGANISER = "console:olga"


@pytest.fixture
def config() -> Config:
    return Config(content=ContentConfig(path=CONTENT), roles=RolesConfig(organisers={"trip": [ORGANISER]}))


@pytest.fixture
def person(conversation, config, clock):
    """person("anna") is Anna on her own console, on the test events, with the test clock."""
    return lambda user, lang=None: conversation(language_hint=lang, user=user, config=config, clock=clock)


async def fill_trip(p, name: str) -> str:
    """Sign up for the trip with valid answers, pressing buttons where there are some."""
    # guest (option 2), age, no dinner (button 2), skip the phone, agree, confirm
    return await p.say("/signup trip", name, f"{name.lower()}@example.org", "2", "40", "2", "1", "1", "1")


async def test_full_form_with_invalid_answers_back_edit_and_calendar(person):
    anna = person("anna")
    out = await anna.say(
        "/signup trip",
        "Anna de Vries",
        "anna@",  # invalid: asked again
        "anna@example.org",
        "/back",  # back to the e-mail question
        "anna@example.org",
        "Member",  # a choice typed as its label
        "12",  # below the minimum
        "42",
        "maybe",  # not yes or no
        "ja",
        "+31 6 1234 5678",
        "1",  # I agree
        "2",  # change an answer
        "2",  # the e-mail field
        "anna.devries@example.org",
        "1",  # confirm
    )
    assert out.count("That does not look like an e-mail address") == 1
    assert "Please answer with a number from 18 to 99." in out
    assert "Please answer yes or no." in out
    assert "• Your e-mail address: anna.devries@example.org" in out
    assert "• Are you a member?: Member" in out
    assert "• Phone number: +31612345678" in out
    assert "You are signed up for Study trip. See you there!" in out
    ics_line = next(line for line in out.splitlines() if line.startswith("[file]"))
    ics = Path(ics_line.split(" ", 1)[1]).read_text()
    assert "TZID:Asia/Tokyo" in ics and "DTSTART;TZID=Asia/Tokyo:20270510T090000" in ics
    assert "SUMMARY:Study trip" in ics


async def test_a_form_in_progress_survives_a_restart(person):
    anna = person("anna")
    out = await anna.say("/signup trip", "Anna")
    assert "(2/6)" in out
    out = await anna.say("anna@example.org")  # a new bot process on the same data
    assert "(3/6)" in out and "Are you a member?" in out


async def test_stop_keeps_nothing_and_stale_form_buttons_are_polite(person):
    anna = person("anna")
    out = await anna.say("/signup trip", "Anna", "/stop", "/mysignups", "/form abc123 confirm")
    assert "Signup stopped. Nothing was saved." in out
    assert "You have no signups." in out
    assert "That button is no longer valid." in out


async def test_optional_field_can_be_skipped_and_other_commands_remind_of_the_form(person):
    anna = person("anna")
    out = await anna.say("/signup trip", "Anna", "anna@example.org", "2", "30", "2", "/help")
    assert "We are in the middle of your signup:" in out
    out = await anna.say("/signup trip")  # starts over
    out = await anna.say("Anna", "anna@example.org", "2", "30", "2", "1")  # "1" presses Skip on the phone question
    assert "I agree that my answers are stored" in out


async def test_double_signup_shows_the_existing_one(person):
    anna = person("anna")
    await fill_trip(anna, "Anna")
    out = await anna.say("/signup trip")
    assert "You are already signed up for Study trip." in out
    assert "Study trip: confirmed" in out


async def test_signup_windows(person, clock):
    anna = person("anna")
    out = await anna.say("/signup closed")
    assert "Signups for Closed conference closed on 1 March 2026, 23:59 (Brussels time)." in out
    assert "Conference office, office@example.org" in out
    out = await anna.say("/signup later")
    assert "Signups for Later expo open on 15 January 2027, 09:00 (Madrid time)." in out
    clock.now = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.timezone.utc)
    out = await anna.say("/signup later")
    assert "Please check your answers" in out  # no form, no consent: straight to the summary


async def test_window_closing_while_the_form_is_open(person, clock):
    anna = person("anna")
    clock.now = dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.timezone.utc)
    await anna.say("/signup closed", "anna@example.org")
    clock.now = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
    out = await anna.say("yes")  # confirm
    assert "closed on 1 March 2026" in out
    assert "You have no signups." in await anna.say("/mysignups")


async def test_full_event_without_waiting_list(person):
    await person("anna").say("/signup quick", "1")
    out = await person("ben").say("/signup quick")
    assert "Quick meetup is full and keeps no waiting list." in out


async def test_waiting_list_and_cancel_with_promotion(person):
    for name in ("Anna", "Ben"):
        assert "You are signed up" in await fill_trip(person(name.lower()), name)
    out = await fill_trip(person("cara"), "Cara")
    assert "you are on the waiting list at position 1" in out
    assert "[file]" not in out  # no calendar entry for a place that is not hers yet
    out = await fill_trip(person("dan"), "Dan")
    assert "position 2" in out

    anna = person("anna")
    out = await anna.say("/cancel")
    assert "Do you really want to cancel your signup for Study trip?" in out
    out = await anna.say("/cancel trip no")
    assert "your signup for Study trip stays" in out
    out = await anna.say("/cancel trip yes")
    assert "Your signup for Study trip is cancelled." in out

    out = await person("cara").say("/mysignups")
    assert "Good news: a place became free for Study trip. You are now confirmed." in out
    assert "Study trip: confirmed" in out
    out = await person("dan").say("/mysignups")
    assert "Study trip: waiting list, position 1" in out
    assert "Good news" not in out


async def test_priority_goes_first_on_the_waiting_list(person):
    for name in ("Anna", "Ben", "Cara"):
        await fill_trip(person(name.lower()), name)
    # Dan is a member (option 1, priority 1): ahead of Cara, a guest
    out = await person("dan").say("/signup trip", "Dan", "dan@example.org", "1", "40", "2", "1", "1", "1")
    assert "position 1" in out
    assert "position 2" in await person("cara").say("/mysignups")


async def test_waiting_list_offer_expires_and_passes_on(person, clock):
    await person("anna").say("/signup offer-trip", "anna@example.org", "1")
    await person("ben").say("/signup offer-trip", "ben@example.org", "1")
    await person("cara").say("/signup offer-trip", "cara@example.org", "1")
    await person("anna").say("/cancel offer-trip yes")

    out = await person("ben").say("/mysignups")
    assert "A place became free for Late trip. It is yours if you accept it before 3 June 2026, 12:00 (Amsterdam time)." in out
    assert "a place is offered to you until" in out

    clock.now += dt.timedelta(hours=49)
    out = await person("ben").say("/offer offer-trip accept")
    assert "The place offered to you for Late trip has expired" in out
    assert "There is no open offer for you for Late trip" in out

    out = await person("cara").say("/offer offer-trip decline")
    assert "You declined the place for Late trip" in out
    out = await person("cara").say("/mysignups")
    assert "You have no signups." in out


async def test_accepting_an_offer(person):
    await person("anna").say("/signup offer-trip", "anna@example.org", "1")
    await person("ben").say("/signup offer-trip", "ben@example.org", "1")
    await person("anna").say("/cancel offer-trip yes")
    out = await person("ben").say("/mysignups", "1")  # the offer's first button: take the place
    assert "The place is yours: you are confirmed for Late trip." in out


async def test_forget_deletes_everything_and_frees_the_place(person, tmp_path):
    for name in ("Anna", "Ben", "Cara"):
        await fill_trip(person(name.lower()), name)
    anna = person("anna")
    out = await anna.say("/language nl", "/forget")
    assert "Wil je dat ik alles wis" in out
    out = await anna.say("/forget yes")
    assert "1 aanmelding met antwoorden: Studiereis" in out
    data = tmp_path / "data"
    stored = "".join(p.read_text() for p in data.rglob("*.json"))
    assert "console:anna" not in stored and "anna@example.org" not in stored
    assert "Good news" in await person("cara").say("/mysignups")
    out = await anna.say("/mysignups")
    assert "You have no signups." in out  # the language choice was forgotten too


async def test_organiser_exports_from_the_chat_and_others_learn_nothing(person, tmp_path):
    await fill_trip(person("anna"), "Anna")
    await person("eve").say("/signup trip", "=HYPERLINK(\"http://x\")", "eve@example.org", "2", "30", "2", "1", "1", "1")
    out = await person("olga").say("/export trip")
    assert "The signup list of Study trip: 2 rows." in out
    path = Path(next(line for line in out.splitlines() if line.startswith("[file]")).split(" ", 1)[1])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Anna", "'=HYPERLINK(\"http://x\")"]
    assert rows[0]["status"] == "confirmed" and rows[0]["email"] == "anna@example.org"
    assert rows[0]["consent_at"] and rows[0]["platform"] == "console"

    refusals = {await person("mallory").say(cmd) for cmd in ("/export trip", "/export nothing", "/export closed")}
    assert len(refusals) == 1 and "Sorry, I can't help with that." in refusals.pop()
    assert "Sorry, I can't help with that." in await person("olga").say("/export closed")  # not her event


async def test_group_chat_signup_moves_to_a_private_chat(config, tmp_path):
    bot, store = build_bot(config.model_copy(update={"data_dir": tmp_path}))
    try:
        replies = await bot.handle(Incoming("telegram", "7", "-100", text="/signup trip", direct=False))
        assert replies[0].private and replies[0].choices[0].payload == "/signup trip"
        assert store.profile("telegram:7").dialog is None
    finally:
        store.close()


async def test_raised_capacity_promotes_on_reload(config, tmp_path, clock):
    bot, store = build_bot(config.model_copy(update={"data_dir": tmp_path}), clock)
    try:
        for i in range(4):
            def change(i=i):
                return store.book("trip").register(f"console:p{i}", capacity=2, waitlist=True, now=clock())
            await store.transact(change)
        bigger = tmp_path / "content"
        bigger.mkdir()
        text = (CONTENT / "events.yaml").read_text().replace("capacity: 2\n", "capacity: 3\n", 1)
        (bigger / "events.yaml").write_text(text)
        await bot.replace_knowledge(build_knowledge(config.model_copy(update={"content": ContentConfig(path=bigger)})))
        book = store.book("trip")
        assert [s.status for s in book.all()] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
        assert [n.user_key for n in store.pending()] == ["console:p2"]
        assert "You are now confirmed" in store.pending()[0].text
    finally:
        store.close()


def test_cli_export_and_stats(person, tmp_path, capsys, config):
    import asyncio

    from bot.cli import main

    asyncio.run(fill_trip(person("anna"), "Anna"))
    cfg = tmp_path / "eventbot.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'data'}\ncontent:\n  path: {CONTENT}\n")
    out = tmp_path / "trip.json"
    assert main(["--config", str(cfg), "signups", "export", "trip", "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["signups"][0]["email"] == "anna@example.org"
    assert main(["--config", str(cfg), "signups", "stats", "trip"]) == 0
    printed = capsys.readouterr().out
    assert "trip: 1 confirmed / 2, 0 offered, 0 on the waiting list, 0 cancelled" in printed
    assert main(["--config", str(cfg), "signups", "export", "nope"]) == 2


async def test_whole_form_at_once_for_dialog_windows(config, tmp_path, clock):
    bot, store = build_bot(config.model_copy(update={"data_dir": tmp_path}), clock)
    anna = Incoming("slack", "U1", "D1", user_name="Anna", language_hint="nl-NL")
    try:
        view = await bot.signup_form(anna, "trip")
        assert view.title == "Aanmelding: Studiereis"
        assert [f.id for f in view.fields] == ["name", "email", "member", "age", "dinner", "phone"]
        assert [o.payload for o in view.fields[2].options] == ["member", "guest"]
        assert view.consent.startswith("Ik ga akkoord")
        answers = {"name": "Anna", "email": "anna@", "member": "guest", "age": "17", "dinner": "yes"}
        problems, replies = await bot.submit_signup(anna, "trip", answers, consented=False)
        assert set(problems) == {"email", "age", "consent"} and not replies
        assert "e-mailadres" in problems["email"]
        answers.update(email="anna@example.org", age="30")
        problems, replies = await bot.submit_signup(anna, "trip", answers, consented=True)
        assert not problems and "Je bent aangemeld voor Studiereis" in replies[0].text
        assert replies[0].attachments[0].filename == "trip.ics"
        signup = store.book("trip").active("slack:U1")
        assert signup.answers == {"name": "Anna", "email": "anna@example.org", "member": "guest", "age": 30,
                                  "dinner": True, "phone": None}
        again = await bot.signup_form(anna, "trip")
        assert isinstance(again, list) and "al aangemeld" in again[0].text
    finally:
        store.close()


async def test_a_reload_that_removes_the_form_does_not_trap_people_in_it(config, tmp_path, clock):
    bot, store = build_bot(config.model_copy(update={"data_dir": tmp_path / "data"}), clock)
    try:
        await bot.handle(Incoming("console", "anna", "anna", text="/signup trip"))
        await bot.handle(Incoming("console", "anna", "anna", text="Anna"))
        folder = tmp_path / "content"
        folder.mkdir()
        text = (CONTENT / "events.yaml").read_text()
        trip_without_signup = text.split("  - id: offer-trip")[0].split("    signup:")[0]
        (folder / "events.yaml").write_text(trip_without_signup + "\n")
        await bot.replace_knowledge(build_knowledge(config.model_copy(update={"content": ContentConfig(path=folder)})))
        replies = await bot.handle(Incoming("console", "anna", "anna", text="/help"))
        assert "/signup" in replies[0].text and "went wrong" not in replies[-1].text
        assert store.profile("console:anna").dialog is None
    finally:
        store.close()


async def test_a_dutch_participant_with_an_english_interface_is_promoted_in_dutch(person):
    for name in ("Anna", "Ben"):
        await fill_trip(person(name.lower()), name)
    cara = person("cara", "en")  # her platform speaks English, she writes Dutch
    await cara.say("Wanneer begint de studiereis eigenlijk precies?")
    out = await fill_trip(cara, "Cara")
    assert "wachtlijst" in out, out
    await person("anna").say("/cancel trip yes")
    out = await person("cara", "en").say("/mysignups")
    assert "Goed nieuws" in out, out
    assert "Good news" not in out


async def test_forget_leaves_nothing_in_the_data_folder_not_even_in_exported_lists(person, tmp_path):
    await fill_trip(person("anna"), "Anna")
    out = await person("olga").say("/export trip")
    exported = Path(next(line for line in out.splitlines() if line.startswith("[file]")).split(" ", 1)[1])
    assert "anna@example.org" in exported.read_text("utf-8-sig")
    await person("anna").say("/forget yes")
    data = tmp_path / "data"
    leftovers = [p for p in data.rglob("*") if p.is_file() and b"anna@example.org" in p.read_bytes()]
    assert leftovers == []
    assert not exported.exists()


async def test_signups_are_deleted_delete_after_days_after_the_event(tmp_path, clock):
    content = tmp_path / "content"
    content.mkdir()
    (content / "events.yaml").write_text(
        "events:\n  - id: meetup\n    names: {en: Meetup}\n    timezone: Europe/Amsterdam\n"
        "    start: 2026-06-10\n    signup:\n      delete_after_days: 30\n      form:\n"
        "        - id: name\n          type: text\n          label: {en: Your name}\n", "utf-8")
    config = Config(content=ContentConfig(path=content), data_dir=tmp_path / "data")
    bot, store = build_bot(config, clock)
    try:
        anna = Incoming("console", "anna", "anna")
        for text in ("/signup meetup", "Anna Example", "yes"):
            await bot.handle(dataclasses.replace(anna, text=text))
        assert store.book("meetup").active("console:anna")
        clock.now = dt.datetime(2026, 7, 5, 12, tzinfo=dt.timezone.utc)  # 25 days after: kept
        await bot.tick()
        assert store.book("meetup").active("console:anna")
        clock.now = dt.datetime(2026, 7, 11, 12, tzinfo=dt.timezone.utc)  # 31 days after: gone
        await bot.tick()
        assert store.book("meetup").all() == []
        await bot.stop()
    finally:
        store.close()
    stored = "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "data").rglob("*.json"))
    assert "Anna Example" not in stored


async def test_dates_are_written_the_way_the_readers_language_writes_them(person):
    out = await person("anna").say("/language nl", "/signup later")
    assert "15 januari 2027, 09:00 (tijd in Madrid)" in out, out
    out = await person("ola").say("/language no", "/signup later")
    assert "15. januar 2027, 09:00" in out, out
    out = await person("aiko").say("/language ja", "/signup later")
    assert "2027年1月15日 9:00" in out, out


async def test_a_form_shown_in_english_still_leaves_later_messages_in_the_persons_language(person):
    for name in ("Anna", "Ben"):
        await fill_trip(person(name.lower()), name)
    nora = person("nora", "en")  # the trip's form exists in English and Dutch only
    await nora.say("Hvor mange deltakere er det på studieturen?")
    out = await fill_trip(nora, "Nora")
    assert "waiting list" in out, out  # the form and its answer in English, one language
    await person("anna").say("/cancel trip yes")
    out = await person("nora", "en").say("/mysignups")
    assert "Gode nyheter" in out and "Good news" not in out, out
