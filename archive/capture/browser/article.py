"""An article captured in ``browser`` or ``auto`` mode (``capture_mode``), for a CaptureSession.

The page is loaded in the session's browser; every request it makes is fetched and recorded by
the session (intercept.py). Then the article's metadata record lists what the browser fetched,
the screenshot and rendered-DOM ``resource`` records (``WARC-Concurrent-To`` the page's
response), what the behaviours did and what bounded them. If the browser itself fails, the
article is captured statically instead: losing the article to a browser crash loses more.
"""

from __future__ import annotations

import asyncio

from archive.capture.browser.auto import needs_browser
from archive.capture.browser.bodies import BodyStore
from archive.capture.browser.host import BrowserHost
from archive.capture.browser.page import PageOutcome, capture_page
from archive.capture.budget import ArticleBudget
from archive.capture.session import (
    HTML_TYPES,
    RUN_ERRORS,
    ArticleResult,
    CaptureSession,
    Failure,
    Fetched,
)
from archive.capture.targets import current_policy
from archive.charset import choose_charset
from archive.content import ContentDecodingError
from archive.errors import BrowserError

STATIC_ENOUGH = "the served HTML holds the article's text and its images' sources"
MAX_DECIDE_BYTES = 4 * 1024 * 1024


def host_for(session: CaptureSession) -> BrowserHost:
    """The session's browser host, made on first use; the session closes it."""
    if session.browser is None:
        # Bodies fetched for the browser are always kept; of the others, browser mode keeps all
        # (a later page may ask for them) and auto mode only pages (to decide). What the browser
        # asks for that was not kept is fetched again for it (an identical payload: a revisit).
        every = session.settings.capture_mode == "browser"
        store = BodyStore(lambda exchange: every or exchange.content_type in HTML_TYPES)
        session.browser = BrowserHost(session.settings, store)
        session.on_exchange = store.keep
    return session.browser


async def capture_in_mode(session: CaptureSession, seed: str) -> ArticleResult:
    host = host_for(session)
    if session.settings.capture_mode == "browser":
        return await capture_in_browser(session, host, seed, "capture_mode: browser")
    reason = await _why_browser(session, host, seed)
    if reason is None:
        result = await session.capture_static(seed, [("capture-mode", "static"), ("capture-mode-reason", STATIC_ENOUGH)])
        result.mode_reason = STATIC_ENOUGH
        return result
    return await capture_in_browser(session, host, seed, reason)


async def _why_browser(session: CaptureSession, host: BrowserHost, seed: str) -> str | None:
    """Fetch the page statically (the hop is recorded and reused by either capture) and say why
    it needs the browser, or None."""
    try:
        page = await session.fetch(seed, parse=True, known_as=seed if session.incremental else None)
    except RUN_ERRORS:
        raise
    except Exception:
        return None
    kept = host.store.get(page.final_url or seed)
    if page.failure or page.unchanged or not page.ok or page.content_type not in HTML_TYPES or kept is None:
        return None
    try:
        body = kept.decoded(MAX_DECIDE_BYTES)
    except ContentDecodingError:
        return None
    charset, _ = choose_charset(body, list(kept.headers))
    return needs_browser(body, charset)


async def capture_in_browser(session: CaptureSession, host: BrowserHost, seed: str, reason: str) -> ArticleResult:
    budget = ArticleBudget.from_settings(session.settings)
    policy = current_policy(session.fetcher.default_policy)
    try:
        async with host.tab() as devtools:
            outcome = await capture_page(devtools, session, host.store, seed, budget, policy, host.background)
    except BrowserError as exc:
        return await _static_instead(session, seed, f"the browser failed ({exc.summary}); captured statically")
    if not outcome.interceptor.documents:
        why = outcome.notes[-1] if outcome.notes else "the browser did not request the page"
        return await _static_instead(session, seed, f"{why}; captured statically")
    return await _record(session, seed, reason, outcome, budget)


async def _static_instead(session: CaptureSession, seed: str, why: str) -> ArticleResult:
    result = await session.capture_static(seed, [("capture-mode", "static"), ("capture-mode-reason", why)])
    result.mode_reason = why
    return result


async def _record(session: CaptureSession, seed: str, reason: str, outcome: PageOutcome,
                  budget: ArticleBudget) -> ArticleResult:
    inter = outcome.interceptor
    page = inter.documents[-1]
    final = page.final_url or seed
    page_id = page.record.record_id if page.record else None
    fields: list[tuple[str, str]] = [("x-news-archive-role", "article"), ("capture-mode", "browser"),
                                     ("capture-mode-reason", reason), ("final-uri", final)]
    for kind, uri, ctype, body in _resources(final, outcome):
        await asyncio.to_thread(session.writer.write_resource, uri, ctype, body, concurrent_to=page_id)
        fields.append((kind, uri))
    documents = {id(d) for d in inter.documents}
    requisites = list({h.url: h for h in inter.hops if id(h) not in documents}.values())
    fields += [("requisite", h.url) for h in requisites]
    fields.append(("images-shown", f"{outcome.images_shown} of {outcome.images_total}"))
    fields += [("browser-note", note) for note in outcome.notes]
    failures = _failures(seed, page, requisites, inter.refused, budget)
    fields += [("failure", f"{f.url} {f.reason}") for f in failures]
    await asyncio.to_thread(session.writer.write_metadata, seed, fields, concurrent_to=page_id)
    return ArticleResult(
        url=seed, final_url=final, status=page.status, ok=page.record is not None and page.ok, record_id=page_id,
        warc=page.record.filename if page.record else None, requisites=len(requisites),
        requisites_ok=sum(1 for r in requisites if r.ok), failures=failures, payload_digest=page.payload_digest,
        captured_at=page.record.date if page.record else None, mode="browser", mode_reason=reason,
        notes=list(outcome.notes),
    )


def _resources(final: str, outcome: PageOutcome) -> list[tuple[str, str, str, bytes]]:
    """(metadata field, URI, content type, body) of the records the browser made."""
    made = []
    if outcome.screenshot is not None:
        made.append(("screenshot", f"urn:screenshot:{final}", "image/png", outcome.screenshot))
    if outcome.dom is not None:
        made.append(("rendered-dom", f"urn:rendered-dom:{final}", "text/html; charset=utf-8",
                     outcome.dom.encode("utf-8", "surrogatepass")))
    return made


def _failures(seed: str, page: Fetched, requisites: list[Fetched], refused: list[Failure],
              budget: ArticleBudget) -> list[Failure]:
    failures = [f for f in (page.failure, *(r.failure for r in requisites)) if f is not None]
    failures += [Failure(r.final_url or r.url, f"HTTP {r.status}") for r in (page, *requisites)
                 if r.failure is None and r.status is not None and r.status >= 400]
    return failures + refused + [Failure(seed, why) for why in budget.reasons()]
