"""Dialogs per (person, chat), flows that wait for each other, /stop and buttons pressed twice.

Driven through the core's adapter surface (`Bot.handle` with the messages an adapter
builds), so a group and a private chat of the same person can be told apart.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.config import Config, ContentConfig, RolesConfig
from bot.messages import Incoming, Reply
from tests.fakes.messenger import FakeMessenger

CONTENT = Path(__file__).parent / "data" / "signup_content"
ORGANISER = "telegram:99"


@pytest.fixture
async def bot(tmp_path, clock):
    config = Config(content=ContentConfig(path=CONTENT), data_dir=tmp_path,
                    roles=RolesConfig(organisers={"trip": [ORGANISER]}))
    bot, store = build_bot(config, clock)
    bot.roles = dataclasses.replace(bot.roles, organiser_chats={"*": "telegram:-500"})  # /ask has somewhere to go
    bot.attach(FakeMessenger("telegram"))
    yield bot
    await bot.stop()
    store.close()


def text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def say(bot, words: str, user: str = "7", chat: str = "7", direct: bool = True, payload: str | None = None):
    message = Incoming("telegram", user, chat, text="" if payload else words, payload=payload, direct=direct)
    return await bot.handle(message)


async def test_a_prompt_opened_in_a_group_does_not_capture_the_next_private_message(bot):
    out = text(await say(bot, "/ask", chat="-100", direct=False))
    assert "question" in out.lower()
    out = text(await say(bot, "/signup trip"))  # in the private chat: a command, not the question
    assert "Your name" in out, out
    out = text(await say(bot, "Anna"))  # the form's answer, not a question for the organisers
    assert "Your e-mail address" in out, out


async def test_ask_halfway_through_a_form_lets_the_form_wait_and_resume(bot):
    await say(bot, "/signup trip")
    await say(bot, "Anna")
    out = text(await say(bot, "/ask"))
    assert "Your signup form waits" in out, out
    out = text(await say(bot, "Is there a vegetarian dinner?"))
    assert "We are in the middle of your signup" in out, out
    assert "Your e-mail address" in out  # the step the form was at, answers kept
    out = text(await say(bot, "anna@example.org"))
    assert "Are you a member?" in out, out


async def test_stop_says_what_it_stopped(bot):
    await say(bot, "/signup trip")
    assert "Signup stopped" in text(await say(bot, "/stop"))
    await say(bot, "/ask")
    assert "Question cancelled" in text(await say(bot, "/stop"))
    await say(bot, "/broadcast trip", user="99", chat="99")
    out = text(await say(bot, "/stop", user="99", chat="99"))
    assert "Broadcast cancelled" in out, out
    assert "/signup" not in out
    assert "nothing in progress" in text(await say(bot, "/stop")).lower()


async def test_stopping_a_flow_on_top_of_a_form_brings_the_form_back(bot):
    await say(bot, "/signup trip")
    await say(bot, "/ask")
    out = text(await say(bot, "/stop"))
    assert "Question cancelled" in out and "Your name" in out, out
    out = text(await say(bot, "/stop"))
    assert "Signup stopped" in out


async def test_a_form_button_pressed_twice_shows_the_current_step_not_the_welcome(bot):
    await say(bot, "/signup trip")
    await say(bot, "Anna")
    replies = await say(bot, "anna@example.org")  # now at "Are you a member?"
    guest = next(c.payload for r in replies for c in r.choices if c.label == "Guest")
    await say(bot, "", payload=guest)
    out = text(await say(bot, "", payload=guest))  # the same button again
    assert "earlier step" in out, out
    assert "Your age" in out
    assert "Hello!" not in out


async def test_a_group_dialog_and_a_private_dialog_live_side_by_side(bot):
    await say(bot, "/ask", chat="-100", direct=False)
    await say(bot, "/signup trip")
    out = text(await say(bot, "/stop", chat="-100", direct=False))
    assert "Question cancelled" in out, out
    out = text(await say(bot, "Anna"))
    assert "Your e-mail address" in out, out


async def test_mysignups_and_cancel_in_a_group_continue_in_the_private_chat(bot):
    for command in ("/mysignups", "/cancel trip"):
        replies = await say(bot, command, chat="-100", direct=False)
        assert len(replies) == 1 and replies[0].private, replies
        assert replies[0].choices[0].payload == command
        assert "Study trip" not in replies[0].text


async def test_event_without_an_argument_lists_the_events_to_pick_from(bot):
    replies = await say(bot, "/event")
    assert "Which event?" in replies[0].text
    assert [c.payload for c in replies[0].choices][:1] == ["/event trip"]


async def test_organisers_see_their_commands_in_help_and_participants_do_not(bot):
    participant = text(await say(bot, "/help"))
    organiser = text(await say(bot, "/help", user="99", chat="99"))
    for command in ("/broadcast", "/export", "/unanswered", "/faqstub"):
        assert command in organiser, organiser
        assert command not in participant, participant
    assert "For organisers" in organiser and "/reload" not in organiser  # admins only


async def test_text_a_person_typed_is_echoed_literally_and_cut(bot):
    out = text(await say(bot, "/event **BIG**"))
    assert "\\*\\*BIG\\*\\*" in out  # escaped: every renderer shows it as typed, never bold
    out = text(await say(bot, "/event " + "x" * 10_000))
    assert len(out) < 1_500


async def test_a_photo_gets_a_reply_that_the_bot_reads_text(bot):
    replies = await bot.handle(Incoming("telegram", "7", "7", media="photo", language_hint="nl"))
    assert "alleen tekst" in text(replies)


async def test_commands_are_named_the_way_the_platform_types_them(bot):
    message = Incoming("slack", "U1", "D1", text="/help", command_prefix="/eventbot ")
    out = text(await bot.handle(message))
    assert "/eventbot signup" in out and "/eventbot mysignups" in out, out
    assert "\n/signup" not in out


async def test_the_consent_of_a_form_names_commands_the_platform_way(tmp_path):
    bot, store = build_bot(Config(data_dir=tmp_path))  # the sample content: its consent names /forget
    try:
        view = await bot.signup_form(Incoming("slack", "U1", "D1", command_prefix="/eventbot "), "ewrc")
        assert "/eventbot forget" in view.consent and " /forget" not in view.consent, view.consent
    finally:
        store.close()


async def test_a_form_missing_the_persons_language_is_shown_in_one_language(bot):
    # the test trip's form exists in English and Dutch only: a Norwegian speaker gets it all in English
    await bot.handle(Incoming("telegram", "5", "5", text="Hvor mange deltakere er det på turen i Koriyama?"))
    out = text(await bot.handle(Incoming("telegram", "5", "5", text="/signup trip")))
    assert "Your name" in out and "Signup" in out, out
    out = text(await bot.handle(Incoming("telegram", "5", "5", text="Nora")))
    assert "Your e-mail address" in out, out
    replies = await bot.handle(Incoming("telegram", "5", "5", text="nora@example.org"))
    labels = [c.label for r in replies for c in r.choices]
    assert labels[:2] == ["Member", "Guest"] and "Stop" in labels, labels
    assert "Avbryt" not in labels


async def test_forget_in_a_group_continues_in_the_private_chat(bot):
    replies = await say(bot, "/forget yes", chat="-100", direct=False)
    assert len(replies) == 1 and replies[0].private and replies[0].choices[0].payload == "/forget"


async def test_the_same_form_started_again_on_top_replaces_its_waiting_copy_and_the_stack_is_bounded(bot):
    await say(bot, "/signup trip")
    for _ in range(20):
        await say(bot, "/ask")
        await say(bot, "/signup trip")
    stacks = bot.store.profile("telegram:7").dialogs
    assert len(stacks["7"]) <= 2, stacks  # the question waits under one form, never 40 dialogs


async def test_a_signup_finished_in_a_dialog_window_closes_the_chat_form(bot):
    anna = Incoming("slack", "U1", "D1")
    await bot.handle(dataclasses.replace(anna, text="/signup trip"))
    await bot.handle(dataclasses.replace(anna, text="Anna"))
    answers = {"name": "Anna", "email": "anna@example.org", "member": "guest", "age": "30", "dinner": "no"}
    problems, replies = await bot.submit_signup(Incoming("slack", "U1", "C1", direct=False), "trip", answers, True)
    assert not problems and "You are signed up" in text(replies), (problems, replies)
    out = text(await bot.handle(dataclasses.replace(anna, text="anna@example.org")))
    assert "Are you a member?" not in out, out  # the old chat form is gone
    assert "nothing in progress" in text(await bot.handle(dataclasses.replace(anna, text="/stop"))).lower()


def test_commands_in_web_addresses_and_paths_are_left_alone():
    from bot.commands import commands_written
    text = "Start with /signup. See https://x.org/login?next=/signup, www.x.org/help, #/start and a/help."
    out = commands_written(Reply(text), "/eventbot ", ["signup", "help", "start"]).text
    assert out == ("Start with /eventbot signup. See https://x.org/login?next=/signup, www.x.org/help, "
                   "#/start and a/help.")


async def test_confirm_pressed_twice_shows_the_signup_not_the_welcome(bot):
    replies = await say(bot, "/signup quick")  # no form fields: straight to the summary
    confirm = next(c.payload for r in replies for c in r.choices if c.payload.endswith(" confirm"))
    first = text(await say(bot, "", payload=confirm))
    assert "You are signed up" in first, first
    again = text(await say(bot, "", payload=confirm))
    assert "already signed up" in again and "Hello!" not in again, again


async def test_a_broadcast_dialog_comes_back_after_a_question_on_top_of_it(bot):
    organiser = dict(user="99", chat="99")
    await say(bot, "/broadcast trip", **organiser)
    await say(bot, "/ask", **organiser)
    out = text(await say(bot, "/stop", **organiser))
    assert "Question cancelled" in out and "Type the message for everyone signed up" in out, out
    out = text(await say(bot, "", payload="/bc nonsense next", **organiser))  # a stale button: the step again
    assert "went wrong" not in out and "Type the message" in out, out
