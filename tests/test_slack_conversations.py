"""What a participant meets on Slack, through real slack-bolt and the local Web API mock (issue 14's core parts)."""

from __future__ import annotations

import dataclasses

from tests.fakes.slack_harness import (Chat, buttons, http, no_errors_logged, section_text, slack,  # noqa: F401
                                       slack_api, workspaces)


def text_of(call) -> str:
    return section_text(call) or call.args.get("text", "")


async def test_help_names_commands_the_way_slack_types_them(http):
    out = text_of(await Chat(http, "U1").command("help"))
    assert "/eventbot signup" in out and "/eventbot mysignups" in out, out
    assert "\n/signup" not in out and " /signup" not in out


async def test_a_question_passed_on_from_a_channel_does_not_capture_the_next_dm(http):
    bot = http.core.bot
    bot.roles = dataclasses.replace(bot.roles, organiser_chats={"*": "slack:C9"})  # /ask has somewhere to go
    bot.attach(http.adapter)
    anna = Chat(http, "U1")
    await anna.command("event ewrc")
    out = text_of(await anna.command("ask"))
    assert "question" in out.lower(), out
    out = text_of(await anna.say("How many people attend the EWRC?"))
    assert "6,000" in out, out


async def test_mysignups_in_a_channel_continues_in_the_dm_and_shows_nothing_in_the_channel(http):
    anna = Chat(http, "U1")
    response = await anna.command("mysignups")
    assert response.args["response_type"] == "ephemeral"
    assert "private chat" in text_of(response) and "no signups" not in text_of(response)
    dm = await anna.next_message()
    assert [b["value"] for b in buttons(dm)] == ["/mysignups"]
    out = text_of(await anna.press(buttons(dm)[0]["text"]["text"]))
    assert "You have no signups" in out, out


async def test_text_typed_by_a_person_is_not_formatted_when_echoed(http):
    out = text_of(await Chat(http, "U1").command("event *BIG* **bold**"))
    assert "*BIG* **bold**" in out.replace("\u200b", ""), out  # shown as typed
    assert "*BIG*" not in out  # and kept from pairing up into Slack bold


async def test_a_dutch_speaker_with_an_english_slack_gets_the_form_in_dutch(http):
    anna = Chat(http, "U1", locale="en-US")
    out = text_of(await anna.say("Hoeveel deelnemers heeft de EWRC?"))
    assert "6.000" in out, out
    out = text_of(await anna.say("/signup ewrc"))
    assert "Aanmelding" in out or "aanmeld" in out.lower(), out


async def test_organisers_see_their_commands_in_help_and_participants_do_not(workspaces):
    from bot.config import Config, RolesConfig
    ws = await workspaces("http", Config(roles=RolesConfig(organisers={"ewrc": ["slack:U9"]})))
    organiser = text_of(await Chat(ws, "U9").command("help"))
    participant = text_of(await Chat(ws, "U1").command("help"))
    assert "/eventbot broadcast" in organiser and "/eventbot export" in organiser, organiser
    assert "/eventbot broadcast" not in participant and "/eventbot export" not in participant, participant
