"""The Slack adapter through the real slack-bolt and slack_sdk, against a local mock of Slack.

Requests are fed the way Slack sends them: signed HTTP bodies (HTTP mode) or envelopes
over the Socket Mode websocket. The bot is the real core on the shipped sample content.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters import slack_render as render
from adapters.slack import SlackAdapter
from bot.config import Config, ConfigError, ContentConfig, RolesConfig, SlackConfig
from bot.messages import Attachment, Choice, DeliveryError, Incoming, Reply, Unavailable, Unreachable, literal
from bot.texts import t
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, SlackApiMock
from tests.fakes.slack_harness import (  # noqa: F401 (fixtures)
    APP_TOKEN, BOT_TOKEN, SECRETS, SIGNING_SECRET, Chat, Workspace, button_with, buttons, http,
    no_errors_logged, section_text, slack, slack_api, until, workspaces,
)


# --- conversations ------------------------------------------------------------------------


async def test_a_question_in_a_dm_is_answered_in_the_dm(slack):
    await slack.dm("how many people attend EWRC")
    [post] = await slack.api.wait_for("chat.postMessage")
    assert post.channel == "D1"
    assert "6,000" in section_text(post)
    assert post.token == BOT_TOKEN
    [info] = slack.api.calls_to("users.info")
    assert info.args["user"] == "U1" and info.args["include_locale"] in (True, "1", "true")
    [incoming] = slack.core.handled
    assert incoming == Incoming("slack", "U1", "D1", text="how many people attend EWRC", user_name="person-U1",
                                language_hint="en-US", direct=True, command_prefix="/eventbot ")


async def test_every_message_from_slack_says_commands_are_typed_with_the_slash_command(workspaces, form_config):
    ws = await workspaces("http", form_config)
    assert ws.adapter.command_prefix == "/eventbot "  # for the messages the core starts itself
    await ws.dm("hello")
    await ws.mention("hello")
    await ws.command("help")
    await ws.press({"action_id": "choice-1", "value": "/events"}, channel="D1")
    view = await open_modal(ws)
    await ws.submit(view, {"name": "Anna", "email": "anna@example.org", "member": "guest", "consent": True})
    await ws.api.wait_for("chat.postMessage", 4)
    assert len(ws.core.handled) == 4
    assert {m.command_prefix for m in ws.core.handled} == {"/eventbot "}
    signup = ws.core.store.book("trip").active("slack:U1")
    assert signup is not None  # the modal's submission went through as well


async def test_the_locale_is_fetched_once_and_answers_follow_it(slack):
    await slack.dm("/start", user="U2")
    await slack.dm("/events", user="U2")
    posts = await slack.api.wait_for("chat.postMessage", 2)
    assert "Evenementen" in section_text(posts[-1])
    assert len(slack.api.calls_to("users.info")) == 1


@pytest.mark.parametrize("user, question, answer", [
    ("U5", "hoeveel bezoekers had de Smart City Expo?", "20.000 bezoekers"),
    ("U6", "hvor mange deltakere er det på EWRC?", "6000 deltakere"),
    ("U7", "郡山とブルメンはいつから姉妹都市ですか", "1988年から姉妹都市"),
])
async def test_people_whose_slack_is_english_get_the_answer_in_the_language_they_wrote(slack, user, question, answer):
    person = Chat(slack, user, locale="en-US")
    reply = await person.say(question)
    assert answer in section_text(reply)
    assert slack.core.handled[-1].language_hint == "en-US"
    in_channel = await person.mention(question)  # the same in a channel
    assert answer in section_text(in_channel)


async def test_a_mention_in_a_channel_is_answered_in_its_thread(slack):
    await slack.mention("how many people attend EWRC", ts="1700000001.000200")
    [post] = await slack.api.wait_for("chat.postMessage")
    assert post.channel == "C1" and post.args["thread_ts"] == "1700000001.000200"
    assert "6,000" in section_text(post)
    [incoming] = slack.core.handled
    assert incoming.text == "how many people attend EWRC" and incoming.direct is False


async def test_a_mention_with_a_command_word_is_the_command(slack):
    person = Chat(slack, "U1")
    help_text = await person.mention("help")
    assert "/eventbot topics" in section_text(help_text)
    details = await person.mention("event ewrc")
    assert "Brussels" in section_text(details)
    await person.mention("")  # the bare mention: the welcome, as the bare slash command
    await slack.dm("help")  # in the DM a word is a question, as typed
    await slack.api.wait_for("chat.postMessage", 4)
    await person.mention("Start is at 9", thread_ts="1700000000.000001")  # in a thread: an answer, not /start
    await person.mention("calendar for EWRC?")  # a button's hidden command is no command word: a question
    assert [m.text for m in slack.core.handled] == ["/help", "/event ewrc", "/start", "help", "Start is at 9",
                                                    "calendar for EWRC?"]


async def test_buttons_continue_the_dialog_from_the_app_home(slack):
    await slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    [publish] = await slack.api.wait_for("views.publish")
    assert publish.args["user_id"] == "U1" and publish.args["view"]["type"] == "home"
    home = publish.args["view"]["blocks"]
    assert "European Week of Regions and Cities" in home[0]["text"]["text"]
    ewrc = next(b for b in buttons(publish) if b["value"] == "/event ewrc")

    await slack.press(ewrc, channel=None)  # from the App Home: the answer goes to the DM
    [details] = await slack.api.wait_for("chat.postMessage")
    assert details.channel == "D1" and "Brussels" in section_text(details)
    assert [c.method for c in slack.api.calls].count("conversations.open") == 1
    topics = next(b for b in buttons(details) if b["value"] == "/topics ewrc")

    await slack.press(topics, channel="D1")
    listing = (await slack.api.wait_for("chat.postMessage", 2))[-1]
    attend = next(b for b in buttons(listing) if "How many people attend" in b["text"]["text"])
    assert len({b["action_id"] for b in buttons(listing)}) == len(buttons(listing))

    await slack.press(attend, channel="D1")
    answer = (await slack.api.wait_for("chat.postMessage", 3))[-1]
    assert "6,000" in section_text(answer)
    assert slack.core.handled[-1].payload == attend["value"]


async def test_a_button_in_a_thread_answers_in_that_thread(http):
    await http.press({"action_id": "choice-1", "value": "/topics ewrc"}, channel="C1", thread_ts="1700000000.1")
    [post] = await http.api.wait_for("chat.postMessage")
    assert post.channel == "C1" and post.args["thread_ts"] == "1700000000.1"


async def test_stale_buttons_get_a_polite_answer(slack):
    await slack.press({"action_id": "choice-3", "value": "/answer no-such-entry"})
    await slack.press({"action_id": "choice-4"})  # a button without a value: not understood at all
    posts = await slack.api.wait_for("chat.postMessage", 4)  # each: the polite word, then where we are now
    assert ["no longer valid" in section_text(p) for p in posts] == [True, False, True, False]
    assert [m.payload for m in slack.core.handled] == ["/answer no-such-entry", "/stale"]


async def test_the_slash_command_is_acknowledged_and_answered_privately(slack):
    ack = await slack.command("help")
    if slack.mode == "http":
        assert ack == ""
    else:
        assert ack.get("payload") in (None, {})
    [response] = await slack.api.wait_for("response")
    assert response.args["response_type"] == "ephemeral"
    assert "/eventbot topics" in section_text(response)  # commands named as they are typed on Slack
    assert slack.core.handled[-1].text == "/help"
    assert not slack.api.calls_to("chat.postMessage")

    await slack.command("how many people attend EWRC")
    answer = (await slack.api.wait_for("response", 2))[-1]
    assert "6,000" in section_text(answer)


async def test_the_slash_command_is_acknowledged_before_a_slow_answer(slack):
    slack.core.gate.clear()
    await slack.command("how many people attend EWRC")  # returns with Slack's acknowledgement
    await until(lambda: len(slack.core.handled) == 1)  # the core is working on it...
    assert not slack.api.calls_to("response")  # ...and cannot answer until the gate opens
    slack.core.gate.set()
    [answer] = await slack.api.wait_for("response")
    assert "6,000" in section_text(answer)


async def test_stop_finishes_the_replies_in_flight(http):
    http.core.gate.clear()
    await http.dm("how many people attend EWRC")
    await until(lambda: len(http.core.handled) == 1)
    stopping = asyncio.create_task(http.adapter.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()
    http.core.gate.set()
    await stopping
    assert "6,000" in section_text(http.api.calls_to("chat.postMessage")[0])


async def test_the_slash_command_maps_command_words_and_empty_text(http):
    await http.command("topics ewrc")
    await http.command("")
    await http.api.wait_for("response", 2)
    assert [m.text for m in http.core.handled] == ["/topics ewrc", "/start"]


async def test_a_button_in_an_ephemeral_answer_answers_ephemerally(http):
    await http.press({"action_id": "choice-1", "value": "/event ewrc"}, channel="C1", ephemeral=True)
    [response] = await http.api.wait_for("response")
    assert response.args["response_type"] == "ephemeral" and response.args["replace_original"] is False
    assert not http.api.calls_to("chat.postMessage")


async def test_a_private_reply_to_a_channel_goes_to_the_dm_with_a_pointer_where_asked(http):
    http.core.script = [Reply("Fill in the form", (Choice("Yes", "/yes"),), private=True)]
    await http.mention("sign me up", ts="1700000001.5")
    [dm, pointer] = await http.api.wait_for("chat.postMessage", 2)
    assert not http.api.calls_to("conversations.open")  # posted by user id: Slack answers with the DM's id
    assert dm.channel == "D1" and "thread_ts" not in dm.args and buttons(dm)[0]["value"] == "/yes"
    assert pointer.channel == "C1" and pointer.args["thread_ts"] == "1700000001.5"
    assert section_text(pointer) == "Fill in the form" and not buttons(pointer)


async def test_the_bots_own_messages_and_edits_are_ignored(slack):
    await slack.event({"type": "message", "channel_type": "im", "channel": "D1", "user": BOT_USER_ID,
                       "bot_id": BOT_ID, "text": "how many people attend EWRC", "ts": "1.1"})
    await slack.event({"type": "message", "channel_type": "im", "channel": "D1", "bot_id": "BOTHER",
                       "subtype": "bot_message", "text": "how many people attend EWRC", "ts": "1.2"})
    await slack.event({"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "D1",
                       "message": {"user": "U1", "text": "edited"}, "ts": "1.3"})
    await slack.dm("how many people attend EWRC")  # a real message after them, so the others had their chance
    await slack.api.wait_for("chat.postMessage")
    assert len(slack.core.handled) == 1


def shared(*mimetypes: str) -> list[dict[str, Any]]:
    return [{"id": f"F{n}", "name": f"file{n}", "mimetype": m, "filetype": m.split("/")[-1]}
            for n, m in enumerate(mimetypes)]


async def test_a_photo_or_file_without_words_gets_the_answer_that_the_bot_reads_text(slack):
    await slack.dm("", subtype="file_share", files=shared("image/jpeg"))
    await slack.dm("", subtype="file_share", files=shared("application/pdf", "image/png"))
    await slack.dm("how many people attend EWRC", subtype="file_share", files=shared("image/jpeg"))  # a caption
    await slack.mention("", ts="1700000001.000900")
    await slack.event({"type": "app_mention", "channel": "C1", "user": "U1", "text": f"<@{BOT_USER_ID}>",
                       "files": shared("audio/webm"), "ts": "1700000001.000901", "event_ts": "1700000001.000901"})
    posts = await slack.api.wait_for("chat.postMessage", 5)
    assert [(m.media, m.text) for m in slack.core.handled] == [
        ("photo", ""), ("file", ""), (None, "how many people attend EWRC"), (None, "/start"), ("voice", "")]
    assert [section_text(p) for p in posts[:2]] == [t("media_text_only", "en")] * 2
    assert "6,000" in section_text(posts[2])
    voice = next(p for p in posts if p.args.get("thread_ts") == "1700000001.000901")
    assert voice.channel == "C1" and section_text(voice) == t("media_text_only", "en")


async def test_other_subtypes_and_bots_files_stay_ignored(slack):
    await slack.dm("", subtype="file_share", files=shared("image/jpeg"), bot_id="BOTHER")
    await slack.dm("joined", subtype="channel_join")
    await slack.dm("a thread reply also sent to the channel", subtype="thread_broadcast", files=shared("image/png"))
    await slack.dm("how many people attend EWRC")
    await slack.api.wait_for("chat.postMessage")
    assert [m.text for m in slack.core.handled] == ["how many people attend EWRC"]


async def test_an_event_retry_is_not_answered_twice(slack):
    event = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1",
             "text": "how many people attend EWRC", "ts": "1.1"}
    await slack.event(event, event_id="EvSAME")
    await slack.event(event, event_id="EvSAME", retry=1)
    await slack.event(event, event_id="EvSAME", retry=2)
    await slack.dm("/help")
    posts = await slack.api.wait_for("chat.postMessage", 2)
    assert len(slack.core.handled) == 2 and len(posts) == 2


# --- signups and exports (the core's forms, through Slack's buttons) ------------------------

TRIP = """
events:
  - id: trip
    names: {en: "Study trip"}
    timezone: Europe/Amsterdam
    start: 2031-05-10 09:00:00
    end: 2031-05-12 17:00:00
    place: {en: "Koriyama"}
    signup:
      form:
        - id: name
          type: text
          label: {en: "Your name"}
        - id: member
          type: choice
          label: {en: "Are you a member?"}
          options:
            - id: member
              label: {en: "Member"}
            - id: guest
              label: {en: "Guest"}
      consent:
        en: "I agree that my answers are stored for this trip."
