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

After (2) a manifest (manifest.json) records the journal the files are now at and
how many records each shard holds, and every journal entry carries its shard's count
after the batch: at start-up every file is checked against them, so a deleted,
emptied or hand-edited shard is refused with a message naming it instead of
silently showing fewer records (`eventbot data check` runs the same check).

One process owns a data folder (a lock file); readers such as `eventbot signups
export` open it read-only without that lock. They read every table at once while
holding .readers.lock shared; the writer holds it exclusively only while it
replaces shard files and removes journals, so a reader sees one moment, never
some files before a batch and others after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

try:
    import fcntl
except ImportError:  # not on Windows: readers then take no lock
    fcntl = None  # type: ignore[assignment]

from filelock import FileLock, Timeout
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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp.", dir=path.parent)
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

    def load(self, shards: dict[Path, dict[int, dict[str, Any]]] | None = None) -> None:
        """Take this table's records from what `DataFolder.read` found (a record found in the wrong shard
        is moved on the next write)."""
        self.records.clear()
        self._shards.clear()
        self.dirty.clear()
        self._changed.clear()
        self.encoded.clear()
        self._max_id = 0
        for path, docs in sorted((shards or {}).items()):
            if path.parent != self.folder:
                continue
            for doc_id, doc in docs.items():
                self.records[doc_id] = doc
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


MANIFEST = "manifest.json"  # the journal position the shard files are at, and every shard's record count
READERS_LOCK = ".readers.lock"  # readers hold it shared while they read; the writer exclusively while it applies
LOCK_WAIT = 10.0  # seconds to wait for the other side of READERS_LOCK before giving up
SHARD_NAME = re.compile(r"^\d+\.json$")
TEMP_NAME = re.compile(r"^\..+\.(tmp\.|json\.)[A-Za-z0-9_]+$")  # write_atomic's temporary files (and older ones)
PATH_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$")
CheckRecord = Callable[[str, int, dict[str, Any]], "str | None"]


class Busy(StorageError):
    """Readers held the data folder for longer than LOCK_WAIT (the writer tries again later)."""


@dataclass
class Contents:
    """What the data folder holds at one moment: the shard files with the journals laid over them."""

    shards: dict[Path, dict[int, dict[str, Any]]] = field(default_factory=dict)  # shard file -> id -> record
    tables: dict[Path, str] = field(default_factory=dict)  # table folder -> table name
    problems: list[str] = field(default_factory=list)  # "file: what is wrong", for the operator
    damaged: list[Path] = field(default_factory=list)  # files that cannot be used at all
    journals: list[Path] = field(default_factory=list)  # not yet applied to the shard files, oldest first
    stale: list[Path] = field(default_factory=list)  # journals already applied (a stop came before removing them)
    touched: set[Path] = field(default_factory=set)  # shard files the pending journals change
    applied: int = 0  # the newest journal the shard files contain


def _journal_number(path: Path) -> int:
    try:
        return int(path.stem.split("-", 1)[1])
    except (IndexError, ValueError):
        return -1


