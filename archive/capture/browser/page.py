"""One page in one tab: load it, run the behaviours, wait for quiet, keep a screenshot and the
rendered DOM. Every step is bounded by the page's deadline; a hostile page (a script that never
yields, a network that never goes idle) ends at the deadline and the outcome says what was cut.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from dataclasses import dataclass, field

from archive.capture.browser import behaviours
from archive.capture.browser.bodies import BodyStore
from archive.capture.browser.cdp import DevTools, Params
from archive.capture.browser.intercept import Interceptor
from archive.capture.budget import ArticleBudget
from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
from archive.capture.targets import TargetPolicy
from archive.errors import BrowserError

# Screenshots stop at this height (CSS pixels): Chromium cannot encode taller images reliably.
MAX_SHOT_HEIGHT = 16384
SCROLL_PAUSE_MS = 50
STEP_QUIET = 0.2  # quiet enough between scroll steps; the page's last wait uses browser_quiet_seconds
# Seconds for a command that does no page work (open, close, enable). It bounds a browser that
# hangs; a healthy one answers in milliseconds, but on a saturated machine (load 40+ on 2 cores)
# answers of 5-10 s were seen, so the bound is generous.
SHORT = 30.0


@dataclass
class PageOutcome:
    interceptor: Interceptor
    screenshot: bytes | None = None
    dom: str | None = None
    notes: list[str] = field(default_factory=list)  # what the behaviours did and what was bounded
    images_total: int = 0
    images_shown: int = 0


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, reserve: float = 0.0, floor: float = 0.5) -> float:
        return max(floor, self.end - reserve - time.monotonic())


async def capture_page(devtools: DevTools, session: CaptureSession, store: BodyStore, url: str,
                       budget: ArticleBudget, policy: TargetPolicy, background: set[asyncio.Task[None]]) -> PageOutcome:
    """Open a tab, capture ``url`` in it, close it. BrowserError when the browser fails.

    Each page gets its own browser context: no cookies or storage carried from one article to
    the next, and a renderer of its own, so a page that hogs its thread stalls no other page."""
    context = str((await devtools.call("Target.createBrowserContext", timeout=SHORT))["browserContextId"])
    try:
        return await _in_context(devtools, context, session, store, url, budget, policy, background)
    finally:
        with contextlib.suppress(BrowserError):
            await devtools.call("Target.disposeBrowserContext", {"browserContextId": context}, timeout=SHORT)


async def _in_context(devtools: DevTools, context: str, session: CaptureSession, store: BodyStore, url: str,
                      budget: ArticleBudget, policy: TargetPolicy, background: set[asyncio.Task[None]]) -> PageOutcome:
    target = str((await devtools.call("Target.createTarget", {"url": "about:blank", "browserContextId": context},
                                      timeout=SHORT))["targetId"])
    try:
        attached = await devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True}, timeout=SHORT)
        tab = str(attached["sessionId"])
        outcome = PageOutcome(Interceptor(devtools, tab, target, session, store, budget, policy, background))
        try:
            await _run(devtools, tab, url, session.settings, outcome)
        finally:
            devtools.forget(tab)
            await outcome.interceptor.finish(timeout=SHORT)
    finally:
        with contextlib.suppress(BrowserError):
            await devtools.call("Target.closeTarget", {"targetId": target}, timeout=SHORT)
    return outcome


async def _run(devtools: DevTools, tab: str, url: str, settings: CaptureSettings, outcome: PageOutcome) -> None:
    deadline = Deadline(settings.browser_page_timeout)
    reserve = min(10.0, settings.browser_page_timeout / 3)  # kept for the screenshot and DOM
    loaded = asyncio.Event()
    devtools.on(tab, "Page.loadEventFired", lambda _: loaded.set())
    devtools.on(tab, "Page.javascriptDialogOpening", lambda _: _dismiss(devtools, tab))
    await _prepare(devtools, tab, outcome)
    answer = await devtools.call("Page.navigate", {"url": url}, session=tab, timeout=deadline.left(reserve))
    if answer.get("errorText"):
        outcome.notes.append(f"navigation: {answer['errorText']}")
        return
    try:
        await asyncio.wait_for(loaded.wait(), deadline.left(reserve))
    except TimeoutError:
        outcome.notes.append("the load event did not fire before the page's deadline")
    await _behave(devtools, tab, settings, outcome, deadline, reserve)
    await _wait_quiet(outcome.interceptor, settings.browser_quiet_seconds, deadline, reserve, outcome.notes)
    await _snapshot(devtools, tab, settings, outcome, deadline)


async def _prepare(devtools: DevTools, tab: str, outcome: PageOutcome) -> None:
    outcome.interceptor.start()
    await devtools.call("Page.enable", session=tab, timeout=SHORT)
    await devtools.call("Page.addScriptToEvaluateOnNewDocument", {"source": behaviours.GUARDS}, session=tab, timeout=SHORT)
    # Every request must reach the interceptor: nothing from the browser's own cache.
    await devtools.call("Network.enable", {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0}, session=tab, timeout=SHORT)
    await devtools.call("Network.setCacheDisabled", {"cacheDisabled": True}, session=tab, timeout=SHORT)
    await devtools.call("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]},
                        session=tab, timeout=SHORT)


def _dismiss(devtools: DevTools, tab: str) -> None:
    # A dialog the guards missed (one opened before they ran) would block the page forever.
    task = asyncio.ensure_future(devtools.call("Page.handleJavaScriptDialog", {"accept": False}, session=tab, timeout=SHORT))
    task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)


async def _evaluate(devtools: DevTools, tab: str, expression: str, timeout: float) -> str:
    answer = await devtools.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                      "returnByValue": True}, session=tab, timeout=timeout)
    if "exceptionDetails" in answer:
        raise BrowserError(f"page script failed: {answer['exceptionDetails'].get('text', '')}")
    return str(answer.get("result", {}).get("value", ""))


async def _behave(devtools: DevTools, tab: str, settings: CaptureSettings, outcome: PageOutcome,
                  deadline: Deadline, reserve: float) -> None:
    try:
        done = json.loads(await _evaluate(devtools, tab, behaviours.EXPAND, deadline.left(reserve)))
        if done.get("expanded") or done.get("clicked"):
            outcome.notes.append(f"expanded {done['expanded']} <details>, clicked {done['clicked']} 'read more'")
        await _scroll(devtools, tab, settings, outcome, deadline, reserve)
    except BrowserError as exc:
        outcome.notes.append(f"behaviours stopped: {exc.summary}")
        # A script that never yields holds the page's only thread: stop it so the snapshot can run.
        with contextlib.suppress(BrowserError):
            await devtools.call("Runtime.terminateExecution", session=tab, timeout=SHORT)


async def _scroll(devtools: DevTools, tab: str, settings: CaptureSettings, outcome: PageOutcome,
                  deadline: Deadline, reserve: float) -> None:
    """Scroll a viewport at a time, letting what each step asks for arrive (network quiet, bounded)
    before looking again; stop at the bottom of a page that no longer grows, or after the steps."""
    last, steps, settled = -1, 0, 0
    for steps in range(1, settings.browser_scroll_steps + 1):  # noqa: B007 - counted for the note
        bottom, height = json.loads(await _evaluate(devtools, tab, behaviours.SCROLL_STEP, deadline.left(reserve)))
        # At the bottom twice with no growth: a list that loads more on reaching the end had
        # its chance (observers fire on a later frame, then their requests start).
        settled = settled + 1 if bottom and height == last else 0
        if settled >= 2:
            break
        last = height
        await asyncio.sleep(SCROLL_PAUSE_MS / 1000)  # observers and timers react to the scroll
        await _wait_quiet(outcome.interceptor, min(STEP_QUIET, settings.browser_quiet_seconds), deadline, reserve, [])
    await _evaluate(devtools, tab, behaviours.SCROLL_TOP, deadline.left(reserve))
    outcome.notes.append(f"scrolled {steps} steps to a height of {max(last, 0)}px")


async def _wait_quiet(interceptor: Interceptor, quiet: float, deadline: Deadline, reserve: float, notes: list[str]) -> None:
    while interceptor.quiet_for() < quiet:
        if time.monotonic() >= deadline.end - reserve:
            notes.append(f"the network did not go quiet ({interceptor.inflight} requests in flight at the deadline)")
            return
        await asyncio.sleep(min(0.05, quiet))


async def _snapshot(devtools: DevTools, tab: str, settings: CaptureSettings, outcome: PageOutcome, deadline: Deadline) -> None:
    steps = (("image count", _count_images), ("rendered DOM", _keep_dom), ("screenshot", _keep_screenshot))
    for what, step in steps:
        try:
            await step(devtools, tab, settings, outcome, deadline.left(floor=2.0))
        except BrowserError as exc:
            outcome.notes.append(f"{what} not taken: {exc.summary}")


async def _count_images(devtools: DevTools, tab: str, settings: CaptureSettings, outcome: PageOutcome, timeout: float) -> None:
    counts = json.loads(await _evaluate(devtools, tab, behaviours.IMAGES, timeout))
    outcome.images_total, outcome.images_shown = int(counts["total"]), int(counts["shown"])
    blocked = counts.get("blocked") or {}
    if blocked.get("dialogs") or blocked.get("windows"):
        outcome.notes.append(f"blocked {blocked.get('dialogs', 0)} dialogs and {blocked.get('windows', 0)} new windows")


async def _keep_dom(devtools: DevTools, tab: str, settings: CaptureSettings, outcome: PageOutcome, timeout: float) -> None:
    html, length = json.loads(await _evaluate(devtools, tab, behaviours.dom(settings.browser_max_dom_chars), timeout))
    outcome.dom = html
    if length > len(html):
        outcome.notes.append(f"rendered DOM cut at {len(html)} of {length} characters (browser_max_dom_chars)")


async def _keep_screenshot(devtools: DevTools, tab: str, settings: CaptureSettings, outcome: PageOutcome, timeout: float) -> None:
    metrics: Params = await devtools.call("Page.getLayoutMetrics", session=tab, timeout=timeout)
    size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
    width = max(1, min(int(size.get("width", 1280)), 4096))
    height = max(1, int(size.get("height", 1024)))
    if height > MAX_SHOT_HEIGHT:
        outcome.notes.append(f"screenshot cut at {MAX_SHOT_HEIGHT} of {height}px")
        height = MAX_SHOT_HEIGHT
    shot = await devtools.call("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "optimizeForSpeed": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, session=tab, timeout=timeout)
    outcome.screenshot = base64.b64decode(shot["data"])
