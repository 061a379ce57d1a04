"""Behaviour of the real `eventbot` command: faq ask / check / eval and chat through a pipe.

Every run is a subprocess in an empty temporary folder (so no data folder is left in the repo),
without $EVENTBOT_CONFIG, so the shipped sample content and the default settings apply.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "bot" / "sample_content"
SEED_QUERIES = REPO / "tests" / "data" / "seed_questions.jsonl"
METRICS = ("precision_at_1", "recall_at_3", "mrr", "coverage", "answered_accuracy",
           "oos_false_accept_rate", "latency_p50_ms", "latency_p99_ms")
PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.+)$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def eventbot(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `eventbot ARGS` and check that it never shows a Python traceback."""
    env = {k: v for k, v in os.environ.items() if k != "EVENTBOT_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONIOENCODING"] = "utf-8"
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=60, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    assert "Traceback" not in result.stdout, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    return result


def ask_json(question: str, cwd: Path, *options: str) -> dict:
    result = eventbot("faq", "ask", "--json", *options, question, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sample_entry(file: str, entry_id: str) -> dict:
    """An FAQ entry as written in the shipped sample content."""
    data = yaml.safe_load((SAMPLE / file).read_text(encoding="utf-8"))
    [entry] = [e for e in data["faq"] if e["id"] == entry_id]
    return entry


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# --- faq ask -----------------------------------------------------------------------------------


def test_ask_json_answers_an_english_question_with_the_stable_contract(tmp_path):
    reply = ask_json("How many people take part in the EWRC?", tmp_path)

    assert set(reply) == {"band", "language", "answer", "matches"}
    assert reply["band"] == "answer"
    assert reply["language"] == "en"
    assert any(n in reply["answer"] for n in ("6,000", "6000", "6.000"))
    assert reply["answer"] == sample_entry("faq-ewrc.yaml", "ewrc-participants")["en"]["answer"]

    matches = reply["matches"]
    assert isinstance(matches, list) and 1 <= len(matches) <= 3
    for match in matches:
        assert set(match) == {"id", "score", "question"}
        assert isinstance(match["id"], str) and isinstance(match["question"], str)
        assert isinstance(match["score"], (int, float)) and 0 <= match["score"] <= 100
    assert matches[0]["id"] == "ewrc-participants"
    assert matches[0]["question"] == sample_entry("faq-ewrc.yaml", "ewrc-participants")["en"]["question"]
    assert len({m["id"] for m in matches}) == len(matches)
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)


def test_ask_json_detects_dutch_and_answers_in_dutch(tmp_path):
    reply = ask_json("Hoeveel mensen doen mee aan de EWRC?", tmp_path)
    entry = sample_entry("faq-ewrc.yaml", "ewrc-participants")

    assert reply["band"] == "answer"
    assert reply["language"] == "nl"
    assert reply["matches"][0]["id"] == "ewrc-participants"
    assert reply["answer"] == entry["nl"]["answer"]
    assert "6.000" in reply["answer"]
    assert reply["matches"][0]["question"] == entry["nl"]["question"]


def test_ask_json_detects_japanese_and_answers_in_japanese(tmp_path):
    reply = ask_json("郡山市はブルメン市といつから姉妹都市ですか？", tmp_path)
    entry = sample_entry("faq-japan-journey.yaml", "japan-journey-twinning")

    assert reply["band"] == "answer"
    assert reply["language"] == "ja"
    assert reply["matches"][0]["id"] == "japan-journey-twinning"
    assert reply["answer"] == entry["ja"]["answer"]
    assert "1988" in reply["answer"] and JAPANESE.search(reply["answer"])


def test_ask_json_falls_back_on_an_out_of_scope_question(tmp_path):
    reply = ask_json("Can you book me a taxi to the airport?", tmp_path)
    assert set(reply) == {"band", "language", "answer", "matches"}
    assert reply["band"] == "fallback"
    assert reply["answer"] is None
    assert reply["language"] == "en"


