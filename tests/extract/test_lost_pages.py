"""Every HTML response yields a record or a reported problem; warcio's warnings become ours, once."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import ArchiveError
from archive.extract import extract_warcs
from archive.records import iter_records
from archive_app.cli import main

PAGE = b"<html><head><title>Water talks resume</title></head><body><h1>Water talks resume</h1><p>Text.</p></body></html>"


def _warc(path: Path, responses: list[tuple[str, list[tuple[str, str]], bytes]]) -> Path:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for uri, headers, body in responses:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http))
    return path


HTML = [("Content-Type", "text/html; charset=utf-8")]


def test_response_with_broken_target_uri_is_reported_not_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # warcio does not parse the HTTP headers of a record whose URI is not http(s): before the
    # fix such a page was taken for a non-HTTP blob, skipped, and the command exited 0.
    warc = _warc(tmp_path / "broken.warc.gz", [("xhttp://127.0.0.1/a.html", HTML, PAGE),
                                                ("http://127.0.0.1/b.html", HTML, PAGE)])
    assert main(["extract", str(warc)]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["url"] for line in out.splitlines()] == ["http://127.0.0.1/b.html"]
    assert "xhttp://127.0.0.1/a.html" in err and "not an absolute http(s) URL" in err
    assert err.count("archive extract: error:") == 1


def test_broken_uri_record_still_has_its_http_headers(tmp_path: Path) -> None:
    warc = _warc(tmp_path / "broken.warc.gz", [("xhttp://127.0.0.1/a.html", HTML, PAGE)])
    infos = [(rec.info.status, rec.info.mime, rec.payload().read()) for rec in iter_records(warc)]
    assert infos == [(200, "text/html", PAGE)]


def test_warcio_space_warning_reported_once_as_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warc = _warc(tmp_path / "spaces.warc.gz", [("http://127.0.0.1/a b.html", HTML, PAGE)])
    assert main(["extract", str(warc)]) == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["url"] for line in out.splitlines()] == ["http://127.0.0.1/a%20b.html"]
    lines = [line for line in err.splitlines() if line.strip()]
    # One line, ours (prefixed, naming the file and offset); nothing from warcio's logger.
    assert lines[0].startswith("archive extract: error:"), err
    assert len(lines) == 2 and lines[1].startswith("  hint: "), err  # the message's own hint line
    assert "spaces.warc.gz at offset 0" in lines[0] and "a%20b.html" in lines[0]


def test_warcio_warning_is_not_logged_when_collected(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    warc = _warc(tmp_path / "spaces.warc.gz", [("http://127.0.0.1/a b.html", HTML, PAGE)])
    errors: list[ArchiveError] = []
    records = list(extract_warcs([warc], errors=errors))
    assert len(records) == 1 and len(errors) == 1
    assert not [r for r in caplog.records if r.name.startswith("warcio")]


def test_untyped_html_response_is_extracted_untyped_image_is_not(tmp_path: Path) -> None:
    warc = _warc(tmp_path / "untyped.warc.gz", [("http://127.0.0.1/page", [], b"<!DOCTYPE html>" + PAGE),
                                                 ("http://127.0.0.1/img", [], b"\x89PNG\r\n\x1a\n\x00\x00")])
    errors: list[ArchiveError] = []
    records = list(extract_warcs([warc], errors=errors))
    assert [r["url"] for r in records] == ["http://127.0.0.1/page"] and not errors


def test_iter_records_skips_payloads_not_asked_for(tmp_path: Path) -> None:
    warc = _warc(tmp_path / "two.warc.gz", [("http://127.0.0.1/a.html", HTML, PAGE)])
    recs = list(iter_records(warc, payloads=("metadata",)))
    assert [r.info.status for r in recs] == [200]  # headers still read
    with pytest.raises(RuntimeError, match="not kept"):
        recs[0].payload()
