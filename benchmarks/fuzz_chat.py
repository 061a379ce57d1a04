"""Hostile and odd input through the conversation core, beside a plain short question, in one run.

Each class of input is sent through `Bot.handle` (the core's edge every adapter uses)
on the sample content and a fresh data folder, as several people. Printed per class:
messages, wall time per message (p50 / max), CPU time, the peak of Python memory
(tracemalloc) while the class ran, whether any reply was the "something went wrong"
apology or longer than a sane limit, and the ratio of its time to the plain question's.
Also: while one person floods the bot with 10,000 messages, how long another
person's /help waits (the baseline: /help on an idle bot).

A reply that is the apology, a reply over 20,000 characters, or an exception makes
the script exit 1. Times are printed, never judged: the machine is shared.

    python benchmarks/fuzz_chat.py [--flood 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_knowledge  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.core import Bot  # noqa: E402
from bot.messages import Incoming  # noqa: E402
from bot.storage import TinyStore  # noqa: E402
from bot.texts import t  # noqa: E402

MAX_REPLY = 20_000
PLAIN = "how many people attend EWRC"

CLASSES: dict[str, Callable[[], list[str]]] = {
    "plain short question": lambda: [PLAIN] * 20,
    "4 KB question (Telegram's limit)": lambda: [PLAIN + " " + "word " * 800] * 5,
    "40 KB question (Slack's limit)": lambda: [PLAIN + " " + "word " * 8_000] * 5,
    "5 MB question": lambda: [PLAIN + " " + "x" * 5_000_000],
    "lone surrogates (invalid UTF-8 on a pipe)": lambda: ["caf\udce9 " + PLAIN, "\udcff\udcfe" * 50, PLAIN + "\ud800"],
    "NUL and control characters": lambda: [PLAIN + "\x00", "\x1b]0;HACKED\x07\x1b[2J" + PLAIN, "\x7f\x08" * 100],
    "markup typed by people": lambda: ["**BIG** " + PLAIN, "/event **BIG**", "<b>x</b> &amp; " + PLAIN, "`code` _i_ ~s~"],
    "long command arguments": lambda: ["/event " + "y" * 10_000, "/topics " + "z" * 40_000, "/signup " + "q" * 5_000],
    "unicode oddities": lambda: ["\ufdfa" * 500, "🎉" * 2_000, "ＥＷＲＣ　何人", "\u202eCRWE\u202c how many",
                                 "a\u0300" * 3_000],
    "empty and whitespace": lambda: ["", " ", "\n\n\t", "/", "//", "/ "],
}


def said(replies) -> str:
    return "\n".join(r.text for r in replies)


async def run_class(bot: Bot, name: str, messages: list[str], apology: str) -> dict[str, float | int | str]:
    times: list[float] = []
    bad = 0
    longest = 0
    tracemalloc.start()
    tracemalloc.reset_peak()
    cpu = time.process_time()
    for i, text in enumerate(messages):
        start = time.perf_counter()
        replies = await bot.handle(Incoming("console", f"p{i % 5}", f"p{i % 5}", text=text))
        times.append(time.perf_counter() - start)
        out = said(replies)
        longest = max(longest, len(out))
        if apology in out or len(out) > MAX_REPLY:
            bad += 1
    cpu = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"class": name, "messages": len(messages), "p50_ms": statistics.median(times) * 1000,
            "max_ms": max(times) * 1000, "cpu_s": cpu, "peak_mb": peak / 2**20, "longest": longest, "bad": bad}


async def _help_ms(bot: Bot) -> float:
    start = time.perf_counter()
    await bot.handle(Incoming("console", "other", "other", text="/help"))
    return (time.perf_counter() - start) * 1000


async def flood(bot: Bot, count: int) -> tuple[list[float], list[float], float]:
    """(another person's /help in ms on an idle bot, the same every 20 ms during a flood from one person, flood s)."""
    idle = [await _help_ms(bot) for _ in range(20)]
    done = asyncio.Event()

    async def flooder() -> None:
        for i in range(count):
            await bot.handle(Incoming("console", "flood", "flood", text=f"{PLAIN} {i}"))
        done.set()

    began = time.perf_counter()
    task = asyncio.create_task(flooder())
    during = []
    while not done.is_set():
        await asyncio.sleep(0.02)
        during.append(await _help_ms(bot))
    await task
    return idle, during, time.perf_counter() - began


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=10_000, help="messages from one person in the flood")
    args = parser.parse_args()
    knowledge = build_knowledge(Config())
    apology = t("error", "en")
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        store = TinyStore(Path(folder))
        bot = Bot(knowledge, store)
        try:
            await bot.handle(Incoming("console", "warm", "warm", text=PLAIN))  # warm the caches once
            rows = [await run_class(bot, name, make(), apology) for name, make in CLASSES.items()]
            base = rows[0]["p50_ms"]
            print(f"{'class':45} {'msgs':>5} {'p50 ms':>9} {'max ms':>9} {'x plain':>8} {'cpu s':>7} "
                  f"{'peak MB':>8} {'longest':>8} {'bad':>4}")
            for row in rows:
                print(f"{row['class']:45} {row['messages']:>5} {row['p50_ms']:>9.2f} {row['max_ms']:>9.2f} "
                      f"{row['p50_ms'] / base:>8.1f} {row['cpu_s']:>7.2f} {row['peak_mb']:>8.1f} "
                      f"{row['longest']:>8} {row['bad']:>4}")
                failed += int(row["bad"])
            idle, during, took = await flood(bot, args.flood)
            p50 = statistics.median(during)
            print(f"\nflood: {args.flood:,} messages from one person in {took:.1f} s ({args.flood / took:.0f}/s); "
                  f"another person's /help meanwhile ({len(during)} times): p50 {p50:.2f} ms, max {max(during):.2f} ms; "
                  f"on the idle bot: p50 {statistics.median(idle):.2f} ms (ratio {p50 / statistics.median(idle):.1f})")
        finally:
            await bot.stop()
            store.close()
    if failed:
        print(f"FAILED: {failed} replies were the apology or over {MAX_REPLY:,} characters")
        return 1
    print("every message got a real reply of a sane length")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
