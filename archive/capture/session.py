"""A capture session: one output folder, one HTTP client, one WARC writer, many articles.

``capture_article`` is the unit of work the Prefect flow fans out over: an article page, its
redirects, and every requisite it needs, fetched concurrently under per-host politeness. A
requisite shared by many articles (a stylesheet, a logo) is fetched once per session; an
identical payload under another URL is stored once and referred to by a revisit record.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from archive.capture.fetch import Exchange, Fetcher
from archive.capture.requisites import css_requisites, page_links
from archive.capture.robots import MAX_ROBOTS_BYTES, RobotsPolicy
from archive.capture.settings import CaptureSettings
from archive.capture.urls import check_seed, resolve
from archive.capture.warc import WarcFileWriter, WrittenRecord
from archive.content import ContentDecodingError, decode_bytes
from archive.errors import FetchError

# Pages and stylesheets are parsed for links only up to this size (the archive keeps them whole).
MAX_PARSE_BYTES = 16 * 1024 * 1024
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CSS_TYPES = frozenset({"text/css"})


@dataclass
class Failure:
    url: str
    reason: str
    transient: bool = False

    def as_dict(self) -> dict[str, object]:
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

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url, "final_url": self.final_url, "status": self.status, "ok": self.ok,
            "record_id": self.record_id, "warc": self.warc, "requisites": self.requisites,
            "requisites_ok": self.requisites_ok, "outlinks": self.outlinks,
            "failures": [f.as_dict() for f in self.failures],
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
    ) -> None:
        self.settings = settings or CaptureSettings()
        self.out_dir = Path(out_dir)
        self.capture_id = capture_id or datetime.now(UTC).strftime("capture-%Y%m%dT%H%M%SZ")
        self.writer = WarcFileWriter(
            self.out_dir, self.settings, host=socket.gethostname(), capture_id=self.capture_id
        )
        self.fetcher = Fetcher(self.settings, transport=transport)
        self.robots = RobotsPolicy(self.settings.user_agent, self._load_robots)
        self._on_fetched = on_fetched
        self._inflight: dict[str, asyncio.Future[Fetched]] = {}
        self._by_digest: dict[str, tuple[str, WrittenRecord]] = {}
        self._write_lock = asyncio.Lock()
        self.started = datetime.now(UTC)

    async def __aenter__(self) -> CaptureSession:
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        await self.fetcher.aclose()
        if exc_type is None:
            self.writer.close()
        else:
            self.writer.abort()

    def close(self) -> list[Path]:
        return self.writer.close()

    # -- the unit of work ----------------------------------------------------------------------

    async def capture_article(self, url: str) -> ArticleResult:
        """Capture one article page and its requisites. Raises FetchError only when the page
        itself could not be fetched because of a transient error (so a caller may retry);
        everything else, including HTTP errors, is recorded in the result."""
        seed = check_seed(url)
        page = await self.fetch(seed, parse=True)
        if page.failure is not None and page.failure.transient:
            raise FetchError(seed, page.failure.reason, transient=True)
        failures: list[Failure] = [page.failure] if page.failure else []
        if page.status is not None and page.status >= 400:
            failures.append(Failure(page.final_url or seed, f"HTTP {page.status}"))

        requisites: list[Fetched] = []
        if page.children:
            requisites = await self._fetch_tree(page.children, page.final_url or seed)
        outlinks = page.outlinks
        for item in requisites:
            if item.failure:
                failures.append(item.failure)
            elif item.status is not None and item.status >= 400:
                failures.append(Failure(item.final_url or item.url, f"HTTP {item.status}"))

        fields: list[tuple[str, str]] = [("x-news-archive-role", "article")]
        if page.final_url:
            fields.append(("final-uri", page.final_url))
        fields += [("requisite", r.url) for r in requisites]
        fields += [("outlink", o) for o in outlinks]
        fields += [("failure", f"{f.url} {f.reason}") for f in failures]
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
        )

    async def _fetch_tree(self, roots: tuple[str, ...], referer: str) -> list[Fetched]:
        """Fetch requisites concurrently; stylesheets add their own url()/@import children."""
        done: dict[str, Fetched] = {}
        pending = list(roots)
        while pending:
            batch = [u for u in dict.fromkeys(pending) if u not in done]
            pending = []
            results = await asyncio.gather(*(self.fetch(u, referer=referer, parse=True) for u in batch))
            for item in results:
                done[item.url] = item
                pending.extend(c for c in item.children if c not in done)
        return list(done.values())

    # -- one URL, deduplicated within the session ------------------------------------------------

    async def fetch(self, url: str, *, referer: str | None = None, parse: bool = False) -> Fetched:
        """Fetch ``url`` (following redirects) once per session; later callers share the result."""
        future = self._inflight.get(url)
        if future is None:
            future = self._inflight[url] = asyncio.get_running_loop().create_future()
            try:
                result = await self._fetch_chain(url, referer, parse)
            except BaseException as exc:
                future.set_exception(exc)
                raise
            future.set_result(result)
            if self._on_fetched:
                self._on_fetched(result)
            return result
        return await asyncio.shield(future)

    async def _fetch_chain(self, url: str, referer: str | None, parse: bool) -> Fetched:
        result = Fetched(url=url)
        seen = {url}
        current = url
        for hop in range(self.settings.max_redirects + 1):
            if self.settings.respect_robots and not await self.robots.allowed(current):
                result.failure = Failure(current, "blocked by robots.txt")
                return result
            try:
                exchange = await self.fetcher.fetch(current, referer=referer)
            except FetchError as exc:
                result.failure = Failure(current, exc.reason, exc.transient)
                return result
            try:
                record, revisit = await self._record(exchange)
                result.final_url, result.status = current, exchange.status
                result.content_type, result.record = exchange.content_type, record
                result.revisit, result.truncated, result.hops = revisit, exchange.truncated, hop
                if exchange.truncated:
                    result.failure = Failure(current, f"body truncated ({exchange.truncated})")
                location = exchange.header("location")
                if 300 <= exchange.status < 400 and location:
                    target = resolve(current, location)
                    if target is None:
                        result.failure = Failure(current, f"redirect to unfetchable location {location!r}")
                        return result
                    if target in seen:
                        result.failure = Failure(current, f"redirect loop back to {target}")
                        return result
                    seen.add(target)
                    referer, current = current, target
                    continue
                if parse and exchange.status < 400 and not exchange.truncated:
                    self._parse_children(exchange, result)
                return result
            finally:
                exchange.close()
        result.failure = Failure(url, f"more than {self.settings.max_redirects} redirects")
        return result

    def _parse_children(self, exchange: Exchange, result: Fetched) -> None:
        ctype = exchange.content_type
        if ctype not in HTML_TYPES and ctype not in CSS_TYPES:
            return
        try:
            body = decode_bytes(
                exchange.read_body(MAX_PARSE_BYTES), exchange.header("content-encoding"), limit=MAX_PARSE_BYTES
            )
        except ContentDecodingError as exc:
            result.failure = Failure(exchange.url, f"could not decode body for link discovery: {exc}")
            return
        if ctype in HTML_TYPES:
            links = page_links(body, exchange.url, encoding=_charset(exchange.header("content-type")))
            result.children = links.requisites
            result.outlinks = links.outlinks
        elif self.settings.follow_css:
            charset = _charset(exchange.header("content-type")) or "utf-8"
            try:
                text = body.decode(charset, errors="replace")
            except LookupError:
                text = body.decode("utf-8", errors="replace")
            result.children = tuple(css_requisites(text, exchange.url))

    async def _record(self, exchange: Exchange) -> tuple[WrittenRecord, bool]:
        """Write the exchange, as a revisit when an identical payload is already stored."""
        original = None
        if exchange.status == 200 and exchange.body_length > 0 and not exchange.truncated:
            original = self._by_digest.get(exchange.payload_digest)
        if original is not None:
            uri, record = original
            written = await self._locked(self.writer.write_exchange, exchange, revisit_of=record, revisit_uri=uri)
            return written, True
        written = await self._locked(self.writer.write_exchange, exchange)
        if exchange.status == 200 and exchange.body_length > 0 and not exchange.truncated:
            self._by_digest.setdefault(exchange.payload_digest, (exchange.url, written))
        return written, False

    async def _locked(self, fn: Callable[..., WrittenRecord], *args: object, **kwargs: object) -> WrittenRecord:
        # Writing (gzip, disk) runs in a thread so fetches keep flowing; the writer has its own
        # lock, this one keeps the order of writes equal to the order of completion.
        async with self._write_lock:
            return await asyncio.to_thread(fn, *args, **kwargs)

    async def _load_robots(self, robots_url: str) -> tuple[int, bytes] | None:
        """Fetch robots.txt through the normal path, so it is archived like any resource."""
        current = robots_url
        for _ in range(5):
            try:
                exchange = await self.fetcher.fetch(current)
            except FetchError:
                return None
            try:
                await self._record(exchange)
                location = exchange.header("location")
                if 300 <= exchange.status < 400 and location:
                    target = resolve(current, location)
                    if target is None:
                        return None
                    current = target
                    continue
                try:
                    body = decode_bytes(
                        exchange.read_body(MAX_ROBOTS_BYTES), exchange.header("content-encoding"),
                        limit=MAX_ROBOTS_BYTES,
                    )
                except ContentDecodingError:
                    body = b""
                return exchange.status, body
            finally:
                exchange.close()
        return None


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
