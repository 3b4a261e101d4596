"""End to end: WARCs written with warcio as capture writes them, read by extract_warcs and the CLI."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archive.extract
from archive.errors import ArchiveError, WarcReadError
from archive.extract import extract_warcs, validate_record
from archive_app.cli import main
from tests.extract.conftest import page

ASKED = "http://127.0.0.1:8000/en/articles/5862"
FINAL = "http://127.0.0.1:8000/en/articles/security/5862/"


def _response(writer: WARCWriter, uri: str, body: bytes, ctype: str, *, encoding: str | None = None) -> str:
    headers = [("Content-Type", ctype)]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    rec = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
    req = writer.create_warc_record(uri, "request", payload=io.BytesIO(b""),
                                    http_headers=StatusAndHeaders(f"GET {uri} HTTP/1.1", [], is_http_request=True))
    req.rec_headers.add_header("WARC-Concurrent-To", rec.rec_headers.get_header("WARC-Record-ID"))
    writer.write_record(req)
    writer.write_record(rec)
    return str(rec.rec_headers.get_header("WARC-Record-ID"))


def _metadata(writer: WARCWriter, asked: str, response_id: str, final: str) -> None:
    body = (f"x-news-archive-role: article\r\nfinal-uri: {final}\r\nrequisite: {final}img.jpg\r\n"
            f"outlink: http://127.0.0.1:8000/\r\n").encode()
    rec = writer.create_warc_record(asked, "metadata", payload=io.BytesIO(body), warc_content_type="application/warc-fields")
    rec.rec_headers.add_header("WARC-Concurrent-To", response_id)
    writer.write_record(rec)


@pytest.fixture
def our_warc(tmp_path: Path) -> Path:
    path = tmp_path / "capture-00000.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        rid = _response(writer, FINAL, gzip.compress(page("niqash_en.html")), "text/html; charset=utf-8", encoding="gzip")
        _response(writer, FINAL + "img.jpg", b"\xff\xd8jpeg", "image/jpeg")
        # An HTML page that is a requisite (an iframe), not an article: must not be extracted.
        _response(writer, "http://127.0.0.1:8000/widget.html", b"<html><h1>Widget</h1></html>", "text/html")
        _metadata(writer, ASKED, rid, FINAL)
    return path


@pytest.fixture
def foreign_warc(tmp_path: Path) -> Path:
    path = tmp_path / "foreign.warc"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        _response(writer, "http://127.0.0.1:9/ar/1", page("niqash_ar.cp1256.html"), "text/html; charset=windows-1256")
        _response(writer, "http://127.0.0.1:9/style.css", b"body{}", "text/css")
        _response(writer, "http://127.0.0.1:9/ckb/1", page("niqash_ckb.html"), "text/html")
    return path


def test_articles_are_found_through_metadata_records(our_warc: Path) -> None:
    errors: list[ArchiveError] = []
    records = list(extract_warcs([our_warc], errors=errors))
    assert errors == []
    (record,) = records
    validate_record(record)
    assert record["url"] == FINAL
    assert record["headline"] == "Amnesty Or Disgrace: What Next For Anbar Security Staffers Who Fled?"
    warc = record["provenance"]["warc"]
    assert warc["filename"] == our_warc.name and warc["targetUri"] == FINAL
    assert warc["recordId"].startswith("<urn:uuid:") and warc["payloadDigest"].startswith("sha1:")
    assert warc["offset"] > 0 and record["provenance"]["captureTime"].startswith("20")
    assert record["provenance"]["fields"]["url"] == "warc"


def test_foreign_warc_treats_every_html_200_as_a_candidate(foreign_warc: Path) -> None:
    records = list(extract_warcs([foreign_warc]))
    assert [r["url"] for r in records] == ["http://127.0.0.1:9/ar/1", "http://127.0.0.1:9/ckb/1"]
    assert records[0]["author"] == [{"@type": "Person", "name": "كمال العياش"}]
    assert records[1]["inLanguage"] == "ckb"


def test_url_filter_matches_asked_or_final_url(our_warc: Path, foreign_warc: Path) -> None:
    assert [r["url"] for r in extract_warcs([our_warc], url=ASKED)] == [FINAL]
    assert [r["url"] for r in extract_warcs([our_warc], url=FINAL)] == [FINAL]
    assert list(extract_warcs([our_warc], url="http://127.0.0.1:8000/other")) == []


def test_cli_prints_json_lines(our_warc: Path, foreign_warc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(our_warc), str(foreign_warc)]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["url"] for r in lines] == [FINAL, "http://127.0.0.1:9/ar/1", "http://127.0.0.1:9/ckb/1"]
    for record in lines:
        validate_record(record)
    assert err == ""


def test_cli_reports_a_broken_warc_after_printing_what_it_read(
    our_warc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.warc.gz"
    data = our_warc.read_bytes()
    broken.write_bytes(data + b"this is not a WARC record\r\n" * 3)
    assert main(["extract", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert str(broken) in err and f"offset {len(data)}" in err
    errors: list[ArchiveError] = []
    assert len(list(extract_warcs([broken], errors=errors))) == 1
    assert isinstance(errors[0], WarcReadError) and errors[0].offset == len(data)


def test_cli_missing_file_and_unknown_url(our_warc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(tmp_path / "missing.warc.gz")]) == 1
    assert "missing.warc.gz" in capsys.readouterr().err
    assert main(["extract", str(our_warc), "--url", "http://127.0.0.1:8000/nope"]) == 1
    assert "no article captured for" in capsys.readouterr().err


def test_public_surface_is_pinned() -> None:
    assert archive.extract.__all__ == ["extract_html", "extract_warcs", "validate_record"]


def test_article_archived_as_a_revisit_is_extracted_from_the_original(tmp_path: Path) -> None:
    path = tmp_path / "revisit.warc.gz"
    body = page("niqash_en.html")
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        _response(writer, FINAL, body, "text/html; charset=utf-8")  # the original, not itself an article
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        # Same payload -> same digest: built only to read the digest warcio computes, never written.
        twin = writer.create_warc_record(FINAL, "response", payload=io.BytesIO(body), http_headers=http)
        digest = twin.rec_headers.get_header("WARC-Payload-Digest")
        revisit = writer.create_revisit_record(FINAL, digest, FINAL, "2026-01-01T00:00:00Z", http_headers=http)
        writer.write_record(revisit)
        _metadata(writer, ASKED, str(revisit.rec_headers.get_header("WARC-Record-ID")), FINAL)
    errors: list[ArchiveError] = []
    (record,) = list(extract_warcs([path], errors=errors))
    assert errors == []
    validate_record(record)
    assert record["author"] == [{"@type": "Person", "name": "Kamal al-Ayash"}]
    warc = record["provenance"]["warc"]
    assert warc["recordId"] == revisit.rec_headers.get_header("WARC-Record-ID")
    assert warc["refersTo"]["offset"] < warc["offset"]


def test_revisit_without_its_original_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "lonely.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        revisit = writer.create_revisit_record(FINAL, "sha1:AAAA", FINAL, "2026-01-01T00:00:00Z", http_headers=http)
        writer.write_record(revisit)
        _metadata(writer, ASKED, str(revisit.rec_headers.get_header("WARC-Record-ID")), FINAL)
    errors: list[ArchiveError] = []
    assert list(extract_warcs([path], errors=errors)) == []
    assert len(errors) == 1 and "revisit" in str(errors[0]) and "sha1:AAAA" in str(errors[0])


WGET_WARC = Path("/work/shared/testdata/warcs/warcio/example-wget-bad-target-uri.warc.gz")


@pytest.mark.skipif(not WGET_WARC.is_file(), reason=f"shared test WARC absent: {WGET_WARC}")
def test_foreign_wget_warc_with_bracketed_target_uris() -> None:
    errors: list[ArchiveError] = []
    records = list(extract_warcs([WGET_WARC], errors=errors))
    assert errors == []
    assert records and all(str(r["url"]).startswith("http") and "<" not in str(r["url"]) for r in records)
    for record in records:
        validate_record(record)
