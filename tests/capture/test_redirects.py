"""One redirect policy for pages and robots.txt (issue 12, item 2): the same limit
(``max_redirects``), the same loop detection, against a real server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from archive.capture.redirects import RedirectChain, is_redirect
from tests.capture.test_hostile_urls import QUICK, capture, reasons
from tests.helpers.faultserver import FaultServer, Handler, _ok, _status

PAGE = b"<html><body><h1>Page</h1></body></html>"


def _to(location: str) -> Handler:
    return _status("302 Found", [("Location", location)])


def _chain(prefix: str, hops: int, end: str) -> dict[str, Handler]:
    """``prefix`` redirecting ``hops`` times (prefix -> prefix1 -> ... -> end)."""
    names = [prefix] + [f"{prefix}{i}" for i in range(1, hops)]
    return {name: _to(nxt) for name, nxt in zip(names, names[1:] + [end], strict=True)}


def test_chain_policy_both_callers_use() -> None:
    chain = RedirectChain("http://127.0.0.1/a", 2)
    assert list(chain.hops()) == [0, 1, 2], "the first request plus two redirects"
    assert chain.loop("http://127.0.0.1/b") is None
    assert chain.loop("http://127.0.0.1/a") == "redirect loop back to http://127.0.0.1/a"
    assert chain.too_long() == "more than 2 redirects"
    assert is_redirect(301, "/x") and not is_redirect(301, None) and not is_redirect(200, "/x")


def test_robots_redirects_follow_the_page_limit(tmp_path: Path) -> None:
    """robots.txt behind as many redirects as pages may take is read; one more and the host is
    left alone, with the same reason a page would get."""
    routes = {"/a": _ok(PAGE), "/rules.txt": _ok(b"User-agent: *\nDisallow: /a\n"),
              **_chain("/robots.txt", 3, "/rules.txt")}
    srv = FaultServer(routes=routes)
    try:
        [within] = capture(tmp_path / "within", [srv.url("/a")], QUICK.replace(max_redirects=3))
        [beyond] = capture(tmp_path / "beyond", [srv.url("/a")], QUICK.replace(max_redirects=2))
    finally:
        srv.close()
    assert "blocked by robots" in reasons(within)[srv.url("/a")], "rules three redirects away are honoured"
    reason = reasons(beyond)[srv.url("/a")]
    assert "more than 2 redirects" in reason and "robots.txt" in reason
    assert srv.count("/a") == 0


def test_robots_redirect_loop_is_named(tmp_path: Path) -> None:
    srv = FaultServer(routes={"/a": _ok(PAGE), "/robots.txt": _to("/r1"), "/r1": _to("/robots.txt")})
    try:
        [result] = capture(tmp_path, [srv.url("/a")])
    finally:
        srv.close()
    assert "redirect loop back to " + srv.url("/robots.txt") in reasons(result)[srv.url("/a")]
    assert srv.count("/robots.txt") == 1, "the loop is seen, not walked until a limit"


def test_page_redirects_use_the_same_limit(tmp_path: Path) -> None:
    srv = FaultServer(routes={"/robots.txt": _status("404 Not Found"), "/end": _ok(PAGE), **_chain("/p", 3, "/end")})
    try:
        [within] = capture(tmp_path / "within", [srv.url("/p")], QUICK.replace(max_redirects=3))
        [beyond] = capture(tmp_path / "beyond", [srv.url("/p")], QUICK.replace(max_redirects=2))
    finally:
        srv.close()
    assert within.ok and within.final_url == srv.url("/end")
    assert not beyond.ok and "more than 2 redirects" in reasons(beyond)[srv.url("/p")]
