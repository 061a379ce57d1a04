"""What the bot remembers about people, behind a small interface.

TinyDB is the default store. Its stock JSONStorage truncates and rewrites the file
in place, so a crash mid-write can leave half a file; AtomicJSONStorage writes a
temporary file, fsyncs it and renames it over the old one instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from tinydb import Query, TinyDB
from tinydb.storages import Storage


@dataclass(frozen=True)
class Profile:
    """A person's preferences and conversation context."""

    user_key: str
    language: str | None = None  # chosen explicitly with /language
    detected_language: str | None = None  # last language detected from their messages
    last_event: str | None = None  # the event they last viewed or named
    unreachable: bool = False  # the platform refused a message (blocked, left); cleared when they write

    def with_(self, **changes: Any) -> "Profile":
        """A copy with some fields changed."""
        return replace(self, **changes)


class ProfileStore(Protocol):
    """Where profiles live; a server database can implement this later."""

    async def get(self, user_key: str) -> Profile:
        """The person's profile (a fresh one if they are new)."""
        ...

    async def save(self, profile: Profile) -> None:
        """Store the profile durably."""
        ...


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically: old or new, never half."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> dict[str, Any] | None:
        try:
            with open(self.path, encoding="utf-8") as fh:
                return json.load(fh)
        except FileNotFoundError:
            return None

    def write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def close(self) -> None:
        pass


class TinyProfileStore:
    """Profiles in a TinyDB file in the data folder."""

    def __init__(self, data_dir: Path) -> None:
        self._db = TinyDB(data_dir / "profiles.json", storage=AtomicJSONStorage)
        self._lock = asyncio.Lock()

    async def get(self, user_key: str) -> Profile:
        doc = self._db.get(Query().user_key == user_key)
        if not isinstance(doc, dict):
            return Profile(user_key)
        fields = set(Profile.__dataclass_fields__)
        return Profile(**{k: v for k, v in doc.items() if k in fields})

    async def save(self, profile: Profile) -> None:
        async with self._lock:
            self._db.upsert(asdict(profile), Query().user_key == profile.user_key)

    def close(self) -> None:
        """Release the file."""
        self._db.close()
