"""Broadcast delivery at the platforms' limits: eventbot's outbox beside a naive asyncio.gather, in one run.

Both real adapters (TelegramAdapter on the fake Bot API, SlackAdapter in HTTP mode on
the mock Web API) attached to a real Bot from build_bot, on a temporary data folder
and a generated content folder with one event. The fakes (tests/fakes, subclassed in
benchmarks/ratelimited_fakes.py) run in a process of their own and answer 429 with a
retry time above the platforms' limits, in sliding one-second windows:
  Telegram: 30 messages per second overall, 1 per second per chat (Bot API FAQ).
  Slack: 1 chat.postMessage per second per channel (documented) and a workspace-wide
         cap of 5 per second (Slack documents "several hundred messages per minute";
         read here as 300, the figure the adapter's default pace is set against).
         Messages go to user ids, so conversations.open is not called (counted).
To fit the run into minutes, each platform's limits and its adapter's pace
(`max_per_second`, set on the adapter instance; python-telegram-bot's own 30/s limiter
too) are multiplied by the same factor, printed below; the goals are ratios.

1. Paced: N recipients (half per platform) signed up through book.register, one
   broadcast (Broadcasts.create, then wake_delivery). Achieved rate per platform vs the
   allowed one (goal >= 90%), 429s answered, losses and duplicates (goal zero), duration.
2. Crash test (4,000 recipients by default, to keep the run near 5 minutes): the bot
   runs in a child process (benchmarks/broadcast_child.py) against fakes that outlive
   it; it is SIGKILLed 5 times at random moments of the broadcast (when the fakes have
   accepted a random number of messages) and restarted (bot.start resumes from the
   outbox). Copies per recipient: duplicates and losses (goal zero). When the kill
   falls between the platform's answer and the durable record, Slack is asked
   (conversations.history, the message's metadata) before sending again; Telegram
   cannot be asked, so there the outbox errs towards a duplicate. After each kill
   that window is counted from the data folder, per platform.
3. Naive, per platform: asyncio.gather of one adapter.notify per recipient, no outbox,
   same adapters, fresh fakes with the same limits, in a child process stopped after a
   budget: how many were reached, 429s, sends that failed (lost) or never returned.

Correctness failures of the paced run (a recipient without the message) make the
script exit 1; timing goals print MET or MISSED. The machine is shared: CPU time and
the load average are printed beside wall times.

    python benchmarks/broadcast.py [--recipients 10000] [--crash-recipients 4000] [--kills 5]
        [--telegram-factor 2] [--slack-factor 10] [--naive-budget 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapters.slack import SlackAdapter  # noqa: E402
from adapters.telegram import TelegramAdapter  # noqa: E402
from bot.app import build_bot  # noqa: E402
from bot.outbox import INTERVAL  # noqa: E402
from bot.storage import TinyStore  # noqa: E402
from ratelimited_fakes import PER_CHAT_INTERVAL  # noqa: E402
from broadcast_child import EVENT, TEXT, config, declared_pace, recipient, start_adapters, write_content  # noqa: E402

HERE = Path(__file__).resolve().parent
TELEGRAM_PER_SECOND = 30.0
SLACK_WORKSPACE_PER_SECOND = 5.0  # 300 a minute, see the module docstring
GOAL_RATIO = 0.90
BATCH = 500  # signups per transaction when preparing

failures: list[str] = []


def goal(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- the fakes' process -------------------------------------------------------------

class Fakes:
    """benchmarks/ratelimited_fakes.py in a process of its own, driven over stdin/stdout."""

    async def open(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "ratelimited_fakes.py"), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2 ** 28)

    async def ask(self, line: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()
        answer = json.loads(await self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"fakes: {answer['error']}")
        return answer

    async def start(self, telegram_per_second: float, slack_per_second: float) -> dict[str, str]:
        """Fresh fakes (new counts); their addresses."""
        return await self.ask(f"start {telegram_per_second} {slack_per_second}")

    async def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"stop\n")
        await self.proc.stdin.drain()
        await self.proc.wait()


class LogCount(logging.Handler):
    """Counts log records per (level, logger) instead of printing thousands of them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.first: dict[tuple[str, str], str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.levelname, record.name)
        self.counts[key] += 1
        self.first.setdefault(key, record.getMessage()[:110])

    def take(self) -> str:
        lines = [f"{n}x {level} {name}: {self.first[(level, name)]}"
                 for (level, name), n in sorted(self.counts.items()) if level != "INFO" or "ratelimit" in name]
        self.counts.clear()
        self.first.clear()
        return "; ".join(lines) if lines else "none"


