"""One person's change that cannot be stored never costs anyone else their signup (issue 15, isolation)."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.datafiles import StorageError
from bot.storage import Profile, TinyStore

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone.utc)
BAD = "caf\udce9"  # a lone surrogate: piped invalid UTF-8 decoded with surrogateescape; UTF-8 refuses it


async def sign_up(store: TinyStore, i: int, answer: str, name: str = "x", capacity: int = 50):
    user = f"telegram:{i}"

    def change():
        signup = store.book("expo").register(user, capacity=capacity, waitlist=True, now=NOW, answers={"name": answer})
        store.put_profile(Profile(user, language="en", name=name))
        return signup
    return await store.transact(change)


async def test_a_signup_that_cannot_be_encoded_fails_alone(tmp_path):
    store = TinyStore(tmp_path)
    bad = {7, 19, 33, 48, 52}  # in the form answer (the first record the change writes)
    try:
        outcomes = await asyncio.gather(*(sign_up(store, i, BAD if i in bad else "café") for i in range(60)),
                                        return_exceptions=True)
        refused = {i for i, o in enumerate(outcomes) if isinstance(o, BaseException)}
        assert refused == bad
        assert all(isinstance(outcomes[i], StorageError) for i in bad)
        book = store.book("expo")
        assert book.taken == 50 and book.waiting == 5  # the refused ones hold no place
    finally:
        await store.drain()
        store.close()
    again = TinyStore(tmp_path)
    try:
        book = again.book("expo")
        assert {s.user_key for s in book.all()} == {f"telegram:{i}" for i in range(60) if i not in bad}
        assert all(s.answers == {"name": "café"} for s in book.all())
        assert book.taken == 50
        waiting = sorted((s for s in book.all() if s.status == "waitlisted"), key=book.position)
        assert [book.position(s) for s in waiting] == [1, 2, 3, 4, 5]
        assert all(again.profile(f"telegram:{i}").language == "en" for i in range(60) if i not in bad)
    finally:
        again.close()


async def test_a_change_whose_second_record_cannot_be_encoded_is_taken_back_whole(tmp_path):
    store = TinyStore(tmp_path)
    try:
        # the signup is fine, the profile written after it is not: neither may stay
        outcomes = await asyncio.gather(*(sign_up(store, i, "ok", name=BAD if i == 3 else "x", capacity=3)
                                          for i in range(6)), return_exceptions=True)
        assert isinstance(outcomes[3], StorageError)
        assert [o.status for i, o in enumerate(outcomes) if i != 3] == ["confirmed"] * 3 + ["waitlisted"] * 2
        assert store.book("expo").active("telegram:3") is None
        assert store.profile("telegram:3").name == ""
        again = await sign_up(store, 3, "ok")  # and that person can try again with clean text
        assert again.status == "waitlisted" and store.book("expo").waiting == 3
    finally:
        await store.drain()
        store.close()
    reader = TinyStore(tmp_path, readonly=True)
    assert len(reader.book("expo").all()) == 6 and reader.book("expo").taken == 3
