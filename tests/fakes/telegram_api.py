"""A fake Telegram Bot API server: real HTTP on 127.0.0.1, every call recorded, errors on demand.

The bot under test talks to it through python-telegram-bot with
`base_url=f"{fake.url}/bot"`, exactly as it would talk to a self-hosted Bot API
server. Tests queue updates (messages, photos and other media, service messages,
button presses) that getUpdates hands out, inject faults per method (429 with
retry_after, 403 blocked, 400, 500, slow answers) and read back what the bot called. Unknown methods are logged and
answered 404 so that gaps show up in the test output.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from aiohttp import web

log = logging.getLogger(__name__)

T = TypeVar("T")

JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "link_preview_options",
               "reply_parameters", "caption_entities"}
BLOCKED = "Forbidden: bot was blocked by the user"


@dataclass
class Call:
    """One request the bot made: the method, its decoded parameters and uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200
    result: Any = None  # what the fake answered

    @property
    def ok(self) -> bool:
        """Whether the fake answered with success."""
        return self.status == 200


@dataclass
class Fault:
    """An error (or a delay) the next calls of one method get."""

    status: int = 200
    description: str = ""
    retry_after: int | None = None
    delay: float = 0.0
    chat_id: str | None = None  # only calls for this chat


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegramAPI:
    """The Bot API methods eventbot uses, in memory, over real HTTP."""

    def __init__(self, token: str = "4242424242:AAE-fake_Secret-Token_0123456789abcdef",
                 username: str = "eventbot_test_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.username = username
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self.max_poll_wait = 0.5  # getUpdates honours its timeout up to this many seconds
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._faults: dict[str, list[Fault]] = {}
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- server ---------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (a free port by default); returns the base address (without /bot)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def down(self) -> None:
        """Stop serving for a moment: connections are refused until up()."""
        await self.stop()

    async def up(self) -> None:
        """Serve again on the same address after down()."""
        self._new_update = asyncio.Event()
        await self.start(int(self.url.rsplit(":", 1)[1]))

    async def stop(self) -> None:
        """Stop serving."""
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(status=404)

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            params.update(await request.json())
            return params, files
        if request.body_exists:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = json.loads(value) if key in JSON_FIELDS else value
        return params, files

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params, files = await self._params(request)
        call = Call(method, params, files)
        self.calls.append(call)
        fault = self._take_fault(method, params)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status != 200:
                call.status = fault.status
                body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": fault.description}
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                return web.json_response(body, status=fault.status)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            log.warning("fake Bot API: unknown method %s", method)
            call.status = 404
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                                     status=404)
        result = handler(params, files)
        if asyncio.iscoroutine(result):
            result = await result
        call.result = result
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        queue = self._faults.get(method, [])
        for i, fault in enumerate(queue):
            if fault.chat_id is None or fault.chat_id == str(params.get("chat_id")):
                return queue.pop(i)
        return None

    # --- faults ---------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str = "", *, retry_after: int | None = None,
             times: int = 1, chat_id: str | int | None = None, delay: float = 0.0) -> None:
        """Answer the next `times` calls of method (for chat_id, if given) with this error."""
        description = description or {400: "Bad Request: something is wrong", 403: BLOCKED,
                                       429: f"Too Many Requests: retry after {retry_after}",
                                       500: "Internal Server Error"}.get(status, "Error")
        for _ in range(times):
            self._faults.setdefault(method, []).append(
                Fault(status, description, retry_after, delay, None if chat_id is None else str(chat_id)))

    def slow(self, method: str, delay: float, times: int = 1) -> None:
        """Answer the next `times` calls of method correctly, after a delay."""
        for _ in range(times):
            self._faults.setdefault(method, []).append(Fault(delay=delay))

    # --- updates --------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Ada", language_code: str | None = "en") -> dict[str, Any]:
        """A Telegram User object for a person."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def bot_user(self) -> dict[str, Any]:
        """The bot's own User object."""
        return {"id": self.bot_id, "is_bot": True, "first_name": "EventBot", "username": self.username}

    @staticmethod
    def chat(chat_id: int, chat_type: str = "private", title: str = "Study trip") -> dict[str, Any]:
        """A Chat object; group chats get a title."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = title
        return chat

    def message(self, user_id: int, text: str, *, chat_id: int | None = None, chat_type: str = "private",
                language_code: str | None = "en", first_name: str = "Ada",
                reply_to_bot: bool = False, reply_to_message_id: int | None = None) -> dict[str, Any]:
        """An update with a text message, with the entities Telegram would mark (commands, @mentions)."""
        chat_id = user_id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type), "from": self.user(user_id, first_name, language_code),
            "text": text,
        }
        entities = []
        command = re.match(r"/\w+(@\w+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())})
        for mention in re.finditer(r"@\w+", text):
            if command and mention.start() < command.end():
                continue
            entities.append({"type": "mention", "offset": _utf16_len(text[:mention.start()]),
                             "length": _utf16_len(mention.group())})
        if entities:
            message["entities"] = entities
        if reply_to_bot or reply_to_message_id is not None:
            replied_id = next(self._message_ids) if reply_to_message_id is None else reply_to_message_id
            message["reply_to_message"] = {"message_id": replied_id, "date": int(time.time()),
                                           "chat": self.chat(chat_id, chat_type), "from": self.bot_user(),
                                           "text": "an earlier answer"}
        return {"update_id": next(self._update_ids), "message": message}

    def media(self, user_id: int, kind: str, *, caption: str | None = None, **kw: Any) -> dict[str, Any]:
        """An update with something other than text: kind is a Message field ("photo", "voice",
        "sticker", "document", "video", "location", "contact", ...), caption an optional text with
        its entities (an @mention). Other keywords as for message()."""
        update = self.message(user_id, caption or "", **kw)
        message = update["message"]
        del message["text"]
        entities = message.pop("entities", None)
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        n = next(self._message_ids)
        file = {"file_id": f"{kind}{n}", "file_unique_id": f"u{n}"}
        message[kind] = {
            "photo": [{**file, "width": 90, "height": 90}],
            "voice": {**file, "duration": 2},
            "audio": {**file, "duration": 95},
            "sticker": {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                        "is_video": False},
            "document": {**file, "file_name": "programme.pdf", "mime_type": "application/pdf"},
            "video": {**file, "width": 640, "height": 360, "duration": 5},
            "video_note": {**file, "length": 240, "duration": 5},
            "location": {"latitude": 52.1, "longitude": 6.2},
            "contact": {"phone_number": "+31612345678", "first_name": "Bob"},
        }[kind]
        return update

    def service(self, user_id: int, kind: str, **kw: Any) -> dict[str, Any]:
        """An update with a service message: "new_chat_members" (user_id joined) or "pinned_message"."""
        update = self.message(user_id, "", **kw)
        message = update["message"]
        del message["text"]
        if kind == "new_chat_members":
            message[kind] = [self.user(user_id)]
        elif kind == "pinned_message":
            message[kind] = {"message_id": next(self._message_ids), "date": int(time.time()),
                             "chat": message["chat"], "from": self.bot_user(), "text": "Meeting point: hall 2"}
        else:
            raise ValueError(f"unknown service message {kind!r}")
        return update

    def callback(self, user_id: int, data: str, *, chat_id: int | None = None, chat_type: str = "private",
                 language_code: str | None = "en") -> dict[str, Any]:
        """An update for a pressed inline button carrying callback data."""
        chat_id = user_id if chat_id is None else chat_id
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": str(next(self._callback_ids)), "from": self.user(user_id, language_code=language_code),
            "chat_instance": f"ci{chat_id}", "data": data,
            "message": {"message_id": next(self._message_ids), "date": int(time.time()),
                        "chat": self.chat(chat_id, chat_type), "from": self.bot_user(), "text": "choices"},
        }}

    def enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Hand the update out on the next getUpdates."""
        self._updates.append(update)
        self._new_update.set()
        return update

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot."""
        return len(self._updates)

    # --- recorded calls -------------------------------------------------------------

    def calls_of(self, method: str, *, chat_id: str | int | None = None, ok: bool | None = True) -> list[Call]:
        """The calls of method (answered successfully, by default), optionally for one chat."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def texts(self, chat_id: str | int) -> list[str]:
        """The texts of the messages successfully sent to a chat, in order."""
        return [c.params["text"] for c in self.calls_of("sendMessage", chat_id=chat_id)]

    async def wait_for(self, condition: Callable[[], T], timeout: float = 10.0, what: str = "") -> T:
        """Poll condition until it is truthy; fail with the recorded calls after timeout seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = condition()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                recent = [(c.method, c.status, c.params.get("chat_id"), str(c.params.get("text", ""))[:60])
                          for c in self.calls[-15:]]
                raise AssertionError(f"timed out waiting for {what or condition}; recent calls: {recent}")
            await asyncio.sleep(0.01)

    # --- methods --------------------------------------------------------------------

    def _sent(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": self.chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                   "from": self.bot_user(), **content}
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def api_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def api_getUpdates(self, params: dict[str, Any], files: Any) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
            if wait > 0:
                try:
                    await asyncio.wait_for(self._new_update.wait(), wait)
                except asyncio.TimeoutError:
                    pass
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    def api_deleteWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = {}
        return True

    def api_setWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = dict(params)
        return True

    def api_getWebhookInfo(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def api_setMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        return True

    def api_deleteMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        return True

    def api_getMyCommands(self, params: dict[str, Any], files: Any) -> list[Any]:
        return []

    def api_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self._sent(params, text=params["text"])

    def api_sendDocument(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        name, content = files.get("document", (str(params.get("document", "")), b""))
        return self._sent(params, document={"file_id": f"doc{len(self.calls)}", "file_unique_id": f"u{len(self.calls)}",
                                            "file_name": name, "file_size": len(content)})

    def api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        return True

    def api_editMessageText(self, params: dict[str, Any], files: Any) -> dict[str, Any] | bool:
        if "chat_id" not in params:
            return True
        return {**self._sent(params, text=params["text"]), "message_id": int(params["message_id"])}

    def api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> dict[str, Any] | bool:
        if "chat_id" not in params:
            return True
        return {**self._sent(params, text="choices"), "message_id": int(params["message_id"])}
