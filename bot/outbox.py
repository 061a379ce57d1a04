"""Delivery of queued messages (promotions, offers, broadcasts): never lost, in order, once (a crash: below).

A message is recorded as sent only after the platform accepted it. If the bot dies
between the two, the outcome is unknown after the restart. Where the platform can
look messages up (the messenger has `was_delivered`: Slack), the send is first marked
durably as begun, and after a restart the platform is asked before sending again. Where
it cannot (Telegram), the message is sent again: a duplicate "you are confirmed" is
better than a person who never learns they got a place.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import replace
from typing import Awaitable, Callable, Mapping

from aiolimiter import AsyncLimiter

from bot.messages import Choice, DeliveryError, Messenger, NotConnected, Reply, Unreachable
from bot.storage import Notification, TinyStore

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
DEFAULT_RATE = 25.0  # messages per second per platform, unless the messenger says otherwise
DEFAULT_PER_CHAT = 1.0  # seconds between two messages to one chat
PASS_SECONDS = 20.0  # longest delivery pass; a long broadcast continues in the next one
INTERVAL = 30.0  # seconds between passes when nothing wakes the worker


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _backoff(attempts: int) -> float:
    return min(3600.0, 5.0 * 2 ** (attempts - 1))


class Deliverer:
    """Sends pending notifications through the attached messengers, then records the outcome."""

    def __init__(self, store: TinyStore, messengers: Mapping[str, Messenger], clock: Callable[[], dt.datetime],
                 tick: Callable[[], Awaitable[None]],
                 present: Callable[[Messenger, Reply], Reply] = lambda messenger, reply: reply) -> None:
        self.store = store
        self.present = present  # the reply as the platform shows it (commands written its way)
        self.messengers = messengers
        self.clock = clock
        self.tick = tick
        self.wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._limiters: dict[str, AsyncLimiter] = {}
        self._last_sent: dict[str, float] = {}  # person -> loop time of the last message to them

    async def deliver_due(self) -> int:
        """One pass over the queue, each platform at its own pace; returns how many were delivered."""
        now = self.clock()
        by_platform: dict[str, list[Notification]] = {}
        for note in self.store.pending():
            if note.next_attempt and dt.datetime.fromisoformat(note.next_attempt) > now:
                continue
            if note.platform in self.messengers:
                by_platform.setdefault(note.platform, []).append(note)
        counts = await asyncio.gather(*(self._drain(p, notes) for p, notes in by_platform.items()))
        return sum(counts)

    async def _drain(self, platform: str, notes: list[Notification]) -> int:
        """Send a platform's due messages: at most `max_per_second`, one chat at most every `per_chat_interval`."""
        messenger = self.messengers[platform]
        rate = float(getattr(messenger, "max_per_second", DEFAULT_RATE))
        per_chat = float(getattr(messenger, "per_chat_interval", DEFAULT_PER_CHAT))
        limiter = self._limiters.get(platform)
        if limiter is None or limiter.time_period != 2.0 / rate:
            # one message every 1/rate seconds, with room for one more: a send that woke late
            # (a busy loop) is caught up with the next one instead of lowering the pace, and
            # no second holds more than rate + 1. A bucket of a whole second would let twice
            # the pace through in the first second, and the platform answers 429.
            limiter = self._limiters[platform] = AsyncLimiter(2, 2.0 / rate)
        slots = asyncio.Semaphore(max(1, int(rate)))
        delivered = 0

        async def one(note: Notification) -> None:
            nonlocal delivered
            try:
                outcome = await self._attempt(messenger, note, limiter)
                if outcome is not None:
                    await self.store.transact(lambda: self._record(outcome))
                    delivered += outcome.status == "sent"
            finally:
                slots.release()

        tasks = []
        loop = asyncio.get_running_loop()
        started = loop.time()
        for note in notes:
            if self._stopping:
                break
            if loop.time() - started > PASS_SECONDS:  # let time-driven work (offers, reminders) run between passes
                self.wake.set()
                break
            current = self.store.outbox.get(note.seq)
            if current is None or current["status"] != "pending":  # cancelled or forgotten meanwhile
                continue
            wait = self._last_sent.get(note.user_key, -per_chat) + per_chat - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            await slots.acquire()
            self._last_sent[note.user_key] = loop.time()
            tasks.append(asyncio.create_task(one(note)))
        await asyncio.gather(*tasks, return_exceptions=True)
        return delivered

    async def _attempt(self, messenger: Messenger, note: Notification, pace: AsyncLimiter) -> Notification | None:
        """Send the message at the platform's pace, unless the platform shows it arrived before a crash.

        None: try again later. The pace is taken right before the platform call, after
        the durable mark, so that marks finishing together do not leave in a burst.
        """
        now = self.clock()
        was_delivered = getattr(messenger, "was_delivered", None)
        if was_delivered is None:
            await pace.acquire()
            return await self._send(messenger, note, self.clock())
        if note.attempted_at is not None:  # the bot stopped between a send and its record
            try:
                began = dt.datetime.fromisoformat(note.attempted_at)
                arrived = await was_delivered(note.user_id, note.delivery_id, began)
            except NotConnected:
                return None
            if arrived:
                log.info("a queued %s message had arrived before the restart; not sent again", note.platform)
                return replace(note, status="sent", attempts=note.attempts + 1, sent_at=_stamp(now), attempted_at=None)
        begun = replace(note, attempted_at=_stamp(now))
        if not await self.store.transact(lambda: self._begin(begun)):
            return None  # forgotten or cancelled meanwhile
        await pace.acquire()
        return await self._send(messenger, note, self.clock())

    async def _send(self, messenger: Messenger, note: Notification, now: dt.datetime) -> Notification | None:
        reply = self.present(messenger, Reply(note.text, tuple(Choice(label, payload) for label, payload in note.choices),
                                              delivery_id=note.delivery_id))
        try:
            await messenger.notify(note.user_id, reply)
        except NotConnected:
            return None
        except Unreachable:
            log.info("a queued %s message cannot reach its recipient; marked unreachable", note.platform)
            return replace(note, status="unreachable", attempts=note.attempts + 1, attempted_at=None)
        except DeliveryError as exc:
            return self._retry_later(note, now, exc.retry_after, str(exc)[:200] or type(exc).__name__)
        except Exception as exc:
            log.exception("sending a queued %s message failed", note.platform)
            return self._retry_later(note, now, None, type(exc).__name__)  # an unknown error's text may hold a secret
        return replace(note, status="sent", attempts=note.attempts + 1, sent_at=_stamp(now), attempted_at=None,
                       last_error=None)

    def _retry_later(self, note: Notification, now: dt.datetime, retry_after: float | None,
                     reason: str) -> Notification:
        attempts = note.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.warning("giving up on a queued %s message after %d attempts: %s", note.platform, attempts, reason)
            return replace(note, status="failed", attempts=attempts, attempted_at=None, last_error=reason)
        delay = max(retry_after or 0.0, _backoff(attempts))
        return replace(note, attempts=attempts, next_attempt=(now + dt.timedelta(seconds=delay)).isoformat(),
                       attempted_at=None, last_error=reason)

    def _begin(self, note: Notification) -> bool:
        """Record that a send begins; False if the message was forgotten or cancelled meanwhile."""
        current = self.store.outbox.get(note.seq)
        if current is None or current["status"] != "pending":
            return False
        self.store.put_notification(note)
        return True

    def _record(self, note: Notification) -> None:
        if self.store.outbox.get(note.seq) is None:  # the person was forgotten meanwhile
            return
        self.store.put_notification(note)
        if note.status == "unreachable":
            profile = self.store.profile(note.user_key)
            self.store.put_profile(profile.with_(unreachable=True))

    async def run(self) -> None:
        """Deliver whenever woken (new messages queued) and every INTERVAL seconds."""
        while not self._stopping:
            try:
                async with asyncio.timeout(self._until_next_retry()):
                    await self.wake.wait()
            except TimeoutError:
                pass
            if self._stopping:
                break
            self.wake.clear()
            try:
                await self.tick()
                await self.deliver_due()
            except Exception:
                log.exception("the delivery worker hit an error; it keeps running")

    def _until_next_retry(self) -> float:
        """Seconds until the earliest retry falls due (at most INTERVAL)."""
        now = self.clock()
        due = [dt.datetime.fromisoformat(r["next_attempt"]) for r in self.store.outbox.records.values()
               if r["status"] == "pending" and r.get("next_attempt")]
        if not due:
            return INTERVAL
        return min(INTERVAL, max(0.05, (min(due) - now).total_seconds()))

    def start(self) -> None:
        """Run in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="eventbot-outbox")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop the background worker, letting a send in flight finish (up to `grace` seconds)."""
        if self._task is None:
            return
        self._stopping = True
        self.wake.set()
        done, _ = await asyncio.wait({self._task}, timeout=grace)
        if not done:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        self._stopping = False
