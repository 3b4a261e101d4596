"""robots.txt, fetched once per host through the capture's own fetcher (so it is archived too)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.robotparser import RobotFileParser

import httpx

# Robots files are small; a larger one is cut (Google reads only the first 500 KiB).
MAX_ROBOTS_BYTES = 512 * 1024


class RobotsPolicy:
    """Answers "may this URL be fetched?" for one product token.

    ``load`` fetches robots.txt for an origin and returns (status, body) or None when the host
    could not be reached. Following common crawler practice: 4xx means no rules (allow all);
    5xx or unreachable means the site is in trouble, so disallow all for this run.
    """

    def __init__(self, agent: str, load: Callable[[str], Awaitable[tuple[int, bytes] | None]]) -> None:
        self._agent = agent
        self._load = load
        self._parsers: dict[str, asyncio.Future[RobotFileParser | bool]] = {}

    @staticmethod
    def origin(url: str) -> str:
        parsed = httpx.URL(url)
        default = 443 if parsed.scheme == "https" else 80
        port = "" if parsed.port in (None, default) else f":{parsed.port}"
        return f"{parsed.scheme}://{parsed.host}{port}"

    async def allowed(self, url: str) -> bool:
        origin = self.origin(url)
        future = self._parsers.get(origin)
        if future is None:
            future = self._parsers[origin] = asyncio.get_running_loop().create_future()
            try:
                future.set_result(await self._fetch(origin))
            except BaseException as exc:  # make waiters see the same failure, then re-raise
                future.set_exception(exc)
                raise
        rules = await asyncio.shield(future)
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(self._agent, url)

    def crawl_delay(self, url: str) -> float | None:
        """Seconds between requests that robots.txt asks of this agent for ``url``'s origin
        (Crawl-delay, or Request-rate as seconds per request, whichever is longer); None when
        it asks nothing or has not been read yet (``allowed`` reads it)."""
        future = self._parsers.get(self.origin(url))
        if future is None or not future.done() or future.cancelled() or future.exception() is not None:
            return None
        rules = future.result()
        if isinstance(rules, bool):
            return None
        asked = [float(delay)] if (delay := rules.crawl_delay(self._agent)) is not None else []
        rate = rules.request_rate(self._agent)
        if rate is not None and rate.requests > 0:
            asked.append(rate.seconds / rate.requests)
        return max(asked, default=None)

    async def _fetch(self, origin: str) -> RobotFileParser | bool:
        result = await self._load(origin + "/robots.txt")
        if result is None:
            return False
        status, body = result
        if 400 <= status < 500:
            return True
        if status >= 500 or status < 200:
            return False
        parser = RobotFileParser()
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        parser.parse(text.splitlines())
        return parser