# --- preparing ------------------------------------------------------------------------

async def prepare(root: Path, n: int) -> float:
    """A data folder with n signups for the event, registered through the core's book in batches."""
    write_content(root)
    bot, store = build_bot(config(root))
    now = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    try:
        for first in range(0, n, BATCH):
            def change(first: int = first) -> None:
                book = store.book(EVENT)
                for i in range(first, min(n, first + BATCH)):
                    platform, uid, key, _ = recipient(i)
                    book.register(key, capacity=20_000, waitlist=True, now=now, platform=platform, user_id=uid,
                                  name=f"Participant {i:05d}", language="en")
            await bot.store.transact(change)
    finally:
        await store.drain()
        store.close()
    return time.perf_counter() - started


def copy_folder(template: Path, root: Path) -> None:
    shutil.copytree(template, root, ignore=shutil.ignore_patterns(".lock"))


# --- measures -------------------------------------------------------------------------

def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any window of `window` seconds."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def copies(stats: dict[str, Any], n: int, only: str | None = None) -> tuple[int, int, int]:
    """(recipients reached, duplicates = extra copies, losses = recipients with none) over both platforms
    (or `only` one)."""
    reached = dups = lost = 0
    for i in range(n):
        platform, _, _, chat = recipient(i)
        if only and platform != only:
            continue
        got = stats[platform]["received"].get(chat, 0)
        reached += got > 0
        dups += max(0, got - 1)
        lost += got == 0
    return reached, dups, lost


