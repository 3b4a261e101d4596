"""Every request a tab makes goes through the capture session (DevTools Fetch domain).

``Fetch.requestPaused`` stops each request before it leaves the browser; the session fetches
it (target policy, robots.txt, politeness, budget, WARC records, revisits, failure records) and
the browser gets the response with ``Fetch.fulfillRequest``. The browser never talks to the
network itself, so what it rendered is exactly what the WARC holds. Redirects are handed back
as they came (status and Location), so the browser follows them and each hop is recorded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from dataclasses import dataclass, field

from archive.capture.browser.bodies import BodyStore, KeptBody, serving_browser
from archive.capture.browser.cdp import DevTools, Params
from archive.capture.budget import ArticleBudget
from archive.capture.session import CaptureSession, Failure, Fetched
from archive.capture.targets import TargetPolicy, policy_scope
from archive.content import ContentDecodingError
from archive.errors import BrowserError

FULFIL_TIMEOUT = 30.0


@dataclass
class Interceptor:
    """Serves one tab's requests. ``inflight`` and ``last_activity`` tell when it is quiet."""

    devtools: DevTools
    tab: str  # the tab's DevTools session id
    main_frame: str  # the tab's target id, which is its main frame's id
    session: CaptureSession
    store: BodyStore
    budget: ArticleBudget
    policy: TargetPolicy
    # Requests still being fetched when the tab closed finish here (the session's lifetime):
    # cancelling one mid-fetch would hand the cancellation to other articles sharing that hop.
    background: set[asyncio.Task[None]]
    hops: list[Fetched] = field(default_factory=list)
    documents: list[Fetched] = field(default_factory=list)  # main-frame documents: the page, its redirects
    refused: list[Failure] = field(default_factory=list)  # requests not made (not GET, not http)
    inflight: int = 0
    last_activity: float = field(default_factory=time.monotonic)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def start(self) -> None:
        self.devtools.on(self.tab, "Fetch.requestPaused", self._paused)

    def quiet_for(self) -> float:
        return 0.0 if self.inflight else time.monotonic() - self.last_activity

    async def finish(self, timeout: float) -> None:
        """Let requests still being fetched end (bounded); the rest finish in ``background``."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in list(self._tasks):
            self.background.add(task)
            task.add_done_callback(self.background.discard)

    def _paused(self, params: Params) -> None:
        self.inflight += 1
        self.last_activity = time.monotonic()
        task = asyncio.create_task(self._handle(params))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, params: Params) -> None:
        serving_browser.set(True)  # this task's own context: its fetches keep their bodies
        try:
            with policy_scope(self.policy):  # the article's, not the reader task's context
                await self._serve(params)
        except BrowserError:
            pass  # the tab is gone (closed at its deadline, or the browser crashed)
        finally:
            self.inflight -= 1
            self.last_activity = time.monotonic()

    async def _serve(self, params: Params) -> None:
        request_id = str(params["requestId"])
        request: Params = params.get("request", {})
        url = str(request.get("url", ""))
        if request.get("method") != "GET" or not url.startswith(("http://", "https://")):
            self.refused.append(Failure(url[:200], f"browser request not made: {request.get('method')} is not recorded"))
            await self._fail(request_id, "BlockedByClient")
            return
        referer = (request.get("headers") or {}).get("Referer")
        hop = await self.session.browser_hop(url, referer=referer, budget=self.budget)
        if self.store.get(url) is None and hop.failure is None and not hop.cut:
            # Fetched earlier in this session before its body was kept: fetch it again (an
            # identical payload is recorded as a revisit).
            hop = await self.session.browser_hop(url, referer=referer, budget=None, fresh=True)
        if not hop.cut:
            self.hops.append(hop)
            if params.get("resourceType") == "Document" and params.get("frameId") == self.main_frame:
                self.documents.append(hop)
        kept = self.store.get(url) if hop.status is not None else None
        if kept is None:
            await self._fail(request_id, "BlockedByClient" if hop.cut else "Failed")
            return
        await self._fulfil(request_id, kept)

    async def _fulfil(self, request_id: str, kept: KeptBody) -> None:
        try:
            body = kept.decoded(self.session.settings.max_body_bytes)
        except ContentDecodingError:
            await self._fail(request_id, "ContentDecodingFailed")
            return
        params: Params = {"requestId": request_id, "responseCode": kept.status,
                          "responseHeaders": kept.browser_headers(), "body": base64.b64encode(body).decode("ascii")}
        if kept.reason:
            params["responsePhrase"] = kept.reason
        await self.devtools.call("Fetch.fulfillRequest", params, session=self.tab, timeout=FULFIL_TIMEOUT)

    async def _fail(self, request_id: str, reason: str) -> None:
        with contextlib.suppress(BrowserError):
            await self.devtools.call("Fetch.failRequest", {"requestId": request_id, "errorReason": reason},
                                     session=self.tab, timeout=FULFIL_TIMEOUT)