def test_ask_as_text_shows_band_ranked_matches_and_answer(tmp_path):
    result = eventbot("faq", "ask", "How many people take part in the EWRC?", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("band: answer")
    assert "1. ewrc-participants" in result.stdout
    assert "6,000" in result.stdout


def test_ask_about_an_unknown_event_exits_2_with_a_clear_message(tmp_path):
    result = eventbot("faq", "ask", "--json", "--event", "no-such-event", "When is it?", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown event" in result.stderr and "no-such-event" in result.stderr
    assert result.stdout == ""


def test_ask_about_a_known_event_answers(tmp_path):
    reply = ask_json("How many people take part?", tmp_path, "--event", "ewrc")
    assert reply["matches"][0]["id"] == "ewrc-participants"


# --- faq check ---------------------------------------------------------------------------------


def test_check_passes_on_the_shipped_sample_content(tmp_path):
    result = eventbot("faq", "check", str(SAMPLE), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""  # no problem lines
    assert "0 errors, 0 warnings" in result.stderr


def test_check_prints_every_problem_as_file_line_message_and_exits_1(tmp_path):
    content = tmp_path / "content"
    bad = write(content / "bad.yaml", """
        faq:
          - id: coffee
            en:
              question: Where can I get coffee?
              answer: At the bar.
          - id: lunch
            colour: red
            en:
              question: Where is lunch served?
        """)
    write(content / "good.yaml", """
        faq:
          - id: wifi
            en:
              question: What is the wifi password?
              answer: It is on your badge.
        """)

    result = eventbot("faq", "check", str(content), cwd=tmp_path)

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines, "expected problem lines on stdout"
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match, f"not file:line: message: {line!r}"
        assert match["file"] == str(bad)
    by_line = {int(PROBLEM_LINE.match(line)["line"]): line for line in lines}
    assert "colour" in by_line[7]  # the unknown key, on its own line
    assert any("answer" in line for line in lines)  # the missing answer of `lunch`
    assert "errors" in result.stderr


def test_check_reports_a_yaml_syntax_error_with_its_line(tmp_path):
    broken = write(tmp_path / "content" / "broken.yaml", """
        faq:
          - id: coffee
            en: {question: Where can I get coffee?, answer: At the bar.
        """)
    result = eventbot("faq", "check", str(broken.parent), cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    match = PROBLEM_LINE.match(line)
    assert match and match["file"] == str(broken)
    assert "YAML syntax error" in match["message"]


def test_check_strict_fails_on_near_identical_phrasings_in_two_entries(tmp_path):
    content = tmp_path / "content"
    write(content / "faq.yaml", """
        faq:
          - id: coffee
            en:
              question: Where can I get coffee at the venue?
              answer: At the bar on the ground floor.
          - id: lunch
            en:
              question: Where can I get a coffee at the venue?
              answer: Lunch is served in hall B.
        """)

    relaxed = eventbot("faq", "check", str(content), cwd=tmp_path)
    strict = eventbot("faq", "check", "--strict", str(content), cwd=tmp_path)

    assert relaxed.returncode == 0
    [warning] = relaxed.stdout.splitlines()
    assert PROBLEM_LINE.match(warning)
    assert "warning" in warning and "coffee" in warning and "lunch" in warning
    assert strict.returncode == 1
    assert strict.stdout == relaxed.stdout


# --- faq eval ----------------------------------------------------------------------------------


def test_eval_prints_every_metric(tmp_path):
    result = eventbot("faq", "eval", "--queries", str(SEED_QUERIES), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = dict(line.split(None, 1) for line in result.stdout.splitlines() if line.strip())
    for key in METRICS:
        assert key in printed
        float(printed[key])


def test_eval_json_meets_the_quality_bar_on_the_seed_questions(tmp_path):
    result = eventbot("faq", "eval", "--json", "--queries", str(SEED_QUERIES), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    assert set(METRICS) <= set(report)
    for key in METRICS:
        assert isinstance(report[key], (int, float))
    for key in ("precision_at_1", "recall_at_3", "mrr", "coverage", "answered_accuracy", "oos_false_accept_rate"):
        assert 0 <= report[key] <= 1
    assert report["precision_at_1"] >= 0.8
    assert report["oos_false_accept_rate"] <= 0.25
    assert report["recall_at_3"] >= report["precision_at_1"]
    assert 0 <= report["latency_p50_ms"] <= report["latency_p99_ms"]
    n = sum(1 for line in SEED_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip())
    assert report["queries"] == n


def test_eval_refuses_a_queries_file_with_a_bad_line_naming_file_and_line(tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"text": "When is the EWRC?", "expected": "ewrc-when"}\n'
                       "\n"
                       "this is not json\n", encoding="utf-8")
    result = eventbot("faq", "eval", "--queries", str(queries), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{queries}:3:" in result.stderr
    assert result.stdout == ""


def test_eval_refuses_a_line_without_text(tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"expected": "ewrc-when"}\n', encoding="utf-8")
    result = eventbot("faq", "eval", "--queries", str(queries), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{queries}:1:" in result.stderr


def test_eval_refuses_an_expected_id_that_is_not_text(tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"text": "When is the EWRC?", "expected": 5}\n', encoding="utf-8")
    result = eventbot("faq", "eval", "--queries", str(queries), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{queries}:1:" in result.stderr


def test_eval_refuses_queries_expecting_an_unknown_entry(tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"text": "When is the EWRC?", "expected": "ewrc-when"}\n'
                       '{"text": "Where do I park?", "expected": "ewrc-parking"}\n', encoding="utf-8")
    result = eventbot("faq", "eval", "--queries", str(queries), cwd=tmp_path)
    assert result.returncode == 2
    assert "ewrc-parking" in result.stderr
    assert "ewrc-when" not in result.stderr
    assert result.stdout == ""


def test_eval_with_a_missing_queries_file_says_so_without_a_traceback(tmp_path):
    result = eventbot("faq", "eval", "--queries", "missing.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert "missing.jsonl" in result.stderr


# --- chat through a pipe -----------------------------------------------------------------------


def test_chat_from_a_pipe_answers_each_line_and_exits_0(tmp_path):
    result = eventbot("chat", cwd=tmp_path, stdin="how many people attend EWRC\n")
    assert result.returncode == 0, result.stderr
    assert "6,000" in result.stdout or "6000" in result.stdout
    assert "> " not in result.stdout  # no prompt when stdin is not a terminal
    assert (tmp_path / "eventbot-data").is_dir()  # the default data folder is in the working directory


def test_chat_numbered_choice_picks_the_listed_event(tmp_path):
    result = eventbot("chat", cwd=tmp_path, stdin="/events\n2\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    choice = re.compile(r"^\s+(\d+)\. (.+)$")
    first_list = []
    for index, line in enumerate(lines):
        found = choice.match(line)
        if found:
            first_list.append((int(found[1]), found[2]))
        elif first_list:
            break
    labels = dict(first_list)
    assert len(labels) >= 2, result.stdout
    details = "\n".join(lines[index:])

    events = yaml.safe_load((SAMPLE / "events.yaml").read_text(encoding="utf-8"))["events"]
    [second] = [e for e in events if e["names"]["en"] == labels[2]]
    [first] = [e for e in events if e["names"]["en"] == labels[1]]
    assert details.splitlines()[0] == labels[2]  # the event's name heads its details
    assert second["place"]["en"] in details
    assert second["when"]["en"] in details
    assert first["place"]["en"] not in details


# --- broadcast, sending by itself ------------------------------------------------------------------

SIGNUP_CONTENT = REPO / "tests" / "data" / "signup_content"
FAKE_PLATFORMS = '''
"""Fake platforms for `eventbot broadcast`, registered in the eventbot.adapters entry-point group."""
import os
from pathlib import Path

from bot.messages import DeliveryError, Unavailable


class FakePlatform:
    platform = ""
    max_per_second = 500.0
    per_chat_interval = 0.0

    def __init__(self, mode, sent):
        self.mode, self.sent = mode, sent

    @classmethod
    def from_config(cls, bot, config, environ):
        mode = environ.get("FAKE_" + cls.platform.upper())
        return cls(mode, Path(environ["FAKE_SENT"])) if mode else None

    async def start(self):
        if self.mode == "down":
            raise Unavailable(self.platform + " did not answer (ConnectError)")

    async def stop(self):
        pass

    async def send(self, chat_id, reply):
        return None

    async def notify(self, user_id, reply):
        if self.mode == "errors":
            raise DeliveryError(self.platform + " answered 502", retry_after=30)
        with self.sent.open("a", encoding="utf-8") as out:
            out.write(f"{self.platform}:{user_id}: {reply.text}\\n")


class FakeTelegram(FakePlatform):
    platform = "telegram"


class FakeSlack(FakePlatform):
    platform = "slack"
'''


@pytest.fixture
def trip(tmp_path: Path):
    """A data folder with signups for "trip" (2 on Telegram, 1 on Slack), a message, and fake platforms."""
    from bot.app import build_bot
    from bot.config import Config, ContentConfig

    data = tmp_path / "data"
    bot, store = build_bot(Config(data_dir=data, content=ContentConfig(path=SIGNUP_CONTENT)))

    def change():
        for key in ("telegram:1", "telegram:2", "slack:U3"):
            platform, user = key.split(":")
            bot.store.book("trip").register(key, capacity=10, waitlist=True, now=bot.clock(), platform=platform,
                                            user_id=user, language="en")

    import asyncio
    try:
        asyncio.run(bot.store.transact(change))
    finally:
        store.close()
    plugins = tmp_path / "plugins"
    write(plugins / "fake_platforms.py", FAKE_PLATFORMS)
    write(plugins / "fake_platforms-0.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: fake-platforms\nVersion: 0\n")
    write(plugins / "fake_platforms-0.dist-info" / "entry_points.txt",
          "[eventbot.adapters]\nfaketelegram = fake_platforms:FakeTelegram\nfakeslack = fake_platforms:FakeSlack\n")
    write(tmp_path / "eventbot.yaml", f"data_dir: {data}\ncontent:\n  path: {SIGNUP_CONTENT}\n")
    write(tmp_path / "message.txt", "The bus leaves at 9:00.")
    return tmp_path


def broadcast_env(folder: Path, **platforms: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("EVENTBOT_CONFIG", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")}
    env["PYTHONPATH"] = os.pathsep.join([str(folder / "plugins"), str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONIOENCODING"] = "utf-8"
    env["FAKE_SENT"] = str(folder / "sent.txt")
    env.update({f"FAKE_{name.upper()}": mode for name, mode in platforms.items()})
    return env


def broadcast(folder: Path, *options: str, **platforms: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "broadcast", "trip", "--text-file", str(folder / "message.txt"), "--audience",
         "all", *options], cwd=folder, env=broadcast_env(folder, **platforms), capture_output=True, text=True,
        encoding="utf-8", timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def sent(folder: Path) -> list[str]:
    path = folder / "sent.txt"
    return sorted(path.read_text("utf-8").splitlines()) if path.exists() else []


def test_broadcast_preview_shows_the_recipients_per_platform_and_sends(trip):
    result = broadcast(trip, "--yes", telegram="up", slack="up")
    assert result.returncode == 0, result.stderr
    assert "trip: 3 recipients (all): Telegram 2, Slack 1\n" in result.stdout
    assert "done: sent 3" in result.stdout
    assert sent(trip) == ["slack:U3: The bus leaves at 9:00.", "telegram:1: The bus leaves at 9:00.",
                          "telegram:2: The bus leaves at 9:00."]


def test_broadcast_without_a_terminal_says_to_add_yes(trip):
    result = broadcast(trip, telegram="up", slack="up")
    assert result.returncode == 2
    assert "--yes" in result.stderr and "not a terminal" in result.stderr
    assert sent(trip) == []


def test_broadcast_reports_an_unreachable_platform_in_one_line_before_anything_is_sent(trip):
    result = broadcast(trip, "--yes", telegram="up", slack="down")
    assert result.returncode == 2
    problem = [line for line in result.stderr.splitlines() if line.startswith("eventbot:")]
    assert problem == ["eventbot: Slack cannot be reached just now (slack did not answer (ConnectError)); "
                       "nothing was sent: try again later"]
    assert "recipients" not in result.stdout  # reported before the preview and the question
    assert sent(trip) == []


def test_broadcast_says_why_it_stalls_and_how_to_resume_after_ctrl_c(trip):
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot", "broadcast", "trip", "--text-file", str(trip / "message.txt"), "--audience",
         "all", "--yes"], cwd=trip, env=broadcast_env(trip, telegram="errors", slack="up"),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        err = b""
        while b"retrying in" not in err:
            ready, _, _ = select.select([chat.stderr], [], [], 60)  # a guard against a hang, not a measure
            assert ready, err.decode()
            chunk = os.read(chat.stderr.fileno(), 4096)
            assert chunk, err.decode()
            err += chunk
        chat.send_signal(signal.SIGINT)
        out, rest = chat.communicate(timeout=60)  # a guard against a hang, not a timing measure
    finally:
        chat.kill()
    err = (err + rest).decode("utf-8")
    assert re.search(r"\] 1/3  Telegram answering errors \(telegram answered 502\), retrying in (29|30) s", err), err
    assert "Stopped here. What is not sent yet stays queued: 'eventbot run' sends it" in err
    assert chat.returncode == 130
    assert "Traceback" not in err
    assert sent(trip) == ["slack:U3: The bus leaves at 9:00."]


async def test_ctrl_c_while_following_a_running_bot_says_the_bot_keeps_sending(trip):
    import asyncio

    from bot.app import build_bot
    from bot.config import Config, ContentConfig
    from bot.runner import run_until_stopped
    from tests.fakes.messenger import FakeMessenger, until

    bot, store = build_bot(Config(data_dir=trip / "data", content=ContentConfig(path=SIGNUP_CONTENT)))
    telegram, slack = FakeMessenger("telegram", flaky=1), FakeMessenger("slack")
    bot.attach(telegram)
    bot.attach(slack)
    stop = asyncio.Event()
    pid_file = trip / "data" / "eventbot.pid"
    runner = asyncio.create_task(run_until_stopped(bot, [], stop, pid_file=pid_file))
    try:
        await until(pid_file.exists)
        follower = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "broadcast", "trip", "--text-file", str(trip / "message.txt"), "--audience",
            "all", "--yes", cwd=trip, env=broadcast_env(trip), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        err = b""
        while b"retrying in" not in err:
            chunk = await asyncio.wait_for(follower.stderr.read(4096), 60)  # a guard against a hang
            assert chunk, err.decode()
            err += chunk
        follower.send_signal(signal.SIGINT)
        rest = await asyncio.wait_for(follower.stderr.read(), 60)
        code = await follower.wait()
    finally:
        stop.set()
        await runner
        store.close()
    err = (err + rest).decode("utf-8")
    assert "Telegram answering errors (try later), retrying in" in err
    assert "The running bot keeps sending broadcast #1" in err
    assert code == 130 and "Traceback" not in err


def test_data_check_and_a_damaged_folder_through_the_command_line(tmp_path):
    write(tmp_path / "eventbot.yaml", "data_dir: data\n")
    assert eventbot("chat", cwd=tmp_path, stdin="hello\n").returncode == 0  # the bot writes its data folder
    clean = eventbot("data", "check", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    people = next((tmp_path / "data" / "people").glob("*.json"))
    people.write_text('["not", "a", "table"]')
    damaged = eventbot("data", "check", cwd=tmp_path)
    assert damaged.returncode == 1 and people.name in damaged.stdout, damaged.stdout
    refused = eventbot("chat", cwd=tmp_path, stdin="hello\n")
    assert refused.returncode == 2 and "--accept-data-loss" in refused.stderr and "Traceback" not in refused.stderr
    assert "--accept-data-loss" in eventbot("run", "--help", cwd=tmp_path).stdout


def test_purge_deletes_an_ended_events_signups_after_confirmation(tmp_path):
    event = textwrap.dedent("""\
        events:
          - id: meetup
            names: {{en: "Meetup"}}
            timezone: Europe/Amsterdam
            start: {day}
            signup:
              form:
                - id: name
                  type: text
                  label: {{en: "Your name"}}
        """)
    write(tmp_path / "content" / "events.yaml", event.format(day="2099-05-01"))
    write(tmp_path / "eventbot.yaml", "data_dir: data\ncontent:\n  path: content\n")
    signed = eventbot("chat", cwd=tmp_path, stdin="/signup meetup\nAnna Example\n1\n")
    assert "signed up" in signed.stdout, signed.stdout
    refused = eventbot("signups", "purge", "meetup", cwd=tmp_path)
    assert refused.returncode == 2 and "has not ended" in refused.stderr
    write(tmp_path / "content" / "events.yaml", event.format(day="2020-05-01"))  # time passes
    unconfirmed = eventbot("signups", "purge", "meetup", cwd=tmp_path)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    done = eventbot("signups", "purge", "meetup", "--yes", cwd=tmp_path)
    assert done.returncode == 0 and "deleted 1 signups of 1 people" in done.stdout, done.stdout + done.stderr
    stored = "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "data").rglob("*.json"))
    assert "Anna Example" not in stored


def test_a_role_for_an_unknown_event_refuses_to_start_with_its_line(tmp_path):
    write(tmp_path / "eventbot.yaml", "data_dir: data\nroles:\n  organisers:\n    ewcr: ['telegram:1']\n")
    out = eventbot("chat", cwd=tmp_path, stdin="hello\n")
    assert out.returncode == 2, out.stdout
    assert "eventbot.yaml:4" in out.stderr and "unknown event 'ewcr'" in out.stderr and "ewrc" in out.stderr, out.stderr
