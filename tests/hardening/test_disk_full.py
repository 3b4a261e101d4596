"""Issue 10, item 11: a full disk is one clear error at every stage, never a traceback.

Each stage that writes (the capture's WARC writer, extraction's records, the bag builder,
`archive wacz`) gets a fault-injecting file whose writes fail with ENOSPC after a byte budget
(and whose close fails again, as a buffered file's flush does), and a real 1 MiB tmpfs when the
test may mount one. The error must say "disk full", where, and what was kept; nothing may be
left looking finished, and the original error must not be masked by a clean-up's second error."""

from __future__ import annotations

import asyncio
import builtins
import errno
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import atomic
from archive.capture import warc as warc_module
from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
from archive.capture.warc import WarcFileWriter
from archive.diskfull import disk_full_cause, disk_full_guard
from archive.errors import DiskFullError
from archive.package import BagInfo, build_bag, hashing
from archive.package import build as build_module
from archive.pipeline import extract_to_folder
from archive.replay.wacz import write_wacz
from archive_app.cli import main
from tests.helpers.mounts import tmpfs

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
_real_open = builtins.open


class FullFile:
    """A writable file on a disk with ``budget`` bytes left: the write that would pass the
    budget fails with ENOSPC, and so does the close after it (a buffered file flushes on close)."""

    def __init__(self, real: Any, budget: int) -> None:
        self._real = real
        self._left = budget
        self.failed = False

    def write(self, data: bytes) -> int:
        if len(data) > self._left:
            self.failed = True
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._left -= len(data)
        return self._real.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def close(self) -> None:
        self._real.close()
        if self.failed:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self) -> FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def full_disk_open(budget: int) -> Callable[..., Any]:
    """``open`` whose files opened for writing are FullFiles with ``budget`` bytes."""
    def fake(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        real = _real_open(file, mode, *args, **kwargs)
        return FullFile(real, budget) if any(c in mode for c in "wxa+") else real
    return fake


def assert_disk_full(exc: DiskFullError, where: Path | str, kept: str) -> None:
    text = str(exc)
    assert text.startswith("disk full: cannot write "), text
    assert str(where) in exc.path, (exc.path, where)
    assert kept in exc.kept, exc.kept


def _big_warc(path: Path, size: int) -> Path:
    """A real WARC holding one response of ``size`` incompressible bytes."""
    with _real_open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        head = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://127.0.0.1/big.jpg", "response",
                                                      payload=io.BytesIO(os.urandom(size)), http_headers=head))
    return path


@pytest.fixture(scope="module")
def captured(demo_server, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    """Real WARCs of one demo article plus a 2 MB one, and the article's metadata record."""
    work = tmp_path_factory.mktemp("disk-full")

    async def capture() -> None:
        async with CaptureSession(work / "capture", CaptureSettings(per_host_delay=0.0)) as session:
            await session.capture_article(demo_server.url("/en/2018/03/amnesty-or-disgrace.html"))

    asyncio.run(capture())
    warcs = sorted((work / "capture").glob("*.warc.gz")) + [_big_warc(work / "capture" / "big.warc.gz", 2_000_000)]
    extraction = extract_to_folder(warcs, work / "metadata")
    assert extraction.files
    return warcs, extraction.files


INFO = BagInfo(source_organization="disk-full tests", external_identifier="x", external_description="y")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- the mechanism -------------------------------------------------------------------------------


def test_disk_full_is_found_under_a_masking_error() -> None:
    """zipfile raises ValueError while an ENOSPC is being handled; the cause is still found."""
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise ValueError("Can't close the ZIP file while there is an open writing handle") from None
    except ValueError as exc:
        assert disk_full_cause(exc) is not None  # from None hides it from display, not __context__
    assert disk_full_cause(OSError(errno.EDQUOT, "Disk quota exceeded")) is not None
    assert disk_full_cause(OSError(errno.EACCES, "Permission denied")) is None
    with pytest.raises(PermissionError), disk_full_guard("/x", "kept"):
        raise PermissionError(errno.EACCES, "Permission denied")  # other errors pass unchanged


# --- unit: a fault-injecting file at each stage --------------------------------------------------


@pytest.mark.parametrize("budget", [0, 300, 5000])
def test_warc_writer_full_disk_raises_one_error_and_never_finishes_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int) -> None:
    monkeypatch.setattr(warc_module, "open", full_disk_open(budget), raising=False)
    writer = WarcFileWriter(tmp_path, CaptureSettings())
    with pytest.raises(DiskFullError) as caught:
        for n in range(50):
            writer.write_metadata(f"http://127.0.0.1/{n}", [("note", "x" * 1000)])
    assert_disk_full(caught.value, tmp_path, f"kept in {tmp_path}")
    with pytest.raises(DiskFullError):  # the file is damaged from there on: no record after it
        writer.write_metadata("http://127.0.0.1/later", [("note", "y")])
    with pytest.raises(DiskFullError):  # and it is never renamed as finished
        writer.close()
    writer.abort()  # never raises, though the file's close fails again
    assert writer.finished == [] and not list(tmp_path.glob("*.warc.gz"))
    assert len(list(tmp_path.glob("*.warc.gz.open"))) == 1  # kept, visibly unfinished