faq:
  - id: trip-place
    event: trip
    en:
      question: "Where does the trip go?"
      answer: "To Koriyama."
"""
ORGANISER = "U9"


@pytest.fixture
def trip_config(tmp_path: Path) -> Config:
    content = tmp_path / "content"
    content.mkdir()
    (content / "events.yaml").write_text(TRIP, "utf-8")
    return Config(content=ContentConfig(path=content),
                  roles=RolesConfig(organisers={"trip": [f"slack:{ORGANISER}"]}))


async def sign_up(ws: Workspace, user: str = "U1") -> None:
    """The chat form (the modal's alternative): /signup typed in the DM, then buttons and one typed answer."""
    dm = "D" + user[1:]
    await ws.dm("/signup trip", user=user)
    steps = 1

    async def press(ending: str) -> Any:
        nonlocal steps
        last = (await ws.api.wait_for("chat.postMessage", steps, where=lambda c: c.channel == dm))[-1]
        await ws.press(button_with(last, ending), user=user, channel=dm)
        steps += 1
        return (await ws.api.wait_for("chat.postMessage", steps, where=lambda c: c.channel == dm))[-1]

    [name_question] = await ws.api.wait_for("chat.postMessage", where=lambda c: c.channel == dm)
    assert "Your name" in section_text(name_question)
    await ws.dm("Anna de Vries", user=user)
    steps += 1
    member_question = (await ws.api.wait_for("chat.postMessage", steps, where=lambda c: c.channel == dm))[-1]
    assert "Are you a member?" in section_text(member_question)
    consent = await press(" opt guest")
    assert "I agree that my answers" in section_text(consent)
    summary = await press(" agree")
    assert "Anna de Vries" in section_text(summary) and "Guest" in section_text(summary)
    confirmed = await press(" confirm")
    assert "You are signed up for Study trip" in section_text(confirmed)


async def test_a_full_signup_by_buttons(workspaces, trip_config):
    ws = await workspaces("http", trip_config)
    await sign_up(ws)
    [complete] = await ws.api.wait_for("files.completeUploadExternal")  # the calendar file
    assert complete.args["channel_id"] == "D1" and complete.args["files"][0]["title"] == "trip.ics"
    [upload] = ws.api.calls_to("upload")
    assert b"BEGIN:VCALENDAR" in upload.data
    await ws.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    [publish] = await ws.api.wait_for("views.publish")
    assert "Your signups" in section_text(publish) and "Study trip" in section_text(publish)


async def test_an_organisers_csv_export_is_uploaded_to_their_dm(workspaces, trip_config):
    ws = await workspaces("socket", trip_config)
    await sign_up(ws)
    await ws.command("export trip csv", user=ORGANISER, channel="C1")  # in a channel: the list goes to the DM
    [offer] = await ws.api.wait_for("chat.postMessage", where=lambda c: c.channel == "D9")
    await ws.press(button_with(offer, "csv all"), user=ORGANISER, channel="D9")
    [get_url] = await ws.api.wait_for("files.getUploadURLExternal", where=lambda c: "csv" in c.args["filename"])
    assert get_url.args["filename"] == "trip-signups.csv"
    [complete] = await ws.api.wait_for("files.completeUploadExternal", where=lambda c: c.args["channel_id"] == "D9")
    csv_upload = next(c for c in ws.api.calls_to("upload") if c.args["file_id"] == complete.args["files"][0]["id"])
    assert b"Anna de Vries" in csv_upload.data
    assert not any(c.channel == "C1" for c in ws.api.calls_to("chat.postMessage"))


async def test_someone_else_cannot_export(workspaces, trip_config):
    ws = await workspaces("http", trip_config)
    await ws.dm("/export trip csv", user="U1")
    [post] = await ws.api.wait_for("chat.postMessage")
    assert "can't help with that" in section_text(post)
    assert not ws.api.calls_to("files.getUploadURLExternal")



async def test_the_slash_command_moves_a_private_reply_to_the_dm_with_an_ephemeral_pointer(http):
    http.core.script = [Reply("Fill in the form", (Choice("Yes", "/yes"),), private=True)]
    await http.command("do something personal", channel="C1")
    [pointer] = await http.api.wait_for("response")
    assert section_text(pointer) == "Fill in the form" and not buttons(pointer)
    [dm] = await http.api.wait_for("chat.postMessage")
    assert dm.channel == "D1" and buttons(dm)[0]["value"] == "/yes"


# --- the signup form as a modal -----------------------------------------------------------

FORM_TRIP = TRIP.replace("""        - id: member
          type: choice""", """        - id: email
          type: email
          label: {en: "Your email"}
        - id: member
          type: choice""").replace("""      consent:""", """        - id: bike
          type: yesno
          required: false
          label: {en: "Are you bringing a bike?"}
      consent:""")


@pytest.fixture
def form_config(tmp_path: Path) -> Config:
    content = tmp_path / "form-content"
    content.mkdir()
    (content / "events.yaml").write_text(FORM_TRIP, "utf-8")
    return Config(content=ContentConfig(path=content))


async def open_modal(ws: Workspace, user: str = "U1") -> dict[str, Any]:
    """/eventbot signup trip in a channel; returns the modal Slack was asked to open."""
    await ws.command("signup trip", user=user, channel="C1")
    [opened] = await ws.api.wait_for("views.open")
    return opened.args["view"]


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_the_slash_command_opens_the_signup_form_as_a_modal(workspaces, form_config, mode):
    ws = await workspaces(mode, form_config)
    view = await open_modal(ws)
    [opened] = ws.api.calls_to("views.open")
    assert opened.args["trigger_id"] == "1.2.3"
    assert view["type"] == "modal" and view["title"]["text"] == "Signup: Study trip"
    assert view["submit"]["text"] == "Confirm"
    assert json.loads(view["private_metadata"]) == {"event": "trip", "channel": "C1"}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["name", "email", "member", "bike", "consent"]
    assert [(b["label"]["text"], b["element"]["type"], b["optional"]) for b in list(inputs.values())[:4]] == [
        ("Your name", "plain_text_input", False), ("Your email", "email_text_input", False),
        ("Are you a member?", "static_select", False), ("Are you bringing a bike?", "radio_buttons", True)]
    assert [(o["text"]["text"], o["value"]) for o in inputs["member"]["element"]["options"]] == [
        ("Member", "member"), ("Guest", "guest")]
    assert [o["value"] for o in inputs["bike"]["element"]["options"]] == ["yes", "no"]
    consent = inputs["consent"]
    assert consent["element"]["type"] == "checkboxes" and not consent.get("optional")
    assert consent["label"]["text"] == "I agree that my answers are stored for this trip."
    assert [o["text"]["text"] for o in consent["element"]["options"]] == ["I agree"]
    assert json.dumps(view).count("my answers are stored") == 1  # the consent text is shown once
    assert not ws.api.calls_to("chat.postMessage") and not ws.api.calls_to("response")  # the modal is the answer


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_modal_with_an_invalid_field_gets_slacks_field_errors_and_a_valid_one_signs_up(
        workspaces, form_config, mode):
    ws = await workspaces(mode, form_config)
    view = await open_modal(ws)
    filled = {"name": "Anna de Vries", "email": "not an address", "member": "guest", "consent": True}
    answer = await ws.submit(view, filled)
    assert answer == {"response_action": "errors", "errors": {"email": t("form_invalid_email", "en")}}
    assert ws.core.store.book("trip").active("slack:U1") is None
    assert not ws.api.calls_to("chat.postMessage")

    answer = await ws.submit(view, {**filled, "email": "anna@example.org"})  # bike is optional: left empty
    assert answer == {}  # the modal closes
    [confirmed] = await ws.api.wait_for("chat.postMessage")
    assert confirmed.channel == "D1" and "You are signed up for Study trip" in section_text(confirmed)
    [complete] = await ws.api.wait_for("files.completeUploadExternal")  # the calendar file, in the DM too
    assert complete.args["channel_id"] == "D1" and complete.args["files"][0]["title"] == "trip.ics"
    signup = ws.core.store.book("trip").active("slack:U1")
    assert signup is not None and signup.status == "confirmed" and signup.consent_at
    assert signup.answers == {"name": "Anna de Vries", "email": "anna@example.org", "member": "guest", "bike": None}


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_modal_submission_is_answered_while_that_persons_earlier_message_is_still_being_handled(
        workspaces, form_config, mode):
    ws = await workspaces(mode, form_config)
    view = await open_modal(ws)
    ws.core.gate.clear()  # the core is stuck on the person's next message...
    await ws.dm("Where does the trip go?")
    await until(lambda: len(ws.core.handled) == 1)
    invalid = await ws.submit(view, {"name": "Anna", "email": "nope", "member": "guest", "consent": True})
    assert invalid == {"response_action": "errors", "errors": {"email": t("form_invalid_email", "en")}}
    valid = await ws.submit(view, {"name": "Anna", "email": "anna@example.org", "member": "guest", "consent": True})
    assert valid == {}  # ...and both submissions were answered meanwhile: the modal closed
    assert not ws.core.gate.is_set() and not ws.api.calls_to("chat.postMessage")
    ws.core.gate.set()
    answer, confirmed = await ws.api.wait_for("chat.postMessage", 2)  # then in the person's order
    assert "Koriyama" in section_text(answer) and "You are signed up for Study trip" in section_text(confirmed)


async def test_consent_left_unticked_is_an_error_beside_the_checkbox(workspaces, form_config):
    ws = await workspaces("http", form_config)
    view = await open_modal(ws)
    answer = await ws.submit(view, {"name": "Anna", "email": "anna@example.org", "member": "member",
                                    "bike": "yes", "consent": False})
    assert answer == {"response_action": "errors", "errors": {"consent": t("form_consent_needed", "en")}}


async def test_a_form_that_gained_a_field_while_open_is_shown_again(workspaces, trip_config):
    ws = await workspaces("http", trip_config)
    view = await open_modal(ws)
    (trip_config.content.path / "events.yaml").write_text(FORM_TRIP, "utf-8")
    await ws.core.bot.reload()  # an organiser added the email question meanwhile
    answer = await ws.submit(view, {"name": "Anna", "member": "guest", "consent": True})
    assert answer["response_action"] == "update"
    assert [b["block_id"] for b in answer["view"]["blocks"]] == ["name", "email", "member", "bike", "consent"]
    assert json.loads(answer["view"]["private_metadata"]) == {"event": "trip", "channel": "C1"}
    assert ws.core.store.book("trip").active("slack:U1") is None


async def test_a_signup_button_opens_the_modal_too(workspaces, form_config):
    ws = await workspaces("socket", form_config)
    await ws.press({"action_id": "choice-1", "value": "/signup trip"}, channel="D1")
    [opened] = await ws.api.wait_for("views.open")
    assert opened.args["trigger_id"] == "1.2.3"
    assert json.loads(opened.args["view"]["private_metadata"]) == {"event": "trip", "channel": "D1"}
    assert not ws.api.calls_to("chat.postMessage")


async def test_who_cannot_sign_up_gets_the_reason_instead_of_a_modal(workspaces, trip_config):
    ws = await workspaces("http", trip_config)
    await sign_up(ws)
    await ws.command("signup trip", channel="C1")
    [response] = await ws.api.wait_for("response")
    assert "already signed up" in section_text(response)
    assert not ws.api.calls_to("views.open")


async def test_when_slack_cannot_open_the_modal_the_chat_form_starts_in_the_dm(workspaces, trip_config, caplog):
    ws = await workspaces("http", trip_config)
    ws.api.fail("views.open", error="expired_trigger_id")  # e.g. the trigger's 3 seconds passed
    await ws.command("signup trip", channel="C1")
    [question] = await ws.api.wait_for("chat.postMessage")
    assert question.channel == "D1" and "Your name" in section_text(question)
    assert "expired_trigger_id" in caplog.text
    [pointer] = await ws.api.wait_for("response")  # in the channel, only to them: where the form went
    assert pointer.args["response_type"] == "ephemeral" and not buttons(pointer)
    assert section_text(pointer) == "Let's do the signup for Study trip in a private chat with me."
    assert len(ws.posts()) == 1  # and the DM has the form, no second invitation


# --- organisers: broadcasts and hand-off ------------------------------------------------------


async def test_send_returns_the_message_ts_and_edit_updates_it(http):
    ts = await http.adapter.send("C1", Reply("Broadcast #1: 0 of 2 done…"))
    [post] = http.api.calls_to("chat.postMessage")
    assert ts == post.result["ts"]
    await http.adapter.edit("C1", ts, Reply("Broadcast #1: **2 of 2** done…"))
    [update] = http.api.calls_to("chat.update")
    assert update.channel == "C1" and update.args["ts"] == ts
    assert section_text(update) == "Broadcast #1: *2 of 2* done…"
    http.api.fail("chat.update", error="channel_not_found")
    with pytest.raises(Unreachable):
        await http.adapter.edit("C1", ts, Reply("gone"))
    assert SlackAdapter.max_per_second <= 10 and SlackAdapter.per_chat_interval == 1.0


async def prepare_broadcast(ws: Workspace) -> Chat:
    """U1 (en) and U2 (nl) signed up for EWRC; the organiser writes a broadcast in both languages up to Send."""
    bot = ws.core.bot
    for person, lang in (("U1", "en"), ("U2", "nl")):
        def change(person: str = person, lang: str = lang) -> None:
            bot.store.book("ewrc").register(f"slack:{person}", capacity=6000, waitlist=True, now=bot.clock(),
                                            platform="slack", user_id=person, language=lang)
        await bot.store.transact(change)
    organiser = Chat(ws, ORGANISER)
    await organiser.say("/broadcast ewrc")
    await organiser.say("The plenary moves to room 2.")
    await organiser.press("Nederlands")
    await organiser.say("De plenaire sessie verhuist naar zaal 2.")
    await organiser.press("Continue")
    await organiser.press("Confirmed participants")
    preview = await organiser.press("All languages")
    assert "2 recipients (slack: 2)" in section_text(preview)
    assert not [c for c in ws.api.calls_to("chat.postMessage") if c.channel in ("D1", "D2")]  # nothing before Send
    return organiser


async def organiser_workspace(workspaces, mode: str = "http", organiser_chat: str | None = None):
    """A running workspace in which ORGANISER organises EWRC; with organiser_chat, its questions go there."""
    ws = await workspaces(mode, Config(roles=RolesConfig(organisers={"ewrc": [f"slack:{ORGANISER}"]})))
    bot = ws.core.bot
    if organiser_chat:
        bot.roles = dataclasses.replace(bot.roles, organiser_chats={"ewrc": f"slack:{organiser_chat}"})
    bot.attach(ws.adapter)
    await bot.start()
    return ws, bot


async def test_an_organiser_broadcasts_from_slack_and_sees_the_report(workspaces):
    ws, bot = await organiser_workspace(workspaces)
    try:
        organiser = await prepare_broadcast(ws)
        await organiser.press("Send")
        english = await Chat(ws, "U1").next_message()
        dutch = await Chat(ws, "U2").next_message()
        assert section_text(english) == "The plenary moves to room 2."
        assert section_text(dutch) == "De plenaire sessie verhuist naar zaal 2."
        await until(lambda: any("2 sent, 0 failed" in section_text(c) for c in ws.posts(organiser.dm)
                                + ws.api.calls_to("chat.update")))  # the report: a message, or the progress edited
    finally:
        await bot.stop()


async def test_the_broadcast_progress_message_ends_as_the_final_report(workspaces):
    ws, bot = await organiser_workspace(workspaces)
    try:
        organiser = await prepare_broadcast(ws)
        slow = ws.api.hold("chat.postMessage", where=lambda c: c.channel == "D1")  # Slack is slow for one recipient
        ws.api.fail("chat.update", status=500, error="internal_error",  # and fails once on the final state
                    where=lambda c: "sent" in str(c.args.get("text")))
        await organiser.press("Send")
        [progress] = await ws.api.wait_for("chat.postMessage", where=lambda c: c.channel == organiser.dm
                                           and "of 2 done" in section_text(c))
        slow.set()
        [final] = await ws.api.wait_for("chat.update", where=lambda c: "2 sent, 0 failed" in section_text(c))
        assert final.channel == organiser.dm and final.args["ts"] == progress.result["ts"]
        await until(lambda: bot.broadcasts.report(1).status == "done")
        assert not [c for c in ws.posts(organiser.dm) if "2 sent" in section_text(c)]  # no second message
        updates = ws.api.calls_to("chat.update")
        assert updates[-1] is final  # and nothing overwrote the final state
    finally:
        await bot.stop()


async def test_a_question_handed_to_the_organisers_channel_and_answered_in_its_thread(workspaces):
    ws, bot = await organiser_workspace(workspaces, "socket", organiser_chat="C9")
    try:
        participant = Chat(ws, "U1")
        await participant.say("/event ewrc")
        sent = await participant.say("/ask Can I bring my bike?")
        assert "I passed your question on to the organisers" in section_text(sent)
        [forwarded] = await ws.api.wait_for("chat.postMessage", where=lambda c: c.channel == "C9")
        assert "Can I bring my bike?" in section_text(forwarded)
        thread = forwarded.result["ts"]

        await ws.mention("Yes, there is a bike park.", user=ORGANISER, channel="C9", ts="1700000100.000100",
                         thread_ts=thread)
        [done] = await ws.api.wait_for("chat.postMessage", where=lambda c: c.args.get("thread_ts") == thread)
        assert done.channel == "C9" and section_text(done) == "Sent to the participant."
        assert ws.core.handled[-1].reply_to == thread and ws.core.handled[-1].text == "Yes, there is a bike park."
        answer = await participant.next_message()
        assert "Yes, there is a bike park." in section_text(answer)

        await participant.press(buttons(answer)[0]["text"]["text"])  # Reply: the participant asks again
        await participant.say("And is there a car park?")
        second = await ws.api.wait_for("chat.postMessage", 2, where=lambda c: c.channel == "C9"
                                       and not c.args.get("thread_ts"))
        assert "And is there a car park?" in section_text(second[-1])
    finally:
        await bot.stop()


async def test_ask_in_a_channel_says_the_answer_comes_in_the_dm_and_it_does(workspaces):
    ws, bot = await organiser_workspace(workspaces, "http", organiser_chat="C9")
    try:
        participant = Chat(ws, "U1")
        await participant.command("event ewrc")
        sent = await participant.command("ask Can I bring my bike?")  # in the channel C1
        assert section_text(sent) == ("I passed your question on to the organisers; "
                                      "their answer will come in your private chat with me.")
        [forwarded] = await ws.api.wait_for("chat.postMessage", where=lambda c: c.channel == "C9")
        await ws.mention("Yes.", user=ORGANISER, channel="C9", ts="1700000100.000100",
                         thread_ts=forwarded.result["ts"])
        answer = await participant.next_message()
        assert answer.channel == "D1" and "Yes." in section_text(answer)
        assert not [c for c in ws.posts("C1")]
    finally:
        await bot.stop()


# --- HTTP mode: signatures ----------------------------------------------------------------


async def test_bad_signatures_and_replayed_requests_are_refused(http):
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T0001", "event": {
        "type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "hi", "ts": "1.1"}})
    status, _ = await http.post(body, "application/json", signature="v0=" + "0" * 64)
    assert status == 401
    status, _ = await http.post(body, "application/json", signature="")
    assert status == 401
    status, _ = await http.post(body, "application/json", timestamp=int(time.time()) - 10 * 60)  # signed, but old
    assert status == 401
    await http.dm("/help")  # then a good one goes through
    await http.api.wait_for("chat.postMessage")
    assert [m.text for m in http.core.handled] == ["/help"]
    assert "users.info" in http.api.methods()


async def test_url_verification_is_answered(http):
    status, text = await http.post(json.dumps({"type": "url_verification", "challenge": "abc"}), "application/json")
    assert status == 200 and json.loads(text)["challenge"] == "abc"


# --- delivery -----------------------------------------------------------------------------


async def test_a_rate_limited_post_is_retried_without_loss_or_duplicate(slack):
    slack.api.fail("chat.postMessage", retry_after=0, times=1)
    await slack.dm("how many people attend EWRC")
    [post] = await slack.api.wait_for("chat.postMessage")
    attempts = slack.api.calls_to("chat.postMessage", ok=False)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].args == attempts[1].args
    assert "6,000" in section_text(post)


