"""Everything that depends on warcio beyond its documented API, in one place.

We build and serialise records with warcio's public ``RecordBuilder`` and ``WARCWriter``, with
one exception: an HTTP head must be stored exactly as received (WARC "raw HTTP headers"), while
warcio re-serialises and %-encodes it. :class:`ExactHead` overrides
``StatusAndHeaders.compute_headers_buffer``, the hook warcio's writer calls to get a head's
bytes, and that hook is not a documented API. :func:`incompatibilities` checks the hook still
works the way we rely on (tests/capture/test_warcio_adapter.py runs it), so a warcio upgrade that
changes it fails loudly there instead of silently rewriting archived headers.
"""

from __future__ import annotations

import inspect
from io import BytesIO
from typing import Protocol

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_VERSION = "WARC/1.1"


class ExactHead(StatusAndHeaders):  # type: ignore[misc]  # warcio is untyped
    """HTTP head whose bytes are exactly those given, not re-serialised (or %-encoded) by warcio."""

    def __init__(self, head: bytes, protocol: str) -> None:
        text = head.decode("latin-1")
        first, _, rest = text.partition("\r\n")
        headers = [tuple(line.split(": ", 1)) for line in rest.split("\r\n") if ": " in line]
        super().__init__(first, headers, protocol=protocol)
        self._exact = head

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        # warcio's writer calls this, then writes ``headers_buff`` as the head.
        self.headers_buff = self._exact


def record_builder() -> RecordBuilder:
    """warcio's public record factory (``create_warc_record``) for WARC/1.1 records."""
    return RecordBuilder(warc_version=WARC_VERSION)


class BinarySink(Protocol):
    """Where a serialised record goes: a file, or one gzip member of one."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


def write_record(out: BinarySink, record: ArcWarcRecord) -> None:
    """Serialise ``record`` into ``out`` with warcio's own writer (no compression: ``out``
    decides, e.g. one gzip member per record). The caller owns ``out``."""
    WARCWriter(out, gzip=False, warc_version=WARC_VERSION).write_record(record)


# A head warcio would rewrite: non-ASCII bytes (which it %-encodes) and a doubled space.
_PROBE_HEAD = b"HTTP/1.1 200 OK\r\nX-Probe:  two  spaces\r\nX-Caf\xc3\xa9: \xe9t\xe9\r\n\r\n"


def incompatibilities() -> list[str]:
    """What no longer holds in the installed warcio for this module to work, as messages saying
    what to change; empty when everything holds."""
    hook = getattr(StatusAndHeaders, "compute_headers_buffer", None)
    if hook is None:
        return [_changed("StatusAndHeaders.compute_headers_buffer no longer exists")]
    params = list(inspect.signature(hook).parameters)
    if params[:2] != ["self", "header_filter"]:
        return [_changed(f"StatusAndHeaders.compute_headers_buffer now takes {params}, not (self, header_filter)")]
    out = BytesIO()
    try:
        write_record(out, record_builder().create_warc_record(
            "http://127.0.0.1/probe", "response", payload=BytesIO(b"body"), length=4,
            http_headers=ExactHead(_PROBE_HEAD, "HTTP/1.1")))
    except Exception as exc:  # noqa: BLE001 - any failure here is the incompatibility to report
        return [_changed(f"writing a record with an exact HTTP head failed: {type(exc).__name__}: {exc}")]
    if _PROBE_HEAD + b"body" not in out.getvalue():
        return [_changed("the writer no longer stores the head that compute_headers_buffer sets")]
    return []


def _changed(what: str) -> str:
    return (f"warcio changed: {what}. HTTP heads would no longer be archived byte for byte; "
            "update archive/capture/warcio_adapter.py for this warcio release (or pin the last one that works)")