def test_capture_session_abort_does_not_mask_the_disk_full_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session's exit aborts the writer; its close failing again used to replace the error."""
    monkeypatch.setattr(warc_module, "open", full_disk_open(2000), raising=False)

    async def run() -> None:
        async with CaptureSession(tmp_path, CaptureSettings()) as session:
            for n in range(50):
                session.writer.write_metadata(f"http://127.0.0.1/{n}", [("note", "x" * 1000)])

    with pytest.raises(DiskFullError) as caught:
        asyncio.run(run())
    assert_disk_full(caught.value, tmp_path, f"kept in {tmp_path}")


def test_extraction_full_disk_names_the_record_and_the_kept_warcs(
        captured: tuple[list[Path], list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warcs, _ = captured
    monkeypatch.setattr(atomic, "open", full_disk_open(100), raising=False)
    with pytest.raises(DiskFullError) as caught:
        extract_to_folder(warcs, tmp_path / "metadata")
    assert_disk_full(caught.value, tmp_path / "metadata", f"the WARCs are kept in {warcs[0].parent}")
    assert not [p for p in (tmp_path / "metadata").iterdir()]  # no half record, no temporary left


@pytest.mark.parametrize("target", ["copy", "index", "tags"])
def test_bag_build_full_disk_leaves_no_bag_and_names_the_inputs(
        captured: tuple[list[Path], list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        target: str) -> None:
    warcs, records = captured
    before = {p: p.read_bytes() for p in (*warcs, *records)}
    if target == "copy":  # the payload copy
        monkeypatch.setattr(hashing, "open", full_disk_open(10_000), raising=False)
    elif target == "index":  # the CDXJ index written in the staging folder
        monkeypatch.setattr(build_module, "open", full_disk_open(10), raising=False)
    else:  # the tag files, after every payload file was copied and indexed
        def full_write_and_hash(dst: Path, data: bytes, algorithms: object) -> None:
            with FullFile(_real_open(dst, "xb"), 0) as out:
                out.write(data)
        monkeypatch.setattr(build_module, "write_and_hash", full_write_and_hash)
    dest = tmp_path / "bag"
    with pytest.raises(DiskFullError) as caught:
        build_bag(dest, warcs=warcs, metadata=records, info=INFO, processes=1)
    assert_disk_full(caught.value, tmp_path, f"the WARCs are untouched in {warcs[0].parent}")
    assert "no bag was made" in caught.value.kept
    assert list(tmp_path.iterdir()) == []  # neither the bag nor its staging folder
    assert {p: p.read_bytes() for p in before} == before


def test_wacz_full_disk_is_one_error_not_a_zipfile_valueerror(
        captured: tuple[list[Path], list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warcs, records = captured
    bag = build_bag(tmp_path / "bag", warcs=warcs, metadata=records, info=INFO, processes=1)
    before = snapshot(bag)
    monkeypatch.setattr(zipfile.io, "open", full_disk_open(50_000))  # type: ignore[attr-defined]  # zipfile's io
    dest = tmp_path / "out.wacz"
    with pytest.raises(DiskFullError) as caught:
        write_wacz(bag, dest)
    assert_disk_full(caught.value, dest, f"the bag {bag} is untouched")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bag"] and snapshot(bag) == before


# --- a real full file system ---------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs (needs root and mount rights; skipped with the reason otherwise)."""
    with tmpfs(tmp_path / "small", "1m") as mnt:
        yield mnt


def fill(disk: Path) -> None:
    """Write a filler file until the file system is full."""
    with _real_open(disk / "filler", "wb") as fh, pytest.raises(OSError) as caught:
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    assert caught.value.errno == errno.ENOSPC


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_real_full_disk_bag_wacz_and_extract(captured: tuple[list[Path], list[Path]], small_disk: Path,
                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warcs, records = captured
    code, err = _cli(["bag", *map(str, warcs), "--out", str(small_disk / "b"), "--quiet"], capsys)
    assert code == 1 and err.startswith("archive bag: error: disk full: cannot write "), err
    assert "no bag was made" in err and "Traceback" not in err
    assert list((small_disk / "b").iterdir()) == []  # the --out folder, empty: no bag, no staging

    bag = build_bag(tmp_path / "bag", warcs=warcs, metadata=records, info=INFO, processes=1)
    code, err = _cli(["wacz", str(bag), "-o", str(small_disk / "x.wacz")], capsys)
    assert code == 1 and err.startswith("archive wacz: error: disk full: cannot write "), err
    assert f"the bag {bag} is untouched" in err and not list(small_disk.glob("*wacz*"))

    fill(small_disk)  # then extract: the first record cannot be written
    with pytest.raises(DiskFullError) as caught:
        extract_to_folder(warcs[:1], small_disk / "metadata")
    assert_disk_full(caught.value, small_disk / "metadata", "the WARCs are kept in")
    for argv, target in ((["index", str(warcs[-1]), "-o"], small_disk / "i.cdxj"),
                         (["show", str(warcs[-1]), "http://127.0.0.1/big.jpg", "-o"], small_disk / "big.jpg")):
        code, err = _cli([*argv, str(target)], capsys)
        assert code == 1 and f"error: disk full: cannot write {target}; {target} was not written" in err, err
        assert not target.exists() and not list(small_disk.glob(".*.tmp"))


def test_real_full_disk_capture_cli_says_disk_full_and_keeps_the_warcs(
        small_disk: Path, prefect_harness: None, tmp_path: Path) -> None:
    """`archive capture` of a page with a 3 MB incompressible image onto a 1 MiB disk."""
    from prefect.settings import PREFECT_API_URL

    from tests.helpers.faultserver import FaultServer, _ok

    page = b"<html><head><title>t</title></head><body><h1>t</h1><img src='/big.jpg'></body></html>"
    server = FaultServer(routes={"/article": _ok(page), "/big.jpg": _ok(os.urandom(3_000_000), "image/jpeg")})
    env = dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    try:
        done = subprocess.run([str(BIN / "archive"), "capture", server.url("/article"), "--out", str(small_disk),
                               "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    finally:
        server.close()
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("archive capture: error: disk full: cannot write "), done.stderr[-3000:]
    assert len(lines) == 2 and lines[1].startswith("  hint: free space"), done.stderr[-3000:]  # one error, no noise
    assert f"kept in {small_disk / '.work'}" in done.stderr
    assert done.stdout == ""  # no bag path printed: nothing claimed success
    assert not list(small_disk.glob("*/bagit.txt"))
    assert list(small_disk.glob(".work/*/*.warc.gz*"))  # what was written is still there


def test_real_full_disk_capture_history_says_it_was_not_updated(small_disk: Path) -> None:
    from archive.history import Captured, CaptureHistory

    history = CaptureHistory(small_disk / "capture-history.sqlite")
    fill(small_disk)
    rows = [Captured(f"http://127.0.0.1/{n}", None, "2026-01-01T00:00:00Z", "sha256:" + "0" * 64 + "x" * 900)
            for n in range(200)]
    with pytest.raises(DiskFullError) as caught:
        history.record(rows, capture_id="c", bag="/out/c")
    assert_disk_full(caught.value, small_disk / "capture-history.sqlite", "the bag /out/c is complete")
    assert "the capture history was not updated" in caught.value.kept


def test_cli_backstop_prints_an_untranslated_full_disk_as_one_line(monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A library writing its own files (Prefect's database) is not behind a guard of ours."""
    from archive_app.commands import list as list_command

    def full(args: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/var/lib/somewhere/db.sqlite")

    monkeypatch.setattr(list_command, "run", full)
    assert main(["list", "x.warc.gz"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("archive list: error: disk full: [Errno 28] No space left on device: "
                          "'/var/lib/somewhere/db.sqlite'; the command stopped before finishing\n  hint: ")
    assert len(err.splitlines()) == 2

    def denied(args: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(list_command, "run", denied)
    with pytest.raises(PermissionError):  # anything else is not hidden
        main(["list", "x.warc.gz"])
