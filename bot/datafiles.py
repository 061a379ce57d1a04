"""The data folder on disk: TinyDB files written atomically, in small shards, by group commit.

Plain TinyDB rewrites its whole file on every insert, in place. Here every table is
split into shards of a few hundred records (so the file rewritten on a write stays
small), the records live in memory, and changed shards are written together:

1. all changed shards of a batch go into one journal file (temporary file, fsync,
   rename: it exists whole or not at all),
2. each shard file is replaced atomically (temporary file, fsync, rename, then the
   folder is fsynced),
3. the journal is removed.

A crash before (1) completes loses only unacknowledged changes; after it, start-up
replays the journal, so a batch that touches several files (a promotion and the
message telling the person) lands completely or not at all. Every shard file is a
normal TinyDB JSON file ({table: {doc_id: record}}), readable with TinyDB.

One process owns a data folder (a lock file); readers such as `eventbot signups
export` open it read-only without the lock, which is safe because files are only
ever replaced whole.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


class StorageError(Exception):
    """The data folder cannot be used (locked, newer schema, unreadable) or a write failed."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, sync_dir: bool = True) -> None:
    """Replace path with text: temporary file, flush, fsync, rename (old or new, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync_dir:
        _fsync_dir(path.parent)


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically instead of truncating it in place."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        try:
            with open(self.path, encoding="utf-8") as fh:
                return json.load(fh)
        except FileNotFoundError:
            return None

    def write(self, data: dict[str, Any]) -> None:
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class ShardChange:
    """One shard file to bring up to date: the records that changed, and the whole shard after."""

    path: Path
    table: str
    records: dict[str, Any]  # doc id -> record, or None when deleted
    snapshot: dict[str, Any]  # doc id -> record: the whole shard
    texts: dict[str, str] = field(default_factory=dict)  # doc id -> the record already encoded (UndoLog.check)


class UndoLog:
    """What the change in progress overwrote, so that a change that fails is taken back alone.

    The store opens it around each change (`begin`/`end`); every table that shares it
    notes the previous value of a record the first time the change touches it. A
    change that raises, or whose records cannot be encoded, is rolled back; the
    changes before and after it in the same group commit are not touched.
    """

    def __init__(self) -> None:
        self.active = False
        self.before: dict[tuple["ShardedTable", int], dict[str, Any] | None] = {}
        self.max_ids: dict["ShardedTable", int] = {}

    def begin(self) -> None:
        """Start noting a change."""
        self.before.clear()
        self.max_ids.clear()
        self.active = True

    def end(self) -> None:
        """Stop noting (the change is kept or was rolled back)."""
        self.active = False
        self.before.clear()
        self.max_ids.clear()

    def check(self) -> str | None:
        """Encode every record the change wrote (kept for its journal); what cannot be encoded, or None."""
        for (table, doc_id) in self.before:
            record = table.records.get(doc_id)
            if record is None:
                continue
            try:
                text = _ENCODER.encode(record)
                if not text.isascii():
                    text.encode("utf-8")
            except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
                return f"a {table.name} record cannot be stored ({type(exc).__name__})"
            table.encoded[doc_id] = text
        return None

    def rollback(self) -> set["ShardedTable"]:
        """Put back what the change overwrote; returns the tables it touched."""
        for (table, doc_id), old in self.before.items():
            table.restore(doc_id, old)
        for table, max_id in self.max_ids.items():
            table._max_id = max_id
        return set(self.max_ids)


class ShardedTable:
    """One table's records in memory, keyed by an int document id, persisted in shard files.

    `shard_of(doc_id)` names the shard file (relative to the table folder) a record
    lives in. Callers change records through put/delete only, which mark the shard
    as changed for the next commit.
    """

    def __init__(self, name: str, folder: Path, shard_of: Callable[[int], str]) -> None:
        self.name = name
        self.folder = folder
        self.shard_of = shard_of
        self.records: dict[int, dict[str, Any]] = {}
        self._shards: dict[str, set[int]] = {}
        self._max_id = 0
        self.dirty: set[str] = set()
        self._changed: set[int] = set()  # ids changed since the last take_changes()
        self.undo: UndoLog | None = None  # shared with the other tables of a store
        self.encoded: dict[int, str] = {}  # id -> the changed record as JSON, when UndoLog.check made it

    def load(self, newer: dict[Path, list[dict[str, Any]]] | None = None) -> None:
        """Read every shard file with TinyDB (a record found in the wrong shard is moved on the next write).

        `newer` holds, per shard file, the record changes of journals not yet applied
        to it, oldest first; they are laid over the file.
        """
        self.records.clear()
        self._shards.clear()
        self.dirty.clear()
        self._changed.clear()
        self._max_id = 0
        newer = {p: deltas for p, deltas in (newer or {}).items() if p.parent == self.folder}
        paths = set(self.folder.glob("*.json")) if self.folder.is_dir() else set()
        for path in sorted(paths | set(newer)):
            docs: dict[int, Any] = {}
            if path.exists():
                with TinyDB(path, storage=AtomicJSONStorage) as db:
                    docs = {doc.doc_id: doc for doc in db.table(self.name).all()}
            for delta in newer.get(path, ()):
                for key, record in delta.items():
                    if record is None:
                        docs.pop(int(key), None)
                    else:
                        docs[int(key)] = record
            for doc_id, doc in docs.items():
                self.records[doc_id] = dict(doc)
                shard = self.shard_of(doc_id)
                self._shards.setdefault(shard, set()).add(doc_id)
                self._max_id = max(self._max_id, doc_id)
                if shard != path.stem:  # the sharding changed: rewrite both files
                    self.dirty.update((shard, path.stem))

    def get(self, doc_id: int) -> dict[str, Any] | None:
        """The record, or None."""
        return self.records.get(doc_id)

    def _note(self, doc_id: int) -> None:
        undo = self.undo
        if undo is not None and undo.active and (self, doc_id) not in undo.before:
            undo.before[(self, doc_id)] = self.records.get(doc_id)
            undo.max_ids.setdefault(self, self._max_id)

    def restore(self, doc_id: int, record: dict[str, Any] | None) -> None:
        """Put a record back as it was (None: absent) when a change is taken back."""
        shard = self.shard_of(doc_id)
        self.encoded.pop(doc_id, None)
        if record is None:
            self.records.pop(doc_id, None)
            self._shards.get(shard, set()).discard(doc_id)
        else:
            self.records[doc_id] = record
            self._shards.setdefault(shard, set()).add(doc_id)
        self.dirty.add(shard)
        self._changed.add(doc_id)

    def put(self, doc_id: int, record: dict[str, Any]) -> None:
        """Insert or replace a record."""
        self._note(doc_id)
        self.encoded.pop(doc_id, None)
        shard = self.shard_of(doc_id)
        self.records[doc_id] = record
        self._shards.setdefault(shard, set()).add(doc_id)
        self._max_id = max(self._max_id, doc_id)
        self.dirty.add(shard)
        self._changed.add(doc_id)

    def delete(self, doc_id: int) -> None:
        """Remove a record (no error if absent)."""
        self._note(doc_id)
        self.encoded.pop(doc_id, None)
        if self.records.pop(doc_id, None) is not None:
            shard = self.shard_of(doc_id)
            self._shards.get(shard, set()).discard(doc_id)
            self.dirty.add(shard)
            self._changed.add(doc_id)

    def next_id(self) -> int:
        """A document id never used in this table (one more than the largest ever seen)."""
        return self._max_id + 1

    def take_changes(self) -> list[ShardChange]:
        """The changed shards: the changed records (for the journal) and a snapshot of the whole
        shard (for its file); clears the changed set.

        Records are replaced whole, never changed in place, so a shallow copy is a
        snapshot that a worker thread can serialise while the loop goes on.
        """
        out = []
        changed: dict[str, dict[str, Any]] = {}
        texts: dict[str, dict[str, str]] = {}
        encoded = self.encoded
        for doc_id in self._changed:
            shard = self.shard_of(doc_id)
            changed.setdefault(shard, {})[str(doc_id)] = self.records.get(doc_id)
            text = encoded.get(doc_id)
            if text is not None:
                texts.setdefault(shard, {})[str(doc_id)] = text
        for shard in sorted(self.dirty):
            ids = sorted(self._shards.get(shard, ()))
            out.append(ShardChange(self.folder / f"{shard}.json", self.name, changed.get(shard, {}),
                                   {str(i): self.records[i] for i in ids}, texts.get(shard, {})))
        self.dirty.clear()
        self._changed.clear()
        encoded.clear()
        return out


class DataFolder:
    """The bot's data folder: one owner process (lock file), a schema version, a journal."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._next = 1  # number of the next journal
        self._lock: FileLock | None = None
        if not readonly:
            path.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(str(path / ".lock"))
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                raise StorageError(
                    f"another eventbot process is using the data folder {path}; stop it first "
                    "(or give this one its own data_dir)") from None
        try:
            self._check_schema()
            if not readonly:
                self.replay_journal()
        except BaseException:
            self.close()
            raise

    def _check_schema(self) -> None:
        meta_path = self.path / "meta.json"
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            version = int(meta["schema"])
        except FileNotFoundError:
            if not self.readonly:
                write_atomic(meta_path, json.dumps({"schema": SCHEMA_VERSION}))
            return
        except (ValueError, KeyError, TypeError):
            raise StorageError(f"{meta_path} is damaged: cannot tell the data's schema version") from None
        if version > SCHEMA_VERSION:
            raise StorageError(f"the data folder {self.path} was written by a newer eventbot (schema {version}); "
                               f"this version reads schema {SCHEMA_VERSION} and will not touch it")

    def journals(self) -> list[Path]:
        """Journals not yet applied to the files, oldest first."""
        return sorted(self.path.glob("journal-*.json"), key=lambda p: int(p.stem.split("-", 1)[1]))

    def _read_journal(self, journal: Path) -> dict[str, Any] | None:
        try:
            return json.loads(journal.read_text("utf-8"))
        except FileNotFoundError:  # applied meanwhile
            return None
        except ValueError:  # cannot happen with atomic journal writes; refuse to guess
            raise StorageError(f"{journal} is damaged; move it away to start without it") from None

    def newer_than_files(self) -> dict[Path, list[dict[str, Any]]]:
        """Per shard file, the record changes of journals not yet applied to it, oldest first."""
        out: dict[Path, list[dict[str, Any]]] = {}
        for journal in self.journals():
            for rel, entry in (self._read_journal(journal) or {}).items():
                out.setdefault(self.path / rel, []).append(entry["records"])
        return out

    def replay_journal(self) -> None:
        """Lay journalled changes that a stop or crash kept from their files over them, in order."""
        journals = self.journals()
        if not journals:
            return
        log.warning("bringing data files up to date from %d journal(s)", len(journals))
        files: dict[Path, dict[str, Any]] = {}
        for path, deltas in self.newer_than_files().items():
            try:
                doc = json.loads(path.read_text("utf-8"))
            except FileNotFoundError:
                doc = {}
            table = next(iter(doc), None) or self._table_of(journals, path)
            records = doc.get(table, {})
            for delta in deltas:
                for key, record in delta.items():
                    if record is None:
                        records.pop(key, None)
                    else:
                        records[key] = record
            files[path] = {table: records}
        self._apply((str(p.relative_to(self.path)), json.dumps(d, ensure_ascii=False, separators=(",", ":")))
                    for p, d in files.items())
        for journal in journals:
            journal.unlink(missing_ok=True)
        self._next = max(int(j.stem.split("-", 1)[1]) for j in journals) + 1

    def _table_of(self, journals: list[Path], path: Path) -> str:
        rel = str(path.relative_to(self.path))
        for journal in journals:
            entry = (self._read_journal(journal) or {}).get(rel)
            if entry:
                return entry["table"]
        return "_default"

    def _apply(self, files: Iterable[tuple[str, str]]) -> None:
        folders = set()
        for rel, text in files:
            target = self.path / rel
            write_atomic(target, text, sync_dir=False)
            folders.add(target.parent)
        for folder in folders:
            _fsync_dir(folder)

    def write_journal(self, changes: list[ShardChange]) -> tuple[Path, list[ShardChange]]:
        """Make a batch durable as one small journal of the changed records (the acknowledgement point).

        Runs in a worker thread. Returns what `apply_journal` needs to update the files.
        """
        if self.readonly:
            raise StorageError("the data folder was opened read-only")
        dumps = _ENCODER.encode
        entries = ",".join(f'{dumps(str(c.path.relative_to(self.path)))}:{{"table":{dumps(c.table)},'
                           f'"records":{_dumps_records(c.records, c.texts)}}}' for c in changes)
        journal = self.path / f"journal-{self._next}.json"
        self._next += 1
        write_atomic(journal, f"{{{entries}}}")
        return journal, changes

    def apply_journals(self, batches: list[tuple[Path, list[ShardChange]]]) -> None:
        """Bring the shard files up to the newest of these batches, then drop their journals (worker thread).

        A shard changed by several batches is written once, from its newest snapshot.
        The journals go oldest first: should the process die in between, the ones left
        are newer than the files' records they touch, and replaying them in order
        ends in the same state.
        """
        newest: dict[Path, ShardChange] = {}
        for _, changes in batches:
            newest.update((c.path, c) for c in changes)
        self._apply((str(c.path.relative_to(self.path)), _dumps_table(c.table, c.snapshot)) for c in newest.values())
        for journal, _ in batches:
            journal.unlink(missing_ok=True)

    def write_batch(self, changes: list[ShardChange]) -> None:
        """Journal and apply a batch at once: all files land, or (after replay) none."""
        if changes:
            self.apply_journals([self.write_journal(changes)])

    def close(self) -> None:
        """Release the lock."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps_records(records: dict[str, Any], texts: dict[str, str] | None = None) -> str:
    """{id: record} as compact JSON, one record at a time (`texts`: records already encoded).

    One json.dumps of a whole shard or batch holds the interpreter lock for tens of
    milliseconds, stalling the event loop; record by record the worker thread
    lets the loop run every few milliseconds.
    """
    dumps = _ENCODER.encode
    texts = texts or {}
    return "{" + ",".join(f"{dumps(key)}:{texts.get(key) or dumps(record)}" for key, record in records.items()) + "}"


def _dumps_table(table: str, records: dict[str, Any]) -> str:
    """{table: records} as compact JSON (a TinyDB file), one record at a time."""
    return f"{{{_ENCODER.encode(table)}:{_dumps_records(records)}}}"


APPLY_EVERY = 0.25  # seconds journals gather before the shard files catch up with them
APPLY_RETRY_MAX = 30.0  # longest wait between tries when the files could not be brought up to date


def _resolve(waiting: list[asyncio.Future[None]]) -> None:
    for future in waiting:
        if not future.done():
            future.set_result(None)


class GroupCommit:
    """Makes in-memory changes durable in batches: many waiting callers, one file write.

    A caller changes records synchronously (nothing else runs in between on the event
    loop), then awaits `durable()`; the writer task serialises every changed shard at
    once, writes them in a worker thread, and wakes all callers of that batch. If a
    write fails, every waiting caller gets StorageError and `on_failure` reloads the
    last durable state, so memory never claims what the disk does not have.
    """

    def __init__(self, tables: Callable[[], Iterable[ShardedTable]], folder: DataFolder,
                 on_failure: Callable[[], None]) -> None:
        self._tables = tables
        self._folder = folder
        self._on_failure = on_failure
        self._waiting: list[asyncio.Future[None]] = []
        self._task: asyncio.Task[None] | None = None
        self._aborting = False
        self._applying: list[tuple[Path, list[ShardChange]]] = []  # journals the files have not caught up with
        self.apply_every = APPLY_EVERY
        self._applier: asyncio.Task[None] | None = None
        self._closing: asyncio.Event | None = None  # set by close(): apply now, and give up after one failure
        self.batches = 0

    def register(self) -> asyncio.Future[None]:
        """A future that completes once every change made so far is on disk (or fails with them)."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        if not self._aborting and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run(), name="eventbot-group-commit")
        return future

    async def durable(self) -> None:
        """Return once every change made so far is on disk."""
        await self.register()

    async def abort(self) -> None:
        """A change failed half-way: let the write in flight land, then drop everything not yet durable."""
        self._aborting = True
        try:
            await self.close()
            self._flush_failure(StorageError("a change could not be completed"))
        finally:
            self._aborting = False

    def _flush_failure(self, exc: Exception) -> None:
        waiting, self._waiting = self._waiting, []
        for table in self._tables():
            table.dirty.clear()
        self._on_failure()
        for future in waiting:
            if not future.done():
                future.set_exception(exc)

    async def _run(self) -> None:
        while self._waiting and not self._aborting:
            waiting, self._waiting = self._waiting, []
            files = [change for table in self._tables() for change in table.take_changes()]
            if not files:
                _resolve(waiting)
                continue
            try:
                journal = await asyncio.to_thread(self._folder.write_journal, files)
            except Exception as exc:
                log.error("writing %d data files failed (%s); reloading the last durable state", len(files), exc)
                self._waiting = waiting + self._waiting
                self._flush_failure(StorageError("the data could not be saved"))
                continue
            self.batches += 1
            _resolve(waiting)  # durable: the journal is on disk
            self._applying.append(journal)
            if self._applier is None or self._applier.done():
                self._applier = asyncio.create_task(self._apply_in_order(), name="eventbot-apply")

    async def _apply_in_order(self) -> None:
        """Bring the shard files up to date from the journals, off the acknowledgement path.

        Journals are gathered for APPLY_EVERY seconds first: a broadcast or a burst of
        signups commits many small batches a second to the same shards, and rewriting
        a 500-record file for each of them cost more CPU than everything else together.
        If the files cannot be written (a full disk), the journals stay and are tried
        again, waiting twice as long each time (at most APPLY_RETRY_MAX seconds), so
        the files catch up once there is space again; close() tries once more, and
        what is still not applied then is replayed from the journals at the next start.
        """
        if self._closing is None:
            self._closing = asyncio.Event()
        closing = self._closing
        delay, failing = self.apply_every, False
        while self._applying:
            if not closing.is_set():
                try:
                    await asyncio.wait_for(closing.wait(), delay)
                except asyncio.TimeoutError:
                    pass
            batches = list(self._applying)
            try:
                await asyncio.to_thread(self._folder.apply_journals, batches)
            except Exception as exc:
                if not failing:
                    log.error("updating the data files from %d journal(s) failed (%s); the journals keep every "
                              "change, and the files are tried again", len(batches), exc)
                failing, delay = True, min(max(delay, self.apply_every) * 2, APPLY_RETRY_MAX)
                if closing.is_set():
                    log.warning("stopping with %d journal(s) not yet applied to the data files; they are replayed "
                                "at the next start", len(self._applying))
                    return
                continue
            del self._applying[:len(batches)]
            if failing:
                log.info("the data files caught up with %d journal(s)", len(batches))
            failing, delay = False, self.apply_every

    async def close(self) -> None:
        """Wait for the batch in flight and for the files to catch up with the journals."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._applier is not None and not self._applier.done():
            if self._closing is None:
                self._closing = asyncio.Event()
            self._closing.set()
            await asyncio.gather(self._applier, return_exceptions=True)
            self._closing = None