class DataFolder:
    """The bot's data folder: one owner process (lock file), a schema version, journals, a manifest.

    Opening it checks every file (see `read`): damage is refused with a StorageError
    naming the file and what is wrong, unless `accept_data_loss` is given, which logs
    what is lost, sets unusable files aside (renamed *.damaged) and goes on with the rest.
    """

    def __init__(self, path: Path, readonly: bool = False, accept_data_loss: bool = False,
                 check_record: CheckRecord | None = None) -> None:
        self.path = path
        self.readonly = readonly
        self.check_record = check_record
        self._next = 1  # number of the next journal
        self._lock: FileLock | None = None
        self._manifest: dict[str, dict[str, Any]] = {}  # table folder (relative) -> {"table", "shards": {stem: n}}
        self._applied = 0
        try:
            if path.exists() and not path.is_dir():
                raise StorageError(f"the data folder {path} is a file, not a folder")
            if not readonly:
                path.mkdir(parents=True, exist_ok=True)
                self._lock = FileLock(str(path / ".lock"))
                try:
                    self._lock.acquire(timeout=0)
                except Timeout:
                    raise StorageError(
                        f"another eventbot process is using the data folder {path}; stop it first "
                        "(or give this one its own data_dir)") from None
                (path / READERS_LOCK).touch()
            self._check_schema()
            if not readonly:
                self._remove_temporary_files()
            self.contents = self.read()
            if self.contents.problems and not accept_data_loss:
                raise StorageError(self.damage_line(self.contents.problems))
            if not readonly:
                self._open_for_writing(self.contents)
        except OSError as exc:
            self.close()
            raise StorageError(f"the data folder {path} cannot be used: "
                               f"{exc.strerror or type(exc).__name__}"
                               f"{f' ({exc.filename})' if exc.filename and str(exc.filename) != str(path) else ''}"
                               ) from None
        except BaseException:
            self.close()
            raise

    def damage_line(self, problems: list[str]) -> str:
        """One line for the operator: the first problem, how many more, and what to do."""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return (f"the data folder {self.path} is damaged: {problems[0]}{more}; 'eventbot data check' lists "
                "every problem; restore the files from a backup, or start with --accept-data-loss to go on "
                "without what is damaged")

    def _check_schema(self) -> None:
        meta_path = self.path / "meta.json"
        self._keeps_manifest = False  # meta.json says so once a manifest was written: then it must be there
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            version = int(meta["schema"])
            self._keeps_manifest = meta.get("manifest") is True
        except FileNotFoundError:
            if not self.readonly:
                write_atomic(meta_path, json.dumps({"schema": SCHEMA_VERSION}))
            return
        except (ValueError, KeyError, TypeError):
            raise StorageError(f"{meta_path} is damaged: cannot tell the data's schema version") from None
        if version > SCHEMA_VERSION:
            raise StorageError(f"the data folder {self.path} was written by a newer eventbot (schema {version}); "
                               f"this version reads schema {SCHEMA_VERSION} and will not touch it")

    def _remove_temporary_files(self) -> None:
        """Temporary files a crash left behind hold personal data that nothing else would ever remove."""
        removed = 0
        for root, _, names in os.walk(self.path):
            for name in names:
                if TEMP_NAME.match(name):
                    Path(root, name).unlink(missing_ok=True)
                    removed += 1
        if removed:
            log.info("removed %d temporary file(s) a crash left in %s", removed, self.path)

    # --- reading: one consistent moment, every file checked ----------------------------

    @contextlib.contextmanager
    def _shared(self) -> Iterator[None]:
        """Hold READERS_LOCK shared: the writer replaces no shard file and removes no journal meanwhile."""
        if fcntl is None:
            yield
            return
        try:
            fd = os.open(self.path / READERS_LOCK, os.O_RDONLY)
        except FileNotFoundError:  # no writer of this version ever ran here
            yield
            return
        try:
            _flock(fd, fcntl.LOCK_SH, f"the data folder {self.path} is busy (an update did not finish); try again")
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold READERS_LOCK exclusively while shard files are replaced (Busy if readers keep it)."""
        if fcntl is None:
            yield
            return
        fd = os.open(self.path / READERS_LOCK, os.O_RDONLY | os.O_CREAT, 0o600)
        try:
            _flock(fd, fcntl.LOCK_EX, f"readers kept the data folder {self.path} busy", Busy)
            yield
        finally:
            os.close(fd)

    def journals(self) -> list[Path]:
        """Journal files present, oldest first."""
        return sorted(self.path.glob("journal-*.json"), key=_journal_number)

    def read(self) -> Contents:
        """Every table's records at one moment: the shard files with the pending journals laid over them.

        Taken under the shared readers' lock, so the files and the manifest belong
        together; journals after the manifest's position are taken while their numbers
        follow on (one written meanwhile and not yet listed ends the run, the result
        is the moment before it). Every problem is reported as "file: what is wrong":
        a file that is not JSON or not a table of records, a record the store would
        not understand, a journal naming a path outside the data folder, and a shard
        whose record count differs from what the manifest and journals say it holds
        (a deleted or emptied file, records removed by hand).
        """
        with self._shared():
            return self._read()

    def _table_name(self, folder: Path) -> str:
        """The table a folder's shard files hold: "signups" for signups/<event>/, else the folder's name."""
        parts = folder.relative_to(self.path).parts
        return "signups" if len(parts) == 2 and parts[0] == "signups" else parts[0]

    def _rel(self, path: Path) -> str:
        return str(path.relative_to(self.path))

    def _read(self) -> Contents:
        out = Contents()
        manifest = self._read_manifest(out)
        tables: dict[str, dict[str, Any]] = manifest.get("tables", {}) if manifest else {}
        applied = int(manifest.get("applied", 0)) if manifest else 0
        out.applied = applied
        expected: dict[Path, int] = {}
        for rel, info in tables.items():
            folder = self._inside(rel, is_file=False)
            if folder is None:
                out.problems.append(f"{self.path / MANIFEST}: names {rel!r}, which is not a table folder")
                continue
            out.tables[folder] = self._table_name(folder)
            expected.update((folder / f"{stem}.json", int(n)) for stem, n in info["shards"].items())
        # journals not yet applied, in order; with a manifest their numbers follow on from its position
        deltas: dict[Path, list[dict[str, Any]]] = {}
        number = applied
        pending = [j for j in self.journals() if manifest is None or _journal_number(j) > applied]
        out.stale = [j for j in self.journals() if manifest is not None and _journal_number(j) <= applied]
        for i, journal in enumerate(pending):
            n = _journal_number(journal)
            entries = None
            if manifest is not None and n != number + 1:
                if self.readonly:  # written meanwhile and not listed yet: stop at the moment before it
                    break
                out.problems.append(f"{journal}: journal {number + 1} before it is missing")
            else:
                entries = self._read_journal(journal, out)
                if entries is None and not journal.exists():  # applied meanwhile (a bot without a manifest)
                    break
            if entries is None:  # what follows a journal that cannot be applied cannot be applied either
                out.damaged += [j for j in pending[i:] if j not in out.damaged]
                if len(pending) > i + 1:
                    out.problems.append(f"{pending[i + 1]}: comes after {journal.name}, which cannot be applied "
                                        f"({len(pending) - i - 1} journal(s) set aside with it)")
                break
            number = n
            out.journals.append(journal)
            for target, entry in entries.items():
                deltas.setdefault(target, []).append(entry["records"])
                out.tables.setdefault(target.parent, self._table_name(target.parent))
                if "count" in entry:
                    expected[target] = entry["count"]
        out.applied = number if out.journals else applied
        out.touched = set(deltas)
        # shard files: what the manifest and journals name, and what is in the known folders
        found: set[Path] = set(expected) | set(deltas)
        for folder in self._table_folders():
            found.update(p for p in folder.glob("*.json") if SHARD_NAME.match(p.name))
        for shard in sorted(found):
            table = out.tables.setdefault(shard.parent, self._table_name(shard.parent))
            records = self._read_shard(shard, table, out)
            if records is None:
                continue
            for delta in deltas.get(shard, ()):
                for key, record in delta.items():
                    if record is None:
                        records.pop(int(key), None)
                    else:
                        records[int(key)] = record
            if self.check_record is not None:
                for doc_id, record in list(records.items()):
                    problem = self.check_record(table, doc_id, record)
                    if problem is not None:
                        out.problems.append(f"{shard}: record {doc_id}: {problem}")
                        del records[doc_id]
            want = expected.get(shard)
            if manifest is not None and want is None and shard.exists():
                out.problems.append(f"{shard}: not written by eventbot (not in {MANIFEST})")
            elif want is not None and len(records) < want:
                what = "missing" if not shard.exists() else f"holds {len(records)} records"
                out.problems.append(f"{shard}: {what}, but {want} records were written to it "
                                    f"({want - len(records)} lost)")
            elif want is not None and len(records) > want:
                out.problems.append(f"{shard}: holds {len(records)} records, but {want} were written to it "
                                    "(changed outside eventbot)")
            out.shards[shard] = records
        return out

    def _table_folders(self) -> list[Path]:
        """people, outbox, every event's signups, and the other tables' folders (shard-named files)."""
        folders = []
        for child in sorted(self.path.iterdir()) if self.path.is_dir() else ():
            if not child.is_dir() or child.name in ("files", "requests") or child.name.startswith("."):
                continue
            if child.name == "signups":
                folders += [f for f in sorted(child.iterdir()) if f.is_dir()]
            else:
                folders.append(child)
        return folders

    def _inside(self, rel: Any, is_file: bool = True) -> Path | None:
        """The path a manifest or journal names, if it is a shard file (or table folder) inside the data folder."""
        if not isinstance(rel, str) or "\\" in rel or "\0" in rel:
            return None
        parts = rel.split("/")
        if is_file and not SHARD_NAME.match(parts[-1]):
            return None
        folder_parts = parts[:-1] if is_file else parts
        if not 1 <= len(folder_parts) <= 2 or (len(folder_parts) == 2) != (folder_parts[0] == "signups"):
            return None
        if not all(PATH_PART.match(p) for p in parts) or folder_parts[0] in ("files", "requests"):
            return None
        return self.path.joinpath(*parts)  # no "..", no absolute path: lexically inside the data folder

    def _read_manifest(self, out: Contents) -> dict[str, Any] | None:
        path = self.path / MANIFEST
        try:
            manifest = json.loads(path.read_text("utf-8"))
            if not isinstance(manifest.get("applied"), int) or not all(
                    isinstance(t, dict) and isinstance(t.get("table"), str) and isinstance(t.get("shards"), dict)
                    and all(isinstance(n, int) for n in t["shards"].values())
                    for t in manifest.get("tables").values()):
                raise TypeError
        except FileNotFoundError:
            if getattr(self, "_keeps_manifest", False):
                out.problems.append(f"{path}: missing, so the record counts of every file cannot be checked "
                                    "(files or whole tables may have been deleted with it)")
                out.damaged.append(path)
            return None
        except (OSError, ValueError, TypeError, AttributeError):
            out.problems.append(f"{path}: damaged (not the manifest eventbot writes); the record counts it "
                                "keeps cannot be checked")
            out.damaged.append(path)
            return None
        if not self.readonly:
            self._manifest = {rel: {"table": t["table"], "shards": dict(t["shards"])}
                              for rel, t in manifest["tables"].items()}
        return manifest

    def _read_journal(self, journal: Path, out: Contents) -> dict[Path, dict[str, Any]] | None:
        """A journal's entries by shard file, or None (gone meanwhile, or a problem reported)."""
        try:
            data = json.loads(journal.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            out.problems.append(f"{journal}: damaged ({_reason(exc)})")
            out.damaged.append(journal)
            return None
        problem = None
        entries: dict[Path, dict[str, Any]] = {}
        if not isinstance(data, dict):
            problem = "not a journal (a JSON object of shard files)"
        else:
            for rel, entry in data.items():
                target = self._inside(rel)
                if target is None:
                    problem = f"names {rel!r:.80}, which is not a shard file inside the data folder"
                elif not isinstance(entry, dict) or not isinstance(entry.get("table"), str):
                    problem = f"the entry for {rel} has no table name"
                elif not isinstance(entry.get("records"), dict) or not all(
                        k.isdigit() and (r is None or isinstance(r, dict)) for k, r in entry["records"].items()):
                    problem = f"the entry for {rel} has no records"
                elif "count" in entry and not isinstance(entry["count"], int):
                    problem = f"the entry for {rel} has a wrong record count"
                if problem:
                    break
                entries[target] = entry
        if problem:
            out.problems.append(f"{journal}: {problem}")
            out.damaged.append(journal)
            return None
        return entries

    def _read_shard(self, shard: Path, table: str, out: Contents) -> dict[int, dict[str, Any]] | None:
        """The records of a shard file ({} if it does not exist), or None with a problem reported."""
        try:
            data = json.loads(shard.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            out.problems.append(f"{shard}: cannot be read ({_reason(exc)})")
            out.damaged.append(shard)
            return None
        problem = None
        if not isinstance(data, dict) or len(data) > 1:
            problem = "not a TinyDB file of one table"
        elif data:
            name, docs = next(iter(data.items()))
            if name != table:
                problem = f"holds table {name!r:.40}, not {table!r}"
            elif not isinstance(docs, dict) or not all(k.isdigit() and isinstance(r, dict) for k, r in docs.items()):
                problem = "not a table of records (document id: record)"
            else:
                return {int(k): r for k, r in docs.items()}
        else:
            return {}
        out.problems.append(f"{shard}: {problem}")
        out.damaged.append(shard)
        return None

    # --- writing ------------------------------------------------------------------------

    def _open_for_writing(self, contents: Contents) -> None:
        """At start-up: set damaged files aside (when accepted), replay the journals, write the manifest."""
        for problem in contents.problems:
            log.warning("data loss accepted: %s", problem)
        with self._exclusive():
            for path in contents.damaged:
                aside = path.with_name(path.name + ".damaged")
                if path.exists():
                    os.replace(path, aside)
                    log.warning("%s was set aside as %s", path, aside.name)
            rewrite: set[Path] = set()
            if contents.problems:
                rewrite = set(contents.shards)  # every file from what could be read: the next start is clean
            elif contents.journals:
                log.warning("bringing data files up to date from %d journal(s)", len(contents.journals))
                rewrite = contents.touched
            self._manifest = {}
            for shard, records in contents.shards.items():
                self._count(shard, self._table_name(shard.parent), len(records))
            self._apply((self._rel(p), _dumps_table(self._table_name(p.parent),
                                                    {str(k): r for k, r in sorted(contents.shards[p].items())}))
                        for p in sorted(rewrite) if p in contents.shards)
            self._applied = contents.applied
            if rewrite or not (self.path / MANIFEST).exists() or contents.stale:
                self._write_manifest()
            for journal in contents.stale + contents.journals:
                journal.unlink(missing_ok=True)
        self._next = self._applied + 1

    def _count(self, shard: Path, table: str, n: int) -> None:
        entry = self._manifest.setdefault(self._rel(shard.parent), {"table": table, "shards": {}})
        entry["table"] = table
        entry["shards"][shard.stem] = n

    def _write_manifest(self) -> None:
        write_atomic(self.path / MANIFEST, json.dumps({"applied": self._applied, "tables": self._manifest},
                                                      separators=(",", ":"), sort_keys=True))
        if not self._keeps_manifest:  # from now on a missing manifest is damage, not an old folder
            write_atomic(self.path / "meta.json", json.dumps({"schema": SCHEMA_VERSION, "manifest": True}))
            self._keeps_manifest = True

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

        Runs in a worker thread. Returns what `apply_journals` needs to update the files.
        Each entry carries the shard's record count after the batch, which start-up checks.
        """
        if self.readonly:
            raise StorageError("the data folder was opened read-only")
        dumps = _ENCODER.encode
        entries = ",".join(f'{dumps(self._rel(c.path))}:{{"table":{dumps(c.table)},"count":{len(c.snapshot)},'
                           f'"records":{_dumps_records(c.records, c.texts)}}}' for c in changes)
        journal = self.path / f"journal-{self._next}.json"
        try:
            write_atomic(journal, f"{{{entries}}}")
        finally:
            if journal.exists():  # numbers follow on without a gap: readers rely on it
                self._next += 1
        return journal, changes

    def apply_journals(self, batches: list[tuple[Path, list[ShardChange]]]) -> None:
        """Bring the shard files up to the newest of these batches, then drop their journals (worker thread).

        A shard changed by several batches is written once, from its newest snapshot;
        then the manifest records the new position and counts; then the journals go,
        oldest first. Should the process die in between, the journals left are newer
        than the files' records they touch, and replaying them in order ends in the
        same state. Readers are kept out meanwhile (READERS_LOCK).
        """
        newest: dict[Path, ShardChange] = {}
        for _, changes in batches:
            newest.update((c.path, c) for c in changes)
        with self._exclusive():
            self._apply((self._rel(c.path), _dumps_table(c.table, c.snapshot)) for c in newest.values())
            saved = {rel: {"table": t["table"], "shards": dict(t["shards"])} for rel, t in self._manifest.items()}
            try:
                for c in newest.values():
                    self._count(c.path, c.table, len(c.snapshot))
                applied = self._applied
                self._applied = max(applied, *(_journal_number(j) for j, _ in batches))
                self._write_manifest()
            except BaseException:
                self._manifest, self._applied = saved, applied
                raise
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


def _flock(fd: int, mode: int, busy: str, error: type[StorageError] = StorageError) -> None:
    """Take a flock, waiting at most LOCK_WAIT seconds (a stopped process must not stall the other side)."""
    assert fcntl is not None
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise error(busy) from None
            time.sleep(0.002)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, ValueError):
        return "not complete JSON: truncated or overwritten" if "Expecting" in str(exc) or "Unterminated" in str(
            exc) or "Extra data" in str(exc) else "not JSON"
    return getattr(exc, "strerror", None) or type(exc).__name__


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