class Timed:
    """Wraps an instance's coroutine method and records how long each call took (the core calls it unchanged)."""

    def __init__(self, owner: Any, name: str) -> None:
        self.seconds: list[float] = []
        original = getattr(owner, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                self.seconds.append(time.perf_counter() - started)

        setattr(owner, name, timed)

    def p(self, q: float) -> float:
        values = sorted(self.seconds)
        return values[int(q * (len(values) - 1))] if values else float("nan")

    def line(self) -> str:
        return f"p50 {1000 * self.p(0.5):.0f} ms, p90 {1000 * self.p(0.9):.0f} ms"


class Ticker:
    """Sleeps 10 ms in a loop and records how late each wake-up is: the bot's event-loop lag."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            since = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - since - 0.01)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> str:
        assert self._task is not None
        self._task.cancel()
        lags = sorted(self.lags)
        p99 = lags[int(0.99 * (len(lags) - 1))] if lags else 0.0
        return f"max {1000 * max(lags, default=0):.0f} ms, p99 {1000 * p99:.0f} ms"


def per_second(s: dict[str, Any], seconds: int) -> str:
    """Calls/accepted in each of the first seconds after the platform's first call."""
    if not s["attempts"]:
        return "-"
    t0 = s["attempts"][0]
    calls = Counter(int(t - t0) for t in s["attempts"])
    accepted = Counter(int(t - t0) for t in s["times"])
    return " ".join(f"{calls[k]}/{accepted[k]}" for k in range(seconds))


def platform_line(name: str, s: dict[str, Any], allowed: float, pace: float) -> None:
    """Print a platform's achieved rate against the allowed one, its 429s and how its calls were spread."""
    times = s["times"]
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    rate = (len(times) - 1) / span if len(times) > 1 else 0.0
    gaps = [b - a for a, b in zip(times, times[1:])]
    stall = max(gaps, default=0.0)
    ratio = rate / allowed
    print(f"{name:9s} {len(times):6,} accepted in {span:6.1f} s = {rate:6.1f}/s; allowed {allowed:6.1f}/s -> "
          f"{100 * ratio:5.1f}% (goal >= {100 * GOAL_RATIO:.0f}%: {goal(ratio >= GOAL_RATIO)}); "
          f"the adapter's pace {pace:.1f}/s -> {100 * rate / pace:5.1f}% of it")
    print(f"{'':9s} 429s answered {s['refused']:,} ({s['refused_chat']} for the per-chat limit); "
          f"most calls in any 1 s window {max_in_window(s['attempts'])} (accepted: {max_in_window(times)}); "
          f"longest pause between two accepted messages {stall:.2f} s")
    print(f"{'':9s} calls/accepted per second, first 10 s: {per_second(s, 10)}")


# --- 1. paced ---------------------------------------------------------------------------

async def run_paced(fakes: Fakes, template: Path, root: Path, n: int, kt: float, ks: float,
                    logs: LogCount) -> None:
    tg_allowed, sl_allowed = TELEGRAM_PER_SECOND * kt, SLACK_WORKSPACE_PER_SECOND * ks
    tg_pace, sl_pace = declared_pace(TelegramAdapter) * kt, declared_pace(SlackAdapter) * ks
    print(f"\n## 1. Paced: one broadcast to {n:,} recipients through the outbox")
    copy_folder(template, root)
    urls = await fakes.start(tg_allowed, sl_allowed)
    bot, store = build_bot(config(root))
    telegram, slack = await start_adapters(bot, urls["telegram"], urls["slack"], kt, ks)
    await bot.start()
    sends = {"telegram": Timed(telegram, "notify"), "slack": Timed(slack, "notify")}
    records = Timed(store, "transact")  # after create(): the outbox's outcome records
    event = bot.knowledge.content.events[EVENT]
    cpu0, fakes_cpu0 = time.process_time(), (await fakes.ask("count"))["cpu"]
    started = time.perf_counter()
    broadcast = await bot.store.transact(lambda: bot.broadcasts.create(event, {"en": TEXT}, "all", None, "telegram:1"))
    created = time.perf_counter() - started
    records.seconds.clear()
    ticker = Ticker()
    ticker.start()
    started = time.perf_counter()
    bot.wake_delivery()
    report = bot.broadcasts.report(broadcast)
    next_line = 20.0
    while report is not None and report.done < report.total:
        await asyncio.sleep(0.5)
        report = bot.broadcasts.report(broadcast)
        elapsed = time.perf_counter() - started
        if elapsed > next_line:
            next_line += 20.0
            count = await fakes.ask("count")
            print(f"  t={elapsed:4.0f} s: accepted telegram {count['telegram'][0]:,} slack {count['slack'][0]:,}; "
                  f"outbox {dict(report.counts) if report else {}}; load {load()}", flush=True)
        if elapsed > 900:
            print("  stopped waiting after 900 s")
            break
    duration = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    lag = ticker.stop()
    stats = await fakes.ask("stats")
    retried = Counter(r["user_key"].split(":", 1)[0] for r in store.outbox.records.values() if r["attempts"] > 1)
    await bot.stop()
    await slack.stop()
    await telegram.stop()
    store.close()
    assert report is not None
    print(f"Broadcasts.create with {report.total:,} outbox records: {created:.2f} s (one transaction, on the loop)")
    print(f"duration: {duration:.1f} s from wake_delivery to every outcome recorded; outbox: {dict(report.counts)}")
    print(f"CPU: bot process {cpu:.1f} s ({100 * cpu / duration:.0f}% of one core), fakes' process "
          f"{stats['cpu'] - fakes_cpu0:.1f} s; load average {load()} on {os.cpu_count()} CPUs; "
          f"the bot's event-loop lag {lag}")
    platform_line("telegram", stats["telegram"], tg_allowed, tg_pace)
    platform_line("slack", stats["slack"], sl_allowed, sl_pace)
    for name, pace in (("telegram", tg_pace), ("slack", sl_pace)):
        slots = max(1, int(pace))
        ceiling = slots / (sends[name].p(0.5) + records.p(0.5))
        print(f"{name:9s} latency: adapter.notify {sends[name].line()}; outcome record (store.transact until "
              f"durable) {records.line()}; the outbox keeps at most {slots} sends in flight, each until its "
              f"record is durable -> ceiling ~{slots} / (p50 + p50) = {ceiling:.0f}/s")
    print(f"{'':9s} conversations.open calls: {stats['slack']['conversations_open']:,} (Slack rates it Tier 3, "
          "50+ per minute; messages are posted by user id, so a broadcast needs none)")
    reached, dups, lost = copies(stats, n)
    print(f"recipients reached {reached:,} of {n:,}; lost {lost} (goal 0: {goal(lost == 0)}); "
          f"duplicates {dups} (goal 0: {goal(dups == 0)}); outbox failed "
          f"{report.counts.get('failed', 0)}, pending {report.counts.get('pending', 0)}")
    print(f"sent again by the outbox after a failed attempt (the libraries' own 429 retries exhausted): "
          f"telegram {retried['telegram']}, slack {retried['slack']} (retried on the worker's next pass, which "
          f"comes every bot.outbox.INTERVAL = {INTERVAL:g} s unless something wakes it)")
    print(f"log records: {logs.take()}")
    if lost:
        failures.append(f"paced run: {lost} recipients never got the broadcast")


# --- 2. crash test ----------------------------------------------------------------------

def outbox_sent(data: Path) -> dict[str, str]:
    """user_key -> status of every outbox record, as a restarted bot finds them (journal replayed)."""
    store = TinyStore(data)
    try:
        return {r["user_key"]: r["status"] for r in store.outbox.records.values()}
    finally:
        store.close()


async def run_crash(fakes: Fakes, template: Path, root: Path, n: int, kt: float, ks: float, kills: int,
                    rng: random.Random) -> None:
    print(f"\n## 2. Crash test: {n:,} recipients, the bot SIGKILLed {kills} times mid-broadcast and restarted")
    copy_folder(template, root)
    bot, store = build_bot(config(root))
    event = bot.knowledge.content.events[EVENT]
    await store.transact(lambda: bot.broadcasts.create(event, {"en": TEXT}, "all", None, "telegram:1"))
    await store.drain()
    store.close()
    urls = await fakes.start(TELEGRAM_PER_SECOND * kt, SLACK_WORKSPACE_PER_SECOND * ks)
    marks = sorted(rng.sample(range(int(0.05 * n), int(0.9 * n)), kills))
    print(f"kill when the fakes have accepted this many messages in all: {marks}")
    command = [sys.executable, str(HERE / "broadcast_child.py"), "resume", str(root), urls["telegram"], urls["slack"],
               str(kt), str(ks)]
    unrecorded_copies: dict[str, int] = {}  # recipient -> copies received while not recorded as sent, at a kill
    started = time.perf_counter()
    for life in range(kills + 1):
        launched = time.perf_counter()
        count0 = await fakes.ask("count")
        child = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL)
        if life == kills:
            code = await asyncio.wait_for(child.wait(), 900)
            print(f"run {life + 1}: ran to the end (exit {code}) after {time.perf_counter() - launched:.1f} s")
            break
        first_at = None
        while True:
            count = await fakes.ask("count")
            accepted = count["telegram"][0] + count["slack"][0]
            if first_at is None and accepted > count0["telegram"][0] + count0["slack"][0]:
                first_at = time.perf_counter() - launched
            if accepted >= marks[life] or child.returncode is not None:
                break
            await asyncio.sleep(0.02)
        if child.returncode is not None:
            print(f"run {life + 1}: the child ended before its kill (exit {child.returncode})")
            continue
        child.send_signal(signal.SIGKILL)
        await child.wait()
        count = await fakes.ask("stats")
        statuses = outbox_sent(root / "data")
        received = {key: count[p]["received"].get(chat, 0) for p, _, key, chat in map(recipient, range(n))}
        unrecorded = {key: got for key, got in received.items() if got and statuses.get(key) != "sent"}
        phantom = sum(1 for key, got in received.items() if not got and statuses.get(key) == "sent")
        for key, got in unrecorded.items():
            unrecorded_copies[key] = max(got, unrecorded_copies.get(key, 0))
        accepted = sum(received.values())
        print(f"run {life + 1}: first message {first_at or float('nan'):.1f} s after launch; killed at "
              f"{accepted:,} accepted; received but not recorded as sent: {len(unrecorded)}; "
              f"recorded as sent but never received: {phantom}")
    duration = time.perf_counter() - started
    stats = await fakes.ask("stats")
    reached, dups, lost = copies(stats, n)
    final = Counter(outbox_sent(root / "data").values())
    print(f"after {kills} kills and {kills + 1} starts ({duration:.0f} s): recipients reached {reached:,} of {n:,}; "
          f"lost {lost} (goal 0: {goal(lost == 0)}); duplicates {dups} (goal 0: {goal(dups == 0)}); outbox {dict(final)}")
    for platform in ("telegram", "slack"):
        window = sum(got for key, got in unrecorded_copies.items() if key.startswith(platform))
        _, platform_dups, _ = copies(stats, n, platform)
        print(f"{platform:9s} duplicates {platform_dups}; accepted by the platform while the outcome was not yet "
              f"durable (the kill window): {window}" + (
                  " (Telegram cannot be asked what arrived: sent again, as the outbox's docstring says)"
                  if platform == "telegram" else
                  f" (looked up with conversations.history before sending again: "
                  f"{stats['slack']['conversations_history']} calls)"))
    tg, sl = stats["telegram"], stats["slack"]
    print(f"429s answered: telegram {tg['refused']:,}, slack {sl['refused']:,}")