async def test_one_server_error_does_not_lose_a_live_answer(slack, caplog):
    slack.api.fail("chat.postMessage", status=500, error="internal_error")
    await slack.dm("how many people attend EWRC")
    [post] = await slack.api.wait_for("chat.postMessage")
    assert "6,000" in section_text(post)
    assert [a.status for a in slack.api.calls_to("chat.postMessage", ok=False)] == [500, 200]
    [retry] = [r for r in caplog.records if r.name == "adapters.slack" and "retry" in r.getMessage()]
    assert retry.getMessage() == "Slack's chat.postMessage failed (HTTP 500); retry 1 of 2"


async def test_a_request_that_times_out_is_tried_again(workspaces, caplog):
    http = await workspaces("http", request_timeout=2.0)
    http.api.fail("chat.postMessage", hang=True)  # Slack never answers the first attempt
    await http.dm("how many people attend EWRC")
    [post] = await http.api.wait_for("chat.postMessage")
    assert "6,000" in section_text(post)
    assert len(http.api.calls_to("chat.postMessage", ok=False)) == 2
    assert "Slack's chat.postMessage failed (TimeoutError); retry 1 of 2" in caplog.text


async def test_server_errors_that_persist_are_retried_a_bounded_number_of_times(http):
    http.api.fail("chat.postMessage", status=503, error="service_unavailable", times=10)
    with pytest.raises(DeliveryError) as caught:
        await http.adapter.send("C1", Reply("hello"))
    assert caught.value.retryable
    assert len(http.api.calls_to("chat.postMessage", ok=False)) == 3  # the first try and two retries


