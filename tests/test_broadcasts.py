"""Broadcasts and reminders: previewed, confirmed, delivered once in each person's language, resumed after a restart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.config import Config, ContentConfig, RolesConfig
from bot.messages import Incoming, Reply
from tests.fakes.messenger import CuttingMessenger, FakeMessenger, LookupMessenger, until

CONTENT = Path(__file__).parent / "data" / "signup_content"
OLGA = ("telegram", "900")  # organiser of "trip"


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(data_dir=tmp_path / "data", content=ContentConfig(path=CONTENT),
                  roles=RolesConfig(organisers={"trip": [f"{OLGA[0]}:{OLGA[1]}"]}))


async def sign_up(bot, platform: str, user: str, lang: str, capacity: int = 2) -> None:
    def change():
        bot.store.book("trip").register(f"{platform}:{user}", capacity=capacity, waitlist=True, now=bot.clock(),
                                        platform=platform, user_id=user, language=lang)
    await bot.store.transact(change)


async def queue_broadcast(bot, platform: str, users: list[str], text: str, audience: str = "all") -> None:
    """Sign the users up for "trip" in English, then queue an organiser's broadcast to them."""
    for user in users:
        await sign_up(bot, platform, user, "en", capacity=10)
    event = bot.knowledge.content.events["trip"]
    await bot.store.transact(lambda: bot.broadcasts.create(event, {"en": text}, audience, None, "telegram:900"))


async def say(bot, platform: str, user: str, text: str, lang: str | None = None) -> list[Reply]:
    return await bot.handle(Incoming(platform, user, user, text=text, language_hint=lang))


async def test_broadcast_is_previewed_confirmed_and_delivered_once_per_language(config, clock):
    bot, store = build_bot(config, clock)
    telegram, slack = FakeMessenger("telegram", blocked={"3"}), FakeMessenger("slack", flaky=1)
    bot.attach(telegram)
    bot.attach(slack)
    try:
        await sign_up(bot, "telegram", "1", "nl")
        await sign_up(bot, "slack", "U2", "en")
        await sign_up(bot, "telegram", "3", "en")  # waiting list; has blocked the bot
        await bot.start()
        p, u = OLGA
        out = await say(bot, p, u, "/broadcast trip", "en")
        assert "Type the message for everyone signed up for Study trip, in English." in out[0].text
        out = await say(bot, p, u, "The bus leaves at 9:00.")
        nl = next(c.payload for c in out[0].choices if c.label == "Nederlands")
        await say(bot, p, u, nl)
        out = await say(bot, p, u, "De bus vertrekt om 9:00.")
        cont = next(c.payload for c in out[0].choices if c.label == "Continue")
        out = await say(bot, p, u, cont)
        everyone = next(c.payload for c in out[0].choices if c.label == "Everyone signed up")
        out = await say(bot, p, u, everyone)
        out = await say(bot, p, u, out[0].choices[0].payload)  # all languages
        preview = out[0].text
        assert "3 recipients (slack: 1, telegram: 2)" in preview and "Nothing is sent until you press Send" in preview
        assert telegram.sent == [] and slack.sent == []  # nothing before confirming
        out = await say(bot, p, u, out[0].choices[0].payload)  # Send
        assert "Broadcast #1 is on its way to 3 people" in out[0].text

        await until(lambda: slack.flaky == 0 and bot.broadcasts.report(1).counts.get("pending") == 1)
        clock.now += dt.timedelta(seconds=10)  # the retry falls due
        bot.wake_delivery()
        await until(lambda: bot.broadcasts.report(1).status == "done")
        assert telegram.to("1") == ["De bus vertrekt om 9:00."]
        assert slack.to("U2") == ["The bus leaves at 9:00."]  # after one retryable failure, once
        assert telegram.to("3") == []
        report = bot.broadcasts.report(1)
        assert report.counts == {"sent": 2, "unreachable": 1}
        assert store.profile("telegram:3").unreachable
        # the progress message itself ends as the final report (not left at "x of 3")
        await until(lambda: any("Broadcast #1 (trip, done): 2 sent, 0 failed, 1 unreachable" in text
                                for _, _, text in telegram.edits))
        progress_id = telegram.edits[-1][1]
        assert all(message_id == progress_id for _, message_id, _ in telegram.edits)
        out = await say(bot, p, u, "/broadcasts")
        assert "Broadcast #1 (trip, done): 2 sent" in out[0].text
    finally:
        await bot.stop()
        store.close()


async def test_only_organisers_broadcast_and_refusals_reveal_nothing(config, clock):
    bot, store = build_bot(config, clock)
    try:
        answers = {(await say(bot, "slack", "U9", cmd))[0].text
                   for cmd in ("/broadcast trip", "/broadcast nothing", "/broadcasts", "/broadcast cancel 1")}
        assert answers == {"Sorry, I can't help with that."}
        assert "Sorry" in (await say(bot, *OLGA, "/broadcast offer-trip"))[0].text  # not her event
    finally:
        store.close()


