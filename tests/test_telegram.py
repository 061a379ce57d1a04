"""The bot on Telegram, through python-telegram-bot over real HTTP against a fake Bot API server.

Each scenario starts the adapter (polling or webhook) against tests/fakes/telegram_api.py,
lets a person write or press buttons, and reads what the bot sent back. The adapter
processes updates one at a time, so `settle()` (a /help from a bystander, waited for)
proves every earlier update has been fully answered: no sleeps, no timing asserts.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from html.parser import HTMLParser
from typing import Any

import pytest

from adapters.telegram import TelegramAdapter, TokenRedactor, deep_link_param, from_deep_link
from adapters.telegram_render import render_html, split_html
from bot.app import build_bot
from bot.config import Config, ConfigError, RolesConfig, TelegramConfig, TelegramWebhookConfig
from bot.messages import Attachment, Choice, DeliveryError, NotConnected, Reply, Unavailable, Unreachable
from tests.fakes.telegram_harness import (BYSTANDER, GROUP, OTHER, SECRET, USER, Harness, button, chat,  # noqa: F401
                                          fake, free_port, plain, start)

BLOCKED = "That button is no longer valid"


# --- conversations ------------------------------------------------------------------


@pytest.mark.parametrize("text, lang, fact", [
    ("how many people attend EWRC", "en", "6,000"),
    ("Hoeveel bezoekers had de Smart City Expo in Barcelona?", "nl", "20.000"),
    ("Hvor mange deltakere er det på EWRC?", "no", "6000"),
    ("郡山市とブルメンはいつから姉妹都市ですか", "ja", "1988"),
])
async def test_a_question_in_each_language_gets_the_answer(chat, text, lang, fact):
    replies = await chat.say(text, language_code=lang)
    assert len(replies) == 1 and fact in replies[0], replies
    call = chat.fake.calls_of("sendMessage", chat_id=USER)[-1]
    assert call.params["parse_mode"] == "HTML"


async def test_a_pressed_button_answers_the_callback_and_gets_the_answer(chat):
    assert await chat.say("/topics ewrc")
    buttons = chat.buttons()
    assert buttons and all(b["callback_data"].startswith("/answer ") for b in buttons)
    entry = chat.bot.knowledge.content.entries[buttons[0]["callback_data"].removeprefix("/answer ")]
    answer = await chat.press(buttons[0]["callback_data"])
    assert [plain(a) for a in answer] == [entry.texts["en"].answer.replace("**", "").strip()]
    answered = chat.fake.calls_of("answerCallbackQuery")
    assert len(answered) == 1, "the button keeps spinning"


async def test_a_stale_button_gets_the_polite_text_and_is_answered(chat):
    replies = await chat.press("#cb:from-before-the-restart")
    assert BLOCKED in replies[0]
    assert len(chat.fake.calls_of("answerCallbackQuery")) == 1


async def test_long_payloads_travel_as_tokens_and_come_back(start):
    h = await start()
    payload = "/answer " + "x" * 80
    data = h.adapter.callback_data(payload)
    assert len(data.encode()) <= 64 and data != payload
    assert h.adapter.callback_data(payload) == data
    assert h.adapter.payload_of(data) == payload
    assert h.adapter.callback_data("/events") == "/events"
    # the token reaches the core as the long payload: an unknown FAQ id is answered as stale
    assert BLOCKED in (await h.press(data))[0]


async def test_group_messages_reach_the_bot_only_when_addressed_to_it(chat):
    name = chat.fake.username
    assert await chat.say("how many people attend EWRC", user=USER, chat=GROUP) == []
    assert await chat.say("/help@some_other_bot", user=USER, chat=GROUP) == []
    mentioned = await chat.say(f"@{name} how many people attend EWRC", user=USER, chat=GROUP)
    assert len(mentioned) == 1 and "6,000" in mentioned[0]
    assert len(await chat.say(f"/help@{name}", user=USER, chat=GROUP)) == 1
    replied = await chat.say("how many people attend EWRC", user=OTHER, chat=GROUP, reply_to_bot=True)
    assert len(replied) == 1 and "6,000" in replied[0]


READS_TEXT = {"en": "I can only read text", "nl": "Ik kan alleen tekst lezen", "no": "Jeg kan bare lese tekst",
              "ja": "テキストしか読めません"}


@pytest.mark.parametrize("kind, lang", [("photo", "en"), ("voice", "nl"), ("sticker", "no"), ("document", "ja"),
                                        ("video", "en"), ("location", "nl"), ("contact", "en")])
async def test_a_photo_voice_message_or_file_gets_a_note_that_the_bot_reads_text(chat, kind, lang):
    replies = await chat.send(chat.fake.media, kind, language_code=lang)
    assert len(replies) == 1 and READS_TEXT[lang] in replies[0], replies


async def test_media_in_a_group_is_answered_only_when_addressed_to_the_bot(chat):
    name = chat.fake.username
    # service messages (someone joined, a pinned message) stay silent, in groups and in private
    assert await chat.send(chat.fake.service, "new_chat_members", chat=GROUP) == []
    assert await chat.send(chat.fake.service, "pinned_message", chat=GROUP) == []
    assert await chat.send(chat.fake.service, "pinned_message") == []
    assert await chat.send(chat.fake.media, "photo", chat=GROUP) == []
    assert await chat.send(chat.fake.media, "photo", chat=GROUP, caption="our group at the expo") == []
    mentioned = await chat.send(chat.fake.media, "photo", chat=GROUP, caption=f"@{name} what is this?")
    assert len(mentioned) == 1 and READS_TEXT["en"] in mentioned[0], mentioned
    replied = await chat.send(chat.fake.media, "voice", chat=GROUP, reply_to_bot=True, language_code="nl")
    assert len(replied) == 1 and READS_TEXT["nl"] in replied[0], replied


async def test_the_command_menu_is_set_in_every_language(start):
    h = await start()
    assert h.fake.calls_of("deleteWebhook")  # polling removes a webhook left from webhook mode
    calls = h.fake.calls_of("setMyCommands")
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_language) == {None, "nl", "no", "ja"}
    names = [c["command"] for c in by_language[None]]
    assert names == [c.name for c in h.bot.commands()]
    for lang, commands in by_language.items():
        for command, cmd in zip(commands, h.bot.commands()):
            assert command["description"] == cmd.help(lang or "en")[:256]


async def test_the_menu_lists_participants_commands_and_event_from_it_lists_the_events(start):
    h = await start()
    menu = {c["command"] for c in h.fake.calls_of("setMyCommands")[0].params["commands"]}
    organisers = {c.name for role in ("organiser", "admin") for c in h.bot.registry.visible(role)}
    assert {"export", "broadcast", "unanswered", "reload"} <= organisers
    assert "event" in menu and not menu & organisers, menu
    # the menu sends the bare command: in private, and with the bot's name in a group
    for chat, command in ((USER, "/event"), (GROUP, f"/event@{h.fake.username}")):
        replies = await h.say(command, chat=chat)
        assert "Which event?" in plain(replies[0]), replies
        assert any("ewrc" in b.get("callback_data", b.get("url", "")) for b in h.buttons(chat)), h.buttons(chat)


async def test_an_attachment_is_sent_as_a_document(start):
    h = await start()
    await h.adapter.send(str(USER), Reply("Here is the export", attachments=(
        Attachment("signups.csv", b"name,email\nAda,ada@example.org\n", "text/csv"),)))
    docs = h.fake.calls_of("sendDocument", chat_id=USER)
    assert len(docs) == 1
    assert docs[0].files["document"] == ("signups.csv", b"name,email\nAda,ada@example.org\n")
    assert h.fake.texts(USER) == ["Here is the export"]


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        assert tag == "b"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag


async def test_a_long_reply_is_split_into_valid_html_messages(start):
    h = await start()
    paragraph = "**Day {i}** <arrive> & check in at https://example.org/?a=1&b=2 " + "word " * 150
    text = "\n\n".join(paragraph.format(i=i) for i in range(20))
    await h.adapter.send(str(USER), Reply(text, choices=(Choice("Events", "/events"),)))
    calls = h.fake.calls_of("sendMessage", chat_id=USER)
    assert len(calls) > 1
    for call in calls:
        sent = call.params["text"]
        assert len(sent) <= 4096
        checker = _TagChecker()
        checker.feed(sent)
        checker.close()
        assert checker.open == []
        assert not sent.startswith("\n") and "<arrive>" not in sent
    assert [("reply_markup" in c.params) for c in calls] == [False] * (len(calls) - 1) + [True]
    read = " ".join(plain(c.params["text"]) for c in calls)
    assert read.split() == text.replace("**", "").split()
    assert all(c.params["text"].startswith("<b>Day") for c in calls)  # cut at paragraph boundaries


# --- errors -------------------------------------------------------------------------


async def test_a_rate_limit_mid_conversation_is_retried_and_nothing_is_lost_or_doubled(chat):
    first = await chat.say("how many people attend EWRC")
    chat.fake.fail("sendMessage", 429, retry_after=1, chat_id=USER)
    second = await chat.say("Hoeveel bezoekers had de Smart City Expo in Barcelona?", language_code="nl")
    third = await chat.say("郡山市とブルメンはいつから姉妹都市ですか", language_code="ja")
    assert len(chat.fake.calls_of("sendMessage", chat_id=USER, ok=False)) == 1
    assert [len(first), len(second), len(third)] == [1, 1, 1]
    texts = chat.fake.texts(USER)
    assert len(texts) == 3 and "6,000" in texts[0] and "20.000" in texts[1] and "1988" in texts[2]


async def test_server_errors_and_slow_answers_are_retried(start):
    h = await start()
    h.fake.fail("sendMessage", 500, chat_id=USER)
    assert len(await h.say("how many people attend EWRC")) == 1
    h.fake.slow("sendMessage", 0.2)
    assert len(await h.say("how many people attend EWRC")) == 1
    assert len(h.fake.calls_of("sendMessage", chat_id=USER, ok=False)) == 1


async def test_a_bad_request_becomes_a_delivery_error_and_network_failures_give_up(start):
    h = await start(network_retries=1)
    h.fake.fail("sendMessage", 400, chat_id=USER)
    with pytest.raises(DeliveryError) as bad:
        await h.adapter.send(str(USER), Reply("hello"))
    assert not isinstance(bad.value, Unreachable)
    h.fake.fail("sendMessage", 500, times=2, chat_id=USER)
    with pytest.raises(DeliveryError):
        await h.adapter.send(str(USER), Reply("hello"))
    assert len(h.fake.calls_of("sendMessage", chat_id=USER, ok=False)) == 3


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_and_the_bot_keeps_running(chat):
    chat.fake.fail("sendMessage", 403, chat_id=USER)
    assert await chat.say("how many people attend EWRC") == []
    assert (await chat.bot.profiles.get(f"telegram:{USER}")).unreachable
    assert len(chat.fake.calls_of("sendMessage", chat_id=USER, ok=False)) == 1  # not retried
    # they unblock and write again: answered, and reachable again
    assert len(await chat.say("how many people attend EWRC")) == 1
    assert not (await chat.bot.profiles.get(f"telegram:{USER}")).unreachable


async def test_notify_to_a_blocked_user_raises_unreachable(start):
    h = await start()
    h.fake.fail("sendMessage", 403, chat_id=OTHER)
    with pytest.raises(Unreachable):
        await h.adapter.notify(str(OTHER), Reply("Your signup is confirmed"))
    assert (await h.bot.profiles.get(f"telegram:{OTHER}")).unreachable
    await h.adapter.notify(str(USER), Reply("hello"))
    assert h.fake.texts(USER) == ["hello"]


async def test_a_rate_limit_that_does_not_end_becomes_a_retryable_delivery_error(start):
    h = await start(rate_limit_retries=0)
    h.fake.fail("sendMessage", 429, retry_after=7, chat_id=USER)
    with pytest.raises(DeliveryError) as caught:
        await h.adapter.send(str(USER), Reply("hello"))
    assert caught.value.retryable and caught.value.retry_after == 7


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_stop_finishes_the_update_in_flight(start, mode):
    h = await start(mode)
    h.fake.slow("sendMessage", 0.3)
    await h.deliver(h.fake.callback(USER, "#cb:stale"))  # answered with two messages
    await h.fake.wait_for(lambda: h.fake.calls_of("sendMessage", chat_id=USER), what="the first reply")
    await h.adapter.stop()
    texts = h.fake.texts(USER)
    assert len(texts) == 2 and BLOCKED in texts[0]


async def test_sending_before_start_is_not_connected(tmp_path):
    bot, store = build_bot(Config(data_dir=tmp_path))
    try:
        adapter = TelegramAdapter(bot, "1:x")
        with pytest.raises(NotConnected):
            await adapter.notify("5", Reply("hello"))
        await adapter.stop()  # nothing to stop
    finally:
        store.close()


# --- private links from groups --------------------------------------------------------


async def test_private_choices_in_a_group_become_deep_links(start):
    h = await start()
    await h.adapter.send(str(GROUP), Reply("Sign up in our private chat", private=True, choices=(
        Choice("EWRC", "/signup ewrc"), Choice("Smart City Expo", "/signup smart-city-expo"))))
    urls = [b["url"] for b in h.buttons(GROUP)]
    name = h.fake.username
    assert urls == [f"https://t.me/{name}?start=signup-ewrc", f"https://t.me/{name}?start=signup-smart-city-expo"]
    # in a private chat the same reply keeps ordinary buttons
    await h.adapter.send(str(USER), Reply("Sign up", private=True, choices=(Choice("EWRC", "/signup ewrc"),)))
    assert h.buttons(USER) == [{"text": "EWRC", "callback_data": "/signup ewrc"}]


def test_deep_link_parameters_round_trip():
    assert deep_link_param("/signup ewrc") == "signup-ewrc"
    assert deep_link_param("/events") == "events"
    assert deep_link_param("/topics smart city") == "topics-smart_city"
    assert deep_link_param("/answer a_b") is None  # "_" would come back as a space
    assert deep_link_param("/signup " + "x" * 70) is None
    assert deep_link_param("hello") is None
    assert from_deep_link("signup-ewrc") == "/signup ewrc"
    assert from_deep_link("signup-smart-city-expo") == "/signup smart-city-expo"
    assert from_deep_link("events") == "/events"


async def test_a_deep_link_start_reaches_the_core_as_the_command(start):
    h = await start()
    plain = await h.say("/start")
    assert "Hello" in plain[0]
    assert "Hello" in (await h.say("/start campaign-42"))[0]  # not one of the bot's links: just /start
    linked = await h.say("/start topics-ewrc")
    assert linked and "Hello" not in linked[0]
    assert h.buttons()[0]["callback_data"].startswith("/answer ")


async def test_a_link_anyone_can_post_never_confirms_for_the_person_who_taps_it(start):
    h = await start()
    forget = plain((await h.say("/start forget-yes"))[0])
    assert "Do you want me to delete everything" in forget or "really" in forget.lower(), forget  # asks first
    assert "deleted" not in forget.lower()
    cancel = await h.say("/start cancel-ewrc_yes")
    assert not any("is cancelled" in plain(c) for c in cancel), cancel


# --- signups and organisers -----------------------------------------------------------


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_full_signup_by_buttons_and_typed_answers(start, mode):
    h = await start(mode)
    assert "(1/5)" in (await h.say("/signup japan-journey"))[0]
    assert "(2/5)" in (await h.say("Ada Lovelace"))[0]
    assert "(3/5)" in (await h.say("ada@example.org"))[0]
    assert "(4/5)" in (await h.say("Gemeente Brummen"))[0]  # the theme: a choice, as buttons
    theme = button(h, " opt water")
    assert "(5/5)" in (await h.press(theme))[0]  # the phone number is optional
    assert "I agree" in (await h.press(button(h, " skip")))[0]
    summary = (await h.press(button(h, " agree")))[0]
    assert "Ada Lovelace" in summary and "Water management" in summary
    done = await h.press(button(h, " confirm"))
    assert "You are signed up" in done[0]
    assert len(h.fake.calls_of("answerCallbackQuery")) == 4
    # an old button of the finished form is not an error: it shows what the form made
    assert "already signed up" in (await h.press(theme))[0]  # the old button shows the signup it made
    mine = await h.say("/mysignups")
    assert mine[0] == "<b>Your signups</b>" and mine[1].endswith(": confirmed")


async def test_a_signup_asked_in_a_group_continues_in_the_private_chat(start):
    h = await start()
    group = await h.say(f"/signup@{h.fake.username} ewrc", chat=GROUP)
    assert "private chat" in group[0]
    url = h.buttons(GROUP)[0]["url"]
    assert url == f"https://t.me/{h.fake.username}?start=signup-ewrc"
    # Telegram opens the private chat and sends /start with the parameter
    first = await h.say("/start " + url.split("start=")[1])
    assert "(1/3)" in first[0]


async def test_an_organiser_exports_the_signups_as_a_csv_document(start, tmp_path):
    organiser = 5003
    config = Config(data_dir=tmp_path / "data", roles=RolesConfig(organisers={"japan-journey": [f"telegram:{organiser}"]}))
    h = await start(config=config)
    await h.say("/signup japan-journey")
    for answer in ("Ada Lovelace", "ada@example.org", "Gemeente Brummen"):
        await h.say(answer)
    await h.press(button(h, " opt cleantech"))
    await h.press(button(h, " skip"))
    await h.press(button(h, " agree"))
    await h.press(button(h, " confirm"))
    # not an organiser: refused, no document
    assert "can't help" in (await h.say("/export japan-journey"))[0]
    # in the group the organiser gets a link to the private chat, never the file
    await h.say("/export japan-journey", user=organiser, chat=GROUP)
    assert h.fake.calls_of("sendDocument") == []
    url = h.buttons(GROUP)[0]["url"]
    assert url.endswith("?start=export-japan-journey_csv_all")
    ready = await h.say("/start " + url.split("start=")[1], user=organiser)
    assert "1 row" in ready[0]
    docs = h.fake.calls_of("sendDocument", chat_id=organiser)
    assert len(docs) == 1
    name, content = docs[0].files["document"]
    assert name == "japan-journey-signups.csv"
    assert b"Ada Lovelace" in content and b"ada@example.org" in content


# --- webhook ----------------------------------------------------------------------


async def test_the_webhook_refuses_requests_without_the_secret(start):
    h = await start("webhook")
    assert h.fake.webhook["url"] == "https://bot.example.org/telegram"
    assert h.fake.webhook["secret_token"] == SECRET
    assert await h.post(h.fake.message(USER, "how many people attend EWRC"), secret=None) == 403
    assert await h.post(h.fake.message(USER, "how many people attend EWRC"), secret="wrong") == 403
    await h.settle()
    assert h.fake.texts(USER) == []
    assert (await h.bot.profiles.get(f"telegram:{USER}")).detected_language is None  # the core never saw it
    assert len(await h.say("how many people attend EWRC")) == 1  # with the secret it is answered


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> bool:
    return "Traceback" not in caplog.text and not any(r.exc_info or r.exc_text for r in caplog.records)


@pytest.mark.parametrize("down", ["refused", "timeout"])
async def test_an_unreachable_bot_api_at_start_up_is_unavailable_in_one_short_line(tmp_path, caplog, down):
    caplog.set_level(logging.DEBUG)
    bot, store = build_bot(Config(data_dir=tmp_path))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        if down == "timeout":
            server.listen()  # connects, never answers
        port = server.getsockname()[1]
        token = "4242424242:AAE-fake_Secret-Token_0123456789abcdef"
        adapter = TelegramAdapter(bot, token, TelegramConfig(base_url=f"http://127.0.0.1:{port}/bot"), timeout=0.5)
        try:
            with pytest.raises(Unavailable) as caught:
                await adapter.start()
            reason = str(caught.value)
            assert reason.startswith("Telegram cannot be reached") and "\n" not in reason, reason
            assert token.split(":")[1] not in reason + caplog.text
            assert no_tracebacks(caplog)
            with pytest.raises(NotConnected):  # nothing half-running
                await adapter.send(str(USER), Reply("hello"))
            assert not any(isinstance(f, TokenRedactor) for f in logging.getLogger("httpx").filters)
        finally:
            store.close()


async def test_a_bot_api_answering_bad_gateway_at_start_up_is_unavailable_and_a_later_start_works(
        fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    bot, store = build_bot(Config(data_dir=tmp_path))
    adapter = TelegramAdapter(bot, fake.token, TelegramConfig(base_url=f"{fake.url}/bot", poll_timeout=1))
    fake.fail("getMe", 502, "Bad Gateway")
    try:
        with pytest.raises(Unavailable) as caught:
            await adapter.start()
        assert "Bad Gateway" in str(caught.value) and fake.token.split(":")[1] not in str(caught.value)
        assert no_tracebacks(caplog)
        await adapter.start()  # the runner's next try
        h = Harness(fake, adapter, bot, "polling")
        assert "6,000" in (await h.say("how many people attend EWRC"))[0]
    finally:
        await adapter.stop()
        store.close()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_start_cancelled_halfway_leaves_nothing_running_and_can_start_again(fake, tmp_path, mode):
    bot, store = build_bot(Config(data_dir=tmp_path))
    port = free_port()
    settings = TelegramConfig(base_url=f"{fake.url}/bot", mode=mode, poll_timeout=1, webhook=TelegramWebhookConfig(
        port=port, path="/telegram", url="https://bot.example.org/telegram"))
    adapter = TelegramAdapter(bot, fake.token, settings, webhook_secret=SECRET if mode == "webhook" else None)
    bootstrap = "setWebhook" if mode == "webhook" else "deleteWebhook"
    fake.slow(bootstrap, 1.0)
    try:
        starting = asyncio.create_task(adapter.start())
        await fake.wait_for(lambda: fake.calls_of(bootstrap, ok=None), what="the start-up halfway")
        starting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starting
        with pytest.raises(NotConnected):
            await adapter.send(str(USER), Reply("hello"))
        assert not any(isinstance(f, TokenRedactor) for f in logging.getLogger("httpx").filters)
        # the runner's next try starts it cleanly, and it answers
        await adapter.start()
        h = Harness(fake, adapter, bot, mode, f"http://127.0.0.1:{port}/telegram")
        assert "6,000" in (await h.say("how many people attend EWRC"))[0]
    finally:
        await adapter.stop()
        store.close()


async def test_polling_and_sending_failures_log_one_line_each_and_the_bot_resumes(start, caplog):
    caplog.set_level(logging.DEBUG)
    h = await start(network_retries=3)
    polls = len(h.fake.calls_of("getUpdates", ok=None))
    h.fake.fail("getUpdates", 502, "Bad Gateway", times=2)
    await h.fake.wait_for(lambda: len(h.fake.calls_of("getUpdates", ok=False)) == 2, what="two failed polls")
    h.fake.fail("sendMessage", 502, "Bad Gateway", times=2, chat_id=USER)
    assert "6,000" in (await h.say("how many people attend EWRC"))[0]  # polling resumed, the send retried
    assert len(h.fake.calls_of("getUpdates", ok=None)) > polls + 2
    assert no_tracebacks(caplog)
    failed_polls = [r for r in caplog.records if "polling failed" in r.getMessage()]
    assert len(failed_polls) == 2 and "Bad Gateway" in failed_polls[0].getMessage()
    failed_sends = [r for r in caplog.records if "network error" in r.getMessage()]
    assert len(failed_sends) == 2 and "Bad Gateway" in failed_sends[0].getMessage()


async def test_polling_resumes_after_the_bot_api_was_down_for_a_moment(start, caplog):
    caplog.set_level(logging.DEBUG)
    h = await start()
    await h.fake.down()
    await h.fake.wait_for(lambda: any(r.levelno >= logging.WARNING and "polling" in r.getMessage().lower()
                                      for r in caplog.records), what="a failed poll logged")
    await h.fake.up()
    assert "6,000" in (await h.say("how many people attend EWRC"))[0]
    assert no_tracebacks(caplog)


async def test_a_webhook_port_in_use_fails_start_and_cleans_up(fake, tmp_path):
    bot, store = build_bot(Config(data_dir=tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = TelegramConfig(base_url=f"{fake.url}/bot", mode="webhook", webhook=TelegramWebhookConfig(
            port=taken.getsockname()[1], url="https://bot.example.org/telegram"))
        adapter = TelegramAdapter(bot, fake.token, settings, webhook_secret=SECRET)
        try:
            with pytest.raises(OSError):
                await adapter.start()
            with pytest.raises(NotConnected):
                await adapter.send(str(USER), Reply("hello"))
            assert not any(isinstance(f, TokenRedactor) for f in logging.getLogger("httpx").filters)
        finally:
            store.close()


# --- configuration and secrets ----------------------------------------------------


def test_from_config_needs_the_token_and_a_webhook_secret(tmp_path):
    bot, profiles = build_bot(Config(data_dir=tmp_path))
    try:
        assert TelegramAdapter.from_config(bot, Config(), {}) is None
        assert TelegramAdapter.from_config(bot, Config(), {"TELEGRAM_BOT_TOKEN": "  "}) is None
        disabled = Config(telegram=TelegramConfig(enabled=False))
        assert TelegramAdapter.from_config(bot, disabled, {"TELEGRAM_BOT_TOKEN": "1:x"}) is None
        adapter = TelegramAdapter.from_config(bot, Config(), {"TELEGRAM_BOT_TOKEN": "1:x"})
        assert isinstance(adapter, TelegramAdapter) and adapter.platform == "telegram"
        webhook = Config(telegram=TelegramConfig(mode="webhook", webhook=TelegramWebhookConfig(url="https://x.org/t")))
        with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
            TelegramAdapter.from_config(bot, webhook, {"TELEGRAM_BOT_TOKEN": "1:x"})
        with pytest.raises(ConfigError, match="secret"):
            TelegramAdapter.from_config(bot, webhook, {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "a b"})
        assert TelegramAdapter.from_config(bot, webhook, {"TELEGRAM_BOT_TOKEN": "1:x",
                                                          "TELEGRAM_WEBHOOK_SECRET": SECRET}) is not None
    finally:
        profiles.close()


async def test_the_token_never_appears_in_the_logs(start, caplog):
    caplog.set_level(logging.DEBUG)
    h = await start("webhook")
    await h.say("how many people attend EWRC")
    h.fake.fail("sendMessage", 429, retry_after=1, chat_id=USER)
    await h.say("/topics ewrc")
    h.fake.fail("sendMessage", 403, chat_id=USER)
    await h.say("/events")
    await h.press("#cb:stale")
    await h.adapter.stop()
    secret_part = h.fake.token.split(":")[1]
    logged = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "<redacted>" in logged  # the libraries did log URLs: the filter is what kept the token out
    assert secret_part not in logged and SECRET not in logged


async def test_a_rejected_token_stops_start_without_showing_the_token(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    bot, profiles = build_bot(Config(data_dir=tmp_path))
    token = "4242424242:AAE-wrong_token_abcdefghijklmnopqrstu"
    adapter = TelegramAdapter(bot, token, TelegramConfig(base_url=f"{fake.url}/bot"), backoff=0.01)
    try:
        with pytest.raises(RuntimeError) as caught:
            await adapter.start()
        assert token not in str(caught.value) and "TELEGRAM_BOT_TOKEN" in str(caught.value)
        assert token.split(":")[1] not in caplog.text
    finally:
        profiles.close()


def test_the_redactor_cleans_messages_arguments_and_tracebacks():
    redactor = TokenRedactor(["123:ABC"])
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s", (
        "http://x/bot123:ABC/getMe",), None)
    assert redactor.filter(record)
    assert record.getMessage() == "HTTP Request: POST http://x/bot<redacted>/getMe"
    try:
        raise ValueError("token 123%3AABC in a URL")
    except ValueError:
        import sys
        record = logging.LogRecord("telegram", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    redactor.filter(record)
    assert "123%3AABC" not in record.exc_text and "<redacted>" in record.exc_text


# --- rendering ----------------------------------------------------------------------


def test_rendering_escapes_everything_but_bold():
    assert render_html("**Hi** <b>you</b> & me") == "<b>Hi</b> &lt;b&gt;you&lt;/b&gt; &amp; me"
    assert render_html("a ** b") == "a ** b"


async def test_text_a_person_typed_is_shown_literally_not_as_bold(chat):
    replies = await chat.say("/event **BIG**")
    assert replies and "**BIG**" in replies[0] and "<b>BIG</b>" not in replies[0], replies
    assert "\\*" not in replies[0]  # the core's escaping backslashes are not shown
    assert render_html(r"a \*\*b\*\* \\ **c** <d>") == r"a **b** \ <b>c</b> &lt;d&gt;"


def test_splitting_prefers_paragraphs_then_lines_and_never_cuts_a_tag():
    text = "**one**\n\n" + "line two\n" * 3 + "\n" + "**" + "x" * 30 + "**"
    chunks = split_html(text, limit=30)
    assert chunks[0] == "<b>one</b>"
    assert all(len(c) <= 30 for c in chunks)
    for chunk in chunks:
        assert chunk.count("<b>") == chunk.count("</b>")
    assert split_html("") == []


async def test_an_organiser_broadcasts_from_telegram_and_sees_the_report(start, tmp_path):
    config = Config(data_dir=tmp_path / "data", roles=RolesConfig(organisers={"ewrc": [f"telegram:{USER}"]}))
    h = await start(config=config)
    h.bot.attach(h.adapter)
    await h.bot.start()
    try:
        for person, lang in ((OTHER, "nl"), (BYSTANDER, "en")):
            def change(person=person, lang=lang):
                h.bot.store.book("ewrc").register(f"telegram:{person}", capacity=6000, waitlist=True,
                                                  now=h.bot.clock(), platform="telegram", user_id=str(person),
                                                  language=lang)
            await h.bot.store.transact(change)
        await h.say("/broadcast ewrc")
        await h.say("The plenary moves to room 2.")
        await h.press(button(h, " lang nl"))  # add a Dutch text
        await h.say("De plenaire sessie verhuist naar zaal 2.")
        await h.press(button(h, " next"))
        await h.press(button(h, " audience confirmed"))
        preview = await h.press(button(h, " only all"))  # all languages
        assert "2 recipients (telegram: 2)" in plain(preview[-1])
        assert h.fake.texts(OTHER) == []  # nothing before Send
        await h.press(h.buttons()[0]["callback_data"])  # Send
        def reports() -> list[str]:  # the progress message is edited into the report
            return [c.params["text"] for c in h.fake.calls_of("editMessageText", chat_id=USER)] + h.fake.texts(USER)

        await h.fake.wait_for(lambda: any("2 sent, 0 failed" in plain(t) for t in reports()),
                              what="the broadcast report")
        assert "De plenaire sessie verhuist naar zaal 2." in h.fake.texts(OTHER)
        assert "The plenary moves to room 2." in h.fake.texts(BYSTANDER)
    finally:
        await h.bot.stop()


async def test_a_question_handed_to_the_organisers_group_and_answered_by_reply(start, tmp_path):
    import dataclasses

    h = await start(config=Config(data_dir=tmp_path / "data", roles=RolesConfig(organisers={"ewrc": [f"telegram:{OTHER}"]})))
    h.bot.roles = dataclasses.replace(h.bot.roles, organiser_chats={"ewrc": f"telegram:{GROUP}"})
    h.bot.attach(h.adapter)
    await h.bot.start()
    try:
        await h.say("/event ewrc")
        assert "I passed your question on to the organisers" in (await h.say("/ask Can I bring my bike?"))[0]
        forwarded = h.fake.calls_of("sendMessage", chat_id=GROUP)[-1]
        assert "Can I bring my bike?" in forwarded.params["text"]
        message_id = forwarded.result["message_id"]
        confirmation = await h.say("Yes, there is a bike park.", user=OTHER, chat=GROUP,
                                   reply_to_message_id=message_id)
        assert confirmation == ["Sent to the participant."]
        await h.fake.wait_for(lambda: any("Yes, there is a bike park." in t for t in h.fake.texts(USER)),
                              what="the organiser's answer")
    finally:
        await h.bot.stop()
