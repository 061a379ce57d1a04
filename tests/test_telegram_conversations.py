"""What participants meet on Telegram, through real python-telegram-bot and the local fake Bot API
(issue 14's core parts: the language people write in, one conversation per chat, private data)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.fakes.telegram_harness import GROUP, USER, chat, fake, plain, start  # noqa: F401


@pytest.mark.parametrize("text, fact, foreign", [
    ("Hoeveel deelnemers heeft de EWRC?", "6.000", "participants"),
    ("Hvor mange deltakere er det på EWRC?", "6000", "participants"),
    ("郡山市とブルメンはいつから姉妹都市ですか", "1988年", "sister"),
])
async def test_people_with_an_english_telegram_are_answered_in_the_language_they_write(chat, text, fact, foreign):
    replies = await chat.say(text, language_code="en")
    assert fact in plain(replies[0]) and foreign not in replies[0], replies


async def test_a_dutch_speaker_with_an_english_telegram_gets_the_whole_form_in_dutch(start):
    h = await start()
    await h.say("Hoeveel deelnemers heeft de EWRC?", language_code="en")
    first = plain((await h.say("/signup japan-journey", language_code="en"))[0])
    assert "Aanmelding" in first, first
    labels = [b["text"] for b in h.buttons()]
    assert "Stoppen" in labels and "Stop" not in labels, labels


async def test_a_question_for_the_organisers_opened_in_a_group_does_not_take_the_private_chat(start):
    h = await start()
    h.bot.roles = dataclasses.replace(h.bot.roles, organiser_chats={"*": "telegram:-100999"})
    h.bot.attach(h.adapter)
    asked = await h.say(f"/ask@{h.fake.username}", chat=GROUP)
    assert "question" in plain(asked[0]).lower(), asked
    private = await h.say("how many people attend EWRC")
    assert "6,000" in private[0], private


async def test_mysignups_in_a_group_shows_nothing_there_and_links_to_the_private_chat(start):
    h = await start()
    group = await h.say(f"/mysignups@{h.fake.username}", chat=GROUP)
    assert "private chat" in plain(group[0]) and "no signups" not in plain(group[0]), group
    assert h.buttons(GROUP)[0]["url"].startswith(f"https://t.me/{h.fake.username}?start=")


async def test_event_from_the_command_menu_lists_the_events_to_pick(start):
    h = await start()
    replies = await h.say("/event")
    assert "Which event?" in plain(replies[0]), replies
    assert any(b.get("callback_data", "").endswith("/event ewrc") or "ewrc" in b.get("callback_data", "")
               for b in h.buttons()), h.buttons()


async def test_stop_during_a_question_for_the_organisers_says_what_was_stopped(start):
    h = await start()
    h.bot.roles = dataclasses.replace(h.bot.roles, organiser_chats={"*": "telegram:-100999"})
    h.bot.attach(h.adapter)
    await h.say("/ask")
    replies = await h.say("/stop")
    assert "Question cancelled" in plain(replies[0]), replies



async def test_organisers_see_their_commands_in_help_and_participants_do_not(start, tmp_path):
    from bot.config import Config, RolesConfig
    h = await start(config=Config(data_dir=tmp_path / "data", roles=RolesConfig(organisers={"ewrc": [f"telegram:{USER}"]})))
    organiser = plain("\n".join(await h.say("/help")))
    participant = plain("\n".join(await h.say("/help", user=USER + 1)))
    assert "/broadcast" in organiser and "/export" in organiser, organiser
    assert "/broadcast" not in participant and "/export" not in participant, participant
