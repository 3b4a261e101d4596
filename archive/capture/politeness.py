"""Per-host politeness that follows the server: fast servers are fetched fast, slow or
struggling ones gently, without anyone tuning a delay.

The rules, per host (host and port):

- **Delay factor** (Heritrix's rule). After a response whose headers took ``t`` seconds to
  arrive, the connection that fetched it waits ``delay_factor * t``, bounded by ``min_delay``
  and ``max_delay``, before its next request. The time to the headers is the server's own
  answer time; a large body's transfer time is not held against the next request.
- **Concurrency.** Before the host has answered once, at most ``INITIAL_CONCURRENCY``
  requests are in flight (robots.txt is normally that first answer). Then the limit is the
  host's *ceiling*: ``per_host_concurrency``, but no more than ``slow_response / baseline``
  (a host answering in 0.2 s with ``slow_response`` 1.0 gets at most 5 connections, one slower
  than ``slow_response`` gets one).
- **Back-off and recovery.** The *baseline* is the host's usual response time (a slow
  running average, so steady load on a busy client is part of "usual"); *recent* is a fast
  one. When recent rises above ``backoff_ratio`` x baseline (and by more than scheduling
  noise), the limit is halved (at most once per round of ``limit`` responses, so one slow
  burst counts once). While the host answers near its baseline, the limit grows by one per
  round, back up to the ceiling. A 429 or 503 halves it too.
- **Fixed gaps.** Request starts to one host are at least ``per_host_delay`` apart, or the
  robots.txt ``Crawl-delay`` / ``Request-rate`` (honoured up to ``crawl_delay_max``), which
  also limits the host to one connection, as the directive means "one request per N seconds".
- **Retry-After** pauses every request to the host.

Every decision is recorded per host (:meth:`HostLimiter.report`): tests assert on it, and the
run report tells archivists how each site was treated.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from archive.capture.settings import CaptureSettings

# Requests in flight to a host that has not answered yet: a first burst stays small.
INITIAL_CONCURRENCY = 2
# Weight of a new response time in the fast average (recent answers) and in the slow one (the
# usual answer time, a plain mean over the first 1 / BASELINE_WEIGHT answers).
RECENT_WEIGHT = 0.3
BASELINE_WEIGHT = 0.02
# Response times within this many seconds of the baseline are scheduling noise on a busy
# machine, not a struggling server: a 5 ms host answering in 30 ms is still fine.
LATENCY_NOISE = 0.05
# Decisions kept per host for the report (the first ones, then the latest ones).
MAX_DECISIONS = 200
_DEFAULTS = CaptureSettings()


@dataclass(frozen=True)
class PolitenessPolicy:
    """The settings that shape the policy, in one place (built from CaptureSettings, whose
    defaults are the policy's defaults too: one place says what a user gets)."""

    max_concurrency: int = _DEFAULTS.per_host_concurrency
    start_gap: float = _DEFAULTS.per_host_delay
    delay_factor: float = _DEFAULTS.delay_factor
    min_delay: float = _DEFAULTS.min_delay
    max_delay: float = _DEFAULTS.max_delay
    slow_response: float = _DEFAULTS.slow_response
    backoff_ratio: float = _DEFAULTS.backoff_ratio
    crawl_delay_max: float = _DEFAULTS.crawl_delay_max

    @classmethod
    def from_settings(cls, settings: CaptureSettings) -> PolitenessPolicy:
        return cls(
            max_concurrency=settings.per_host_concurrency, start_gap=settings.per_host_delay,
            delay_factor=settings.delay_factor, min_delay=settings.min_delay, max_delay=settings.max_delay,
            slow_response=settings.slow_response, backoff_ratio=settings.backoff_ratio,
            crawl_delay_max=settings.crawl_delay_max,
        )

    def delay_after(self, response_seconds: float | None) -> float:
        """The wait of one connection after a response that took ``response_seconds``."""
        wanted = self.delay_factor * response_seconds if response_seconds is not None else 0.0
        return min(self.max_delay, max(self.min_delay, wanted))

    def ceiling(self, baseline: float | None) -> int:
        """The most connections a host answering in ``baseline`` seconds gets."""
        if baseline is None:
            return min(self.max_concurrency, INITIAL_CONCURRENCY)
        if baseline <= 0:
            return self.max_concurrency
        return max(1, min(self.max_concurrency, math.floor(self.slow_response / baseline)))


@dataclass
class Ticket:
    """One request's report back to the policy, filled in by the fetcher inside ``slot``."""

    response_seconds: float | None = None
    strain: str | None = None  # why the server asked us to slow down (429, 503), if it did

    def responded(self, seconds: float) -> None:
        self.response_seconds = seconds

    def strained(self, reason: str) -> None:
        self.strain = reason


@dataclass
class _Host:
    limit: int
    # Connections taken: requests in flight plus connections still waiting out their delay.
    busy: int = 0
    in_flight: int = 0
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    last_start: float | None = None
    shortest_gap: float = math.inf
    paused_until: float = 0.0
    crawl_delay: float | None = None
    crawl_delay_asked: float | None = None
    baseline: float | None = None
    recent: float | None = None
    since_change: int = 0
    last_event: str = ""
    first_seen: float = 0.0
    # What the report shows.
    requests: int = 0
    responses: int = 0
    response_sum: float = 0.0
    response_min: float | None = None
    response_max: float = 0.0
    delays: int = 0
    delay_sum: float = 0.0
    delay_max: float = 0.0
    peak_in_flight: int = 0
    limit_min: int = 0
    limit_max: int = 0
    back_offs: int = 0
    pauses: int = 0
    decisions: list[dict[str, Any]] = field(default_factory=list)
    later_decisions: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_DECISIONS // 2))


class HostLimiter:
    """Shared by every fetch of a capture run; one instance per event loop, not thread-safe."""

    def __init__(
        self,
        policy: PolitenessPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or PolitenessPolicy()
        self._clock = clock
        self._hosts: dict[str, _Host] = {}

    @classmethod
    def from_settings(cls, settings: CaptureSettings) -> HostLimiter:
        return cls(PolitenessPolicy.from_settings(settings))

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            limit = self.policy.ceiling(None)
            host = self._hosts[key] = _Host(limit=limit, limit_min=limit, limit_max=limit, first_seen=self._clock())
        return host

    # -- taking and giving back a connection -------------------------------------------------

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[Ticket]:
        """Hold one of the host's connections, starting no sooner than politeness allows. The
        caller reports the response time (and any strain) on the yielded ticket; the
        connection is given back after the delay that response earns."""
        host = self._host(key)
        await self._acquire(host)
        ticket = Ticket()
        started = False
        try:
            await self._wait_for_start(host)
            started = True
            host.requests += 1
            host.in_flight += 1
            host.peak_in_flight = max(host.peak_in_flight, host.in_flight)
            yield ticket
        finally:
            if started:
                host.in_flight -= 1
            self._release(key, host, ticket if started else None)

    async def _acquire(self, host: _Host) -> None:
        if host.busy < host.limit and not host.waiters:
            host.busy += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        host.waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._free(host)  # granted, then cancelled: pass the connection on
            else:
                host.waiters.remove(waiter)
            raise

    async def _wait_for_start(self, host: _Host) -> None:
        # The gate serialises start times so a fixed gap is a true gap between starts.
        async with host.gate:
            now = self._clock()
            start = max(now, host.next_start, host.paused_until)
            if start > now:
                await asyncio.sleep(start - now)
            gap = max(self.policy.start_gap, host.crawl_delay or 0.0)
            actual = max(self._clock(), start)
            if host.last_start is not None:
                host.shortest_gap = min(host.shortest_gap, actual - host.last_start)
            host.last_start = actual
            host.next_start = actual + gap

    def _release(self, key: str, host: _Host, ticket: Ticket | None) -> None:
        delay = 0.0
        if ticket is not None:
            if ticket.response_seconds is not None:
                self._observe(host, ticket.response_seconds)
            if ticket.strain is not None:
                self._back_off(host, ticket.strain)
            delay = self.policy.delay_after(ticket.response_seconds)
            host.delays += 1
            host.delay_sum += delay
            host.delay_max = max(host.delay_max, delay)
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self._free, host)
        else:
            self._free(host)

    def _free(self, host: _Host) -> None:
        host.busy -= 1
        self._wake(host)

    def _wake(self, host: _Host) -> None:
        while host.waiters and host.busy < host.limit:
            waiter = host.waiters.popleft()
            if not waiter.done():
                host.busy += 1
                waiter.set_result(None)

    # -- following the server ----------------------------------------------------------------

    def _observe(self, host: _Host, seconds: float) -> None:
        """Take one response time into the host's estimates and adjust its limit."""
        host.responses += 1
        host.response_sum += seconds
        host.response_min = seconds if host.response_min is None else min(host.response_min, seconds)
        host.response_max = max(host.response_max, seconds)
        if host.baseline is None or host.recent is None:
            host.baseline = host.recent = seconds
            self._set_limit(host, self._ceiling(host), "first answer", f"{seconds * 1000:.0f} ms", record=True)
            return
        host.baseline += max(BASELINE_WEIGHT, 1 / host.responses) * (seconds - host.baseline)
        host.recent += RECENT_WEIGHT * (seconds - host.recent)
        host.since_change += 1
        ceiling = self._ceiling(host)
        slowed = (host.recent > self.policy.backoff_ratio * host.baseline
                  and host.recent - host.baseline > LATENCY_NOISE)
        if slowed:
            self._back_off(host, f"{host.recent * 1000:.0f} ms against a baseline of {host.baseline * 1000:.0f} ms")
        elif host.limit > ceiling:
            self._set_limit(host, ceiling, "slow host", f"baseline {host.baseline * 1000:.0f} ms")
        elif host.limit < ceiling and host.since_change >= host.limit:
            self._set_limit(host, host.limit + 1, "recover", f"{host.recent * 1000:.0f} ms")

    def _back_off(self, host: _Host, why: str) -> None:
        # Once per round: the answers to requests sent before a back-off say nothing new.
        if host.limit > 1 and (host.since_change >= host.limit or host.last_event != "back-off"):
            self._set_limit(host, max(1, host.limit // 2), "back-off", why)
            host.back_offs += 1

    def _ceiling(self, host: _Host) -> int:
        if host.crawl_delay is not None:
            return 1
        return self.policy.ceiling(host.baseline)

    def _set_limit(self, host: _Host, limit: int, event: str, why: str, *, record: bool = False) -> None:
        host.since_change = 0
        if limit == host.limit:
            if record:
                self._decide(host, event, why)
            return
        host.limit = limit
        host.last_event = event
        host.limit_min = min(host.limit_min, limit)
        host.limit_max = max(host.limit_max, limit)
        self._decide(host, event, why)
        self._wake(host)

    def _decide(self, host: _Host, event: str, why: str) -> None:
        decision = {
            "at": round(self._clock() - host.first_seen, 3), "event": event, "why": why,
            "concurrency": host.limit,
            "response_ms": round(host.recent * 1000, 1) if host.recent is not None else None,
            "baseline_ms": round(host.baseline * 1000, 1) if host.baseline is not None else None,
        }
        if len(host.decisions) < MAX_DECISIONS // 2:
            host.decisions.append(decision)
        else:
            host.later_decisions.append(decision)

    # -- what servers said -------------------------------------------------------------------

    def pause(self, key: str, seconds: float) -> None:
        """Honour Retry-After: no new request to this host for ``seconds``."""
        host = self._host(key)
        host.paused_until = max(host.paused_until, self._clock() + seconds)
        host.pauses += 1
        self._decide(host, "retry-after", f"paused {seconds:g} s")

    def crawl_delay(self, key: str, seconds: float | None) -> None:
        """Honour robots.txt's Crawl-delay (or Request-rate as seconds per request), up to
        ``crawl_delay_max``: one connection, request starts that far apart. Idempotent."""
        host = self._host(key)
        if seconds is None or seconds <= 0 or host.crawl_delay_asked == seconds:
            return
        host.crawl_delay_asked = seconds
        host.crawl_delay = min(seconds, self.policy.crawl_delay_max)
        if host.last_start is not None:  # robots.txt itself was a request: the delay counts from it
            host.next_start = max(host.next_start, host.last_start + host.crawl_delay)
        self._decide(host, "crawl-delay", f"robots.txt asks {seconds:g} s, honoured {host.crawl_delay:g} s")
        self._set_limit(host, 1, "crawl-delay", "one request at a time")

    # -- what happened -----------------------------------------------------------------------

    def report(self) -> dict[str, dict[str, Any]]:
        """The politeness each host got: concurrency, delays, response times, decisions."""
        return {key: self._host_report(host) for key, host in sorted(self._hosts.items())}

    def _host_report(self, host: _Host) -> dict[str, Any]:
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 1)

        policy = self.policy
        return {
            "requests": host.requests,
            "concurrency": {"final": host.limit, "lowest": host.limit_min, "highest": host.limit_max,
                            "peak_in_flight": host.peak_in_flight, "ceiling": policy.max_concurrency},
            "delay": {"factor": policy.delay_factor, "min": policy.min_delay, "max": policy.max_delay,
                      "mean_ms": ms(host.delay_sum / host.delays) if host.delays else None,
                      "longest_ms": ms(host.delay_max)},
            "start_gap": max(policy.start_gap, host.crawl_delay or 0.0),
            "shortest_start_gap_ms": ms(host.shortest_gap) if math.isfinite(host.shortest_gap) else None,
            "crawl_delay": {"asked": host.crawl_delay_asked, "honoured": host.crawl_delay},
            "response_ms": {"baseline": ms(host.baseline), "recent": ms(host.recent), "fastest": ms(host.response_min),
                            "slowest": ms(host.response_max) if host.responses else None,
                            "mean": ms(host.response_sum / host.responses) if host.responses else None},
            "back_offs": host.back_offs,
            "retry_after_pauses": host.pauses,
            "decisions": host.decisions + list(host.later_decisions),
        }
