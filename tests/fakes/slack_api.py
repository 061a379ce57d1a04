"""A local stand-in for Slack: the Web API, the file upload URL, response URLs and a Socket Mode websocket.

Runs on 127.0.0.1 on a free port inside the test's event loop (aiohttp), records every
call, and answers like Slack does. `fail()` makes a method answer 429 + Retry-After or
`{"ok": false, "error": ...}` a number of times. `push()` sends a Socket Mode envelope
to the connected client and `ack()` waits for its acknowledgement.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"
# How long a test waits for something the adapter does in the background. Only an upper bound:
# waits end as soon as the call arrives. Generous, because the first question a process answers
# loads the FAQ matcher, which takes many seconds on a busy machine (parallel test runs).
WAIT = 60.0



def dm_channel(channel: str) -> str:
    """The DM a message to `channel` lands in: Slack takes a user id (U...) for the DM with the app."""
    return "D" + channel.lstrip("U") if channel.startswith("U") else channel


@dataclass
class Call:
    """One request the mock received: the API method (or "upload", "response"), its arguments, the answer."""

    method: str
    args: dict[str, Any]
    status: int = 200
    ok: bool = True
    token: str | None = None
    data: bytes = b""
    result: dict[str, Any] = field(default_factory=dict)  # what the mock answered (e.g. a message's ts)

    @property
    def channel(self) -> str:
        """Where a message call lands, as people see it: a user id stands for the DM with the app."""
        return dm_channel(str(self.args.get("channel")))


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: int
    times: int
    hang: bool = False
    where: Callable[[Call], bool] = lambda c: True


@dataclass
class SlackApiMock:
    """The mock server. `users` maps user ids to locales for users.info."""

    users: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    port: int = 0
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _socket: web.WebSocketResponse | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _holds: list[tuple[str, Callable[[Call], bool], asyncio.Event]] = field(default_factory=list)

    @property
    def root(self) -> str:
        """The server's address, e.g. http://127.0.0.1:51234."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The Web API address to give the client (config slack.base_url)."""
        return f"{self.root}/api/"

    async def start(self) -> None:
        """Listen on a free port."""
        app = web.Application()
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/link", self._websocket)
        app.router.add_route("*", "/api/{method}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close the websocket and the server."""
        self._stopping.set()  # requests told to hang give up
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test controls --------------------------------------------------------------

    def fail(self, method: str, *, error: str | None = None, status: int | None = None,
             retry_after: int = 0, times: int = 1, hang: bool = False,
             where: Callable[[Call], bool] = lambda c: True) -> None:
        """Make method fail `times` times: 429 + Retry-After when neither error nor status is given, else
        `status` (e.g. 500) with ok=false and error. `hang`: never answer (until the mock stops), so the
        client's request times out. `where`: only calls it accepts fail."""
        status = status or (200 if error else 429)
        self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times, hang, where))

    def hold(self, method: str, where: Callable[[Call], bool] = lambda c: True) -> asyncio.Event:
        """Make the next call to method matching `where` wait (then answer normally) until the returned
        event is set: Slack being slow, for as long as the test wants."""
        release = asyncio.Event()
        self._holds.append((method, where, release))
        return release

    def calls_to(self, method: str, ok: bool = True) -> list[Call]:
        """The calls to method (only those Slack accepted, unless ok=False)."""
        return [c for c in self.calls if c.method == method and (c.ok or not ok)]

    async def wait_for(self, method: str, count: int = 1, timeout: float = WAIT, ok: bool = True,
                       where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        """Poll until method was called `count` times (successfully, unless ok=False) matching `where`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(method, ok) if where(c)]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"{method}: {len(found)} of {count} calls; all calls: {self.methods()}"
                return found
            await asyncio.sleep(0.01)

    def methods(self) -> list[str]:
        """The methods called so far, in order."""
        return [c.method for c in self.calls]

    def response_url(self, name: str = "r1") -> str:
        """A response_url for slash commands and interactive payloads, served by this mock."""
        return f"{self.root}/response/{name}"

    async def connected(self, timeout: float = WAIT) -> None:
        """Wait until a Socket Mode client is connected."""
        deadline = time.monotonic() + timeout
        while self._socket is None or self._socket.closed:
            assert time.monotonic() < deadline, "no Socket Mode client connected"
            await asyncio.sleep(0.01)

    async def push(self, envelope_type: str, payload: dict[str, Any], retry_attempt: int | None = None) -> str:
        """Send a Socket Mode envelope to the connected client; returns its envelope id."""
        await self.connected()
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                                    "accepts_response_payload": envelope_type != "events_api"}
        if retry_attempt is not None:
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout")
        assert self._socket is not None
        await self._socket.send_str(json.dumps(envelope))
        return envelope_id

    async def ack(self, envelope_id: str, timeout: float = WAIT) -> dict[str, Any]:
        """Wait for the client's acknowledgement of an envelope; returns what it sent."""
        deadline = time.monotonic() + timeout
        while envelope_id not in self.acks:
            assert time.monotonic() < deadline, f"envelope {envelope_id} not acknowledged"
            await asyncio.sleep(0.01)
        return self.acks[envelope_id]

    # --- the server -----------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(parse_qsl((await request.read()).decode("utf-8"))))
        for key, value in args.items():
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    args[key] = json.loads(value)
                except ValueError:
                    pass
        return args

    def _injected(self, call: Call) -> _Failure | None:
        failures = self._failures.get(call.method) or []
        if not failures or not failures[0].where(call):
            return None
        failure = failures[0]
        failure.times -= 1
        if failure.times <= 0:
            failures.pop(0)
        return failure

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization", "")
        call = Call(method, await self._args(request), token=auth.removeprefix("Bearer ") or None)
        self.calls.append(call)
        hold = next((h for h in self._holds if h[0] == method and h[1](call)), None)
        if hold is not None:
            self._holds.remove(hold)
            await asyncio.wait([asyncio.ensure_future(hold[2].wait()), asyncio.ensure_future(self._stopping.wait())],
                               return_when=asyncio.FIRST_COMPLETED)
        failure = self._injected(call)
        if failure is not None:
            call.status, call.ok = failure.status, False
            if failure.hang:
                await self._stopping.wait()
                raise web.HTTPServiceUnavailable()
            if failure.status == 429:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(failure.retry_after)})
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status)
        call.result = {"ok": True, **self._answer(method, call.args)}
        return web.json_response(call.result)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"{int(time.time())}.{next(self._ts):06d}"  # Slack's ts: the time posted, unique per channel
        if method == "auth.test":
            return {"user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": TEAM_ID, "user": "eventbot",
                    "team": "Test", "url": "https://test.slack.com/"}
        if method == "chat.postMessage":
            return {"channel": dm_channel(str(args.get("channel"))), "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"message_ts": ts}
        if method == "chat.update":
            return {"channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}
        if method in ("views.open", "views.publish", "views.update"):
            return {"view": {"id": "V0001", **(args.get("view") or {})}}
        if method == "users.info":
            user = args.get("user", "")
            return {"user": {"id": user, "name": user.lower(), "real_name": f"Person {user}",
                             "profile": {"display_name": f"person-{user}"},
                             **({"locale": self.users.get(user, "en-US")} if args.get("include_locale") else {})}}
        if method == "conversations.history":  # the bot's messages only, newest first
            oldest, channel = float(args.get("oldest") or 0), dm_channel(str(args.get("channel")))
            metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
            return {"messages": [{"type": "message", "bot_id": BOT_ID, "ts": c.result["ts"], "text": c.args.get("text"),
                                  **({"metadata": c.args["metadata"]} if metadata and "metadata" in c.args else {})}
                                 for c in reversed(self.calls_to("chat.postMessage"))
                                 if c.channel == channel and float(c.result["ts"]) >= oldest], "has_more": False}
        if method == "conversations.open":
            return {"channel": {"id": dm_channel(str(args.get("users", "")))}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):04d}"
            return {"file_id": file_id, "upload_url": f"{self.root}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return {"files": [{"id": f["id"], "title": f.get("title")} for f in args.get("files", [])]}
        if method == "apps.connections.open":
            return {"url": f"ws://127.0.0.1:{self.port}/link"}
        return {}

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"]}, data=data))
        return web.Response(text=f"OK - {len(data)}")

    async def _response(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response", {"name": request.match_info["name"], **await request.json()}))
        return web.Response(text="ok")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                          "connection_info": {"app_id": "A0001"}}))
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks[data["envelope_id"]] = data
        return socket
