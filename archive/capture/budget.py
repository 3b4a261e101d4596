"""Per-article bounds on requisites: nesting depth, requests and body bytes.

HTML requisites (iframes, an <img> answered with HTML) are parsed and followed like pages, so a
hostile or broken site could otherwise make one article endless: a 500-deep iframe chain, a
4-way fan-out of thousands of requests, a server inventing new links forever. Each article gets
a budget; what it would have fetched beyond the budget is not fetched, and is recorded (one
failure per limit reached, with how many URLs were cut and the first of them).

Requests count every hop (redirects too, the page's own included). Bytes are checked before a
request starts: a response already in flight finishes, bounded on its own by max_body_bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.capture.settings import CaptureSettings


@dataclass
class ArticleBudget:
    max_depth: int
    max_requests: int
    max_bytes: int
    requests: int = 0
    bytes: int = 0
    cut: dict[str, dict[str, None]] = field(default_factory=dict)  # limit -> URLs not fetched (ordered set)

    @classmethod
    def from_settings(cls, settings: CaptureSettings) -> ArticleBudget:
        return cls(settings.max_requisite_depth, settings.max_article_requests, settings.max_article_bytes)

    def deeper_than_allowed(self, url: str, depth: int) -> bool:
        """True (and ``url`` recorded as cut) when a requisite at ``depth`` is past the bound."""
        if depth <= self.max_depth:
            return False
        self._cut(f"requisite depth limit (max_requisite_depth: {self.max_depth})", url)
        return True

    def take_request(self, url: str) -> bool:
        """Count one request for ``url``; False (and ``url`` recorded as cut) when none is left."""
        if self.bytes >= self.max_bytes:
            self._cut(f"byte limit (max_article_bytes: {self.max_bytes})", url)
            return False
        if self.requests >= self.max_requests:
            self._cut(f"request limit (max_article_requests: {self.max_requests})", url)
            return False
        self.requests += 1
        return True

    def add_bytes(self, count: int) -> None:
        self.bytes += count

    def reasons(self) -> list[str]:
        """One line per limit reached: which limit, how many URLs were cut, the first of them."""
        return [f"requisites cut at the {limit}: {len(urls)} URL(s) not fetched, first {next(iter(urls))}"
                for limit, urls in self.cut.items()]

    def _cut(self, limit: str, url: str) -> None:
        self.cut.setdefault(limit, {})[url] = None
