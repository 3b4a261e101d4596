"""The one redirect policy of a capture session, for pages, requisites and robots.txt alike:
at most ``max_redirects`` hops, never the same URL twice in one chain, only fetchable targets
(see urls.redirect_target), each hop checked by the caller against the target policy."""

from __future__ import annotations


class RedirectChain:
    """The state of following one URL's redirects: which URLs the chain has visited."""

    def __init__(self, start: str, limit: int) -> None:
        self.start = start
        self.limit = limit
        self._seen = {start}

    def hops(self) -> range:
        """Hop numbers to try: the first request plus at most ``limit`` redirects."""
        return range(self.limit + 1)

    def loop(self, target: str) -> str | None:
        """Why the chain must not go on to ``target`` (it was visited already), else None; the
        target then counts as visited."""
        if target in self._seen:
            return f"redirect loop back to {target}"
        self._seen.add(target)
        return None

    def too_long(self) -> str:
        """The reason once every hop is spent and the last one still redirects."""
        return f"more than {self.limit} redirects"


def is_redirect(status: int, location: str | None) -> bool:
    """A response that sends the client elsewhere (a 3xx with a Location)."""
    return 300 <= status < 400 and bool(location)
