"""The demo pages that need JavaScript: static capture misses what their scripts load, browser
capture records all of it (through the session: request/response pairs, revisits, digests),
plus a screenshot and the rendered DOM tied to the page; auto mode picks per page, and says why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive.errors import ArchiveError
from archive_app.demo.jspages import JS_PAGES
from tests.capture.browser.conftest import capture, records

# What the scripts of the JS pages load, and nothing in the served HTML names.
SCRIPT_LOADED = (
    "/js/data/article.json", "/js/assets/font.css", "/js/fonts/jsserif.woff2", "/js/img/parade.jpg",
    "/js/img/senior-officers.jpg", "/js/img/police-anbar-960.jpg",
    "/js/data/list-1.json", "/js/data/list-4.json", "/js/img/og-card.jpg?list=1-2",
    "/js/img/senior-officers.jpg?w=480",
)


def _uris(out: Path, rec_type: str) -> set[str]:
    return {uri for kind, uri, _, _ in records(out) if kind == rec_type}


def test_static_mode_misses_what_scripts_load(demo_server, tmp_path: Path) -> None:
    results = capture(tmp_path, [demo_server.url(p) for p in JS_PAGES], capture_mode="static")
    assert all(r.ok and r.mode == "static" for r in results)
    fetched = {u.removeprefix(demo_server.base_url) for u in _uris(tmp_path, "response") | _uris(tmp_path, "revisit")}
    assert "/js/assets/article.js" in fetched  # the scripts themselves are named by the HTML
    assert not fetched & set(SCRIPT_LOADED)


def test_browser_mode_records_everything_scripts_load(demo_server, tmp_path: Path) -> None:
    results = capture(tmp_path, [demo_server.url(p) for p in JS_PAGES], capture_mode="browser")
    assert [r.mode for r in results] == ["browser"] * 3
    assert all(r.ok and not r.failures for r in results), [r.failures for r in results]
    fetched = {u.removeprefix(demo_server.base_url) for u in _uris(tmp_path, "response") | _uris(tmp_path, "revisit")}
    missing = set(SCRIPT_LOADED) - fetched
    assert not missing
    every = records(tmp_path)
    # each response has its request; every browser request went through the session
    assert len([r for r in every if r[0] == "request"]) == len([r for r in every if r[0] in ("response", "revisit")])
    checked = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *map(str, tmp_path.glob("*.warc.gz"))],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_screenshot_and_rendered_dom_are_resources_tied_to_the_page(demo_server, tmp_path: Path) -> None:
    page = demo_server.url("/js/article.html")
    [result] = capture(tmp_path, [page], capture_mode="browser")
    every = records(tmp_path)
    resources = {uri: (headers, body) for kind, uri, headers, body in every if kind == "resource"}
    shot_headers, shot = resources[f"urn:screenshot:{page}"]
    dom_headers, dom = resources[f"urn:rendered-dom:{page}"]
    assert shot.startswith(b"\x89PNG\r\n\x1a\n")
    assert shot_headers["WARC-Concurrent-To"] == dom_headers["WARC-Concurrent-To"] == result.record_id
    assert b"Amnesty or disgrace? Anbar police split" in dom  # rendered by script: not in the served page
    [served] = [body for kind, uri, _, body in every if kind == "response" and uri == page]
    assert b"Amnesty or disgrace" not in served
    [meta] = [body.decode() for kind, uri, _, body in every if kind == "metadata" and uri == page]
    assert f"screenshot: urn:screenshot:{page}" in meta and f"rendered-dom: urn:rendered-dom:{page}" in meta
    assert "capture-mode: browser" in meta and "images-shown: 3 of 3" in meta


def test_auto_mode_uses_the_browser_only_where_the_page_needs_it(demo_server, tmp_path: Path) -> None:
    article = demo_server.url("/en/2018/03/amnesty-or-disgrace.html")
    results = capture(tmp_path, [article, demo_server.url("/js/article.html"), demo_server.url("/js/gallery.html")],
                      capture_mode="auto")
    static, js_article, gallery = results
    assert static.mode == "static" and "holds the article" in static.mode_reason
    assert js_article.mode == "browser" and "words of text" in js_article.mode_reason
    assert gallery.mode == "browser" and gallery.mode_reason
    assert all(r.to_json()["mode"] == r.mode for r in results)  # in the run report, per page
    fetched = {u.removeprefix(demo_server.base_url) for u in _uris(tmp_path, "response") | _uris(tmp_path, "revisit")}
    assert "/js/data/article.json" in fetched
    # the page the decision read is recorded once, not once per mode
    pages = [uri for kind, uri, _, _ in records(tmp_path) if kind == "response" and uri.endswith("/js/article.html")]
    assert len(pages) == 1


def test_extraction_reads_the_rendered_dom_when_the_served_html_lacks_the_article(demo_server, tmp_path: Path) -> None:
    from archive.extract.warcs import extract_warcs

    pages = [demo_server.url("/js/article.html"), demo_server.url("/en/2018/03/amnesty-or-disgrace.html")]
    capture(tmp_path, pages, capture_mode="browser")
    errors: list[ArchiveError] = []
    found = {r["url"]: r for r in extract_warcs(sorted(tmp_path.glob("*.warc.gz")), errors=errors)}
    assert not errors
    js = found[pages[0]]
    assert js["headline"] == "Amnesty or disgrace? Anbar police split over the new law"
    assert js["datePublished"] == "2018-03-15" and len(js["image"]) == 3  # type: ignore[arg-type]
    assert js["provenance"]["warc"]["renderedDom"]["recordId"]  # type: ignore[index]
    # a page whose served HTML holds the article is read from what the server sent
    assert "renderedDom" not in found[pages[1]]["provenance"]["warc"]  # type: ignore[index]
