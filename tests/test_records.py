"""archive.records against every third-party WARC in the shared test data, plus our own files."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import WarcReadError
from archive.records import iter_records

TESTDATA = Path("/work/shared/testdata")
WARCS = TESTDATA / "warcs"
ORACLE = TESTDATA / "oracle-results" / "warcio-1.8.1-check.tsv"
_SKIP = pytest.mark.skipif(not WARCS.is_dir(), reason=f"shared WARC test data not present at {WARCS}")


def _oracle() -> dict[str, tuple[int, bool]]:
    """path -> (warcio index record count, whether warcio read the whole file)."""
    out: dict[str, tuple[int, bool]] = {}
    if not ORACLE.is_file():
        return out
    for line in ORACLE.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        rel = parts[0].removeprefix("./")
        count = int(parts[2].split("=", 1)[1])
        notes = " ".join(parts[3:])
        full = "skipping rest of file" not in notes and "Error" not in notes
        out[rel] = (count, full)
    return out


def _all_files() -> list[Path]:
    return sorted(p for p in WARCS.rglob("*") if p.is_file()) if WARCS.is_dir() else []


@_SKIP
@pytest.mark.parametrize("path", _all_files(), ids=lambda p: str(p.relative_to(WARCS)))
def test_every_shared_file_reads_or_fails_cleanly(path: Path) -> None:
    errors: list[WarcReadError] = []
    count = 0
    for record in iter_records(path, errors=errors):
        count += 1
        record.payload().read()  # payload errors must be WarcReadError too
        assert record.info.offset >= 0 and record.info.warc == path
    for err in errors:
        assert err.path == str(path) and err.offset >= 0 and err.reason
    expected = _oracle().get(str(path.relative_to(WARCS)))
    if expected is not None and expected[1]:
        assert count == expected[0], f"warcio index counts {expected[0]} records, we read {count}"


@_SKIP
def test_whole_file_gzip_is_read_past_warcio_refusal() -> None:
    path = WARCS / "warcio" / "example-bad-non-chunked.warc.gz"
    plain = list(iter_records(WARCS / "warcio" / "example.warc"))
    errors: list[WarcReadError] = []
    whole = [r.info.record_id for r in iter_records(path, errors=errors)]
    assert whole == [r.info.record_id for r in plain]
    assert errors == []


@_SKIP
def test_broken_file_raises_after_readable_part_without_errors_list() -> None:
    path = WARCS / "jwat" / "warc" / "invalid-warcfile-record-then-garbage.warc"
    seen: list[str] = []
    with pytest.raises(WarcReadError) as info:
        for record in iter_records(path):
            seen.append(record.info.rec_type)
    assert seen, "the good record before the garbage must be yielded first"
    assert info.value.offset > 0 and str(path) in str(info.value)


def _write(tmp_path: Path, body: bytes, *, chunked: bool) -> Path:
    path = tmp_path / "t.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
        payload = gzip.compress(body)
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
            payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
        http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
        rec = writer.create_warc_record("http://127.0.0.1/a", "response", payload=io.BytesIO(payload), http_headers=http)
        writer.write_record(rec)
    return path


@pytest.mark.parametrize("chunked", [False, True])
def test_payload_is_dechunked_but_not_content_decoded(tmp_path: Path, chunked: bool) -> None:
    path = _write(tmp_path, b"<html>hello</html>", chunked=chunked)
    seen = []
    for record in iter_records(path):  # the payload is valid only until the iterator advances
        seen.append((record.info, record.payload().read()))
    ((info, body),) = seen
    assert (info.rec_type, info.status, info.mime, info.target_uri) == ("response", 200, "text/html", "http://127.0.0.1/a")
    assert gzip.decompress(body) == b"<html>hello</html>"
    assert info.offset == 0 and info.length == path.stat().st_size
    assert info.http_header("content-encoding") == "gzip"


def test_missing_file_and_truncated_gzip(tmp_path: Path) -> None:
    errors: list[WarcReadError] = []
    assert list(iter_records(tmp_path / "nope.warc", errors=errors)) == []
    assert errors and errors[0].offset == 0
    good = _write(tmp_path, b"x" * 5000, chunked=False)
    data = good.read_bytes()
    double = tmp_path / "cut.warc.gz"
    double.write_bytes(data + data[: len(data) // 2])
    errors = []
    ids = [r.info.offset for r in iter_records(double, errors=errors)]
    assert ids[0] == 0
    assert errors and errors[0].offset == len(data)