# --- 3. naive ---------------------------------------------------------------------------

async def run_naive(fakes: Fakes, root: Path, n: int, kt: float, ks: float, budget: float) -> None:
    print(f"\n## 3. Naive: per platform, asyncio.gather of one adapter.notify per recipient ({n // 2:,} each), "
          f"no outbox, same adapters and limits (a child process, stopped after {budget:.0f} s)")
    reached_all = lost_all = 0
    for platform in ("telegram", "slack"):
        urls = await fakes.start(TELEGRAM_PER_SECOND * kt, SLACK_WORKSPACE_PER_SECOND * ks)
        child = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "broadcast_child.py"), "naive", str(root / platform), urls["telegram"],
            urls["slack"], str(kt), str(ks), str(n), platform, stdout=asyncio.subprocess.PIPE, limit=2 ** 24)
        latest: dict[str, Any] = {"done": False, "seconds": 0.0, "cpu": 0.0, "counts": {}, "last_success": {}}
        started = time.perf_counter()

        async def read(child: asyncio.subprocess.Process = child, latest: dict[str, Any] = latest) -> None:
            assert child.stdout is not None
            async for line in child.stdout:
                latest.update(json.loads(line))

        reader = asyncio.create_task(read())
        try:
            await asyncio.wait_for(child.wait(), budget)
        except TimeoutError:
            child.kill()
            await child.wait()
        await reader
        wall = time.perf_counter() - started
        stats = await fakes.ask("stats")
        counts = Counter(latest["counts"])
        ok = counts.pop(f"{platform} ok", 0)
        mine = [i for i in range(n) if recipient(i)[0] == platform]
        unfinished = len(mine) - ok - sum(counts.values())
        got = stats[platform]["received"]
        reached = sum(1 for i in mine if got.get(recipient(i)[3], 0))
        dups = sum(max(0, got.get(recipient(i)[3], 0) - 1) for i in mine)
        reached_all += reached
        lost_all += len(mine) - reached
        s = stats[platform]
        state = (f"all sends returned after {latest['seconds']:.1f} s" if latest["done"] else
                 f"stopped at {budget:.0f} s, {unfinished:,} sends not returned")
        print(f"{platform:9s} {state} (last success at {latest['last_success'].get(platform, 0):.1f} s; "
              f"child CPU {latest['cpu']:.1f} s in {wall:.0f} s wall)")
        print(f"{'':9s} reached {reached:,} of {len(mine):,}, not reached {len(mine) - reached:,} (send raised an error: "
              f"{sum(counts.values()):,}; not returned: {unfinished:,}); duplicates {dups}; 429s answered "
              f"{s['refused']:,} (per-chat {s['refused_chat']}); most calls in any 1 s window "
              f"{max_in_window(s['attempts']):,} (allowed {s['per_second']:g})")
        print(f"{'':9s} errors: " + ("; ".join(f"{k} x{v}" for k, v in counts.most_common(3)) or "none"))
    print(f"naive total: reached {reached_all:,} of {n:,}, not reached {lost_all:,}; load average {load()}")


