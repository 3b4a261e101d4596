"""Fuzzing the readers: the CDXJ lookup, the WARC reader and the CDXJ writer on mutated input.

Each reader is fed bytes hypothesis derives from real files (a valid CDXJ index, a small valid
WARC written with warcio, gzip per record and uncompressed): bytes flipped, cut, inserted and
duplicated. The only exceptions allowed out are the project's own (``ArchiveError``, of which
``WarcReadError`` is one), raised or reported through ``errors=``; anything else is a crash.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import ArchiveError, WarcReadError
from archive.records import iter_records
from archive.replay.cdxj import write_cdxj
from archive.replay.lookup import SortedIndex, closest

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FUZZ_WARC = settings(FUZZ, max_examples=300)  # about 6 ms an example: cheap enough for more


def _warc_bytes(gzip: bool) -> bytes:
    """A small real WARC: warcinfo, request/response, a revisit, a metadata and a chunked response."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip, warc_version="WARC/1.1")
    writer.write_record(writer.create_warcinfo_record("fuzz.warc.gz", {"software": "tests"}))
    body = b"<html><head><title>Fuzz</title></head><body><h1>Fuzz</h1><p>text</p></body></html>"
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    req = writer.create_warc_record("http://127.0.0.1:8000/a", "request", payload=io.BytesIO(
        b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"))
    resp = writer.create_warc_record("http://127.0.0.1:8000/a", "response", payload=io.BytesIO(body),
                                     http_headers=http)
    writer.write_request_response_pair(req, resp)
    chunked = b"5\r\nhello\r\n0\r\n\r\n"
    http2 = StatusAndHeaders("404 Not Found", [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")],
                             protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("http://127.0.0.1:8000/b", "response",
                                                  payload=io.BytesIO(chunked), http_headers=http2))
    writer.write_record(writer.create_revisit_record("http://127.0.0.1:8000/c", resp.rec_headers.get_header(
        "WARC-Payload-Digest"), "http://127.0.0.1:8000/a", resp.rec_headers.get_header("WARC-Date")))
    writer.write_record(writer.create_warc_record("http://127.0.0.1:8000/a", "metadata",
                                                  payload=io.BytesIO(b"outlink: http://127.0.0.1:8000/x\r\n"),
                                                  warc_content_type="application/warc-fields"))
    return out.getvalue()


WARC_GZ = _warc_bytes(gzip=True)
WARC_PLAIN = _warc_bytes(gzip=False)


def _index_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "fuzz.warc.gz"
        warc.write_bytes(WARC_GZ)
        out = io.BytesIO()
        write_cdxj([warc], out)
    return out.getvalue()


CDXJ = _index_bytes()


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few flips, cuts, insertions and duplicated slices."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "duplicate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(st.sampled_from([0, 0x0A, 0x0D, 0x20, 0x3A, 0x7B, 0xFF, 0x1F, 0x8B]))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=40) | st.sampled_from(
                [b"\r\n\r\n", b"WARC/1.1\r\n", b"Content-Length: 999999999\r\n", b"\x1f\x8b\x08\x00",
                 b"Content-Length: -5\r\n", b"Transfer-Encoding: chunked\r\n", b"\n", b" {}", b"\xff\xfe"]))
        elif op == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "duplicate" and data:
            end = min(len(data), pos + draw(st.integers(1, 400)))
            data[pos:pos] = data[pos:end]
    return bytes(data)


def _read_all(path: Path, errors: list[WarcReadError] | None) -> int:
    n = 0
    for record in iter_records(path, errors=errors):
        record.payload().read()
        n += 1
    return n


@pytest.mark.parametrize("seed", [WARC_GZ, WARC_PLAIN], ids=["gzip-per-record", "uncompressed"])
def test_seed_warcs_are_valid(seed: bytes, tmp_path: Path) -> None:
    path = tmp_path / "seed.warc"
    path.write_bytes(seed)
    errors: list[WarcReadError] = []
    assert _read_all(path, errors) == 6 and errors == []


@FUZZ_WARC
@given(data=st.one_of(mutated(WARC_GZ), mutated(WARC_PLAIN)), collect=st.booleans())
def test_warc_reader_on_mutated_warcs(data: bytes, collect: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.warc.gz"
        path.write_bytes(data)
        errors: list[WarcReadError] = []
        try:
            _read_all(path, errors if collect else None)
        except ArchiveError:
            assert not collect or errors == [], "with errors= given, a broken file is reported, not raised"
        for error in errors:
            assert isinstance(error, WarcReadError) and error.offset >= 0 and str(path) in str(error)


@FUZZ_WARC
@given(data=st.one_of(mutated(WARC_GZ), mutated(WARC_PLAIN)))
def test_cdxj_writer_on_mutated_warcs(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.warc.gz"
        path.write_bytes(data)
        out = io.BytesIO()
        errors: list[WarcReadError] = []
        count = write_cdxj([path], out, errors=errors)
        lines = out.getvalue().splitlines()
        assert len(lines) == count and lines == sorted(lines)
        # What the writer wrote, the reader reads back.
        index = Path(tmp) / "index.cdxj"
        index.write_bytes(out.getvalue())
        with SortedIndex(index) as idx:
            assert len(list(idx)) == count


def _use_index(data: bytes, url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.cdxj"
        path.write_bytes(data)
        try:
            with SortedIndex(path) as idx:
                for entry in [*idx.lookup(url), *idx]:
                    _ = (entry.url, entry.filename, entry.offset, entry.mime, entry.status)
                entries = list(idx)
                closest(entries)
                closest(entries, "20180315")
        except ArchiveError:
            pass


@FUZZ
@given(data=mutated(CDXJ), url=st.sampled_from(["http://127.0.0.1:8000/a", "http://127.0.0.1:8000/c", "x"]))
def test_cdxj_reader_on_mutated_index(data: bytes, url: str) -> None:
    _use_index(data, url)


_LINE = st.builds(lambda k, t, j: f"{k} {t} {j}".encode("utf-8", "surrogatepass"),
                  st.text(max_size=12), st.text(max_size=16),
                  st.sampled_from(['{"offset": "²", "status": "٣"}', "[]", "{", '{"url": 5}', "null",
                                   '{"offset": 1e400}', '{"status": "-1"}', ""]) | st.text(max_size=20))


@FUZZ
@given(data=st.one_of(st.binary(max_size=600), st.lists(_LINE, max_size=12).map(b"\n".join)),
       url=st.text(max_size=20))
def test_cdxj_reader_on_arbitrary_bytes(data: bytes, url: str) -> None:
    _use_index(data, url)


def test_a_broken_index_names_the_file() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.cdxj"
        path.write_bytes(CDXJ + b"not a cdxj line\n")
        with SortedIndex(path) as idx, pytest.raises(ArchiveError) as info:
            list(idx)
        assert str(path) in str(info.value)
        os.unlink(path)


@pytest.mark.parametrize("line", [b"not a cdxj line", b"key 20180315000000 [1, 2]", b"key notdigits {}",
                                  b"key 20180315000000 " + b"[" * 100_000, b"\xff\xfe 2018 {}", b"onlykey"])
def test_each_kind_of_damaged_line_is_an_archive_error(line: bytes, tmp_path: Path) -> None:
    path = tmp_path / "index.cdxj"
    path.write_bytes(line + b"\n")
    with SortedIndex(path) as idx, pytest.raises(ArchiveError, match="damaged CDXJ line"):
        list(idx)


def test_non_ascii_digits_in_offset_and_status_are_not_numbers(tmp_path: Path) -> None:
    path = tmp_path / "index.cdxj"
    path.write_bytes('k 20180315000000 {"offset": "²", "status": "³"}\n'.encode())
    with SortedIndex(path) as idx:
        [entry] = list(idx)
    assert entry.offset is None and entry.status is None  # int("²") would raise ValueError
