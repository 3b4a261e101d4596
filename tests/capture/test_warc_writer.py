"""The WARC writer on its own: deterministic ids and clock, read back with warcio."""

from __future__ import annotations

import gzip
import itertools
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture import digest
from archive.capture.fetch import Exchange
from archive.capture.settings import CaptureSettings
from archive.capture.warc import REVISIT_PROFILE, WarcFileWriter

WARCIO = str(Path(sys.executable).with_name("warcio"))
CLOCK = datetime(2018, 3, 15, 12, 0, 0, tzinfo=UTC)


def make_exchange(url: str, body: bytes, *, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None,
                  truncated: str | None = None) -> Exchange:
    raw = headers or [(b"Content-Type", b"image/jpeg"), (b"Content-Length", str(len(body)).encode())]
    head = f"HTTP/1.1 {status} OK\r\n".encode() + b"".join(k + b": " + v + b"\r\n" for k, v in raw) + b"\r\n"
    req = b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    spool = tempfile.SpooledTemporaryFile()
    spool.write(body)
    spool.seek(0)
    return Exchange(
        url=url, started=CLOCK, request_head=req, status=status, reason="OK", http_version="HTTP/1.1",
        response_head=head, headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw], body=spool,
        body_length=len(body), payload_digest=digest.of_bytes("sha256", body),
        block_digest=digest.of_bytes("sha256", head + body), request_block_digest=digest.of_bytes("sha256", req),
        peer_ip="127.0.0.1", truncated=truncated,
    )


def writer(tmp_path: Path, **settings: Any) -> WarcFileWriter:
    ids = (f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>" for n in itertools.count(1))
    return WarcFileWriter(tmp_path, CaptureSettings(**settings), host="testhost", capture_id="capture-test",
                          clock=lambda: CLOCK, make_id=lambda: next(ids))


def records(path: Path) -> list[Any]:
    with open(path, "rb") as fh:
        out = []
        for rec in ArchiveIterator(fh):
            out.append((rec.rec_type, dict(rec.rec_headers.headers), rec.content_stream().read(),
                        rec.http_headers.to_str() if rec.http_headers else None))
        return out


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WARCIO, "check", "-v", str(path)], capture_output=True, text=True, timeout=60)


def test_pair_revisit_metadata_read_back_and_checked(tmp_path: Path) -> None:
    w = writer(tmp_path)
    first = w.write_exchange(make_exchange("http://127.0.0.1/a.jpg", b"JPEGDATA" * 100))
    w.write_exchange(make_exchange("http://127.0.0.1/copy.jpg", b"JPEGDATA" * 100), revisit_of=first,
                     revisit_uri="http://127.0.0.1/a.jpg")
    w.write_metadata("http://127.0.0.1/a.jpg", [("outlink", "http://127.0.0.1/b"), ("x", "multi\nline")],
                     concurrent_to=first.record_id)
    assert list(tmp_path.glob("*.open")), "the file is .open until closed"
    [path] = w.close()
    assert not list(tmp_path.glob("*.open"))
    assert path.name.startswith("news-20180315120000000-00001-testhost") and path.name.endswith(".warc.gz")

    recs = records(path)
    assert [r[0] for r in recs] == ["warcinfo", "response", "request", "revisit", "request", "metadata"]
    assert all(r[1]["WARC-Block-Digest"].startswith("sha256:") for r in recs)
    assert all("WARC-Payload-Digest" in r[1] for r in recs)
    info = recs[0][2].decode()
    for field in ("software: news-archive/", "format: WARC File Format 1.1", "robots: obey", "hostname: ", "isPartOf: capture-test"):
        assert field in info
    response, request, revisit = recs[1][1], recs[2][1], recs[3][1]
    assert request["WARC-Concurrent-To"] == response["WARC-Record-ID"]
    assert response["WARC-IP-Address"] == "127.0.0.1"
    assert recs[1][2] == b"JPEGDATA" * 100
    assert revisit["WARC-Profile"] == REVISIT_PROFILE == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert revisit["WARC-Refers-To-Target-URI"] == "http://127.0.0.1/a.jpg"
    assert revisit["WARC-Refers-To-Date"] == response["WARC-Date"]
    assert revisit["WARC-Payload-Digest"] == response["WARC-Payload-Digest"]
    assert recs[3][2] == b"", "a revisit stores headers only"
    assert recs[5][2] == b"outlink: http://127.0.0.1/b\r\nx: multi line\r\n"
    result = warcio_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout


def test_each_record_is_its_own_gzip_member(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write_exchange(make_exchange("http://127.0.0.1/a", b"a"))
    [path] = w.close()
    data = path.read_bytes()
    members = 0
    while data:
        d = __import__("zlib").decompressobj(16 + 15)
        d.decompress(data)
        data = d.unused_data
        members += 1
    assert members == 3  # warcinfo, response, request
    assert gzip.decompress(path.read_bytes()).startswith(b"WARC/1.1\r\n")


def test_headers_and_body_stored_exactly_and_truncation_marked(tmp_path: Path) -> None:
    raw = [(b"X-MiXed-Case", b"caf\xe9"), (b"Content-Encoding", b"gzip"),
           (b"X-Archive-Orig-Transfer-Encoding", b"chunked")]
    body = gzip.compress(b"hello")
    w = writer(tmp_path)
    w.write_exchange(make_exchange("http://127.0.0.1/z", body, headers=raw, truncated="length"))
    [path] = w.close()
    with open(path, "rb") as fh:
        rec = next(r for r in ArchiveIterator(fh) if r.rec_type == "response")
        assert rec.rec_headers.get_header("WARC-Truncated") == "length"
        assert rec.http_headers.get_header("X-MiXed-Case") is not None
        assert rec.raw_stream.read() == body  # still gzip: content-encoding preserved
    raw_block = gzip.decompress(path.read_bytes())
    assert b"X-MiXed-Case: caf\xe9\r\n" in raw_block, "header bytes kept exactly, not %-encoded"
    assert b"\r\nTransfer-Encoding" not in raw_block
    assert warcio_check(path).returncode == 0


def test_rollover_by_size_closes_every_file(tmp_path: Path) -> None:
    w = writer(tmp_path, warc_max_bytes=2000)
    for n in range(6):
        w.write_exchange(make_exchange(f"http://127.0.0.1/{n}", bytes(range(256)) * 8 + bytes([n])))
    paths = w.close()
    assert len(paths) >= 3
    assert [p.name.split("-")[2] for p in paths] == [f"{n:05d}" for n in range(1, len(paths) + 1)]
    for path in paths:
        recs = records(path)
        assert recs[0][0] == "warcinfo", "each file starts with its own warcinfo"
        assert warcio_check(path).returncode == 0
    assert not list(tmp_path.glob("*.open"))


def test_abort_leaves_only_an_open_file(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write_exchange(make_exchange("http://127.0.0.1/a", b"a"))
    w.abort()
    assert [p.suffix for p in tmp_path.iterdir()] == [".open"]


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    from archive.errors import WarcWriteError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WarcWriteError, match="cannot create"):
        WarcFileWriter(blocker / "sub", CaptureSettings())
