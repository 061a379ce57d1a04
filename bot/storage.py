"""What the bot remembers, behind a small interface: people, signups, queued messages.

`Store` is the interface the core uses; `TinyStore` implements it on TinyDB files in
the data folder (see bot/datafiles.py for how they are written). A server database
can implement the same interface later: `transact` becomes one database transaction
with the event's signups locked, and the rules in bot/signups.py stay as they are.

One writer: every change runs as a synchronous function on the event loop (so two
signups can never interleave and overbook), and `transact` returns only once the
change is on disk; concurrent changes share one file write.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import time
from collections import deque
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Literal, Protocol, TypeVar, get_args

from tinydb import TinyDB

from bot.datafiles import AtomicJSONStorage, Contents, DataFolder, GroupCommit, ShardedTable, StorageError, UndoLog
from bot.signups import ACTIVE, SEGMENT, EventBook, Signup

log = logging.getLogger(__name__)
T = TypeVar("T")
SLICE_SECONDS = 0.005  # longest run of changes before the writer lets the event loop do other work
RESUME_AT_ONCE = 50  # callers woken per turn of the event loop when their changes are durable
NotificationStatus = Literal["pending", "sent", "failed", "unreachable", "cancelled"]

__all__ = ["Notification", "Profile", "Store", "StorageError", "TinyStore"]


@dataclass(frozen=True)
class Profile:
    """A person's preferences and conversation context."""

    user_key: str
    language: str | None = None  # chosen explicitly with /language
    detected_language: str | None = None  # last language detected from their messages
    last_language: str | None = None  # the language of the last reply to a message they sent
    last_event: str | None = None  # the event they last viewed or named
    unreachable: bool = False  # the platform refused a message (blocked, left); cleared when they write
    name: str = ""  # display name on the platform
    dialog: dict[str, Any] | None = None  # during a turn: the flow in progress in its chat (see bot/dialogs.py)
    dialogs: dict[str, list[dict[str, Any]]] | None = None  # flows in progress per chat, the answered one last
    last_question: dict[str, Any] | None = None  # the last question that got "did you mean" (for insights)

    def with_(self, **changes: Any) -> "Profile":
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Notification:
    """A message the core sends on its own (a promotion, an offer), queued durably until delivered."""

    seq: int
    user_key: str
    text: str
    created_at: str
    choices: tuple[tuple[str, str], ...] = ()
    kind: str = ""
    status: NotificationStatus = "pending"
    attempts: int = 0
    next_attempt: str | None = None
    sent_at: str | None = None
    ref: int | None = None  # the broadcast it belongs to
    attempted_at: str | None = None  # a send began then, outcome unknown (only where the platform can check)
    last_error: str | None = None  # why the last try failed (the adapter's DeliveryError text: no secrets), for operators

    @property
    def delivery_id(self) -> str:
        """What names this message on a platform that can look it up later."""
        return f"{self.seq}@{self.created_at}"

    @property
    def platform(self) -> str:
        """The platform part of the person's key."""
        return self.user_key.split(":", 1)[0]

    @property
    def user_id(self) -> str:
        """The platform's user id."""
        return self.user_key.split(":", 1)[1]


class Store(Protocol):
    """The storage the core needs."""

    async def get(self, user_key: str) -> Profile:
        """The person's profile (a fresh one if they are new)."""
        ...

    async def save(self, profile: Profile) -> None:
        """Store the profile durably."""
        ...

    def book(self, event_id: str) -> EventBook:
        """The signups of an event (read freely; change only inside transact)."""
        ...

    def signups_of(self, user_key: str) -> list[Signup]:
        """The person's active signups, all events."""
        ...

    async def transact(self, change: Callable[[], T]) -> T:
        """Run a synchronous change and return its result once it is durable."""
        ...


