"""A capture session: one output folder, one HTTP client, one WARC writer, many articles.

``capture_article`` is the unit of work the Prefect flow fans out over: an article page, its
redirects, and every requisite it needs, fetched concurrently under per-host politeness. A
requisite shared by many articles (a stylesheet, a logo) is fetched once per session; an
identical payload under another URL is stored once and referred to by a revisit record.
"""

from __future__ import annotations

import asyncio
import socket
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from archive.capture.budget import ArticleBudget
from archive.capture.fetch import Exchange, Fetcher
from archive.capture.redirects import RedirectChain, is_redirect
from archive.capture.requisites import css_requisites, page_links
from archive.capture.robots import MAX_ROBOTS_BYTES, RobotsPolicy
from archive.capture.settings import CaptureSettings
from archive.capture.targets import Resolver, current_policy, policy_scope
from archive.capture.urls import check_seed, host_key, redirect_target
from archive.capture.warc import WarcFileWriter, WrittenRecord
from archive.charset import choose_charset
from archive.content import ContentDecodingError
from archive.errors import DiskFullError, FetchError, WarcWriteError

if typing.TYPE_CHECKING:
    from archive.capture.browser.host import BrowserHost

# Pages and stylesheets are parsed for links only up to this size (the archive keeps them whole).
MAX_PARSE_BYTES = 16 * 1024 * 1024
# Errors of the run's output, not of one URL: they end the run (with their one clear message)
# rather than being recorded as one article's failure and repeated for every other.
RUN_ERRORS = (DiskFullError, WarcWriteError)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CSS_TYPES = frozenset({"text/css"})


@dataclass
class Failure:
    url: str
    reason: str
    transient: bool = False

    def to_json(self) -> dict[str, object]:
        return {"url": self.url, "reason": self.reason, "transient": self.transient}


@dataclass
class Fetched:
    """The outcome of fetching one URL (after redirects) within a session."""

    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str = ""
    record: WrittenRecord | None = None
    revisit: bool = False
    truncated: str | None = None
    hops: int = 0
    failure: Failure | None = None
    children: tuple[str, ...] = ()
    outlinks: tuple[str, ...] = ()
    location: str | None = None
    payload_digest: str | None = None
    unchanged: bool = False
    body_bytes: int = 0
    cut: bool = False  # not fetched: the article's budget was spent (recorded in the budget)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status is not None and self.status < 400


@dataclass
class ArticleResult:
    url: str
    final_url: str | None
    status: int | None
    ok: bool
    record_id: str | None
    warc: str | None
    requisites: int = 0
    requisites_ok: int = 0
    outlinks: int = 0
    failures: list[Failure] = field(default_factory=list)
    payload_digest: str | None = None
    captured_at: str | None = None
    unchanged: bool = False  # skipped: same payload as the last capture (incremental mode)
    # How the page was captured ("static" or "browser") and, in auto mode, why.
    mode: str = "static"
    mode_reason: str = ""
    notes: list[str] = field(default_factory=list)  # what the browser did and what bounded it

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url, "final_url": self.final_url, "status": self.status, "ok": self.ok,
            "mode": self.mode, "mode_reason": self.mode_reason, "notes": list(self.notes),
            "unchanged": self.unchanged, "payload_digest": self.payload_digest, "captured_at": self.captured_at,
            "record_id": self.record_id, "warc": self.warc, "requisites": self.requisites,
            "requisites_ok": self.requisites_ok, "outlinks": self.outlinks,
            "failures": [f.to_json() for f in self.failures],
        }


