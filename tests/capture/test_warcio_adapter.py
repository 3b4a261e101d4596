"""The one place that relies on warcio beyond its documented API: checked against the installed
warcio, so an upgrade that changes it fails here with a message saying what to do."""

from __future__ import annotations

from io import BytesIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archive.capture import warcio_adapter
from archive.capture.warcio_adapter import (
    ExactHead,
    incompatibilities,
    record_builder,
    write_record,
)


def test_installed_warcio_still_works_as_the_adapter_needs() -> None:
    problems = incompatibilities()
    assert not problems, "\n".join(problems)


def test_exact_head_is_archived_byte_for_byte_and_read_back_by_warcio() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Path: /caf\xc3\xa9\r\nX-Odd:  two  spaces\r\n\r\n"
    out = BytesIO()
    write_record(out, record_builder().create_warc_record(
        "http://127.0.0.1/a", "response", payload=BytesIO(b"<p>hi</p>"), length=9,
        http_headers=ExactHead(head, "HTTP/1.1")))
    assert head + b"<p>hi</p>" in out.getvalue()
    out.seek(0)
    read = [(r.http_headers.get_header("Content-Type"), r.content_stream().read()) for r in ArchiveIterator(out)]
    assert read == [("text/html", b"<p>hi</p>")]


def test_a_changed_hook_is_reported_with_what_to_do(monkeypatch) -> None:
    """What a warcio release that renames the hook looks like: a message naming the module to update."""
    monkeypatch.delattr(StatusAndHeaders, "compute_headers_buffer")
    [problem] = incompatibilities()
    assert "compute_headers_buffer" in problem and "archive/capture/warcio_adapter.py" in problem


def test_a_writer_that_ignores_the_hook_is_reported(monkeypatch) -> None:
    monkeypatch.setattr(ExactHead, "compute_headers_buffer", StatusAndHeaders.compute_headers_buffer)
    [problem] = warcio_adapter.incompatibilities()
    assert "byte for byte" in problem
