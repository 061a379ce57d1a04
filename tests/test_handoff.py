"""Hand-off to a human: a question goes to the organisers' chat; their reply comes back on the asker's platform."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.app import build_bot
from bot.config import Config, ContentConfig, RolesConfig
from bot.messages import Incoming
from bot.roles import Roles
from tests.fakes.messenger import FakeMessenger, until

CONTENT = Path(__file__).parent / "data" / "signup_content"
GROUP = "-100555"


def make_bot(tmp_path):
    config = Config(data_dir=tmp_path / "data", content=ContentConfig(path=CONTENT),
                    roles=RolesConfig(organisers={"trip": ["telegram:900"]}))
    bot, store = build_bot(config)
    bot.roles = dataclasses.replace(bot.roles, organiser_chats={"trip": f"telegram:{GROUP}"})
    telegram, slack = FakeMessenger("telegram"), FakeMessenger("slack")
    bot.attach(telegram)
    bot.attach(slack)
    return bot, store, telegram, slack


async def test_a_question_goes_to_the_organisers_and_their_reply_comes_back(tmp_path):
    bot, store, telegram, slack = make_bot(tmp_path)
    await bot.start()
    anna = Incoming("slack", "U1", "D1", user_name="Anna")
    try:
        await bot.handle(dataclasses.replace(anna, text="/event trip"))
        out = await bot.handle(dataclasses.replace(anna, text="qwerty asdf zxcv"))
        assert any(c.payload == "/ask" for c in out[-1].choices)  # the fallback offers a human
        out = await bot.handle(dataclasses.replace(anna, payload="/ask"))
        assert "Type your question for the organisers." in out[0].text
        out = await bot.handle(dataclasses.replace(anna, text="Is there a vegetarian lunch on the bus?"))
        assert "I passed your question on to the organisers" in out[0].text
        chat, forwarded = telegram.sent[-1]
        assert chat == GROUP and "Question from Anna (slack) about Study trip" in forwarded
        message_id = str(len(telegram.sent))

        olga = Incoming("telegram", "900", GROUP, text="Yes, there is.", direct=False, reply_to=message_id)
        out = await bot.handle(olga)
        assert out[0].text == "Sent to the participant."
        await until(lambda: slack.to("U1"))
        assert "Answer from the organisers" in slack.to("U1")[0] and "Yes, there is." in slack.to("U1")[0]

        out = await bot.handle(dataclasses.replace(olga, text="/faqstub"))
        assert 'question: "Is there a vegetarian lunch on the bus?"' in out[0].text
        assert 'answer: "Yes, there is."' in out[0].text and "event: trip" in out[0].text
        out = await bot.handle(Incoming("telegram", "901", GROUP, text="/faqstub", direct=False, reply_to=message_id))
        assert "Sorry, I can't help with that." in out[0].text  # not an organiser of trip

        await bot.handle(dataclasses.replace(anna, text="/forget yes"))
        assert not bot.handoff.table.records
    finally:
        await bot.stop()
        store.close()


async def test_without_an_organiser_chat_the_contact_is_named(tmp_path):
    bot, store, telegram, slack = make_bot(tmp_path)
    bot.roles = Roles()
    try:
        out = await bot.handle(Incoming("slack", "U1", "D1", text="/ask Where do we meet?"))
        assert "I cannot reach the organisers from here" in out[0].text
        assert telegram.sent == []
    finally:
        store.close()


async def test_only_organisers_answer_for_the_organisers(tmp_path):
    bot, store, telegram, slack = make_bot(tmp_path)
    await bot.start()
    try:
        await bot.handle(Incoming("slack", "U1", "D1", text="/event trip"))
        await bot.handle(Incoming("slack", "U1", "D1", text="/ask Where do we meet?"))
        message_id = str(len(telegram.sent))
        stranger = Incoming("telegram", "777", GROUP, text="Never mind, ask me instead", direct=False,
                            reply_to=message_id)
        out = await bot.handle(stranger)
        assert all("Sent to the participant." not in r.text for r in out)
        await bot.deliverer.deliver_due()
        assert slack.to("U1") == []
    finally:
        await bot.stop()
        store.close()


async def test_asking_in_a_channel_says_the_answer_comes_in_the_private_chat(tmp_path):
    bot, store, telegram, slack = make_bot(tmp_path)
    channel = Incoming("slack", "U1", "C1", user_name="Anna", direct=False, command_prefix="/eventbot ")
    try:
        await bot.handle(dataclasses.replace(channel, text="/event trip"))
        out = await bot.handle(dataclasses.replace(channel, text="/ask Is there a vegetarian lunch?"))
        assert "will come in your private chat" in out[0].text, out
    finally:
        await bot.stop()
        store.close()


async def test_a_photo_as_an_organisers_reply_is_not_passed_on_as_an_empty_answer(tmp_path):
    bot, store, telegram, slack = make_bot(tmp_path)
    await bot.start()
    anna = Incoming("slack", "U1", "D1", user_name="Anna")
    try:
        await bot.handle(dataclasses.replace(anna, text="/event trip"))
        await bot.handle(dataclasses.replace(anna, text="/ask Is there a vegetarian lunch?"))
        forwarded = str(len(telegram.sent))  # the fake's message id of the forwarded question
        assert "vegetarian" in telegram.sent[-1][1]
        photo = Incoming("telegram", "900", GROUP, media="photo", reply_to=forwarded, direct=False)
        out = await bot.handle(photo)
        assert "read text" in out[0].text, out
        await bot.stop()
        assert slack.to("U1") == []  # no empty "answer from the organisers"
    finally:
        store.close()


async def test_ask_without_an_organisers_chat_says_so_before_asking_for_the_question(tmp_path):
    config = Config(data_dir=tmp_path / "data", content=ContentConfig(path=CONTENT))
    bot, store = build_bot(config)
    try:
        out = await bot.handle(Incoming("slack", "U1", "D1", text="/ask"))
        assert "cannot reach the organisers" in out[0].text, out
        assert store.profile("slack:U1").dialogs is None  # no question is waited for
    finally:
        store.close()