async def test_an_unfinished_broadcast_resumes_after_a_restart_without_repeats(config, clock):
    bot, store = build_bot(config, clock)
    await queue_broadcast(bot, "telegram", [str(i) for i in range(6)], "Hello")
    # first run: the platform is there for two messages, then the bot stops (a crash would do the same)
    telegram = FakeMessenger("telegram")
    telegram.max_per_second = 1.0
    bot.attach(telegram)
    await bot.start()
    await until(lambda: len(telegram.sent) >= 2)
    await bot.stop()
    store.close()
    first = list(telegram.sent)

    bot, store = build_bot(config, clock)
    again = FakeMessenger("telegram")
    bot.attach(again)
    try:
        await bot.start()
        await until(lambda: bot.broadcasts.report(1).status == "done")
        everyone = sorted(chat for chat, _ in first + again.sent)
        assert everyone == [str(i) for i in range(6)]  # each exactly once over both runs
    finally:
        await bot.stop()
        store.close()


async def crash_mid_send(config, clock, messenger: type[CuttingMessenger]) -> tuple[list[tuple[str, str]], list]:
    """A broadcast to three people on Slack; the bot dies after the platform took the second message,
    before recording it, and is started again. Returns what the platform holds and the second run's messenger."""
    bot, store = build_bot(config, clock)
    await queue_broadcast(bot, "slack", ["U0", "U1", "U2"], "Hello")
    held: list[tuple[str, str]] = []
    first = messenger("slack", held, cut_after=2)
    first.max_per_second = 1.0
    bot.attach(first)
    await bot.start()
    await until(lambda: first.cut)
    await bot.stop()
    store.close()

    bot, store = build_bot(config, clock)
    again = messenger("slack", held)
    bot.attach(again)
    try:
        await bot.start()
        await until(lambda: bot.broadcasts.report(1).status == "done")
        assert bot.broadcasts.report(1).counts == {"sent": 3}
    finally:
        await bot.stop()
        store.close()
    return held, again


async def test_a_send_cut_short_by_a_crash_is_looked_up_on_a_platform_that_can_not_sent_twice(config, clock):
    held, again = await crash_mid_send(config, clock, LookupMessenger)
    assert sorted(user for user, _ in held) == ["U0", "U1", "U2"]  # each exactly once over both runs
    assert again.checked == ["U1"]  # only the message whose outcome was unknown was looked up
    assert len({delivery for _, delivery in held}) == 3


async def test_a_send_cut_short_by_a_crash_is_sent_again_where_the_platform_cannot_tell(config, clock):
    held, _ = await crash_mid_send(config, clock, CuttingMessenger)
    assert sorted(user for user, _ in held) == ["U0", "U1", "U1", "U2"]  # at least once: a duplicate, never a loss


async def test_cancel_stops_what_is_not_sent(config, clock):
    bot, store = build_bot(config, clock)
    try:
        await queue_broadcast(bot, "slack", [f"U{i}" for i in range(4)], "Hi", "confirmed")
        out = await say(bot, *OLGA, "/broadcast cancel 1")
        assert "Broadcast #1 is stopped" in out[0].text
        slack = FakeMessenger("slack")
        bot.attach(slack)
        await bot.start()
        assert slack.sent == []
        assert bot.broadcasts.report(1).counts == {"cancelled": 4}
    finally:
        await bot.stop()
        store.close()


async def test_reminders_are_sent_once_late_if_missed_and_not_after_the_start(tmp_path, clock, caplog):
    folder = tmp_path / "content"
    folder.mkdir()
    text = (CONTENT / "events.yaml").read_text().replace(
        "    place: {en: \"Koriyama\"}\n",
        "    place: {en: \"Koriyama\"}\n    reminders:\n"
        "      - before: 7d\n        text: {en: \"One week to go.\", nl: \"Nog een week.\"}\n"
        "      - before: 1d\n        text: {en: \"Tomorrow!\"}\n", 1)
    (folder / "events.yaml").write_text(text)
    config = Config(data_dir=tmp_path / "data", content=ContentConfig(path=folder))
    bot, store = build_bot(config, clock)
    telegram = FakeMessenger("telegram")
    bot.attach(telegram)
    try:
        await sign_up(bot, "telegram", "1", "nl")
        await sign_up(bot, "telegram", "2", "en")
        await sign_up(bot, "telegram", "3", "en")  # waiting list: no reminder
        await bot.tick()
        assert telegram.sent == []  # not due yet
        # the trip starts 2027-05-10 09:00 in Tokyo; the bot was down when the week-before reminder fell due
        clock.now = dt.datetime(2027, 5, 5, 12, 0, tzinfo=dt.timezone.utc)
        await bot.tick()
        await bot.deliverer.deliver_due()
        await bot.tick()  # nothing twice
        await bot.deliverer.deliver_due()
        assert sorted(telegram.sent) == [("1", "Nog een week."), ("2", "One week to go.")]
        assert "sent late" in caplog.text
        # an organiser puts a new reminder first in the list: the one already sent is not sent again
        (folder / "events.yaml").write_text(text.replace("    reminders:\n", "    reminders:\n      - before: 30d\n"
                                                         "        text: {en: \"A month to go.\"}\n", 1))
        await bot.reload()
        await bot.tick()
        await bot.deliverer.deliver_due()
        assert sorted(telegram.sent) == [("1", "A month to go."), ("1", "Nog een week."), ("2", "A month to go."),
                                         ("2", "One week to go.")]
        clock.now = dt.datetime(2027, 5, 10, 1, 0, tzinfo=dt.timezone.utc)  # started (10:00 in Tokyo)
        await bot.tick()
        await bot.deliverer.deliver_due()
        assert len(telegram.sent) == 4 and "has started: not sent" in caplog.text
    finally:
        store.close()