async def test_rate_limits_that_persist_become_a_retryable_delivery_error(workspaces):
    http = await workspaces("http", rate_limit_retries=1)
    http.api.fail("chat.postMessage", retry_after=0, times=10)
    with pytest.raises(DeliveryError) as caught:
        await http.adapter.send("C1", Reply("hello"))
    assert caught.value.retryable and caught.value.retry_after == 0
    assert len(http.api.calls_to("chat.postMessage", ok=False)) == 2


async def test_a_queued_message_can_be_found_again_after_a_restart(http):
    began = dt.datetime.now(dt.timezone.utc)
    await http.adapter.notify("U4", Reply("The plenary moves to room 2.", delivery_id="17@2026-11-22T10:00:00+00:00"))
    [post] = http.api.calls_to("chat.postMessage")
    assert post.args["metadata"] == {"event_type": "eventbot_delivery",
                                     "event_payload": {"id": "17@2026-11-22T10:00:00+00:00"}}

    restarted = SlackAdapter(http.core, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, mode="http",
                             base_url=http.api.base_url, port=0)  # knows no DM: opens it to look
    await restarted.start()
    try:
        assert await restarted.was_delivered("U4", "17@2026-11-22T10:00:00+00:00", began) is True
        assert await restarted.was_delivered("U4", "18@2026-11-22T10:00:00+00:00", began) is False
        [history, _] = http.api.calls_to("conversations.history")
        assert history.args["channel"] == "D4" and history.args["include_all_metadata"] in ("1", "true", True)
        http.api.fail("conversations.history", error="ratelimited", status=429, retry_after=0, times=10)
        assert await restarted.was_delivered("U4", "19@2026-11-22T10:00:00+00:00", began) is None  # can't tell
    finally:
        await restarted.stop()


