"""A small asyncio client for the Chrome DevTools protocol (CDP) over one WebSocket.

One connection to the browser endpoint carries every tab, each as a flat session
(``Target.attachToTarget`` with ``flatten``): commands name their ``sessionId`` and events come
back tagged with it. Commands are matched to answers by id; events go to the handlers registered
for ``(session, method)``. A handler must not block: it schedules its own work.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from archive.errors import BrowserError

Params = dict[str, Any]
Handler = Callable[[Params], None]
# Answers carry screenshots and rendered DOMs (bounded by the caller); the margin covers base64.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class DevTools:
    """One CDP connection. Use ``await DevTools.open(url)``, then ``close()``."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Params]] = {}
        self._handlers: dict[tuple[str | None, str], Handler] = {}
        self._reader = asyncio.create_task(self._read(), name="devtools-reader")
        self.closed = asyncio.Event()

    @classmethod
    async def open(cls, ws_url: str, *, timeout: float) -> DevTools:
        try:
            ws = await asyncio.wait_for(connect(ws_url, max_size=MAX_MESSAGE_BYTES, ping_interval=None), timeout)
        except (OSError, TimeoutError) as exc:
            raise BrowserError(f"cannot connect to the browser's DevTools endpoint {ws_url}: {exc}") from exc
        return cls(ws)

    def on(self, session: str | None, method: str, handler: Handler) -> None:
        self._handlers[(session, method)] = handler

    def forget(self, session: str) -> None:
        for key in [k for k in self._handlers if k[0] == session]:
            del self._handlers[key]

    async def call(self, method: str, params: Params | None = None, *, session: str | None = None,
                   timeout: float = 30.0) -> Params:
        """Send one command and wait for its answer; BrowserError on an error answer, a closed
        connection or after ``timeout`` seconds."""
        if self.closed.is_set():
            raise BrowserError(f"{method}: the browser connection is closed")
        msg_id = next(self._ids)
        message: Params = {"id": msg_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[Params] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        try:
            await self._ws.send(json.dumps(message))
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise BrowserError(f"{method}: no answer from the browser within {timeout:g}s") from None
        except ConnectionClosed as exc:
            raise BrowserError(f"{method}: the browser connection closed ({exc})") from None
        finally:
            self._waiting.pop(msg_id, None)

    async def close(self) -> None:
        self._reader.cancel()
        await self._ws.close()
        self._fail_waiting("the browser connection was closed")

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                self._dispatch(json.loads(raw))
        except (ConnectionClosed, OSError, ValueError):
            pass
        finally:
            self.closed.set()
            self._fail_waiting("the browser connection closed (did the browser crash?)")

    def _dispatch(self, msg: Params) -> None:
        if "id" in msg:
            future = self._waiting.get(msg["id"])
            if future is None or future.done():
                return
            if "error" in msg:
                future.set_exception(BrowserError(f"browser refused a command: {msg['error'].get('message', msg['error'])}"))
            else:
                future.set_result(msg.get("result", {}))
            return
        handler = self._handlers.get((msg.get("sessionId"), msg.get("method", "")))
        if handler is not None:
            handler(msg.get("params", {}))

    def _fail_waiting(self, why: str) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(BrowserError(why))