class TinyStore:
    """The default store: TinyDB shard files in the data folder, written by group commit."""

    def __init__(self, data_dir: Path, readonly: bool = False, folder: type[DataFolder] = DataFolder,
                 accept_data_loss: bool = False) -> None:
        """Open the data folder: every file is checked, and damage refused with StorageError naming the file
        (with `accept_data_loss`, logged and left behind instead: see DataFolder)."""
        self.folder = folder(data_dir, readonly=readonly, accept_data_loss=accept_data_loss,
                             check_record=check_record)
        self._undo = UndoLog()  # one change at a time is noted, so a failing one is taken back alone
        self.people = self._own(ShardedTable("people", data_dir / "people", lambda i: f"{(i - 1) // SEGMENT:06d}"))
        self.outbox = self._own(ShardedTable("outbox", data_dir / "outbox", lambda i: f"{(i - 1) // SEGMENT:06d}"))
        self.books: dict[str, EventBook] = {}
        self.extra: dict[str, ShardedTable] = {}  # tables other parts of the core ask for by name
        self._forget_fields: dict[str, tuple[str, ...]] = {}  # table -> fields forget() empties instead of deleting
        self._people_ids: dict[str, int] = {}
        self._contents = self.folder.contents  # read and checked at one moment; tables asked for later come from it
        self._load(self._contents)
        if not readonly:
            self._migrate_profiles_json()
        # what was loaded lives as long as the bot: keep it out of the cyclic garbage
        # collector's full passes, which otherwise pause the event loop for tens of ms
        gc.freeze()
        self._commit = GroupCommit(self._tables, self.folder, self._load)
        self._changes: deque[tuple[Callable[[], Any], asyncio.Future[Any]]] = deque()
        self._writer: asyncio.Task[None] | None = None

    # --- loading --------------------------------------------------------------------

    def _own(self, table: ShardedTable) -> ShardedTable:
        table.undo = self._undo
        return table

    def _tables(self) -> list[ShardedTable]:
        return [self.people, self.outbox, *self.extra.values(), *(b.table for b in self.books.values())]

    def table(self, name: str, per_shard: int = SEGMENT, forget_fields: tuple[str, ...] = ()) -> ShardedTable:
        """A named table of records with int ids (new ids: `next_id()`), kept in <data_dir>/<name>/.

        Records that have a "user_key" are deleted by forget(); with `forget_fields`, the
        records stay (others need them, e.g. a broadcast's report) and only these fields,
        "user_key" among them, are emptied.
        """
        if forget_fields:
            self._forget_fields[name] = forget_fields
        table = self.extra.get(name)
        if table is None:
            table = self._own(ShardedTable(name, self.folder.path / name, lambda i: f"{(i - 1) // per_shard:06d}"))
            table.load(self._contents.shards)
            self.extra[name] = table
        return table

    def _load(self, contents: Contents | None = None) -> None:
        """Load every table from one consistent reading of the data folder (after a failed write: a new one)."""
        if contents is None:
            contents = self._contents = self.folder.read()
            for problem in contents.problems:
                log.error("%s", problem)
        self.people.load(contents.shards)
        self.outbox.load(contents.shards)
        for table in self.extra.values():
            table.load(contents.shards)
        signups = self.folder.path / "signups"
        folders = {f for f in contents.tables if f.parent == signups}
        folders |= {signups / event_id for event_id in self.books}
        for folder in sorted(folders):
            book = self.books.get(folder.name)
            if book is None:  # the same objects stay in use after a reload: callers may hold them
                book = self.books[folder.name] = EventBook(
                    folder.name, self._own(EventBook.new_table(folder.name, folder)))
            book.table.load(contents.shards)
            book.reindex()
        self._people_ids = {rec["user_key"]: doc_id for doc_id, rec in self.people.records.items()}

    def _migrate_profiles_json(self) -> None:
        """Profiles kept in one profiles.json (before signups existed) move into the people shards."""
        legacy = self.folder.path / "profiles.json"
        if not legacy.is_file():
            return
        with TinyDB(legacy, storage=AtomicJSONStorage) as db:
            fields = set(Profile.__dataclass_fields__)
            for doc in db.all():
                if isinstance(doc.get("user_key"), str) and doc["user_key"] not in self._people_ids:
                    self.put_profile(Profile(**{k: v for k, v in doc.items() if k in fields}))
        self.folder.write_batch(self.people.take_changes())
        legacy.unlink()  # everything is in the people shards now; no copy of personal data stays behind

    # --- transactions ---------------------------------------------------------------

    async def transact(self, change: Callable[[], T]) -> T:
        """Run change() (synchronous: nothing interleaves), then return its result once it is durable.

        Changes run one after another in the writer task, in slices of a few
        milliseconds so a burst never holds up the event loop for long; each slice
        is made durable by the next group commit. A change that raises, or whose
        records cannot be stored (text that JSON or UTF-8 refuses), is taken back
        alone before the next one runs: its caller gets the error (StorageError for
        the encoding), and everyone else's changes in the same write are kept.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._changes.append((change, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._run_changes(), name="eventbot-writer")
        return await future

    def _run_one(self, change: Callable[[], Any], future: asyncio.Future[Any]) -> tuple[bool, Any]:
        """Run one change with the undo log open: (True, result), or (False, None) with the future failed."""
        undo = self._undo
        undo.begin()
        try:
            try:
                result = change()
            except Exception as exc:
                self._take_back()
                future.set_exception(exc)
                return False, None
            problem = undo.check()
            if problem is not None:
                log.warning("a change was refused and taken back: %s", problem)
                self._take_back()
                future.set_exception(StorageError("the data could not be saved"))
                return False, None
            return True, result
        finally:
            undo.end()

    def _take_back(self) -> None:
        """Roll back the change in progress and rebuild the indexes over what it touched."""
        touched = self._undo.rollback()
        if not touched:
            return
        for book in self.books.values():
            if book.table in touched:
                book.reindex()
        if self.people in touched:
            self._people_ids = {rec["user_key"]: doc_id for doc_id, rec in self.people.records.items()}

    async def _run_changes(self) -> None:
        while self._changes:
            started = time.perf_counter()
            applied: list[tuple[asyncio.Future[Any], Any]] = []
            while self._changes and time.perf_counter() - started < SLICE_SECONDS:
                change, future = self._changes.popleft()
                if future.done():  # the caller gave up before its turn
                    continue
                ok, result = self._run_one(change, future)
                if ok:
                    applied.append((future, result))
            if applied:
                asyncio.ensure_future(_settle(self._commit.register(), applied))
            await asyncio.sleep(0)  # let the loop breathe between slices

    async def flush(self) -> None:
        """Wait until every change so far is durable."""
        await self._commit.durable()

    @property
    def batches(self) -> int:
        """How many group commits have been written (for benchmarks)."""
        return self._commit.batches

    async def drain(self) -> None:
        """Wait for the changes queued and the write in flight (acknowledged changes are already durable)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        await self._commit.close()

    def close(self) -> None:
        """Release the data folder."""
        self.folder.close()

    # --- people ---------------------------------------------------------------------

    def profile(self, user_key: str) -> Profile:
        """The person's profile, synchronously (fresh if new)."""
        doc_id = self._people_ids.get(user_key)
        if doc_id is None:
            return Profile(user_key)
        fields = set(Profile.__dataclass_fields__)
        return Profile(**{k: v for k, v in self.people.records[doc_id].items() if k in fields})

    def put_profile(self, profile: Profile) -> None:
        """Change a profile; call inside transact."""
        doc_id = self._people_ids.get(profile.user_key)
        if doc_id is None:
            doc_id = self._people_ids[profile.user_key] = self.people.next_id()
        self.people.put(doc_id, asdict(profile))

    async def get(self, user_key: str) -> Profile:
        """The person's profile (a fresh one if they are new)."""
        return self.profile(user_key)

    async def save(self, profile: Profile) -> None:
        """Store the profile durably."""
        await self.transact(lambda: self.put_profile(profile))

    # --- signups --------------------------------------------------------------------

    def book(self, event_id: str) -> EventBook:
        """The signups of an event (read freely; change only inside transact)."""
        book = self.books.get(event_id)
        if book is None:
            folder = self.folder.path / "signups" / event_id
            book = self.books[event_id] = EventBook(event_id, self._own(EventBook.new_table(event_id, folder)))
        return book

    def signups_of(self, user_key: str) -> list[Signup]:
        """The person's active signups, all events."""
        found = (book.active(user_key) for book in self.books.values())
        return [s for s in found if s is not None]

    # --- outbox ---------------------------------------------------------------------

    def enqueue(self, user_key: str, text: str, now: dt.datetime, choices: tuple[tuple[str, str], ...] = (),
                kind: str = "", ref: int | None = None) -> Notification:
        """Queue a message for the person; call inside transact (with the change it tells about)."""
        note = Notification(seq=self.outbox.next_id(), user_key=user_key, text=text, choices=choices, kind=kind,
                            created_at=now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"), ref=ref)
        self.outbox.put(note.seq, _record(note))
        return note

    def pending(self) -> list[Notification]:
        """Queued messages not yet delivered, oldest first."""
        return [_notification(r) for _, r in sorted(self.outbox.records.items()) if r["status"] == "pending"]

    def put_notification(self, note: Notification) -> None:
        """Record a delivery outcome; call inside transact."""
        self.outbox.put(note.seq, _record(note))

    # --- forgetting -----------------------------------------------------------------

    def forget(self, user_key: str) -> dict[str, Any]:
        """Delete everything stored about the person; call inside transact. Returns what was deleted."""
        signups: list[Signup] = []
        for book in self.books.values():
            signups += book.remove_user(user_key)
        messages = [seq for seq, r in self.outbox.records.items() if r["user_key"] == user_key]
        for seq in messages:
            self.outbox.delete(seq)
        tables: dict[str, int] = {}
        for name, table in self.extra.items():
            mine = [i for i, r in table.records.items() if r.get("user_key") == user_key]
            fields = self._forget_fields.get(name)
            for i in mine:
                if fields:
                    table.put(i, {**table.records[i], **dict.fromkeys(fields)})
                else:
                    table.delete(i)
            tables[name] = len(mine)
        doc_id = self._people_ids.pop(user_key, None)
        if doc_id is not None:
            self.people.delete(doc_id)
        return {"profile": doc_id is not None, "signups": signups, "messages": len(messages),
                "tables": tables}

    def purge_event(self, event_id: str) -> dict[str, int]:
        """Delete an ended event's signups with their answers, and the dialogs people have open for it;
        call inside transact. Returns counts of what was deleted."""
        signups = self.book(event_id).purge()
        keys = {s.user_key for s in signups}
        dialogs = 0
        for doc_id, record in list(self.people.records.items()):
            open_ = {chat: [d for d in stack if d.get("event") != event_id]
                     for chat, stack in (record.get("dialogs") or {}).items()}
            closed = sum(len(stack) for stack in (record.get("dialogs") or {}).values()) - sum(map(len, open_.values()))
            legacy = record.get("dialog") and record["dialog"].get("event") == event_id
            if closed or legacy or record.get("last_event") == event_id:
                self.people.put(doc_id, {**record, "dialogs": {c: d for c, d in open_.items() if d} or None,
                                         "dialog": None if legacy else record.get("dialog"),
                                         "last_event": None if record.get("last_event") == event_id
                                         else record.get("last_event")})
                dialogs += closed + int(bool(legacy))
        return {"signups": len(signups), "people": len(keys), "dialogs": dialogs}

    def remove_delivered_files(self) -> int:
        """Delete the signup lists delivered as files into the data folder (the console's `files/`),
        since they may name a person who asked to be forgotten; calendar files name nobody and stay.
        Call after the forget transaction; returns how many files were removed."""
        removed = 0
        for path in sorted((self.folder.path / "files").rglob("*")):
            if path.is_file() and path.suffix.lower() != ".ics":
                path.unlink(missing_ok=True)
                removed += 1
        return removed


SIGNUP_FIELDS = frozenset(Signup.__dataclass_fields__)
SIGNUP_STATUSES = (*ACTIVE, "cancelled")
NOTIFICATION_FIELDS = frozenset(Notification.__dataclass_fields__)
NOTIFICATION_STATUSES = get_args(NotificationStatus)


def check_record(table: str, doc_id: int, record: dict[str, Any]) -> str | None:
    """What is wrong with a stored record, for the start-up check (None: nothing)."""
    if table == "signups":
        fields, statuses, key = SIGNUP_FIELDS, SIGNUP_STATUSES, "seq"
    elif table == "outbox":
        fields, statuses, key = NOTIFICATION_FIELDS, NOTIFICATION_STATUSES, "seq"
    elif table == "people":
        return None if isinstance(record.get("user_key"), str) else "no user_key"
    else:
        return None
    status = record.get("status")
    if status not in statuses:
        return f"unknown status {str(status)[:40]!r}"
    unknown = sorted(set(record) - fields)
    if unknown:
        return f"unknown field {unknown[0][:40]!r}"
    if record.get(key) != doc_id:
        return f"its {key} is {str(record.get(key))[:20]!r}, not its id {doc_id}"
    if not isinstance(record.get("user_key"), str):
        return "no user_key"
    return None


def check_data(data_dir: Path) -> list[str]:
    """Every problem in a data folder, as "file: what is wrong" (read-only: works while the bot runs)."""
    folder = DataFolder(data_dir, readonly=True, accept_data_loss=True, check_record=check_record)
    return folder.contents.problems


async def _settle(commit: asyncio.Future[None], batch: list[tuple[asyncio.Future[Any], Any]]) -> None:
    """Resolve the callers of one slice once its group commit is done (or failed).

    A few at a time: every resolved caller resumes in the same turn of the event
    loop, and a thousand of them at once would hold it up for tens of milliseconds.
    """
    await asyncio.gather(commit, return_exceptions=True)
    error = commit.exception() if not commit.cancelled() else StorageError("the write was cancelled")
    for i, (future, result) in enumerate(batch, 1):
        if not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)
        if i % RESUME_AT_ONCE == 0:
            await asyncio.sleep(0)


def _record(note: Notification) -> dict[str, Any]:
    record = asdict(note)
    record["choices"] = [list(c) for c in note.choices]
    return record


def _notification(record: dict[str, Any]) -> Notification:
    return Notification(**{**record, "choices": tuple(tuple(c) for c in record.get("choices", ()))})
