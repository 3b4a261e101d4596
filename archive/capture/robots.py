"""robots.txt, fetched once per host through the capture's own fetcher (so it is archived too)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.robotparser import RobotFileParser

import httpx

# Robots files are small; a larger one is cut (Google reads only the first 500 KiB).
MAX_ROBOTS_BYTES = 512 * 1024


BLOCKED = "blocked by robots.txt"


class RobotsPolicy:
    """Answers "may this URL be fetched, and if not, why?" for one product token.

    ``load`` fetches robots.txt for an origin and returns (status, body), or a string saying
    why the host could not be reached. Following common crawler practice: 4xx means no rules
    (allow all); 5xx or unreachable means the site is in trouble, so nothing is fetched from it
    in this run, and the refusal names the real cause (a refused connection, a DNS failure, an
    HTTP 503), never "blocked by robots.txt".
    """

    def __init__(self, agent: str, load: Callable[[str], Awaitable[tuple[int, bytes] | str | None]]) -> None:
        self._agent = agent
        self._load = load
        self._parsers: dict[str, asyncio.Future[RobotFileParser | str | None]] = {}

    @staticmethod
    def origin(url: str) -> str:
        """scheme://host[:port] with the default port left out; IPv6 hosts keep their brackets."""
        parsed = httpx.URL(url)
        return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"

    async def allowed(self, url: str) -> bool:
        return await self.refusal(url) is None

    async def refusal(self, url: str) -> str | None:
        """None when ``url`` may be fetched, else the reason it may not."""
        origin = self.origin(url)
        future = self._parsers.get(origin)
        if future is None:
            future = self._parsers[origin] = asyncio.get_running_loop().create_future()
            try:
                future.set_result(await self._fetch(origin))
            except BaseException as exc:  # make waiters see the same failure, then re-raise
                future.set_exception(exc)
                future.exception()  # retrieved: the raiser reports it
                raise
        rules = await asyncio.shield(future)
        if rules is None or isinstance(rules, str):
            return rules
        return None if rules.can_fetch(self._agent, url) else BLOCKED

    def crawl_delay(self, url: str) -> float | None:
        """Seconds between requests that robots.txt asks of this agent for ``url``'s origin
        (Crawl-delay, or Request-rate as seconds per request, whichever is longer); None when
        it asks nothing or has not been read yet (``allowed`` reads it)."""
        future = self._parsers.get(self.origin(url))
        if future is None or not future.done() or future.cancelled() or future.exception() is not None:
            return None
        rules = future.result()
        if rules is None or isinstance(rules, str):  # no rules, or not fetched at all
            return None
        asked = [float(delay)] if (delay := rules.crawl_delay(self._agent)) is not None else []
        rate = rules.request_rate(self._agent)
        if rate is not None and rate.requests > 0:
            asked.append(rate.seconds / rate.requests)
        return max(asked, default=None)

    async def _fetch(self, origin: str) -> RobotFileParser | str | None:
        """Rules for ``origin``: a parser, None (no rules: allow all), or why not to fetch."""
        robots_url = origin + "/robots.txt"
        result = await self._load(robots_url)
        if result is None:
            return f"not fetched: {robots_url} could not be fetched"
        if isinstance(result, str):
            return f"{result} (fetching {robots_url}, before anything else on that host)"
        status, body = result
        if 400 <= status < 500:
            return None
        if status >= 500 or status < 200:
            return f"not fetched: {robots_url} answered HTTP {status}, so the site is left alone in this run"
        parser = RobotFileParser()
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        parser.parse(text.splitlines())
        return parser
