"""Signup storage under load: eventbot's group-commit TinyStore beside plain TinyDB, in one run.

1. Burst: N people (default 2,000) sign up at once for an event of capacity 500 on a
   fresh data folder: N coroutines under asyncio.gather, each running the transaction
   the core runs on confirm (book.register + store.put_profile, bot/signup_dialog.py).
   Checked: exactly `capacity` confirmed, the rest on the waiting list in the order
   the transactions ran, no duplicate signup, a second signup refused, and the files
   reloaded by a fresh TinyStore equal to what was acknowledged. Then 100 concurrent
   cancellations through the core (SignupManager.change_and_fill) must promote exactly
   the next 100 on the waiting list and queue a message for each. Beside it: the same
   burst with plain TinyDB (default JSONStorage), one insert per signup under an
   asyncio.Lock, run synchronously inside each coroutine as a naive bot would.
2. Latency at scale: with 20,000 signups stored for one event, sequential signups
   each awaited alone (p50/p99); beside it plain TinyDB inserts into a file of 20,000
   documents of the same shape.
3. Loop lag: a task that sleeps 1 ms in a loop measures how late each wake-up is,
   while N more signups burst in on top of the 20,000; beside it the same ticker
   with the loop idle, and during a small burst of plain TinyDB inserts.

Correctness checks make the script exit 1; timing goals print MET or MISSED. The
machine is shared, so CPU time is printed beside wall time, and the load average.

    python benchmarks/signup_burst.py [--burst 2000] [--stored 20000] [--latency 200] [--plain-inserts 20] [--breakdown]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Awaitable, Callable

import numpy as np
from tinydb import TinyDB

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_bot  # noqa: E402
from bot.config import Config, ContentConfig  # noqa: E402
from bot import datafiles  # noqa: E402
from bot.signups import AlreadySignedUp, EventBook, Signup, now_iso  # noqa: E402
from bot.storage import RESUME_AT_ONCE, SLICE_SECONDS, Profile, TinyStore  # noqa: E402

EVENT = "burst"
CAPACITY = 500
CANCELS = 100
GOAL_RATIO = 20.0
GOAL_P99_MS = 25.0
GOAL_LAG_MS = 25.0
TICK = 0.001  # the ticker's sleep
GAP = 0.003  # pause between sequential signups (not timed)

EVENTS_YAML = f"""\
events:
  - id: {EVENT}
    names: {{en: "Burst conference"}}
    timezone: Europe/Brussels
    signup:
      capacity: {CAPACITY}
      form:
        - id: name
          type: text
          label: {{en: "Your name"}}
        - id: email
          type: email
          label: {{en: "Your e-mail address"}}
"""

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    """Print a correctness check; a failed one makes the script exit 1 at the end."""
    print(f"  check {'ok    ' if ok else 'FAILED'} {what}")
    if not ok:
        failures.append(what)


def goal(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def ms(values: list[float] | np.ndarray, q: float) -> float:
    return 1000 * float(np.percentile(np.asarray(values), q)) if len(values) else float("nan")


def user(i: int) -> tuple[str, str]:
    """(user_key, display name) of participant i."""
    return f"telegram:{100_000_000 + i}", f"Participant {i:05d}"


def details(i: int) -> dict[str, Any]:
    """What the confirm step passes to register (bot/signup_dialog.py _confirm)."""
    _, name = user(i)
    return dict(platform="telegram", user_id=str(100_000_000 + i), name=name, language="en", priority=0,
                answers={"name": name, "email": f"participant{i}@example.org"}, consent_at=None)


def profile(i: int) -> Profile:
    """The person's profile as _confirm stores it: the finished form cleared."""
    key, name = user(i)
    return Profile(key, detected_language="en", last_event=EVENT, name=name, dialog=None)