async def test_eventbot_broadcast_hands_the_message_to_the_running_bot(config, clock, tmp_path, capsys):
    import asyncio

    from bot.cli import main
    from bot.runner import run_until_stopped

    bot, store = build_bot(config, clock)
    telegram = FakeMessenger("telegram")
    bot.attach(telegram)
    for i in range(3):
        await sign_up(bot, "telegram", str(i), "nl" if i else "en", capacity=10)
    stop = asyncio.Event()
    pid_file = config.data_dir / "eventbot.pid"
    runner = asyncio.create_task(run_until_stopped(bot, [], stop, pid_file=pid_file))
    (tmp_path / "en.txt").write_text("The bus leaves at 9:00.")
    (tmp_path / "nl.txt").write_text("De bus vertrekt om 9:00.")
    cfg = tmp_path / "eventbot.yaml"
    cfg.write_text(f"data_dir: {config.data_dir}\ncontent:\n  path: {CONTENT}\n")
    try:
        await until(pid_file.exists)
        code = await asyncio.to_thread(main, ["--config", str(cfg), "broadcast", "trip", "--text-file", str(tmp_path / "en.txt"),
                                              "--text-file", f"nl:{tmp_path / 'nl.txt'}", "--audience", "all", "--yes"])
        assert code == 0
        assert sorted(telegram.sent) == [("0", "The bus leaves at 9:00."), ("1", "De bus vertrekt om 9:00."),
                                         ("2", "De bus vertrekt om 9:00.")]
        out = capsys.readouterr()
        assert "trip: 3 recipients (all)" in out.out and "done: sent 3" in out.out
        assert "3/3" in out.err  # the progress bar
    finally:
        stop.set()
        await runner
        store.close()


async def test_a_recipient_who_forgets_does_not_keep_the_broadcast_open(config, clock):
    bot, store = build_bot(config, clock)
    try:
        await queue_broadcast(bot, "slack", ["U0", "U1"], "Hi")
        await bot.handle(Incoming("slack", "U1", "U1", text="/forget yes"))
        slack = FakeMessenger("slack")
        bot.attach(slack)
        await bot.start()
        await until(lambda: bot.broadcasts.report(1).status == "done")
        assert slack.to("U0") == ["Hi"] and slack.to("U1") == []
    finally:
        await bot.stop()
        store.close()


async def test_an_organiser_who_forgets_leaves_the_report_but_not_their_name_or_chat(config, clock):
    bot, store = build_bot(config, clock)
    try:
        for user in ("U0", "U1"):
            await sign_up(bot, "slack", user, "en", capacity=10)
        out = await say(bot, *OLGA, "/broadcast trip", "en")
        out = await say(bot, *OLGA, "The bus leaves at nine.")
        for label in ("Continue", "Everyone signed up", "All languages", "Send"):
            out = await say(bot, *OLGA, next(c.payload for c in out[0].choices if c.label == label))
        assert "Broadcast #1 is on its way to 2 people" in out[0].text
        assert bot.broadcasts.table.get(1)["report_to"]["chat_id"] == OLGA[1]
        await say(bot, *OLGA, "/forget yes")  # before the broadcast went out
        slack = FakeMessenger("slack")
        bot.attach(slack)
        await bot.start()
        await until(lambda: bot.broadcasts.report(1).status == "done")
        assert slack.to("U0") == slack.to("U1") == ["The bus leaves at nine."]
        listing = await say(bot, *OLGA, "/broadcasts")  # organisers (by config) still see the report
        assert "#1" in listing[0].text and "trip" in listing[0].text
    finally:
        await bot.stop()
        store.close()
    on_disk = "".join(p.read_text("utf-8") for p in (config.data_dir / "broadcasts").glob("*.json"))
    assert '"user_key":null' in on_disk.replace(" ", "") and "telegram:900" not in on_disk
    assert '"report_to":null' in on_disk.replace(" ", "")