class CaptureSession:
    """Async context manager; not thread-safe (one event loop), WARC writes are serialised."""

    def __init__(
        self,
        out_dir: Path,
        settings: CaptureSettings | None = None,
        *,
        capture_id: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_fetched: Callable[[Fetched], None] | None = None,
        unchanged: Callable[[str, str], bool] | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings or CaptureSettings()
        self.out_dir = Path(out_dir)
        self.capture_id = capture_id or datetime.now(UTC).strftime("capture-%Y%m%dT%H%M%SZ")
        self.writer = WarcFileWriter(
            self.out_dir, self.settings, host=socket.gethostname(), capture_id=self.capture_id
        )
        self.fetcher = Fetcher(self.settings, transport=transport, resolver=resolver)
        self.robots = RobotsPolicy(self.settings.user_agent, self._load_robots)
        self._on_fetched = on_fetched
        # Incremental captures: (url, payload digest) -> True when the page is as last archived.
        self._unchanged = unchanged
        self._inflight: dict[str, asyncio.Future[Fetched]] = {}
        self._by_digest: dict[str, tuple[str, WrittenRecord]] = {}
        self._write_lock = asyncio.Lock()
        self.started = datetime.now(UTC)
        # Browser capture (archive/capture/browser/): sees every exchange, owns the browser.
        self.on_exchange: Callable[[Exchange], None] | None = None
        self.browser: BrowserHost | None = None

    async def __aenter__(self) -> CaptureSession:
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.browser is not None:
            await self.browser.close()
        await self.fetcher.aclose()
        if exc_type is None:
            self.writer.close()
        else:
            self.writer.abort()

    def close(self) -> list[Path]:
        return self.writer.close()

    @property
    def incremental(self) -> bool:
        """Whether pages unchanged since their last capture are skipped."""
        return self._unchanged is not None

    def politeness(self) -> dict[str, dict[str, Any]]:
        """How each host was treated so far: concurrency, delays, response times, decisions."""
        return self.fetcher.limiter.report()

    # -- the unit of work ----------------------------------------------------------------------

    async def capture_article(self, url: str) -> ArticleResult:
        """Capture one article page and its requisites. Raises FetchError only when the page
        itself could not be fetched because of a transient error (so a caller may retry);
        everything else, including HTTP errors, is recorded in the result.

        Whatever goes wrong with one URL (a hostile Location, a refused target, a bug) is
        recorded as that URL's failure; only errors of the run's output (RUN_ERRORS) propagate.
        The article's requests run under its own target policy (see targets.py) and budget."""
        seed = check_seed(url)
        with policy_scope(await self.fetcher.seed_policy(seed)):
            if self.settings.capture_mode == "static":
                return await self._capture_article(seed)
            # Imported here: the browser package builds on this module's types.
            from archive.capture.browser.article import capture_in_mode
            return await capture_in_mode(self, seed)

    async def capture_static(self, seed: str, extra_fields: typing.Sequence[tuple[str, str]] = ()) -> ArticleResult:
        """The static capture of ``seed`` (checked, inside its policy scope): the served HTML and
        what it names. ``extra_fields`` go into the article's metadata record."""
        return await self._capture_article(seed, extra_fields)

    async def _capture_article(self, seed: str, extra_fields: typing.Sequence[tuple[str, str]] = ()) -> ArticleResult:
        budget = ArticleBudget.from_settings(self.settings)
        page = await self._isolated(seed, parse=True, known_as=seed if self._unchanged else None, budget=budget)
        if page.failure is not None and page.failure.transient:
            raise FetchError(seed, page.failure.reason, transient=True)
        if page.unchanged:
            return ArticleResult(url=seed, final_url=page.final_url, status=page.status, ok=True, record_id=None,
                                 warc=None, payload_digest=page.payload_digest, unchanged=True)
        failures: list[Failure] = [page.failure] if page.failure else []
        if page.status is not None and page.status >= 400:
            failures.append(Failure(page.final_url or seed, f"HTTP {page.status}"))

        requisites: list[Fetched] = []
        if page.children:
            requisites = await self._fetch_tree(page.children, page.final_url or seed, budget)
        outlinks = page.outlinks
        for item in requisites:
            if item.failure:
                failures.append(item.failure)
            elif item.status is not None and item.status >= 400:
                failures.append(Failure(item.final_url or item.url, f"HTTP {item.status}"))
        failures += [Failure(seed, reason) for reason in budget.reasons()]

        fields: list[tuple[str, str]] = [("x-news-archive-role", "article")]
        if page.final_url:
            fields.append(("final-uri", page.final_url))
        fields += [("requisite", r.url) for r in requisites]
        fields += [("outlink", o) for o in outlinks]
        fields += [("failure", f"{f.url} {f.reason}") for f in failures]
        fields += extra_fields
        await self._locked(
            self.writer.write_metadata, seed, fields,
            concurrent_to=page.record.record_id if page.record else None,
        )
        # A page cut short or left mid-redirect is recorded, but the article was not captured.
        ok = page.record is not None and page.ok
        return ArticleResult(
            url=seed, final_url=page.final_url, status=page.status, ok=ok,
            record_id=page.record.record_id if page.record else None,
            warc=page.record.filename if page.record else None,
            requisites=len(requisites), requisites_ok=sum(1 for r in requisites if r.ok),
            outlinks=len(outlinks), failures=failures,
            payload_digest=page.payload_digest, captured_at=page.record.date if page.record else None,
        )

    async def _fetch_tree(self, roots: tuple[str, ...], referer: str, budget: ArticleBudget) -> list[Fetched]:
        """Fetch requisites concurrently, level by level; stylesheets and HTML requisites add
        their own children one level deeper, within the article's budget."""
        done: dict[str, Fetched] = {}
        pending = list(roots)
        depth = 1
        while pending:
            batch = [u for u in dict.fromkeys(pending) if u not in done and not budget.deeper_than_allowed(u, depth)]
            pending = []
            results = await asyncio.gather(
                *(self._isolated(u, referer=referer, parse=True, budget=budget) for u in batch))
            for item in results:
                if item.cut:
                    continue
                done[item.url] = item
                pending.extend(c for c in item.children if c not in done)
            depth += 1
        return list(done.values())

    async def _isolated(self, url: str, **options: typing.Any) -> Fetched:
        """``fetch``, with anything one URL raises recorded as its failure: a hostile URL or
        response never reaches the article's other requisites, nor other articles."""
        try:
            return await self.fetch(url, **options)
        except RUN_ERRORS:
            raise
        except Exception as exc:
            return Fetched(url=url, failure=Failure(url, f"unexpected error: {type(exc).__name__}: {exc}"))

    # -- one URL: a chain of hops, each hop fetched once per session --------------------------

    async def fetch(
        self, url: str, *, referer: str | None = None, parse: bool = False, known_as: str | None = None,
        budget: ArticleBudget | None = None,
    ) -> Fetched:
        """Fetch ``url`` following redirects hop by hop (each hop recorded).

        Hops, not chains, are shared within the session: two chains meeting at one URL reuse
        its hop, and since a hop never waits for another hop, crossing chains cannot deadlock.
        With ``known_as`` (incremental mode), a final 200 whose payload matches the last capture
        of ``known_as`` or of its own URL is not recorded: the result says ``unchanged``.
        Every hop is checked against the target policy in force, and counted in ``budget``.
        """
        result = Fetched(url=url)
        chain = RedirectChain(url, self.settings.max_redirects)
        current = url
        for hop_number in chain.hops():
            refused = await self._target_refusal(current)
            if refused is not None:
                result.failure = Failure(current, refused)
                return result
            if budget is not None and not budget.take_request(current):
                if hop_number == 0:
                    result.cut = True
                else:
                    result.failure = Failure(current, "redirect not followed: the article's request or byte budget is spent")
                return result
            hop = await self._hop(current, referer, parse, known_as)
            if budget is not None:
                budget.add_bytes(hop.body_bytes)
            result.final_url, result.status, result.content_type = hop.final_url, hop.status, hop.content_type
            result.record, result.revisit, result.truncated = hop.record, hop.revisit, hop.truncated
            result.children, result.outlinks, result.hops = hop.children, hop.outlinks, hop_number
            result.payload_digest, result.unchanged = hop.payload_digest, hop.unchanged
            if hop.failure is not None:
                result.failure = hop.failure
                return result
            if hop.location is None:
                return result
            looped = chain.loop(hop.location)
            if looped is not None:
                result.failure = Failure(current, looped)
                return result
            referer, current = current, hop.location
        result.failure = Failure(url, chain.too_long())
        return result

    async def browser_hop(self, url: str, *, referer: str | None, budget: ArticleBudget | None,
                          fresh: bool = False) -> Fetched:
        """One hop for a request the browser made: the browser follows redirects itself. The
        same checks as ``fetch`` (target policy, budget, robots.txt); with ``fresh`` the session's
        earlier hop for ``url`` is not reused (the browser needs a body it did not keep)."""
        refused = await self._target_refusal(url)
        if refused is not None:
            return Fetched(url=url, failure=Failure(url, refused))
        if budget is not None and not budget.take_request(url):
            return Fetched(url=url, cut=True)
        hop = await (self._fetch_hop(url, referer, False) if fresh else self._hop(url, referer, False))
        if budget is not None:
            budget.add_bytes(hop.body_bytes)
        return hop

    async def _target_refusal(self, url: str) -> str | None:
        """Why the policy in force refuses ``url``'s host, checked before robots.txt or any
        request for it (the connection itself is checked again at the socket)."""
        parsed = httpx.URL(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        refused = await self.fetcher.addresses.refusal(parsed.host, port, current_policy(self.fetcher.default_policy))
        return str(refused) if refused is not None else None

    async def _hop(self, url: str, referer: str | None, parse: bool, known_as: str | None = None) -> Fetched:
        future = self._inflight.get(url)
        if future is not None:
            return await asyncio.shield(future)
        future = self._inflight[url] = asyncio.get_running_loop().create_future()
        try:
            hop = await self._fetch_hop(url, referer, parse, known_as)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: the raiser reports it, waiters get it too
            raise
        future.set_result(hop)
        if hop.failure is not None and hop.failure.transient:
            # Waiting callers share this failure, but a later retry must really try again.
            del self._inflight[url]
        if self._on_fetched:
            self._on_fetched(hop)
        return hop

    async def _fetch_hop(self, url: str, referer: str | None, parse: bool, known_as: str | None = None) -> Fetched:
        """One request for one URL: robots check, fetch, record, and (if asked) link discovery.
        ``location`` is set when the response redirects somewhere fetchable."""
        hop = Fetched(url=url)
        if self.settings.respect_robots:
            refusal = await self.robots.refusal(url)
            if refusal is not None:
                hop.failure = Failure(url, refusal)
                return hop
            self.fetcher.limiter.crawl_delay(host_key(url), self.robots.crawl_delay(url))
        try:
            exchange = await self.fetcher.fetch(url, referer=referer)
        except FetchError as exc:
            hop.failure = Failure(url, exc.reason, exc.transient)
            return hop
        try:
            if self.on_exchange is not None:
                self.on_exchange(exchange)
            hop.payload_digest, hop.body_bytes = exchange.payload_digest, exchange.body_length
            if known_as is not None and self._is_unchanged(exchange, url, known_as):
                hop.final_url, hop.status, hop.content_type = url, exchange.status, exchange.content_type
                hop.unchanged = True
                return hop
            hop.record, hop.revisit = await self._record(exchange)
            hop.final_url, hop.status, hop.content_type = url, exchange.status, exchange.content_type
            hop.truncated = exchange.truncated
            if exchange.truncated:
                hop.failure = Failure(url, f"body truncated ({exchange.truncated})")
                return hop
            location = exchange.header("location")
            if location is not None and is_redirect(exchange.status, location):
                hop.location = redirect_target(url, location)
                if hop.location is None:
                    hop.failure = Failure(url, f"redirect to unfetchable location {location!r}")
                return hop
            if parse and exchange.status < 400:
                self._parse_children(exchange, hop)
            return hop
        finally:
            exchange.close()

    def _is_unchanged(self, exchange: Exchange, url: str, known_as: str) -> bool:
        if self._unchanged is None or exchange.status != 200 or exchange.truncated:
            return False
        return self._unchanged(known_as, exchange.payload_digest) or self._unchanged(url, exchange.payload_digest)

    def _parse_children(self, exchange: Exchange, result: Fetched) -> None:
        ctype = exchange.content_type
        if ctype not in HTML_TYPES and ctype not in CSS_TYPES:
            return
        try:
            body = exchange.decoded_body(MAX_PARSE_BYTES)
        except ContentDecodingError as exc:
            result.failure = Failure(exchange.url, f"could not decode body for link discovery: {exc}")
            return
        # One charset choice for pages and stylesheets, the same as extraction's.
        charset, _ = choose_charset(body, exchange.headers)
        if ctype in HTML_TYPES:
            links = page_links(body, exchange.url, encoding=charset)
            result.children = links.requisites
            result.outlinks = links.outlinks
        elif self.settings.follow_css:
            result.children = tuple(css_requisites(body.decode(charset, errors="replace"), exchange.url))

    async def _record(self, exchange: Exchange) -> tuple[WrittenRecord, bool]:
        """Write the exchange, as a revisit when an identical payload is already stored.

        Looking up, writing and registering the digest happen under one lock: two identical
        payloads finishing at once must not both become full responses."""
        dedupable = exchange.status == 200 and exchange.body_length > 0 and not exchange.truncated
        async with self._write_lock:
            original = self._by_digest.get(exchange.payload_digest) if dedupable else None
            if original is not None:
                uri, first = original
                written = await asyncio.to_thread(
                    self.writer.write_exchange, exchange, revisit_of=first, revisit_uri=uri
                )
                return written, True
            written = await asyncio.to_thread(self.writer.write_exchange, exchange)
            if dedupable:
                self._by_digest[exchange.payload_digest] = (exchange.url, written)
            return written, False

    async def _locked(self, fn: Callable[..., WrittenRecord], *args: object, **kwargs: object) -> WrittenRecord:
        # Writing (gzip, disk) runs in a thread so fetches keep flowing; the order of records in
        # the file follows the order in which exchanges completed.
        async with self._write_lock:
            return await asyncio.to_thread(fn, *args, **kwargs)

    async def _load_robots(self, robots_url: str) -> tuple[int, bytes] | str | None:
        """Fetch robots.txt through the normal path, so it is archived like any resource, and
        follow its redirects by the same policy as a page's (RedirectChain, the target policy).
        Returns (status, body), or why it could not be fetched."""
        chain = RedirectChain(robots_url, self.settings.max_redirects)
        current = robots_url
        for _ in chain.hops():
            refused = await self._target_refusal(current)
            if refused is not None:
                return refused
            try:
                exchange = await self.fetcher.fetch(current)
            except FetchError as exc:
                return exc.reason
            try:
                await self._record(exchange)
                location = exchange.header("location")
                if location is None or not is_redirect(exchange.status, location):
                    return exchange.status, _robots_body(exchange)
                target = redirect_target(current, location)
                if target is None:
                    return f"not fetched: robots.txt redirects to unfetchable location {location!r}"
                looped = chain.loop(target)
                if looped is not None:
                    return f"not fetched: robots.txt {looped}"
                current = target
            finally:
                exchange.close()
        return f"not fetched: robots.txt {chain.too_long()}"


def _robots_body(exchange: Exchange) -> bytes:
    try:
        return exchange.decoded_body(MAX_ROBOTS_BYTES)
    except ContentDecodingError:
        return b""