async def test_a_person_who_is_gone_is_marked_unreachable(http):
    http.api.fail("chat.postMessage", error="channel_not_found")  # what Slack answers for a user id it doesn't know
    with pytest.raises(Unreachable):
        await http.adapter.notify("UGONE", Reply("news"))
    assert (await http.core.profiles.get("slack:UGONE")).unreachable is True

    await http.adapter.notify("U3", Reply("news"))  # the DM opens; later the account is deactivated
    http.api.fail("chat.postMessage", error="account_inactive")
    with pytest.raises(Unreachable):
        await http.adapter.notify("U3", Reply("more news"))
    assert (await http.core.profiles.get("slack:U3")).unreachable is True


async def test_a_channel_the_bot_left_is_unreachable_and_other_errors_are_retryable(http):
    http.api.fail("chat.postMessage", error="not_in_channel")
    with pytest.raises(Unreachable):
        await http.adapter.send("C9", Reply("hello"))
    http.api.fail("chat.postMessage", error="internal_error")
    with pytest.raises(DeliveryError) as caught:
        await http.adapter.send("C9", Reply("hello"))
    assert caught.value.retryable


async def test_a_failed_delivery_during_a_conversation_does_not_break_the_adapter(http):
    http.api.fail("chat.postMessage", error="channel_not_found")
    await http.mention("how many people attend EWRC")
    await http.api.wait_for("chat.postMessage", ok=False)  # refused: logged, nothing raised
    await http.mention("how many people attend EWRC", ts="1700000009.1")
    [post] = await http.api.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == "1700000009.1"


