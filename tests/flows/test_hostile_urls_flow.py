"""Issue 10, item 1, through the real flow: whatever one article raises (a hostile redirect, an
IPv6 literal, a seed that is not a URL at all) is that article's failure. Every other article is
captured, every article has its report entry, the metadata is extracted and the bag is made."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from flows.capture import capture_articles
from tests.helpers.faultserver import FaultServer, _ok, _status

pytestmark = pytest.mark.usefixtures("prefect_harness")
QUICK = {"per_host_delay": 0.0, "retries": 0, "task_retries": 0, "read_timeout": 2.0, "body_timeout": 5.0}
ARTICLE = (b"<html><head><title>A good article</title></head><body><article><h1>A good article</h1>"
           b"<p>Text of the article.</p><img src=\"/ok.png\"></article></body></html>")


def test_hostile_urls_never_cost_the_other_articles(tmp_path: Path) -> None:
    server = FaultServer(routes={
        "/good": _ok(ARTICLE),
        "/to-mailto": _status("302 Found", [("Location", "mailto:editor@example.org")]),
        "/to-ipv6": _status("302 Found", [("Location", "http://[::1]:9/x")]),
        "/to-metadata": _status("302 Found", [("Location", "http://169.254.169.254/latest/meta-data/")]),
        "/img-ipv6": _ok(b'<html><body><h1>Img</h1><img src="http://[::1]:9/x"></body></html>'),
    })
    try:
        urls = [server.url("/to-mailto"), "http://[::1]:9/x", server.url("/to-ipv6"), server.url("/img-ipv6"),
                server.url("/to-metadata"), "javascript:alert(1)", server.url("/good")]
        report = asyncio.run(capture_articles(urls=urls, out_dir=str(tmp_path), settings=QUICK))
    finally:
        server.close()
    by_url = {a.url: a for a in report.articles}
    assert len(report.articles) == len(urls), "every article has its report entry"
    assert by_url[server.url("/good")].ok and by_url[server.url("/img-ipv6")].ok
    assert report.pages_captured == 2
    assert set(by_url) == set(urls)
    reasons = {url: " ".join(f.reason for f in by_url[url].failures) for url in urls}
    assert "redirect to unfetchable location 'mailto:" in reasons[urls[0]]
    assert "http://[::1]:9/robots.txt" in reasons[urls[1]] and "http://[::1]:9/robots.txt" in reasons[urls[2]]
    assert "http://[::1]:9/robots.txt" in reasons[urls[3]], "the page is captured, its requisite's failure recorded"
    assert "refused by the capture target policy" in reasons[urls[4]]
    assert "only http and https URLs can be captured" in reasons[urls[5]]
    assert not any("unexpected error" in r for r in reasons.values())
    for url in urls[:3] + urls[4:6]:
        assert not by_url[url].ok
    assert report.bag is not None and report.bag.valid, report.bag
    assert report.metadata is not None and report.metadata.records >= 2
    assert json.loads(report.report_path.read_text())["pages"] == len(urls)