class Trace:
    """What the confirm transactions did: the order they ran in, and how long each change() took."""

    def __init__(self) -> None:
        self.arrivals: list[str] = []
        self.change_s: list[float] = []

    def clear_times(self) -> None:
        self.change_s = []

    def line(self) -> str:
        return (f"time inside change() (register + put_profile, on the loop): {1000 * sum(self.change_s):.0f} ms "
                f"for {len(self.change_s):,}, max {1000 * max(self.change_s, default=0):.2f} ms, "
                f"p50 {ms(self.change_s, 50):.2f} ms")


def confirm(store: TinyStore, book: EventBook, i: int, clock: Callable[[], dt.datetime],
            trace: Trace) -> Callable[[], Awaitable[Signup]]:
    """The core's confirm transaction for participant i (bot/signup_dialog.py _confirm)."""
    key, _ = user(i)

    def change() -> Signup:
        started = time.perf_counter()
        signup = book.register(key, capacity=CAPACITY, waitlist=True, now=clock(), **details(i))
        store.put_profile(profile(i))
        trace.arrivals.append(key)
        trace.change_s.append(time.perf_counter() - started)
        return signup

    return lambda: store.transact(change)


def signup_record(i: int, seq: int, status: str, now: dt.datetime) -> dict[str, Any]:
    """A stored signup as register() makes it; also the document a naive bot inserts."""
    key, _ = user(i)
    stamp = now_iso(now)
    return asdict(Signup(seq=seq, event=EVENT, user_key=key, status=status, created_at=stamp,  # type: ignore[arg-type]
                         updated_at=stamp, confirmed_at=stamp if status == "confirmed" else None, **details(i)))


def prefill(data: Path, n: int, now: dt.datetime) -> None:
    """n signups (the first CAPACITY confirmed) and their profiles, written as one batch.

    Not through register(): ShardedTable.next_id scans every record, so n registers
    cost O(n^2) (about 40 s for 20,000 here). The records are the ones register()
    makes; the fresh TinyStore that loads them is checked by the caller.
    """
    store = TinyStore(data)
    try:
        book = store.book(EVENT)
        for i in range(n):
            book.table.put(i + 1, signup_record(i, i + 1, "confirmed" if i < CAPACITY else "waitlisted", now))
            store.people.put(i + 1, asdict(profile(i)))
        store.folder.write_batch([change for table in (store.people, book.table) for change in table.take_changes()])
    finally:
        store.close()


