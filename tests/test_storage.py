"""The data folder: no overbooking, group commit, one owner, schema version, crash safety."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.datafiles import DataFolder, GroupCommit, ShardedTable, StorageError
from bot.signups import AlreadySignedUp
from bot.storage import Profile, TinyStore

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone.utc)


async def register(store: TinyStore, user: str, capacity: int = 50, order: list[str] | None = None):
    def change():
        if order is not None:
            order.append(user)
        signup = store.book("expo").register(user, capacity=capacity, waitlist=True, now=NOW)
        store.put_profile(Profile(user, language="en"))
        return signup
    return await store.transact(change)


async def test_concurrent_signups_never_overbook_and_share_writes(tmp_path):
    store = TinyStore(tmp_path)
    order: list[str] = []
    try:
        results = await asyncio.gather(*(register(store, f"telegram:{i}", order=order) for i in range(300)))
        book = store.book("expo")
        assert sum(s.status == "confirmed" for s in results) == 50
        waiting = sorted((s for s in results if s.status == "waitlisted"), key=book.position)
        assert [s.user_key for s in waiting] == order[50:]
        assert store.batches < 30  # group commit: a few writes, not 300
    finally:
        store.close()
    again = TinyStore(tmp_path, readonly=True)
    assert [s.status for s in again.book("expo").all()] == ["confirmed"] * 50 + ["waitlisted"] * 250
    assert again.profile("telegram:7").language == "en"


async def test_the_store_refuses_a_second_active_signup(tmp_path):
    store = TinyStore(tmp_path)
    try:
        await register(store, "slack:U1")
        with pytest.raises(AlreadySignedUp):
            await register(store, "slack:U1")
        await store.transact(lambda: store.book("expo").cancel("slack:U1", NOW))
        again = await register(store, "slack:U1")  # after cancelling, a new signup is fine
        assert again.status == "confirmed" and len(store.book("expo").all()) == 2
    finally:
        store.close()


def test_a_second_process_is_refused_but_readers_are_welcome(tmp_path):
    store = TinyStore(tmp_path)
    try:
        with pytest.raises(StorageError, match="another eventbot process is using the data folder"):
            TinyStore(tmp_path)
        TinyStore(tmp_path, readonly=True)
    finally:
        store.close()
    TinyStore(tmp_path).close()  # the lock is released on close


def test_a_newer_schema_is_refused(tmp_path):
    (tmp_path / "meta.json").write_text(json.dumps({"schema": 99}))
    with pytest.raises(StorageError, match="newer eventbot"):
        TinyStore(tmp_path)
    (tmp_path / "meta.json").write_text("{broken")
    with pytest.raises(StorageError, match="damaged"):
        TinyStore(tmp_path)


def test_a_journalled_batch_is_finished_at_start_up(tmp_path):
    # as if the bot died after the journal was written but before the files were replaced
    people = {"1": {"user_key": "telegram:1", "language": "nl"}}
    signups = {"1": {"seq": 1, "event": "expo", "user_key": "telegram:1", "status": "confirmed",
                     "created_at": NOW.isoformat(), "updated_at": NOW.isoformat()}}
    (tmp_path / "journal-7.json").write_text(json.dumps({
        "people/000000.json": {"table": "people", "records": people},
        "signups/expo/000000.json": {"table": "signups", "records": signups}}))
    store = TinyStore(tmp_path)
    try:
        assert store.profile("telegram:1").language == "nl"
        assert store.book("expo").active("telegram:1").status == "confirmed"
        assert not list(tmp_path.glob("journal-*.json"))
    finally:
        store.close()


def test_profiles_from_the_first_version_are_moved(tmp_path):
    (tmp_path / "profiles.json").write_text(json.dumps(
        {"_default": {"1": {"user_key": "console:local", "language": "ja", "last_event": "ewrc"}}}))
    store = TinyStore(tmp_path)
    try:
        assert store.profile("console:local").language == "ja"
    finally:
        store.close()
    assert TinyStore(tmp_path, readonly=True).profile("console:local").last_event == "ewrc"
    assert not (tmp_path / "profiles.json").exists()


class BrokenDisk(DataFolder):
    """A data folder whose writes fail while `broken` is set (a full disk), or the next `fail` of them;
    with `apply_broken`, only bringing the shard files up to date fails (counted in `apply_failures`)."""

    broken = False
    fail = 0
    apply_broken = False
    apply_failures = 0

    def write_journal(self, files):
        if self.fail:
            self.fail -= 1
            raise OSError(28, "No space left on device")
        if self.broken:
            raise OSError(28, "No space left on device")
        return super().write_journal(files)

    def apply_journals(self, batches):
        if self.apply_broken:
            self.apply_failures += 1
            raise OSError(28, "No space left on device")
        return super().apply_journals(batches)


async def test_a_failed_write_is_not_acknowledged_and_memory_follows_the_disk(tmp_path):
    folder = BrokenDisk(tmp_path)
    table = ShardedTable("items", tmp_path / "items", lambda i: "00")
    commit = GroupCommit(lambda: [table], folder, lambda: table.load(folder.read().shards))
    table.put(1, {"x": 1})
    await commit.durable()
    folder.broken = True
    table.put(2, {"x": 2})
    with pytest.raises(StorageError):
        await commit.durable()
    assert sorted(table.records) == [1]  # back to what the disk has
    folder.broken = False
    table.put(3, {"x": 3})
    await commit.durable()
    await commit.close()  # the files catch up with the journal
    table.load(folder.read().shards)
    assert sorted(table.records) == [1, 3]
    folder.close()


async def test_a_write_failing_mid_burst_acknowledges_only_what_reached_the_disk(tmp_path):
    store = TinyStore(tmp_path, folder=BrokenDisk)
    await register(store, "telegram:0")
    store.folder.fail = 1  # one journal write fails while hundreds of signups are under way

    async def wave(first: int, last: int) -> list:
        return await asyncio.gather(*(register(store, f"telegram:{i}", capacity=100) for i in range(first, last)),
                                    return_exceptions=True)

    early = asyncio.ensure_future(wave(1, 200))
    while not early.done() and not store.folder.fail == 0:  # until the failing write has been tried
        await asyncio.sleep(0)
    outcomes = await wave(200, 400) + await early  # more signups while the failure is dealt with
    acknowledged = {s.user_key for s in outcomes if not isinstance(s, BaseException)}
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert refused and all(isinstance(o, StorageError) for o in refused)  # told, not silently dropped
    await register(store, "telegram:400")  # and the store still works
    acknowledged |= {"telegram:0", "telegram:400"}
    in_memory = {s.user_key for s in store.book("expo").all()}
    store.close()

    on_disk = TinyStore(tmp_path, readonly=True)
    stored = {s.user_key for s in on_disk.book("expo").all()}
    assert stored == acknowledged == in_memory  # nothing acknowledged is missing, nothing refused is there
    assert sum(s.status == "confirmed" for s in on_disk.book("expo").all()) == min(100, len(stored))
    assert all(on_disk.profile(user).language == "en" for user in acknowledged)


def on_disk(folder: Path) -> set[str]:
    """The user keys in the signup shard files themselves (journals not laid over)."""
    return {r["user_key"] for p in (folder / "signups" / "expo").glob("*.json")
            for r in json.loads(p.read_text("utf-8"))["signups"].values()}


async def test_after_a_failed_background_apply_the_files_catch_up_without_a_restart(tmp_path):
    store = TinyStore(tmp_path, folder=BrokenDisk)
    try:
        await register(store, "telegram:0")
        await store.drain()  # the files have caught up once
        store.folder.apply_broken = True  # the disk fills up: journals still fit, shard files do not
        await register(store, "telegram:1")
        while not store.folder.apply_failures:  # the background apply has failed
            await asyncio.sleep(0.01)
        store.folder.apply_broken = False  # space again
        await register(store, "telegram:2")
        await register(store, "telegram:3")
        await store.drain()
        assert not list(tmp_path.glob("journal-*.json"))  # no journals pile up
        assert on_disk(tmp_path) == {f"telegram:{i}" for i in range(4)}  # the files caught up, no restart
        await register(store, "telegram:4")  # and keep catching up
        await store.drain()
        assert not list(tmp_path.glob("journal-*.json")) and "telegram:4" in on_disk(tmp_path)
    finally:
        store.close()


CHILD = textwrap.dedent("""
    import asyncio, datetime as dt, sys
    from pathlib import Path
    from bot.storage import Profile, TinyStore

    async def main(path, start):
        store = TinyStore(path)
        now = dt.datetime.now(dt.timezone.utc)

        async def one(i):
            user = f"telegram:{i}"
            def change():
                store.book("expo").register(user, capacity=500, waitlist=True, now=now, answers={"n": i})
                store.put_profile(Profile(user, language="en", name="x" * 50))
            await store.transact(change)
            print(user, flush=True)  # acknowledged: durably on disk

        i = start
        while True:
            await asyncio.gather(*(one(i + k) for k in range(25)))
            i += 25

    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