async def test_an_attachment_is_uploaded_with_the_v2_upload_calls(http):
    csv = b"name,email\nAda,ada@example.org\n"
    await http.adapter.send("C1", Reply("The export", attachments=(Attachment("export.csv", csv, "text/csv"),)))
    [get_url] = http.api.calls_to("files.getUploadURLExternal")
    assert get_url.args["filename"] == "export.csv" and int(get_url.args["length"]) == len(csv)
    [upload] = http.api.calls_to("upload")
    assert upload.data == csv and upload.args["file_id"] == get_url_file_id(http.api)
    [complete] = http.api.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == "C1" and complete.args["files"][0]["title"] == "export.csv"
    assert http.api.methods().index("chat.postMessage") < http.api.methods().index("files.getUploadURLExternal")


def get_url_file_id(api: SlackApiMock) -> str:
    [complete] = api.calls_to("files.completeUploadExternal")
    return complete.args["files"][0]["id"]


async def test_a_long_reply_is_split_within_slacks_limits(http):
    paragraph = "Word " * 400  # 2,000 characters
    choices = tuple(Choice(f"Option {n} " + "x" * 100, f"/answer e{n}") for n in range(30))
    await http.adapter.send("C1", Reply("\n\n".join([paragraph.strip()] * 4) + " & <more>", choices))
    posts = http.api.calls_to("chat.postMessage")
    assert len(posts) > 1
    for post in posts:
        assert len(post.args["blocks"]) <= render.MESSAGE_BLOCKS and len(post.args["text"]) <= 40_000
        assert all(len(b["text"]["text"]) <= render.SECTION_LIMIT for b in post.args["blocks"] if b["type"] == "section")
    assert "&amp; &lt;more&gt;" in section_text(posts[-1])
    actions = [b for b in posts[-1].args["blocks"] if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]
    assert all(len(e["text"]["text"]) <= 75 for b in actions for e in b["elements"])