# --- main -----------------------------------------------------------------------------

async def amain(args: argparse.Namespace) -> None:
    logs = LogCount()
    logging.basicConfig(level=logging.WARNING, handlers=[logs])
    logging.getLogger("telegram.ext").setLevel(logging.INFO)  # its "Rate limit hit" lines are counted
    kt, ks = args.telegram_factor, args.slack_factor
    print(f"load average {load()} on {os.cpu_count()} CPUs (wall times grow with it)")
    print(f"limits x factor: telegram {TELEGRAM_PER_SECOND:g}/s overall x {kt:g} = {TELEGRAM_PER_SECOND * kt:g}/s, "
          f"{PER_CHAT_INTERVAL:g} s per chat; slack {SLACK_WORKSPACE_PER_SECOND:g}/s per workspace (assumed) x {ks:g} "
          f"= {SLACK_WORKSPACE_PER_SECOND * ks:g}/s, {PER_CHAT_INTERVAL:g} s per channel (not scaled)")
    print(f"adapters' pace x the same factor: TelegramAdapter {declared_pace(TelegramAdapter):g}/s -> "
          f"{declared_pace(TelegramAdapter) * kt:g}/s, SlackAdapter {declared_pace(SlackAdapter):g}/s -> "
          f"{declared_pace(SlackAdapter) * ks:g}/s (python-telegram-bot's 30/s limiter x {kt:g} too)")
    rng = random.Random(args.seed)
    fakes = Fakes()
    await fakes.open()
    total = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eventbot-broadcast-") as tmp:
        tmp_path = Path(tmp)
        template = tmp_path / "template"
        took = await prepare(template, args.recipients)
        print(f"prepared {args.recipients:,} signups in batches of {BATCH} through book.register: {took:.1f} s")
        try:
            await run_paced(fakes, template, tmp_path / "paced", args.recipients, kt, ks, logs)
            crash_n = args.crash_recipients or args.recipients
            crash_template = template
            if crash_n != args.recipients:
                crash_template = tmp_path / "crash-template"
                await prepare(crash_template, crash_n)
            await run_crash(fakes, crash_template, tmp_path / "crash", crash_n, kt, ks, args.kills, rng)
            await run_naive(fakes, tmp_path / "naive", args.recipients, kt, ks, args.naive_budget)
        finally:
            await fakes.close()
    print(f"\n(total run {time.perf_counter() - total:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--crash-recipients", type=int, default=4_000,
                        help="recipients of the crash test (fewer than --recipients to keep the run short)")
    parser.add_argument("--telegram-factor", type=float, default=2.0, help="Telegram's limits and pace x this")
    parser.add_argument("--slack-factor", type=float, default=10.0, help="Slack's limits and pace x this")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--naive-budget", type=float, default=50.0,
                        help="seconds before the naive run of each platform is stopped")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(amain(args))
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
