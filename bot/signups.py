"""Signups of one event: capacity, waiting list, offers. Pure rules over in-memory records.

States: confirmed, waitlisted, offered (a freed place held for the first person on
the waiting list until it expires), cancelled. A place is taken by confirmed and
offered signups. The waiting list is ordered by priority (higher first), then by
the time of signing up. Each method checks everything before it changes anything,
so a refused change leaves the book as it was.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from bot.datafiles import ShardedTable

Status = Literal["confirmed", "waitlisted", "offered", "cancelled"]
ACTIVE = ("confirmed", "waitlisted", "offered")
SEGMENT = 500  # signups per shard file: a new signup rewrites at most this many


def now_iso(now: dt.datetime) -> str:
    """A timestamp as stored: ISO 8601 in UTC."""
    return now.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Signup:
    """One person's signup for one event."""

    seq: int
    event: str
    user_key: str
    status: Status
    created_at: str
    updated_at: str
    platform: str = ""
    user_id: str = ""
    name: str = ""
    language: str = ""
    priority: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    consent_at: str | None = None
    confirmed_at: str | None = None
    offered_until: str | None = None
    cancelled_at: str | None = None
    cancel_reason: str | None = None

    @property
    def id(self) -> str:
        """The signup's id in exports and messages."""
        return f"{self.event}-{self.seq:05d}"

    @property
    def active(self) -> bool:
        """Not cancelled."""
        return self.status in ACTIVE


@dataclass(frozen=True)
class Change:
    """Something that happened to a signup because of someone else: the person must be told."""

    kind: Literal["promoted", "offered", "expired"]
    signup: Signup


class Refused(Exception):
    """A change the rules refuse; raised before anything was changed."""


class AlreadySignedUp(Refused):
    """The person has an active signup for the event; carries it."""

    def __init__(self, signup: Signup) -> None:
        super().__init__(signup.id)
        self.signup = signup


class EventFull(Refused):
    """No place left and the event keeps no waiting list."""


class NoSignup(Refused):
    """The person has no active signup (or no open offer) for the event."""


