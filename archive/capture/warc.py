"""Writing WARC/1.1 files: one gzip member per record, `.open` until closed, rollover by size.

Records are built with warcio's RecordBuilder, but with digests computed by the fetcher in the
same pass that spooled the body, so no body is read twice for hashing. Every write of a record
(or a request/response pair) happens under a lock, so records of concurrent fetches never
interleave.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any, cast

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import datetime_to_iso_date

from archive import SOFTWARE
from archive.capture import digest
from archive.capture.fetch import Exchange
from archive.capture.settings import CaptureSettings
from archive.capture.warcio_adapter import ExactHead, record_builder, write_record
from archive.diskfull import disk_full_cause
from archive.errors import ArchiveError, DiskFullError, WarcWriteError

REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
OPEN_SUFFIX = ".open"


class _GzipMember:
    """File-like that compresses everything written into one gzip member, ended by ``close``."""

    def __init__(self, out: IO[bytes], level: int) -> None:
        self._out = out
        self._z = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def write(self, data: bytes) -> int:
        self._out.write(self._z.compress(data))
        return len(data)

    def flush(self) -> None:  # warcio flushes after each record; the member ends in close()
        pass

    def close(self) -> None:
        self._out.write(self._z.flush())


@dataclass(frozen=True)
class WrittenRecord:
    record_id: str
    filename: str
    date: str


class WarcFileWriter:
    """Writes records into a sequence of WARC files in ``directory``.

    The writer owns the files it creates; callers own the streams they pass in. Files are named
    from the settings' template and carry ``.open`` until ``close()``; a crash leaves only
    `.open` files, which nothing downstream mistakes for finished WARCs.
    """

    def __init__(
        self,
        directory: Path,
        settings: CaptureSettings,
        *,
        host: str | None = None,
        capture_id: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        make_id: Callable[[], str] = lambda: f"<urn:uuid:{uuid.uuid4()}>",
        warcinfo_extra: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.settings = settings
        self.host = host or "local"
        self.capture_id = capture_id
        self._clock = clock
        self._make_id = make_id
        self._warcinfo_extra = dict(warcinfo_extra or {})
        self._lock = threading.Lock()
        self._serial = 0
        self._fh: IO[bytes] | None = None
        self._path: Path | None = None
        self._writer: RecordBuilder | None = None
        self.finished: list[Path] = []
        # Set by the first failed write: the current file is damaged from there on, so every
        # later write and close() raises it again instead of appending after the damage or
        # renaming the damaged file as finished.
        self._failed: ArchiveError | None = None
        self.bytes_written = 0
        self.records_written = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarcWriteError(f"cannot create output folder {self.directory}: {exc}") from exc

    # -- public ---------------------------------------------------------------------------

    def write_exchange(
        self,
        exchange: Exchange,
        *,
        revisit_of: WrittenRecord | None = None,
        revisit_uri: str | None = None,
    ) -> WrittenRecord:
        """Write the response (or a revisit of ``revisit_of``) and its request, linked."""
        date = self._date(exchange.started)
        response_id = self._make_id()
        common = {"WARC-Target-URI": exchange.url, "WARC-Date": date}
        if exchange.peer_ip:
            common["WARC-IP-Address"] = exchange.peer_ip
        resp_headers = {**common, "WARC-Record-ID": response_id}
        if revisit_of is not None:
            rtype = "revisit"
            resp_headers.update({
                "WARC-Profile": REVISIT_PROFILE,
                "WARC-Refers-To-Target-URI": revisit_uri or exchange.url,
                "WARC-Refers-To-Date": revisit_of.date,
                "WARC-Refers-To": revisit_of.record_id,
                "WARC-Block-Digest": digest.of_bytes(self.settings.digest_algorithm, exchange.response_head),
                "WARC-Payload-Digest": exchange.payload_digest,
            })
            payload: IO[bytes] = BytesIO()
            length = 0
        else:
            rtype = "response"
            resp_headers.update({
                "WARC-Block-Digest": exchange.block_digest,
                "WARC-Payload-Digest": exchange.payload_digest,
            })
            if exchange.truncated:
                resp_headers["WARC-Truncated"] = exchange.truncated
            exchange.body.seek(0)
            payload = exchange.body
            length = exchange.body_length
        empty = digest.of_bytes(self.settings.digest_algorithm, b"")
        req_headers = {
            **common,
            "WARC-Record-ID": self._make_id(),
            "WARC-Concurrent-To": response_id,
            "WARC-Block-Digest": exchange.request_block_digest,
            "WARC-Payload-Digest": empty,
        }
        with self._lock:
            writer = self._ensure_open()
            response = writer.create_warc_record(
                exchange.url, rtype, payload=payload, length=length,
                http_headers=ExactHead(exchange.response_head, exchange.http_version),
                warc_headers_dict=resp_headers,
            )
            request = writer.create_warc_record(
                exchange.url, "request", payload=BytesIO(), length=0,
                http_headers=ExactHead(exchange.request_head, "HTTP/1.1"),
                warc_headers_dict=req_headers,
            )
            name = self._current_name()
            self._write(response)
            self._write(request)
            self._maybe_roll()
        return WrittenRecord(response_id, name, date)

    def write_metadata(
        self, uri: str, fields: Sequence[tuple[str, str]], *, concurrent_to: str | None = None
    ) -> WrittenRecord:
        """A `metadata` record of `name: value` lines (application/warc-fields) about ``uri``."""
        body = "".join(f"{name}: {_one_line(value)}\r\n" for name, value in fields).encode("utf-8")
        return self._write_block(uri, "metadata", "application/warc-fields", body, concurrent_to)

    def write_resource(self, uri: str, content_type: str, body: bytes, *, concurrent_to: str | None = None) -> WrittenRecord:
        """A `resource` record (a screenshot, a rendered DOM) made by the capture about ``uri``."""
        return self._write_block(uri, "resource", content_type, body, concurrent_to)

    def _write_block(self, uri: str, rtype: str, content_type: str, body: bytes,
                     concurrent_to: str | None) -> WrittenRecord:
        headers = {"WARC-Target-URI": uri, "WARC-Date": self._date(self._clock()), "WARC-Record-ID": self._make_id()}
        if concurrent_to:
            headers["WARC-Concurrent-To"] = concurrent_to
        with self._lock:
            writer = self._ensure_open()
            record = self._block_record(writer, uri, rtype, body, headers, content_type)
            name = self._current_name()
            self._write(record)
            self._maybe_roll()
        return WrittenRecord(headers["WARC-Record-ID"], name, headers["WARC-Date"])

    def _block_record(self, writer: RecordBuilder, uri: str, rtype: str, body: bytes, headers: dict[str, str],
                      content_type: str = "application/warc-fields") -> Any:
        algo = self.settings.digest_algorithm
        # Non-HTTP records have no headers inside the block, so the payload is the whole block.
        headers = {**headers, "WARC-Block-Digest": digest.of_bytes(algo, body), "WARC-Payload-Digest": digest.of_bytes(algo, body)}
        return writer.create_warc_record(
            uri, rtype, payload=BytesIO(body), length=len(body),
            warc_content_type=content_type, warc_headers_dict=headers,
        )

    def close(self) -> list[Path]:
        """Finish the current file (fsync, then rename off `.open`); return every finished file."""
        with self._lock:
            self._finish()
        return list(self.finished)

    def abort(self) -> None:
        """Close without finishing: the `.open` file stays, visibly incomplete.

        Never raises: it runs while another error (often a full disk) is on its way out, and
        the close's own flush failing again must not hide that error."""
        with self._lock:
            if self._fh is not None:
                try:
                    self._fh.close()
                except OSError:
                    pass
                self._fh = None

    # -- internals --------------------------------------------------------------------------

    def _date(self, when: datetime) -> str:
        return cast(str, datetime_to_iso_date(when.astimezone(UTC).replace(tzinfo=None), use_micros=True))

    def _current_name(self) -> str:
        assert self._path is not None
        return self._path.name[: -len(OPEN_SUFFIX)]

    def _ensure_open(self) -> RecordBuilder:
        if self._failed is not None:
            raise self._failed
        if self._writer is not None:
            return self._writer
        self._serial += 1
        now = self._clock().astimezone(UTC)
        # warc_name refuses any name that is not one file inside self.directory.
        name = self.settings.warc_name(
            timestamp=now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}",
            serial=self._serial,
            host=_safe(self.host),
            pid=os.getpid(),
        )
        path = self.directory / (name + OPEN_SUFFIX)
        try:
            self._fh = open(path, "xb")
        except OSError as exc:
            if disk_full_cause(exc):
                raise self._kept(path) from exc
            raise WarcWriteError(f"cannot create {path}: {exc}", hint="check the --out folder is writable") from exc
        self._path = path
        self._writer = record_builder()
        self._write_warcinfo(self._writer, name)
        return self._writer

    def _write_warcinfo(self, writer: RecordBuilder, name: str) -> None:
        info = {
            "software": SOFTWARE + " (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "http-header-user-agent": self.settings.user_agent,
            "robots": "obey" if self.settings.respect_robots else "ignore",
            "operator": self.settings.operator or "",
            "isPartOf": self.capture_id or "",
            **self._warcinfo_extra,
        }
        body = "".join(f"{k}: {_one_line(str(v))}\r\n" for k, v in info.items() if v).encode("utf-8")
        headers = {
            "WARC-Date": self._date(self._clock()),
            "WARC-Record-ID": self._make_id(),
            "WARC-Filename": name,
        }
        self._write(self._block_record(writer, "", "warcinfo", body, headers))

    def _write(self, record: ArcWarcRecord) -> None:
        assert self._fh is not None
        member = _GzipMember(self._fh, self.settings.gzip_level)
        try:
            write_record(member, record)  # warcio's own serialiser, into our member
            member.close()
        except OSError as exc:
            self._failed = (self._kept(self._path) if disk_full_cause(exc)
                            else WarcWriteError(f"writing {self._path}: {exc}"))
            raise self._failed from exc
        self.records_written += 1

    def _kept(self, path: Path | None) -> DiskFullError:
        return DiskFullError(str(path), f"the WARC records written before it are kept in {self.directory} "
                                        f"(an unfinished file keeps its {OPEN_SUFFIX} suffix)")

    def _maybe_roll(self) -> None:
        assert self._fh is not None
        if self._fh.tell() >= self.settings.warc_max_bytes:
            self._finish()

    def _finish(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._fh is None or self._path is None:
            return
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            size = self._fh.tell()
            self._fh.close()
            final = self._path.with_name(self._path.name[: -len(OPEN_SUFFIX)])
            os.replace(self._path, final)
        except OSError as exc:
            self._failed = (self._kept(self._path) if disk_full_cause(exc)
                            else WarcWriteError(f"closing {self._path}: {exc}"))
            raise self._failed from exc
        self.bytes_written += size
        self.finished.append(final)
        self._fh = None
        self._path = None
        self._writer = None


def _one_line(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "-" for c in text) or "local"