class Ticker:
    """Sleeps 1 ms in a loop and records how late each wake-up is: the event loop's lag."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._since: float | None = None

    async def _run(self) -> None:
        while True:
            self._since = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(time.perf_counter() - self._since - TICK)
            self._since = None

    def __enter__(self) -> "Ticker":
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._task is not None
        self._task.cancel()
        if self._since is not None:  # a wake-up still overdue counts too
            self.lags.append(max(0.0, time.perf_counter() - self._since - TICK))

    @property
    def max_ms(self) -> float:
        return 1000 * max(self.lags, default=0.0)

    def line(self) -> str:
        return f"loop lag max {self.max_ms:7.1f} ms   p99 {ms(self.lags, 99):7.2f} ms   ({len(self.lags):,} ticks)"


class Timer:
    """Wall and process CPU time (all threads: the writes run in a worker thread) of a block."""

    def __enter__(self) -> "Timer":
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


class Breakdown:
    """--breakdown: time the pieces of bot/datafiles.py by wrapping them (adds a little overhead)."""

    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = {}
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.calls.setdefault(label, []).append(time.perf_counter() - started)

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original) if owner is datafiles else delattr(owner, name))

    def install(self, store: TinyStore) -> None:
        for table in (store.people, store.book(EVENT).table):
            self.wrap(table, "next_id", f"loop   next_id ({table.name})")
            self.wrap(table, "take_changes", f"loop   take_changes ({table.name}: json.dumps of changed shards)")
        self.wrap(store.folder, "write_batch", "thread write_batch (all files of a batch)")
        self.wrap(datafiles, "write_atomic", "thread   write_atomic (temp file, fsync, rename)")
        self.wrap(datafiles, "_fsync_dir", "thread   fsync of a folder")

    def report(self, title: str) -> None:
        print(f"  breakdown, {title}:")
        for label, values in self.calls.items():
            print(f"    {label:58s} {len(values):6,} calls  sum {1000 * sum(values):8.1f} ms  "
                  f"p50 {ms(values, 50):6.2f}  p99 {ms(values, 99):6.2f}  max {1000 * max(values):6.2f} ms")
        self.calls = {}

    def uninstall(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo = []


def disk_floor(root: Path, size: int = 230_000, n: int = 30) -> str:
    """This disk right now: append + fsync of 200 bytes, and an atomic rewrite of a shard-sized file."""
    folder = root / "disk-floor"
    folder.mkdir()
    appends, rewrites = [], []
    with open(folder / "log", "ab") as fh:
        for _ in range(n):
            started = time.perf_counter()
            fh.write(b"x" * 200)
            fh.flush()
            os.fsync(fh.fileno())
            appends.append(time.perf_counter() - started)
    text = json.dumps({"signups": {str(i): "x" * 440 for i in range(size // 460)}})
    for _ in range(n):
        started = time.perf_counter()
        datafiles.write_atomic(folder / "shard.json", text)
        rewrites.append(time.perf_counter() - started)
    return (f"disk right now: append+fsync p50 {ms(appends, 50):.2f} / p99 {ms(appends, 99):.2f} ms; "
            f"write_atomic of {len(text) / 1024:.0f} KB p50 {ms(rewrites, 50):.2f} / p99 {ms(rewrites, 99):.2f} ms")


def folder_sizes(root: Path) -> tuple[Path, int, int, int]:
    """(largest .json file, its size, total bytes, number of .json files) under root."""
    files = [(p.stat().st_size, p) for p in root.rglob("*.json")]
    size, largest = max(files)
    return largest, size, sum(s for s, _ in files), len(files)


# --- 1. the burst -------------------------------------------------------------------


async def burst_ours(root: Path, n: int) -> float:
    """The burst and the cancellations on a real Bot; returns the wall time to acknowledge all n."""
    content = root / "content"
    content.mkdir(parents=True)
    (content / "events.yaml").write_text(EVENTS_YAML, "utf-8")
    data = root / "data"
    bot, store = build_bot(Config(data_dir=data, content=ContentConfig(path=content)))
    try:
        event = bot.knowledge.content.events[EVENT]
        assert event.signup is not None and event.signup.capacity == CAPACITY
        book, trace = store.book(EVENT), Trace()
        calls = [confirm(store, book, i, bot.clock, trace) for i in range(n)]
        batches = store.batches
        with Ticker() as tick, Timer() as timer:
            acknowledged = await asyncio.gather(*(call() for call in calls))
        burst_wall, batches = timer.wall, store.batches - batches
        print(f"{'eventbot TinyStore (group commit)':36s} {timer.wall:7.2f} s wall  {timer.cpu:6.2f} s CPU   "
              f"{batches} batch(es) of file writes   {1000 * timer.wall / n:6.2f} ms per signup")
        print(f"  {tick.line()};  {trace.line()}")

        arrivals = trace.arrivals
        confirmed = [s for s in book.all() if s.status == "confirmed"]
        waiting = sorted((s for s in book.all() if s.status == "waitlisted"), key=book.position)
        keys = [s.user_key for s in book.all()]
        check(len(acknowledged) == n == len(arrivals), f"{n:,} signups acknowledged")
        check(len(confirmed) == CAPACITY, f"{len(confirmed)} confirmed (capacity {CAPACITY})")
        check(len(waiting) == n - CAPACITY == book.waiting, f"{len(waiting):,} waitlisted")
        check([s.user_key for s in confirmed] == arrivals[:CAPACITY], "the first arrivals got the places")
        check([s.user_key for s in waiting] == arrivals[CAPACITY:]
              and [book.position(s) for s in waiting] == list(range(1, n - CAPACITY + 1)),
              "waiting-list order == the order the transactions ran (positions 1..N)")
        check(len(keys) == len(set(keys)) == n, "no duplicate (event, user) signup")
        again = await asyncio.gather(*(call() for call in calls[:10]), return_exceptions=True)
        check(all(isinstance(e, AlreadySignedUp) for e in again) and len(book.all()) == n,
              "10 repeated signups refused by the storage (AlreadySignedUp)")
        reloaded = TinyStore(data, readonly=True)
        check(reloaded.book(EVENT).table.records == {s.seq: asdict(s) for s in acknowledged},
              "signups reloaded from disk by a fresh TinyStore == the acknowledged ones")
        check(all(reloaded.profile(user(i)[0]) == profile(i) for i in range(n)), "profiles reloaded == the stored ones")

        now = bot.clock()
        leaving = [s.user_key for s in confirmed[::CAPACITY // CANCELS]][:CANCELS]
        batches = store.batches
        with Timer() as timer:
            await asyncio.gather(*(bot.manage.change_and_fill(event, lambda b, k=k: b.cancel(k, now))
                                   for k in leaving))
        print(f"{f'{CANCELS} cancellations (change_and_fill)':36s} {timer.wall:7.2f} s wall  {timer.cpu:6.2f} s CPU   "
              f"{store.batches - batches} batch(es)")
        later = set(arrivals[CAPACITY:])
        promoted = [s.user_key for s in book.all() if s.status == "confirmed" and s.user_key in later]
        told = [note.user_key for note in store.pending() if note.kind == "promoted"]
        waiting = sorted((s for s in book.all() if s.status == "waitlisted"), key=book.position)
        check(len(leaving) == CANCELS and all(book.active(k) is None for k in leaving), f"{CANCELS} cancelled")
        check(sorted(promoted) == sorted(arrivals[CAPACITY:CAPACITY + CANCELS]),
              f"exactly the next {CANCELS} on the waiting list promoted")
        check(told == arrivals[CAPACITY:CAPACITY + CANCELS], f"{len(told)} promotion messages queued, in that order")
        check(book.taken == CAPACITY and [s.user_key for s in waiting] == arrivals[CAPACITY + CANCELS:],
              f"{book.taken} confirmed, {len(waiting):,} still waiting, in order")
        reloaded = TinyStore(data, readonly=True)
        check(reloaded.book(EVENT).table.records == book.table.records
              and reloaded.outbox.records == store.outbox.records, "after cancelling: reloaded data == acknowledged")
        return burst_wall
    finally:
        await bot.stop()
        store.close()


async def burst_plain(root: Path, n: int) -> float:
    """The same burst with plain TinyDB: one insert (a whole-file rewrite) per signup, under a lock."""
    db = TinyDB(root / "plain-burst.json")  # the default JSONStorage
    table = db.table("signups")
    lock = asyncio.Lock()
    taken, arrivals = [0], []

    async def signup(i: int) -> None:
        async with lock:  # the capacity check and the insert together, or it overbooks
            status = "confirmed" if taken[0] < CAPACITY else "waitlisted"  # counted in memory: cheaper than a query
            table.insert(signup_record(i, len(arrivals) + 1, status, dt.datetime.now(dt.timezone.utc)))
            taken[0] += status == "confirmed"
            arrivals.append(user(i)[0])

    with Timer() as timer:
        await asyncio.gather(*(signup(i) for i in range(n)))
    print(f"{'plain TinyDB, one insert per signup':36s} {timer.wall:7.2f} s wall  {timer.cpu:6.2f} s CPU   "
          f"{n:,} file writes   {1000 * timer.wall / n:6.2f} ms per signup")
    docs = table.all()
    check(len(docs) == n and sum(d["status"] == "confirmed" for d in docs) == CAPACITY,
          f"plain TinyDB: {len(docs):,} stored, {sum(d['status'] == 'confirmed' for d in docs)} confirmed")
    db.close()
    return timer.wall


# --- 2. and 3. at scale -------------------------------------------------------------


async def at_scale(root: Path, stored: int, n_latency: int, n_burst: int, n_plain: int, breakdown: bool) -> None:
    """Latency of one more signup with `stored` signups on disk, then loop lag during a burst; plain beside."""
    data = root / "scale"
    clock = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731
    with Timer() as timer:
        prefill(data, stored, clock())
        store = TinyStore(data)
    book, trace = store.book(EVENT), Trace()
    trace.arrivals = [user(i)[0] for i in range(stored)]
    parts = Breakdown()
    try:
        check(len(book.table.records) == len(store.people.records) == stored and book.taken == CAPACITY
              and book.waiting == stored - CAPACITY, f"pre-filled {stored:,} signups and profiles, loaded "
              f"by a fresh TinyStore ({timer.wall:.1f} s, not timed for the goals)")
        if breakdown:
            parts.install(store)

        print(f"\n## 2. Latency of one more signup, durably acknowledged, with {stored:,} stored "
              f"({n_latency} sequential signups, each awaited alone, after 10 warm-up)")
        print(disk_floor(root))
        calls = [confirm(store, book, stored + j, clock, trace) for j in range(10 + n_latency)]
        for call in calls[:10]:
            await call()
        trace.clear_times()
        parts.calls = {}
        wall, cpu = [], []
        with Ticker() as tick:
            for call in calls[10:]:
                await asyncio.sleep(GAP)  # untimed: lets the ticker see each signup on its own
                t, c = time.perf_counter(), time.process_time()
                await call()
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        p99 = ms(wall, 99)
        print(f"{'eventbot TinyStore signup':28s} p50 {ms(wall, 50):7.2f} ms   p99 {p99:7.2f} ms   "
              f"max {1000 * max(wall):7.2f} ms   (CPU p50 {ms(cpu, 50):.2f}, p99 {ms(cpu, 99):.2f} ms)")
        print(f"  {tick.line()};  {trace.line()}")
        if breakdown:
            parts.report(f"{n_latency} sequential signups")

        plain_db = TinyDB(root / "plain-scale.json")  # the default JSONStorage
        plain = plain_db.table("signups")
        now = clock()
        plain.insert_multiple(signup_record(i, i + 1, "confirmed" if i < CAPACITY else "waitlisted", now)
                              for i in range(stored))  # one write

        async def plain_signup(j: int) -> None:  # each in its own task, as a bot handles each message
            plain.insert(signup_record(stored + j, stored + j + 1, "waitlisted", clock()))

        plain_wall, plain_cpu = [], []
        with Ticker() as plain_tick:
            for j in range(n_plain):
                await asyncio.sleep(GAP)
                t, c = time.perf_counter(), time.process_time()
                await asyncio.create_task(plain_signup(j))
                plain_wall.append(time.perf_counter() - t)
                plain_cpu.append(time.process_time() - c)
        print(f"{'plain TinyDB insert':28s} p50 {ms(plain_wall, 50):7.2f} ms   p99 {ms(plain_wall, 99):7.2f} ms   "
              f"max {1000 * max(plain_wall):7.2f} ms   (CPU p50 {ms(plain_cpu, 50):.2f}, p99 {ms(plain_cpu, 99):.2f} ms;"
              f" {n_plain} inserts into {stored:,} documents)")
        print(f"  {plain_tick.line()}")
        print(f"ratio plain p50 / ours p50: {ms(plain_wall, 50) / ms(wall, 50):.0f}x;  "
              f"goal: ours p99 <= {GOAL_P99_MS:.0f} ms -> {goal(p99 <= GOAL_P99_MS)} ({p99:.2f} ms)")

        print(f"\n## 3. Event-loop lag (a task sleeping 1 ms; how late it wakes) during a burst of {n_burst:,} "
              f"concurrent signups on top of {len(book.table.records):,}")
        with Ticker() as idle:
            await asyncio.sleep(1.0)
        print(f"{'loop idle, 1 s':28s} {idle.line()}")
        first = stored + 10 + n_latency
        burst = [confirm(store, book, first + j, clock, trace) for j in range(n_burst)]
        trace.clear_times()
        parts.calls = {}
        batches = store.batches
        with Ticker() as tick, Timer() as timer:
            await asyncio.gather(*(call() for call in burst))
        print(f"{'eventbot TinyStore burst':28s} {tick.line()}   burst {timer.wall:.2f} s wall, {timer.cpu:.2f} s CPU, "
              f"{store.batches - batches} batch(es)")
        print(f"  {trace.line()}")
        print(f"  (the store runs changes in {SLICE_SECONDS * 1000:.0f} ms slices and wakes {RESUME_AT_ONCE} callers per "
              f"loop turn; asyncio.gather still creates and starts all {n_burst:,} tasks in one turn, and the "
              "writer threads share the interpreter lock with the loop)")
        if breakdown:
            parts.report(f"the burst of {n_burst:,}")
        print(f"{'plain TinyDB (above)':28s} {plain_tick.line()}   (one insert per wake-up; a burst blocks for all)")
        print(f"goal: loop never blocked > {GOAL_LAG_MS:.0f} ms -> {goal(tick.max_ms <= GOAL_LAG_MS)} "
              f"(max lag {tick.max_ms:.1f} ms)")

        total = first + n_burst
        waiting = sorted((s for s in book.all() if s.status == "waitlisted"), key=book.position)
        check(len(book.all()) == total and book.taken == CAPACITY
              and [s.user_key for s in waiting] == trace.arrivals[CAPACITY:],
              f"at scale: {total:,} signups, {CAPACITY} confirmed, waiting list in arrival order")
        reloaded = TinyStore(data, readonly=True)
        check(reloaded.book(EVENT).table.records == book.table.records
              and reloaded.people.records == store.people.records, "at scale: reloaded data == acknowledged")

        largest, size, total_bytes, count = folder_sizes(data)
        plain_size = (root / "plain-scale.json").stat().st_size
        print(f"\n## On disk with {total:,} signups and profiles")
        print(f"eventbot data folder: {count} JSON files, {total_bytes / 2**20:.1f} MB in all; largest "
              f"{largest.relative_to(data)} {size / 1024:.0f} KB (what one write rewrites, per changed file)")
        print(f"plain TinyDB: one file of {plain_size / 2**20:.1f} MB, rewritten whole on every insert")
        plain_db.close()
    finally:
        parts.uninstall()
        await store.drain()
        store.close()


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="signup-burst-", dir=args.tmp) as tmp:
        root = Path(tmp)
        print(f"\n## 1. Burst: {args.burst:,} concurrent signups, capacity {CAPACITY}, fresh data folder ({root})")
        ours = await burst_ours(root / "ours", args.burst)
        plain = await burst_plain(root, args.burst)
        ratio = plain / ours
        print(f"ratio plain / ours (wall time to acknowledge all {args.burst:,}): {ratio:.0f}x;  "
              f"goal >= {GOAL_RATIO:.0f}x -> {goal(ratio >= GOAL_RATIO)}")
        await at_scale(root, args.stored, args.latency, args.burst, args.plain_inserts, args.breakdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=2_000, help="concurrent signups per burst")
    parser.add_argument("--stored", type=int, default=20_000, help="signups stored before parts 2 and 3")
    parser.add_argument("--latency", type=int, default=200, help="sequential signups timed in part 2")
    parser.add_argument("--plain-inserts", type=int, default=20, help="plain TinyDB inserts at scale (slow)")
    parser.add_argument("--breakdown", action="store_true", help="time the pieces of bot/datafiles.py in parts 2-3")
    parser.add_argument("--tmp", type=Path, default=None, help="where the temporary data folders go")
    args = parser.parse_args()
    if args.burst <= CAPACITY + CANCELS:
        parser.error(f"--burst must be more than {CAPACITY + CANCELS}")
    started = time.perf_counter()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs "
          f"(wall times grow with it; CPU times are printed beside them)")
    asyncio.run(run(args))
    print(f"\nload average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; "
          f"total run {time.perf_counter() - started:.0f} s")
    if failures:
        print(f"{len(failures)} correctness check(s) FAILED: " + "; ".join(failures))
        sys.exit(1)
    print("all correctness checks passed")


if __name__ == "__main__":
    main()