# --- configuration, start-up and logs -----------------------------------------------------


def test_the_manifest_matches_the_adapter():
    manifest = yaml.safe_load((Path(__file__).parents[1] / "slack-app-manifest.yaml").read_text("utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"message.im", "app_mention", "app_home_opened"}
    assert [c["command"] for c in features["slash_commands"]] == [SlackConfig().slash_command]
    assert settings["socket_mode_enabled"] and settings["interactivity"]["is_enabled"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert {"app_mentions:read", "chat:write", "commands", "files:write", "im:history", "im:write",
            "users:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_from_config_needs_the_tokens_for_the_mode(tmp_path):
    config = Config(data_dir=tmp_path)
    assert SlackAdapter.from_config(None, config, {}) is None  # type: ignore[arg-type]
    disabled = Config(data_dir=tmp_path, slack=SlackConfig(enabled=False))
    assert SlackAdapter.from_config(None, disabled, {"SLACK_BOT_TOKEN": BOT_TOKEN}) is None  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        SlackAdapter.from_config(None, config, {"SLACK_BOT_TOKEN": BOT_TOKEN})  # type: ignore[arg-type]
    http_config = Config(data_dir=tmp_path, slack=SlackConfig(mode="http", signing_secret_env="MY_SECRET"))
    with pytest.raises(ConfigError, match="MY_SECRET"):
        SlackAdapter.from_config(None, http_config, {"SLACK_BOT_TOKEN": BOT_TOKEN})  # type: ignore[arg-type]


async def test_from_config_builds_an_adapter_on_the_configured_api(tmp_path, slack_api):
    config = Config(data_dir=tmp_path, slack=SlackConfig(base_url=slack_api.base_url, slash_command="/ask"))
    adapter = SlackAdapter.from_config(None, config, {"SLACK_BOT_TOKEN": BOT_TOKEN,  # type: ignore[arg-type]
                                                      "SLACK_APP_TOKEN": APP_TOKEN})
    assert adapter is not None and adapter.mode == "socket" and adapter.slash_command == "/ask"
    await adapter.start()
    try:
        await slack_api.connected()
        [connect] = slack_api.calls_to("apps.connections.open")
        assert connect.token == APP_TOKEN
    finally:
        await adapter.stop()


async def test_a_normal_start_logs_no_warning(workspaces, caplog, monkeypatch):
    for name, value in (("SLACK_BOT_TOKEN", BOT_TOKEN), ("SLACK_APP_TOKEN", APP_TOKEN),
                        ("SLACK_SIGNING_SECRET", SIGNING_SECRET)):
        monkeypatch.setenv(name, value)  # as `eventbot run` has them (bolt reads some by itself)
    caplog.set_level(logging.INFO)
    for mode in ("http", "socket"):
        ws = await workspaces(mode)
        await ws.dm("/help")
        await ws.api.wait_for("chat.postMessage", where=lambda c, mode=mode: c.token == BOT_TOKEN)
        assert ws.adapter.client.base_url == ws.api.base_url
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("method", ["auth.test", "apps.connections.open"])
async def test_a_refused_token_stops_the_start_with_a_clear_error(slack_api, method):
    slack_api.fail(method, error="invalid_auth")
    adapter = SlackAdapter(None, bot_token=BOT_TOKEN, app_token=APP_TOKEN,  # type: ignore[arg-type]
                           base_url=slack_api.base_url)
    with pytest.raises(RuntimeError, match="invalid_auth"):
        await adapter.start()
    assert not logging.getLogger("slack_sdk.web.async_base_client").filters  # cleaned up


async def test_slack_out_of_reach_at_start_is_unavailable_not_a_crash(slack_api):
    gone = SlackApiMock()
    await gone.start()
    await gone.stop()  # nothing listens at its address any more
    for base_url, broken in ((gone.base_url, None), (slack_api.base_url, "auth.test"),
                             (slack_api.base_url, "apps.connections.open")):
        if broken:
            slack_api.fail(broken, status=503, error="service_unavailable", times=3)  # the first try and two retries
        adapter = SlackAdapter(None, bot_token=BOT_TOKEN, app_token=APP_TOKEN,  # type: ignore[arg-type]
                               base_url=base_url)
        with pytest.raises(Unavailable) as caught:
            await adapter.start()
        assert str(caught.value).startswith("Slack cannot be reached: ")
        assert all(secret not in str(caught.value) for secret in SECRETS)


async def test_no_token_or_secret_appears_in_the_logs(workspaces, caplog):
    caplog.set_level(logging.DEBUG)
    for mode in ("http", "socket"):
        slack = await workspaces(mode)
        slack.api.fail("chat.postMessage", retry_after=0, times=1)
        await slack.dm("how many people attend EWRC")
        await slack.command("help")
        await slack.api.wait_for("response", 1 if mode == "http" else 2)
        await slack.api.wait_for("chat.postMessage", 1 if mode == "http" else 2)
        # a library that logs a token is caught by the adapter's filter
        logging.getLogger("slack_sdk.web.async_base_client").debug("headers: Bearer %s", BOT_TOKEN)
        logging.getLogger("slack_bolt.AsyncApp").warning("secret %s / %s", SIGNING_SECRET, APP_TOKEN)
        if mode == "http":
            status, _ = await slack.post('{"type": "event_callback"}', "application/json", signature="v0=bad")
            assert status == 401
    assert "Sending a request" in caplog.text  # slack_sdk's request logging was on
    assert "<redacted>" in caplog.text
    for secret in SECRETS:
        assert secret not in caplog.text
        assert all(secret not in r.getMessage() for r in caplog.records)


# --- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("**When:** 8 & 9 <Oct>", "*When:* 8 &amp; 9 &lt;Oct&gt;"),
    ("see https://example.org/a?b=1&c=2.", "see <https://example.org/a?b=1&amp;c=2>."),
    ("**https://example.org**", "*<https://example.org>*"),
    ("<@U123> *not bold* `x`", "&lt;@U123&gt; \u200b*\u200bnot bold\u200b*\u200b \u200b`\u200bx\u200b`\u200b"),
    ("** **", "\u200b*\u200b\u200b*\u200b \u200b*\u200b\u200b*\u200b"),
    ("a\\*\\*b\\*\\* smart_city 2*3", "a\u200b*\u200b\u200b*\u200bb\u200b*\u200b\u200b*\u200b smart_city 2*3"),
    ("**Note:** ~x~ _y_", "*Note:* \u200b~\u200bx\u200b~\u200b \u200b_\u200by\u200b_\u200b"),
])
def test_markup_becomes_escaped_mrkdwn(text, expected):
    assert render.mrkdwn(text) == expected


async def test_text_a_person_typed_is_posted_as_typed_not_as_formatting(http):
    await http.adapter.send("C1", Reply(f"**No event** called {literal('**BIG** _news_ <!channel>')}"))
    [post] = http.api.calls_to("chat.postMessage")
    shown = section_text(post)
    assert shown.startswith("*No event* called ")
    typed = shown.removeprefix("*No event* called ")
    assert typed.replace(render.ZWSP, "") == "**BIG** _news_ &lt;!channel&gt;"
    assert not re.search(r"(^|\s)[*_~][^\s\u200b]", typed)  # no mark Slack could take as formatting


def test_split_text_keeps_every_piece_within_the_limit():
    text = "\n".join(["a & b " * 100] * 20) + "\n" + "x" * 5000
    pieces = render.split_text(text, 3000)
    assert all(len(render.mrkdwn(p)) <= 3000 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_incoming_text_loses_the_mention_and_slack_escapes():
    assert render.plain_text("<@UBOT> when is &lt;EWRC&gt; &amp; <https://x.org|x.org>?", "UBOT") \
        == "when is <EWRC> & x.org?"
    assert render.plain_text("ask <@U42> about <#C1|general>", "UBOT") == "ask @U42 about general"


def test_home_view_and_buttons():
    view = render.home_view(Reply("**Events**", tuple(Choice(f"E{n}", f"/event e{n}") for n in range(3))))
    assert view["type"] == "home" and view["blocks"][0]["text"]["text"] == "*Events*"
    assert [e["action_id"] for e in view["blocks"][1]["elements"]] == ["choice-1", "choice-2", "choice-3"]