""")


def test_sigkill_at_random_moments_loses_no_acknowledged_signup(tmp_path):
    rng = random.Random(20261122)
    acknowledged: set[str] = set()
    next_user = 0
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    for kill in range(20):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(next_user)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        first = child.stdout.readline()  # running: at least one batch acknowledged
        assert first, "the child did not start"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        lines = [first.strip()] + rest.split()
        acknowledged.update(lines)
        next_user = max(int(u.split(":")[1]) for u in lines) + 1000
        store = TinyStore(tmp_path)  # loads, replaying a journal if the kill hit mid-batch
        try:
            book = store.book("expo")
            missing = [u for u in acknowledged if book.active(u) is None or store.profile(u).language != "en"]
            assert not missing, f"kill {kill}: {len(missing)} acknowledged signups lost"
            assert book.taken == min(500, len(book.all()))
        finally:
            store.close()
    assert len(acknowledged) > 20 * 25


async def test_readers_see_acknowledged_changes_before_the_files_catch_up(tmp_path):
    store = TinyStore(tmp_path)
    try:
        await register(store, "telegram:1")
        # a batch acknowledged (its journal is on disk) but not yet applied to the shard files
        store.book("expo").register("telegram:2", capacity=50, waitlist=True, now=NOW)
        store.folder.write_journal([change for table in store._tables() for change in table.take_changes()])
        reader = TinyStore(tmp_path, readonly=True)
        assert [s.user_key for s in reader.book("expo").all()] == ["telegram:1", "telegram:2"]
    finally:
        store.close()
    again = TinyStore(tmp_path)  # start-up applies the journal to the files
    try:
        assert not list(tmp_path.glob("journal-*.json"))
        assert again.book("expo").active("telegram:2") is not None
    finally:
        again.close()
