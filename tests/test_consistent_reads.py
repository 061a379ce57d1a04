"""A reader (`eventbot signups export|stats`) sees one consistent moment while the bot writes (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from bot.storage import TinyStore

CAPACITY = 20

WRITER = textwrap.dedent("""
    import asyncio, datetime as dt, random, sys
    from pathlib import Path
    from bot.storage import TinyStore

    async def main(path):
        store = TinyStore(path)
        book = store.book("expo")
        now = dt.datetime.now(dt.timezone.utc)
        people = [f"telegram:{i}" for i in range(1200)]  # three shard files of signups; 8 change at a time

        def fill():
            for user in people:
                book.register(user, capacity=20, waitlist=True, now=now)
        await store.transact(fill)
        print("ready", flush=True)
        rng, n = random.Random(15), len(people)

        async def one():  # someone cancels (the first on the waiting list moves up), someone new signs up
            nonlocal n
            leaving = people.pop(rng.randrange(len(people)))
            def cancel():
                book.cancel(leaving, now)
                book.fill(20, None, now)
            await store.transact(cancel)
            n += 1
            joining = f"telegram:{n}"
            people.append(joining)
            await store.transact(lambda: book.register(joining, capacity=20, waitlist=True, now=now))

        while True:
            await asyncio.gather(*(one() for _ in range(8)))

    asyncio.run(main(Path(sys.argv[1])))
""")


def test_readers_never_see_a_mix_of_two_moments(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              env=env)
    try:
        assert writer.stdout.readline().strip() == "ready", "the writer did not start"
        wrong = []
        for export in range(100):
            book = TinyStore(tmp_path, readonly=True).book("expo")  # what `eventbot signups export` reads
            signups = book.all()
            confirmed = sum(s.status == "confirmed" for s in signups)
            waiting = sorted((s for s in signups if s.status == "waitlisted"), key=book.position)
            active = [s.user_key for s in signups if s.active]
            if (confirmed != CAPACITY or [book.position(s) for s in waiting] != list(range(1, len(waiting) + 1))
                    or len(active) != len(set(active)) or not 1200 - 8 <= len(active) <= 1200):
                wrong.append(f"export {export}: {confirmed} confirmed, {len(waiting)} waiting, {len(active)} active")
        assert writer.poll() is None, "the writer stopped"
        assert not wrong, wrong
    finally:
        writer.kill()
        writer.wait()
