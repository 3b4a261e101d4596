"""One HTTP exchange at a time, streamed to a spool file and hashed on the way.

The fetcher never follows redirects itself (each hop must become its own WARC records) and
never decodes bodies (the WARC keeps them exactly as received). Transient failures are retried
here with backoff; what is returned is the final attempt, whatever its status.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

import httpx

from archive.capture import digest
from archive.capture.politeness import HostLimiter
from archive.capture.settings import CaptureSettings
from archive.capture.targets import (
    AddressBook,
    Resolver,
    TargetPolicy,
    TargetRefused,
    current_policy,
    parse_ip,
    system_resolver,
)
from archive.capture.transport import GuardedTransport
from archive.capture.urls import host_key
from archive.charset import header_value
from archive.content import decode_bytes
from archive.errors import FetchError

# Transfer-Encoding describes framing the client has already undone; kept under another name
# so the record stays readable yet says what the server sent (the convention pywb uses).
RENAMED_HEADERS = {b"transfer-encoding": b"X-Archive-Orig-Transfer-Encoding"}
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Statuses by which a server says it is overloaded: the politeness policy backs off.
STRAIN_STATUSES = frozenset({429, 503})


@dataclass
class Exchange:
    """A finished HTTP exchange. The caller owns ``body`` and must call ``close()``."""

    url: str
    started: datetime
    request_head: bytes
    status: int
    reason: str
    http_version: str
    response_head: bytes
    headers: list[tuple[str, str]]
    body: IO[bytes]
    body_length: int
    payload_digest: str
    block_digest: str
    request_block_digest: str
    peer_ip: str | None
    truncated: str | None = None
    attempts: int = 1
    notes: list[str] = field(default_factory=list)
    # Seconds from sending the request to the response headers: the server's answer time.
    response_seconds: float | None = None

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def read_body(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the raw (still content-encoded) body, for parsing."""
        self.body.seek(0)
        data = self.body.read(limit)
        self.body.seek(0)
        return data

    def decoded_body(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the body with its Content-Encoding undone (for parsing, never
        for storage). Raises ContentDecodingError for corrupt bodies and bombs."""
        return decode_bytes(self.read_body(limit), self.header("content-encoding"), limit=limit)

    def close(self) -> None:
        self.body.close()


def _head_bytes(first_line: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    lines = [first_line.encode("latin-1")]
    lines.extend(name + b": " + value for name, value in headers)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _describe(exc: BaseException) -> str:
    """httpx errors often have an empty message; the class name then says what happened."""
    return str(exc) or type(exc).__name__


def _peer_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    addr = stream.get_extra_info("server_addr") if stream is not None else None
    return str(addr[0]) if addr else None


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Parse Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


class Fetcher:
    """Async HTTP/1.1 fetcher over one httpx client. Use as an async context manager."""

    def __init__(
        self,
        settings: CaptureSettings,
        *,
        limiter: HostLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        # The policy of requests made outside any article's policy_scope (see targets.py).
        self.default_policy = TargetPolicy.from_flags(
            private=settings.allow_private_targets, loopback=settings.allow_loopback_targets)
        self.resolver = resolver or system_resolver
        self.addresses = AddressBook(self.resolver, timeout=settings.connect_timeout)
        # Requests go straight to the transport (never through httpx's redirect handling, which
        # would parse every Location, however hostile, before we see the response).
        self._transport = transport or GuardedTransport(self.default_policy, resolver=self.resolver)
        self.limiter = limiter or HostLimiter.from_settings(settings)
        self._clock = clock
        self._sleep = sleep
        timeout = httpx.Timeout(
            connect=settings.connect_timeout, read=settings.read_timeout,
            write=settings.read_timeout, pool=None,
        )
        headers = {
            "User-Agent": settings.user_agent,
            "Accept": "*/*",
            "Accept-Encoding": settings.accept_encoding,
            **dict(settings.extra_headers),
        }
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            headers=headers,
            transport=self._transport,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
            trust_env=False,  # never route captures through a proxy from the environment by surprise
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def seed_policy(self, seed: str) -> TargetPolicy:
        """The settings' policy, widened to the private or loopback kind ``seed`` is on: what
        requests on behalf of an operator-given URL (an article, a feed) run under."""
        parsed = httpx.URL(seed)
        kinds = await self.addresses.kinds(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
        return self.default_policy.widened_for_seed(kinds)

    async def fetch(self, url: str, *, referer: str | None = None) -> Exchange:
        """Fetch ``url`` once, retrying transient failures; raise FetchError if none succeeded."""
        key = host_key(url)
        attempt = 0
        notes: list[str] = []
        while True:
            attempt += 1
            try:
                async with self.limiter.slot(key) as ticket:
                    exchange = await self._attempt(url, referer)
                    if exchange.response_seconds is not None:
                        ticket.responded(exchange.response_seconds)
                    if exchange.status in STRAIN_STATUSES:
                        ticket.strained(f"HTTP {exchange.status}")
            except FetchError as exc:
                if not exc.transient or attempt > self.settings.retries:
                    if attempt > 1:
                        raise FetchError(exc.url, f"{exc.reason} (after {attempt} attempts)",
                                         transient=exc.transient, hint=exc.hint) from exc
                    raise
                notes.append(f"attempt {attempt}: {exc.reason}")
                await self._sleep(self._backoff(attempt))
                continue
            exchange.attempts = attempt
            exchange.notes = notes
            if exchange.status in TRANSIENT_STATUSES and attempt <= self.settings.retries:
                wait = retry_after_seconds(exchange.header("retry-after"))
                if wait is not None and wait > self.settings.retry_after_max:
                    exchange.notes.append(
                        f"server asked to retry after {wait:.0f}s, more than retry_after_max; not retried"
                    )
                    return exchange
                if wait is not None:
                    self.limiter.pause(key, wait)
                notes.append(f"attempt {attempt}: HTTP {exchange.status}")
                exchange.close()
                await self._sleep(wait if wait is not None else self._backoff(attempt))
                continue
            return exchange

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_base * (2.0 ** (attempt - 1))
        return min(self.settings.backoff_max, base) * (0.5 + random.random() / 2)

    async def _attempt(self, url: str, referer: str | None) -> Exchange:
        extra = {"Referer": referer} if referer else None
        try:
            request = self._client.build_request("GET", url, headers=extra)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            raise FetchError(url, f"invalid URL: {exc}", transient=False) from exc
        target = request.url.raw_path.decode("ascii", errors="replace")
        request_head = _head_bytes(f"GET {target} HTTP/1.1", list(request.headers.raw))
        started = self._clock()
        policy = current_policy(self.default_policy)
        sent = time.monotonic()
        try:
            host = request.url.host
            if parse_ip(host) is not None:  # an IP literal is refused without touching the pool
                policy.check(host, host)
            response = await self._transport.handle_async_request(request)
        except TargetRefused as exc:
            raise FetchError(url, str(exc), transient=False) from exc
        except httpx.TimeoutException as exc:
            raise FetchError(url, f"timed out before a response ({type(exc).__name__})", transient=True) from exc
        except (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
            raise FetchError(url, f"connection failed: {_describe(exc)}", transient=True) from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, f"HTTP error: {_describe(exc)}", transient=False) from exc
        answered = time.monotonic() - sent
        response.request = request
        try:
            peer_ip = _peer_ip(response)
            if peer_ip is not None:
                # A kept-alive connection opened for another article under a wider policy.
                try:
                    policy.check(request.url.host, peer_ip)
                except TargetRefused as exc:
                    raise FetchError(url, str(exc), transient=False) from exc
            self._client.cookies.extract_cookies(response)
            exchange = await self._read(url, started, request_head, response, peer_ip)
            exchange.response_seconds = answered
            return exchange
        finally:
            await response.aclose()

    async def _read(
        self, url: str, started: datetime, request_head: bytes, response: httpx.Response, peer_ip: str | None
    ) -> Exchange:
        settings = self.settings
        raw_headers = [(RENAMED_HEADERS.get(k.lower(), k), v) for k, v in response.headers.raw]
        reason = response.extensions.get("reason_phrase", b"")
        reason_text = reason.decode("latin-1") if isinstance(reason, bytes) else str(reason)
        status_line = f"{response.http_version} {response.status_code} {reason_text}".rstrip()
        response_head = _head_bytes(status_line, raw_headers)

        payload_hash = digest.new_hasher(settings.digest_algorithm)
        block_hash = digest.new_hasher(settings.digest_algorithm)
        block_hash.update(response_head)
        spool = tempfile.SpooledTemporaryFile(max_size=settings.spool_memory_bytes)
        length = 0
        truncated: str | None = None
        try:
            async with asyncio.timeout(settings.body_timeout):
                async for chunk in response.aiter_raw():  # as received: a fixed chunk size would buffer, and lose bytes on a reset
                    room = settings.max_body_bytes - length
                    if len(chunk) > room:
                        chunk = chunk[:room]
                        truncated = "length"
                    spool.write(chunk)
                    payload_hash.update(chunk)
                    block_hash.update(chunk)
                    length += len(chunk)
                    if truncated:
                        break
        except TimeoutError:
            truncated = "time"
        except httpx.TimeoutException:
            truncated = "time"
        except (httpx.ReadError, httpx.RemoteProtocolError):
            truncated = "disconnect"
        except httpx.DecodingError:
            truncated = "unspecified"
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers]
        return Exchange(
            url=url,
            started=started,
            request_head=request_head,
            status=response.status_code,
            reason=reason_text,
            http_version=response.http_version,
            response_head=response_head,
            headers=headers,
            body=spool,
            body_length=length,
            payload_digest=digest.label(settings.digest_algorithm, payload_hash),
            block_digest=digest.label(settings.digest_algorithm, block_hash),
            request_block_digest=digest.of_bytes(settings.digest_algorithm, request_head),
            peer_ip=peer_ip,
            truncated=truncated,
        )
