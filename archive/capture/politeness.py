"""Per-host politeness: at most N requests in flight, a minimum gap between request starts,
and a host-wide pause when a server says Retry-After."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Host:
    slots: asyncio.Semaphore
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    paused_until: float = 0.0


class HostLimiter:
    """Shared by every fetch of a capture run; one instance per event loop."""

    def __init__(
        self,
        concurrency: int,
        delay: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._concurrency = concurrency
        self._delay = delay
        self._clock = clock
        self._hosts: dict[str, _Host] = {}

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self._concurrency))
        return host

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        """Hold one of the host's connection slots, starting no sooner than politeness allows."""
        host = self._host(key)
        async with host.slots:
            # The gate serialises start times so the delay is a true gap between starts.
            async with host.gate:
                now = self._clock()
                start = max(now, host.next_start, host.paused_until)
                if start > now:
                    await asyncio.sleep(start - now)
                host.next_start = max(self._clock(), start) + self._delay
            yield

    def pause(self, key: str, seconds: float) -> None:
        """Honour Retry-After: no new request to this host for ``seconds``."""
        host = self._host(key)
        host.paused_until = max(host.paused_until, self._clock() + seconds)
