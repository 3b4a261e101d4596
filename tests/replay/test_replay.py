"""`archive replay` with real pywb on 127.0.0.1, from a bag of the demo site: the articles and
every requisite (images, CSS and its url() images, fonts, the revisit, the redirects)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from archive.errors import UsageError
from archive.replay.pywb import ReplayServer
from archive.replay.sources import open_source, open_sources
from archive_app.cli import main
from tests.helpers.processes import children_of, running


def index_lines(bag: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for line in (bag / "data/indexes/index.cdxj").read_text(encoding="utf-8").splitlines():
        _key, ts, fields = line.split(" ", 2)
        out.append((ts, json.loads(fields)))
    return out


def raw_get(url: str) -> httpx.Response:
    """GET without following redirects and without undoing Content-Encoding (id_ is raw bytes)."""
    with httpx.Client(timeout=30) as client:
        with client.stream("GET", url, follow_redirects=False) as resp:
            resp._content = b"".join(resp.iter_raw())
            return resp


def sha256_b32(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture()
def server(replay_server):
    return replay_server


def test_every_indexed_record_replays_byte_for_byte(server, demo_bag) -> None:
    lines = [(ts, f) for ts, f in index_lines(demo_bag) if f.get("mime") != "application/warc-fields"]
    assert len(lines) > 20
    originals = {f["digest"]: f for _, f in lines if f.get("mime") != "warc/revisit"}
    checked = 0
    for ts, fields in lines:
        resp = raw_get(server.url_for(fields["url"], ts, "id_"))
        if fields.get("mime") == "warc/revisit":
            assert resp.status_code == int(originals[fields["digest"]]["status"]), fields["url"]
        else:
            assert resp.status_code == int(fields["status"]), fields["url"]
        # the payload served is exactly the payload archived (digest over the raw body)
        assert sha256_b32(resp.content) == fields["digest"], fields["url"]
        checked += 1
    assert checked == len(lines)


def test_articles_replay_as_pages(server, demo_server) -> None:
    for path, needle in [("/en/2018/03/amnesty-or-disgrace.html", "Amnesty Or Disgrace"),
                         ("/ku/2018/03/amnesty-or-disgrace.html", "لێبوردن")]:
        resp = httpx.get(server.url_for(demo_server.url(path)), follow_redirects=True, timeout=30)
        assert resp.status_code == 200
        assert needle in resp.text
        assert "application/warc-fields" not in resp.headers.get("content-type", "")


def test_revisit_replays_the_original_payload(server, demo_server) -> None:
    revisit = raw_get(server.url_for(demo_server.url("/static/img/share/police-anbar.jpg"), "", "id_"))
    original = raw_get(server.url_for(demo_server.url("/static/img/police-anbar-960.jpg"), "", "id_"))
    assert revisit.status_code == 200 and revisit.headers["content-type"] == "image/jpeg"
    assert revisit.content == original.content
    assert revisit.content == (Path(__file__).resolve().parents[2] / "archive_app/demo/site/static/img/police-anbar-960.jpg").read_bytes()


def test_redirects_replay(server, demo_server) -> None:
    for old, new in [("/old/amnesty-or-disgrace", "/en/2018/03/amnesty-or-disgrace.html"),
                     ("/static/img/old/parade.jpg", "/static/img/parade.jpg")]:
        resp = raw_get(server.url_for(demo_server.url(old), "", "id_"))
        assert resp.status_code == 301
        assert resp.headers["location"].endswith(new)
        followed = httpx.get(server.url_for(demo_server.url(old)), follow_redirects=True, timeout=30)
        assert followed.status_code == 200
        assert new in str(followed.url)


def test_css_url_images_and_fonts_replay(server, demo_server) -> None:
    for css_path in ("/static/css/site.css", "/static/css/fonts.css"):
        css = httpx.get(server.url_for(demo_server.url(css_path), "", "id_"), timeout=30)
        assert css.status_code == 200
        refs = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.text)
        assert refs, css_path
        for ref in refs:
            target = str(httpx.URL(demo_server.url(css_path)).join(ref))
            resp = raw_get(server.url_for(target, "", "id_"))
            assert resp.status_code == 200, target
            assert resp.headers["content-type"].startswith(("image/", "font/", "text/css")), target


def test_busy_port_is_a_clear_usage_error(demo_bag, pywb_python, capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError, match=f"port {port} on 127.0.0.1 is already in use"):
            ReplayServer([open_source(demo_bag)], port=port).start()
        assert main(["replay", str(demo_bag), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert "already in use" in err and "--port" in err


def test_missing_pywb_says_how_to_install_it(demo_bag, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("ARCHIVE_PYWB", str(tmp_path / "no-such-venv"))
    assert main(["replay", str(demo_bag), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "pywb is not installed" in err and "make install" in err


def test_two_inputs_replay_as_one_collection(demo_bag, pywb_python, tmp_path) -> None:
    # a second input: a bare WARC (no index, no metadata) written by warcio
    from tests.package.conftest import write_warc

    warc = write_warc(tmp_path / "other.warc.gz", pages=2, seed=7)
    with ReplayServer(open_sources([demo_bag, warc]), port=0) as srv:
        ours = index_lines(demo_bag)[-1][1]["url"]
        assert raw_get(srv.url_for(ours, "", "id_")).status_code == 200
        other = raw_get(srv.url_for("http://127.0.0.1:8000/article/7/1", "", "id_"))
        assert other.status_code == 200 and other.content.startswith(b"<html><title>page 1</title>")


def test_cli_prints_article_urls_and_stops_cleanly_on_ctrl_c(demo_bag, pywb_python, demo_server,
                                                             tmp_path) -> None:
    tmp = tmp_path / "tmp"  # where the pywb config goes: empty again after Ctrl-C
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "archive_app.cli", "replay", str(demo_bag), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmp)})
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        en = next(line for line in lines if "/en/2018/03/" in line)
        found = re.search(r"http://127\.0\.0\.1:\d+/archive/\d{14}/http://127\.0\.0\.1:\d+/en/2018/03/\S+", en)
        assert found, en
        replay_url = found.group(0)
        assert "Amnesty Or Disgrace" in en  # the headline from the metadata record
        assert en.startswith(("19", "20")) and " UTC " in en
        resp = httpx.get(replay_url, timeout=30)
        assert resp.status_code == 200 and "Amnesty Or Disgrace" in resp.text
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopping pywb" in err
    assert list(tmp.iterdir()) == []
    port = int(replay_url.split(":")[2].split("/")[0])
    with socket.socket() as sock:  # pywb is gone: the port is free again
        sock.bind(("127.0.0.1", port))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the kernel's parent-death signal")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_replay_leaves_no_pywb_holding_its_port(sig: signal.Signals, demo_bag, pywb_python) -> None:
    """Issue 10 item 9: what a command starts ends with it, even when the command is killed
    without a chance to clean up."""
    import time

    proc = subprocess.Popen([sys.executable, "-m", "archive_app.cli", "replay", str(demo_bag), "--port", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # URLs are printed once pywb answers
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/archive/", line).group(1))  # type: ignore[union-attr]
    pywb = children_of(proc.pid)
    assert pywb, "pywb runs as a child of the command"
    proc.send_signal(sig)  # the command alone, not its process group: nothing else to clean up
    proc.communicate(timeout=120)  # end-of-file on its pipes
    deadline = time.monotonic() + 120  # a hang guard only
    try:
        while any(running(pid) for pid in pywb):
            assert time.monotonic() < deadline, f"pywb {pywb} outlived the killed command"
            time.sleep(0.05)
    finally:  # a failing run must not leave pywb behind either
        for pid in pywb:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    # Nobody listens on the port any more. (Binding it is no test: the killed pywb's side of a
    # connection may sit in TIME_WAIT on that port for a minute, which blocks a bind, not a server.)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=30).close()


def test_third_party_warcs_replay_and_broken_ones_are_reported(testdata, pywb_python) -> None:
    warcs = testdata / "warcs"
    good = warcs / "pywb" / "warcs" / "iana.warc.gz"
    broken = warcs / "warcio" / "example-wrong-chunks.warc.gz"
    with ReplayServer(open_sources([good, broken]), port=0) as srv:
        page = raw_get(srv.url_for("http://www.iana.org/", "", "id_"))
        assert page.status_code == 200 and b"Internet Assigned Numbers Authority" in page.content
        css = raw_get(srv.url_for("http://www.iana.org/_css/2013.1/screen.css", "", "id_"))
        assert css.status_code == 200
        # the break is reported with file and offset (the readable record before it is indexed;
        # pywb serves it cut short, since its gzip member ends mid-record, so it is not fetched here)
        assert [(e.path, e.offset) for e in srv.index_errors] == [(str(broken), 516)]


def test_bag_index_holds_no_metadata_records_under_article_urls(demo_bag: Path, demo_server) -> None:
    """Our per-article metadata record has the article's URL and timestamp; indexed, pywb would
    replay it instead of the page (it sorts first). The bag's index must leave it out."""
    from archive.replay.lookup import SortedIndex
    from archive_app.demo.server import DEMO_ARTICLES

    index = SortedIndex(demo_bag / "data" / "indexes" / "index.cdxj")
    for path in DEMO_ARTICLES:
        entries = list(index.lookup(demo_server.url(path)))
        assert entries, path
        assert all(e.fields.get("mime") == "text/html" and e.fields.get("status") == "200" for e in entries), entries
    text = (demo_bag / "data" / "indexes" / "index.cdxj").read_text()
    assert "application/warc-fields" not in text