class EventBook:
    """All signups of one event, with the indexes the rules need."""

    def __init__(self, event_id: str, table: ShardedTable) -> None:
        self.event_id = event_id
        self.table = table
        self._active: dict[str, int] = {}  # user_key -> seq
        self._queue: list[tuple[int, str, int]] = []  # (-priority, created_at, seq), sorted
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the indexes from the table's records (after loading them again)."""
        self._active = {}
        self._queue = []
        self._offered = set()
        self.taken = 0  # confirmed + offered
        for seq in sorted(self.table.records):
            self._index(self.get(seq))

    @staticmethod
    def new_table(event_id: str, folder: Any) -> ShardedTable:
        """The shard table of an event's signups (sequential segments)."""
        return ShardedTable("signups", folder, lambda seq: f"{(seq - 1) // SEGMENT:06d}")

    # --- reading --------------------------------------------------------------------

    def get(self, seq: int) -> Signup:
        """The signup with this number."""
        return Signup(**self.table.records[seq])

    def all(self) -> list[Signup]:
        """Every signup, cancelled ones included, in order of signing up."""
        return [self.get(seq) for seq in sorted(self.table.records)]

    def active(self, user_key: str) -> Signup | None:
        """The person's signup that is not cancelled, if any."""
        seq = self._active.get(user_key)
        return self.get(seq) if seq is not None else None

    def of_user(self, user_key: str) -> list[Signup]:
        """Every signup of the person for this event, cancelled ones included."""
        return [s for s in (self.get(q) for q in self.table.records) if s.user_key == user_key]

    def position(self, signup: Signup) -> int | None:
        """1-based waiting-list position, or None if not waitlisted."""
        if signup.status != "waitlisted":
            return None
        return bisect.bisect_left(self._queue, self._key(signup)) + 1

    @property
    def waiting(self) -> int:
        """How many people are on the waiting list."""
        return len(self._queue)

    # --- changing -------------------------------------------------------------------

    def register(self, user_key: str, *, capacity: int | None, waitlist: bool, now: dt.datetime,
                 **details: Any) -> Signup:
        """Sign the person up: confirmed if a place is free, else waitlisted (or EventFull)."""
        existing = self.active(user_key)
        if existing is not None:
            raise AlreadySignedUp(existing)
        free = capacity is None or (self.taken < capacity and not self._queue)
        if not free and not waitlist:
            raise EventFull(self.event_id)
        stamp = now_iso(now)
        signup = Signup(seq=self.table.next_id(), event=self.event_id, user_key=user_key,
                        status="confirmed" if free else "waitlisted", created_at=stamp, updated_at=stamp,
                        confirmed_at=stamp if free else None, **details)
        self._put(signup)
        return signup

    def cancel(self, user_key: str, now: dt.datetime, reason: str = "cancelled") -> Signup:
        """Cancel the person's active signup (NoSignup if there is none)."""
        signup = self.active(user_key)
        if signup is None:
            raise NoSignup(self.event_id)
        cancelled = replace(signup, status="cancelled", cancelled_at=now_iso(now), cancel_reason=reason,
                            offered_until=None, updated_at=now_iso(now))
        self._put(cancelled)
        return cancelled

    def accept_offer(self, user_key: str, now: dt.datetime) -> Signup:
        """The person takes the place offered to them (NoSignup if no open offer)."""
        signup = self.active(user_key)
        if signup is None or signup.status != "offered" or self._expired(signup, now):
            raise NoSignup(self.event_id)
        confirmed = replace(signup, status="confirmed", confirmed_at=now_iso(now), offered_until=None,
                            updated_at=now_iso(now))
        self._put(confirmed)
        return confirmed

    def fill(self, capacity: int | None, offer_hours: float | None, now: dt.datetime) -> list[Change]:
        """Expire old offers, then give free places to the waiting list in order."""
        changes = []
        for seq in sorted(self._offered):
            signup = self.get(seq)
            if self._expired(signup, now):
                expired = replace(signup, status="cancelled", cancelled_at=now_iso(now), cancel_reason="offer expired",
                                  offered_until=None, updated_at=now_iso(now))
                self._put(expired)
                changes.append(Change("expired", expired))
        while self._queue and (capacity is None or self.taken < capacity):
            signup = self.get(self._queue[0][2])
            if offer_hours:
                until = now + dt.timedelta(hours=offer_hours)
                moved = replace(signup, status="offered", offered_until=now_iso(until), updated_at=now_iso(now))
                changes.append(Change("offered", moved))
            else:
                moved = replace(signup, status="confirmed", confirmed_at=now_iso(now), updated_at=now_iso(now))
                changes.append(Change("promoted", moved))
            self._put(moved)
        return changes

    def due(self, capacity: int | None, now: dt.datetime) -> bool:
        """Whether fill() would change something (an offer expired, or a place is free for the waiting list)."""
        if self._queue and (capacity is None or self.taken < capacity):
            return True
        return any(self._expired(self.get(s), now) for s in self._offered)

    def remove_user(self, user_key: str) -> list[Signup]:
        """Delete every record of the person (for /forget); returns what was deleted."""
        removed = self.of_user(user_key)
        for signup in removed:
            self._unindex(signup)
            self.table.delete(signup.seq)
        return removed

    def purge(self) -> list[Signup]:
        """Delete every record of the event, with its answers (retention after the event); returns them."""
        removed = self.all()
        for signup in removed:
            self._unindex(signup)
            self.table.delete(signup.seq)
        return removed

    # --- internals ------------------------------------------------------------------

    @staticmethod
    def _key(signup: Signup) -> tuple[int, str, int]:
        return (-signup.priority, signup.created_at, signup.seq)

    @staticmethod
    def _expired(signup: Signup, now: dt.datetime) -> bool:
        return signup.offered_until is not None and dt.datetime.fromisoformat(signup.offered_until) <= now

    def _put(self, signup: Signup) -> None:
        old = self.table.records.get(signup.seq)
        if old is not None:
            self._unindex(Signup(**old))
        self.table.put(signup.seq, asdict(signup))
        self._index(signup)

    def _index(self, signup: Signup) -> None:
        if not signup.active:
            return
        self._active[signup.user_key] = signup.seq
        if signup.status == "waitlisted":
            bisect.insort(self._queue, self._key(signup))
        else:
            self.taken += 1
            if signup.status == "offered":
                self._offered.add(signup.seq)

    def _unindex(self, signup: Signup) -> None:
        if not signup.active:
            return
        self._active.pop(signup.user_key, None)
        if signup.status == "waitlisted":
            i = bisect.bisect_left(self._queue, self._key(signup))
            if i < len(self._queue) and self._queue[i] == self._key(signup):
                self._queue.pop(i)
        else:
            self.taken -= 1
            self._offered.discard(signup.seq)
