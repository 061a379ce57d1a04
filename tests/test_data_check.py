"""A damaged data folder is refused with a line naming the file; `eventbot data check` reports it (issue 15)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from bot import cli_data
from bot.config import Config
from bot.datafiles import StorageError
from bot.storage import Profile, TinyStore

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone.utc)


def make_data(folder: Path, people: int = 1200, signups: int = 30) -> None:
    """A data folder as a running bot leaves it: three people shards, one event's signups."""
    async def fill():
        store = TinyStore(folder)
        try:
            def change():
                for i in range(people):
                    store.put_profile(Profile(f"telegram:{i}", language="en"))
                for i in range(signups):
                    store.book("expo").register(f"telegram:{i}", capacity=20, waitlist=True, now=NOW)
            await store.transact(change)
        finally:
            await store.drain()
            store.close()
    asyncio.run(fill())


def data_check(folder: Path, capsys) -> tuple[int, str]:
    """`eventbot data check` on the folder: exit code and standard output."""
    parser = argparse.ArgumentParser()
    cli_data.add_parser(parser.add_subparsers(dest="command"))
    code = cli_data.run(Config(data_dir=folder), parser.parse_args(["data", "check"]))
    return code, capsys.readouterr().out


def refused(folder: Path) -> str:
    with pytest.raises(StorageError) as caught:
        TinyStore(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_clean_folder_checks_clean_and_starts(tmp_path, capsys):
    make_data(tmp_path)
    assert data_check(tmp_path, capsys) == (0, "")
    TinyStore(tmp_path).close()


def shard(folder: Path, rel: str) -> Path:
    return folder / rel


@pytest.mark.parametrize("damage, named, what", [
    (lambda f: shard(f, "people/000001.json").unlink(), "people/000001.json", "missing, but 500 records"),
    (lambda f: shard(f, "signups/expo/000000.json").unlink(), "signups/expo/000000.json", "missing"),
    (lambda f: (f / "manifest.json").unlink(), "manifest.json", "missing"),
    (lambda f: (f / "manifest.json").unlink() or shutil.rmtree(f / "signups"), "manifest.json", "missing"),
    (lambda f: shard(f, "people/000002.json").write_text(""), "people/000002.json", "cannot be read"),
    (lambda f: shard(f, "people/000000.json").write_text('{"people": {}}'), "people/000000.json", "500 lost"),
    (lambda f: shard(f, "signups/expo/000000.json").write_text(
        shard(f, "signups/expo/000000.json").read_text().replace('"waitlisted"', '"maybe"', 1)),
     "signups/expo/000000.json", "unknown status 'maybe'"),
    (lambda f: shard(f, "people/000000.json").write_text('["not", "a", "table"]'), "people/000000.json",
     "not a TinyDB file"),
    (lambda f: shard(f, "outbox").mkdir() or shard(f, "outbox/000000.json").write_text('{"outbox": {"1": 5}}'),
     "outbox/000000.json", "not a table of records"),
])
def test_damage_is_refused_at_start_naming_the_file_and_reported_by_data_check(tmp_path, capsys, damage, named,
                                                                                 what):
    make_data(tmp_path)
    damage(tmp_path)
    message = refused(tmp_path)
    assert str(tmp_path / named) in message and what in message and "--accept-data-loss" in message
    code, out = data_check(tmp_path, capsys)
    assert code == 1 and str(tmp_path / named) in out and what in out
    with pytest.raises(StorageError, match="damaged"):  # readers (signups export) refuse it too
        TinyStore(tmp_path, readonly=True)


def test_accepting_the_loss_starts_says_what_is_lost_and_the_next_start_is_clean(tmp_path, capsys, caplog):
    make_data(tmp_path)
    (tmp_path / "people" / "000001.json").unlink()
    with caplog.at_level(logging.WARNING):
        store = TinyStore(tmp_path, accept_data_loss=True)
    try:
        assert "people/000001.json: missing, but 500 records were written to it (500 lost)" in caplog.text
        assert store.profile("telegram:0").language == "en" and store.profile("telegram:600").language is None
        assert store.book("expo").taken == 20
    finally:
        store.close()
    assert data_check(tmp_path, capsys) == (0, "")
    TinyStore(tmp_path).close()


def test_an_unreadable_file_is_set_aside_when_the_loss_is_accepted(tmp_path):
    make_data(tmp_path)
    (tmp_path / "people" / "000002.json").write_text('{"people": {"1001": ')
    TinyStore(tmp_path, accept_data_loss=True).close()
    assert (tmp_path / "people" / "000002.json.damaged").read_text() == '{"people": {"1001": '  # kept for recovery
    TinyStore(tmp_path).close()


def journal(folder: Path, number: int, entries: dict) -> None:
    (folder / f"journal-{number}.json").write_text(json.dumps(entries))


@pytest.mark.parametrize("key", ["../outside.json", "/tmp/x.json", "people/../../outside.json", "people/x.txt",
                                 "signups/../../000001.json", "files/000001.json"])
def test_a_journal_naming_a_path_outside_the_data_folder_is_refused(tmp_path, key):
    make_data(tmp_path, people=3, signups=0)
    applied = json.loads((tmp_path / "manifest.json").read_text())["applied"]
    journal(tmp_path, applied + 1, {key: {"table": "people", "count": 1, "records": {"1": {"user_key": "x"}}}})
    message = refused(tmp_path)
    assert f"journal-{applied + 1}.json" in message and "not a shard file inside the data folder" in message
    assert not (tmp_path.parent / "outside.json").exists() and not Path("/tmp/x.json").exists()


def test_a_journal_entry_without_records_or_a_damaged_journal_is_named(tmp_path):
    make_data(tmp_path, people=3, signups=0)
    applied = json.loads((tmp_path / "manifest.json").read_text())["applied"]
    journal(tmp_path, applied + 1, {"people/000000.json": {"table": "people"}})
    assert f"journal-{applied + 1}.json: the entry for people/000000.json has no records" in refused(tmp_path)
    (tmp_path / f"journal-{applied + 1}.json").write_text('{"people/000000.json": {"tab')
    assert f"journal-{applied + 1}.json: damaged (not complete JSON" in refused(tmp_path)


def test_a_pending_journal_over_a_truncated_shard_is_named(tmp_path):
    make_data(tmp_path, people=3, signups=0)
    applied = json.loads((tmp_path / "manifest.json").read_text())["applied"]
    journal(tmp_path, applied + 1, {"people/000000.json": {"table": "people", "count": 4, "records": {
        "4": {"user_key": "telegram:4"}}}})
    (tmp_path / "people" / "000000.json").write_text('{"people": {"1": {"user_ke')
    assert "people/000000.json: cannot be read (not complete JSON" in refused(tmp_path)


def test_temporary_files_a_crash_left_are_removed_at_start_up(tmp_path):
    make_data(tmp_path, people=3, signups=2)
    # what a kill in the middle of write_atomic leaves: half-written copies, personal data in them
    left = [tmp_path / "people" / ".000000.json.tmp.k3j4h5x_", tmp_path / ".journal-9.json.tmp.a8b7c6d5",
            tmp_path / "signups" / "expo" / ".000000.json.q1w2e3r4"]  # (the name older versions gave them)
    for path in left:
        path.write_text('{"people": {"1": {"user_key": "telegram:1", "name": "Ada Lov')
    TinyStore(tmp_path).close()
    assert not [p for p in left if p.exists()]
    assert (tmp_path / ".lock").exists() and TinyStore(tmp_path, readonly=True).profile("telegram:1").language == "en"


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_text("x") and p, "is a file, not a folder"),
    (lambda p: (p.parent / "parent-file").write_text("x") and p.parent / "parent-file" / "data", "cannot be used"),
])
def test_an_unusable_data_dir_is_one_clean_line(tmp_path, make, reason):
    data_dir = make(tmp_path / "data")
    with pytest.raises(StorageError) as caught:
        TinyStore(data_dir)
    assert str(data_dir) in str(caught.value) and reason in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_data_dir_is_one_clean_line(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="cannot be used: Permission denied"):
            TinyStore(data_dir)
    finally:
        data_dir.chmod(0o700)


def test_a_missing_journal_is_named_and_the_ones_after_it_are_not_replayed_out_of_order(tmp_path, capsys):
    make_data(tmp_path, people=3, signups=0)
    applied = json.loads((tmp_path / "manifest.json").read_text())["applied"]
    for n in (applied + 2, applied + 3):  # applied + 1 was deleted
        journal(tmp_path, n, {"people/000000.json": {"table": "people", "count": 4, "records": {
            "4": {"user_key": f"telegram:{n}"}}}})
    assert f"journal-{applied + 2}.json: journal {applied + 1} before it is missing" in refused(tmp_path)
    store = TinyStore(tmp_path, accept_data_loss=True)
    try:
        assert len(store.people.records) == 3  # neither journal after the gap was laid over the files
    finally:
        store.close()
    assert not list(tmp_path.glob("journal-*.json")) and len(list(tmp_path.glob("journal-*.json.damaged"))) == 2
    assert data_check(tmp_path, capsys) == (0, "")
