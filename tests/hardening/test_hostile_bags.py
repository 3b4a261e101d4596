"""Hostile bags for ``archive validate``: every case gets a clear verdict, and nothing outside the
bag is read or written.

"Nothing outside is read" is checked three ways: every ``open``/``os.open`` the validator makes
is recorded and must name a file inside the bag (or this project's own BagIt profile); a
sentinel file outside the bag keeps its contents, mtime and atime (its atime is set older than
its mtime first, so even a relatime mount would record a read); and no socket is opened.
"Nothing is written" is checked by snapshotting the bag and its surroundings before and after,
and by validating on a read-only mount.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.package import build_bag
from archive.package.premis import to_json_line
from archive.validate import validate_bag
from archive.validate.audit import find_bags, fixity_event
from archive_app.cli import main
from tests.package.conftest import bag_info, write_metadata, write_warc

REPO = Path(__file__).resolve().parents[2]
ALLOWED_OUTSIDE = (REPO / "schemas",)  # the project's own BagIt profile, read when a bag names it


# --- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    warc = write_warc(src / "capture.warc.gz", pages=2)
    meta = write_metadata(src / "article-0.json", 0)
    return build_bag(tmp_path_factory.mktemp("bags") / "bag", warcs=[warc], metadata=[meta], info=bag_info())


@pytest.fixture
def bag(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "bag"))


@pytest.fixture
def secret(tmp_path: Path) -> Iterator[Path]:
    """A file outside the bag that must be neither read nor changed."""
    folder = tmp_path / "outside"
    folder.mkdir()
    path = folder / "secret.txt"
    path.write_bytes(b"outside the bag\n")
    mtime = path.stat().st_mtime_ns
    yield path
    assert (path.read_bytes(), path.stat().st_mtime_ns) == (b"outside the bag\n", mtime), "changed"


def aged_atime(path: Path) -> int:
    """Set ``path``'s atime before its mtime, so that even a relatime mount records the next read."""
    st = path.stat()
    os.utime(path, ns=(st.st_mtime_ns - 10**12, st.st_mtime_ns))
    return path.stat().st_atime_ns


def _atime_unchanged(path: Path, atime_ns: int) -> bool:
    return path.stat().st_atime_ns == atime_ns


class OpenRecorder:
    """Records every path opened through ``open``, ``io.open`` and ``os.open``, and every connect."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened: list[tuple[str, int]] = []
        self.connects: list[object] = []
        self.active = False
        real_open, real_io_open, real_os_open = builtins.open, io.open, os.open
        real_connect = socket.socket.connect

        def rec(file: object, flags: int = 0) -> None:
            if self.active and isinstance(file, (str, bytes, os.PathLike)):
                self.opened.append((os.fsdecode(file), flags))

        def b_open(file, *a, **k):
            rec(file)
            return real_open(file, *a, **k)

        def i_open(file, *a, **k):
            rec(file)
            return real_io_open(file, *a, **k)

        def o_open(path, flags, *a, **k):
            dir_fd = k.get("dir_fd")
            if dir_fd is not None and self.active:  # relative to an open folder: record the full path
                path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), os.fsdecode(path))
            rec(path, flags)
            return real_os_open(path if dir_fd is None else os.path.basename(path), flags, *a, **k)

        def connect(sock, address):
            if not self.active:
                return real_connect(sock, address)
            self.connects.append(address)
            raise ConnectionRefusedError("the validator must not open connections")

        monkeypatch.setattr(builtins, "open", b_open)
        monkeypatch.setattr(io, "open", i_open)
        monkeypatch.setattr(os, "open", o_open)
        monkeypatch.setattr(socket.socket, "connect", connect)

    def __enter__(self) -> OpenRecorder:
        self.active = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.active = False

    def assert_inside(self, bag: Path) -> None:
        root = os.path.realpath(bag)
        for path, flags in self.opened:
            absolute = os.path.abspath(path)
            # A link opened with O_NOFOLLOW is refused by the kernel, never read through.
            real = absolute if flags & getattr(os, "O_NOFOLLOW", 0) else os.path.realpath(absolute)
            real_dir = os.path.realpath(os.path.dirname(absolute))
            inside = os.path.commonpath([root, os.path.join(real_dir, os.path.basename(real))]) == root
            allowed = any(os.path.commonpath([str(a), real]) == str(a) for a in ALLOWED_OUTSIDE)
            assert inside or allowed, f"opened {path!r} outside the bag"
        assert not self.connects, f"connected to {self.connects}"


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> OpenRecorder:
    return OpenRecorder(monkeypatch)


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, folder)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def kinds(report, path: str) -> set[str]:
    return {p.kind for p in report.problems if p.path == path}


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", "--quiet", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# --- path traversal --------------------------------------------------------------------------

TRAVERSALS = [
    ("../outside/secret.txt", "parent-directory"),
    ("data/../../outside/secret.txt", "parent-directory"),
    ("data\\..\\..\\outside\\secret.txt", "parent-directory"),
    ("data/x/..", "parent-directory"),
    ("{secret}", "absolute path"),
    ("//{secret}", "UNC path"),
    ("\\\\server\\share\\secret.txt", "UNC path"),
    ("~/secret.txt", "home-directory"),
    ("~root/.ssh/id_rsa", "home-directory"),
    ("C:\\Windows\\win.ini", "drive letter"),
    ("c:secret.txt", "drive letter"),
    ("%HOMEDRIVE%/secret.txt", "environment-variable"),
    ("data/a\x00b", "NUL byte"),
]


@pytest.mark.parametrize(("raw", "reason"), TRAVERSALS, ids=[r for r, _ in TRAVERSALS])
def test_traversal_in_a_manifest_is_unsafe_and_not_looked_up(
        bag: Path, secret: Path, recorder: OpenRecorder, raw: str, reason: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = raw.format(secret=secret)
    digest = sha256(secret.read_bytes())  # the right digest: a validator that looked would "match"
    with open(bag / "manifest-sha256.txt", "a", encoding="utf-8") as f:
        f.write(f"{digest}  {path}\n")
    before = snapshot(bag.parent)
    atime = aged_atime(secret)
    with recorder:
        report = validate_bag(bag)
        code, out = cli([str(bag)], capsys)
    assert not report.valid
    [problem] = [p for p in report.problems if p.kind == "unsafe-path"]
    assert problem.path == path and reason in problem.detail and "manifest-sha256.txt line" in problem.detail
    assert code == 1 and "UNSAFE" in out and "INVALID" in out
    recorder.assert_inside(bag)
    assert snapshot(bag.parent) == before
    assert _atime_unchanged(secret, atime)


@pytest.mark.parametrize(("raw", "reason"), TRAVERSALS[:-1], ids=[r for r, _ in TRAVERSALS[:-1]])
def test_traversal_in_fetch_txt_is_unsafe_never_fetched(
        bag: Path, secret: Path, recorder: OpenRecorder, raw: str, reason: str) -> None:
    path = raw.format(secret=secret)
    (bag / "fetch.txt").write_text(f"http://127.0.0.1:9/secret.txt 16 {path}\n"
                                   f"file://{secret} - data/ok.txt\n", encoding="utf-8")
    with recorder:
        report = validate_bag(bag)
    assert not report.valid
    assert any(p.kind == "unsafe-path" and p.path == path and reason in p.detail and "fetch.txt line 1" in p.detail
               for p in report.problems)
    assert any(w.kind == "fetch-present" for w in report.warnings)
    recorder.assert_inside(bag)


def test_percent_encoded_dots_are_literal_names_not_traversal(bag: Path, secret: Path,
                                                              recorder: OpenRecorder) -> None:
    # RFC 8493 percent-encodes only CR, LF and %, so %2e%2e is a folder literally called "%2e%2e".
    with open(bag / "manifest-sha256.txt", "a", encoding="utf-8") as f:
        f.write(f"{sha256(secret.read_bytes())}  data/%2e%2e/%2e%2e/outside/secret.txt\n")
    with recorder:
        report = validate_bag(bag)
    assert kinds(report, "data/%2e%2e/%2e%2e/outside/secret.txt") == {"missing"}
    recorder.assert_inside(bag)


# --- links -----------------------------------------------------------------------------------


def test_symlinks_to_outside_files_folders_and_tag_files(bag: Path, secret: Path, recorder: OpenRecorder,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    target = bag / "data/metadata/article-0.json"
    shutil.copyfile(target, secret.parent / "copy.json")
    target.unlink()
    target.symlink_to(secret.parent / "copy.json")  # same bytes as recorded: still rejected
    (bag / "data/linked-folder").symlink_to(secret.parent, target_is_directory=True)
    # A tag manifest swapped for a link to a forged one outside.
    forged = secret.parent / "tagmanifest-sha256.txt"
    forged.write_bytes((bag / "tagmanifest-sha256.txt").read_bytes())
    (bag / "tagmanifest-sha256.txt").unlink()
    (bag / "tagmanifest-sha256.txt").symlink_to(forged)
    (bag / "data/secret-link").symlink_to(secret)
    atime = aged_atime(secret)
    with recorder:
        report = validate_bag(bag)
        code, out = cli([str(bag)], capsys)
    assert kinds(report, "data/metadata/article-0.json") == {"symlink", "missing"}
    assert kinds(report, "data/linked-folder") == {"symlink"}
    assert kinds(report, "data/secret-link") == {"symlink"}
    assert "symlink" in kinds(report, "tagmanifest-sha256.txt")
    assert not any(p.path.startswith("data/linked-folder/") for p in report.problems)
    assert code == 1 and "SYMLINK" in out
    recorder.assert_inside(bag)
    assert _atime_unchanged(secret, atime)


def test_hard_link_to_an_outside_file_is_read_only_through_the_bag(bag: Path, secret: Path,
                                                                   recorder: OpenRecorder) -> None:
    """A hard link is indistinguishable from a file by its path: the validator reads its bytes
    (they are the bag's bytes) through the bag's own path, and never writes to them."""
    outside = secret.parent / "shared-inode.json"
    listed = bag / "data/metadata/article-0.json"
    shutil.copyfile(listed, outside)
    listed.unlink()
    os.link(outside, listed)
    other = bag / "data/warcs/capture.warc.gz"
    outside_changed = secret.parent / "other-inode.bin"
    outside_changed.write_bytes(b"not the archived WARC")
    other.unlink()
    os.link(outside_changed, other)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (outside, outside_changed)}
    with recorder:
        report = validate_bag(bag)
    assert kinds(report, "data/metadata/article-0.json") == set()  # same bytes: valid, as it must be
    assert {"checksum-mismatch"} <= kinds(report, "data/warcs/capture.warc.gz")
    opened = {os.path.abspath(p) for p, _ in recorder.opened}
    assert str(listed) in opened and str(outside) not in opened
    recorder.assert_inside(bag)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before


def test_folder_swapped_for_a_link_during_validation_is_not_followed(
        bag: Path, secret: Path, recorder: OpenRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race: the walk sees a real folder; before hashing, someone swaps it for a symlink to a
    folder outside holding a file with the recorded bytes. O_NOFOLLOW on the file alone would
    follow the folder link and read outside (and call the bag valid)."""
    import archive.validate.validator as validator

    elsewhere = secret.parent / "metadata"
    shutil.copytree(bag / "data/metadata", elsewhere)
    real_check = validator._check_fixity

    def swap_then_check(*args, **kwargs):
        shutil.rmtree(bag / "data/metadata")
        (bag / "data/metadata").symlink_to(elsewhere, target_is_directory=True)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(validator, "_check_fixity", swap_then_check)
    with recorder:
        report = validate_bag(bag)
    assert not report.valid
    [problem] = [p for p in report.problems if p.path == "data/metadata/article-0.json"]
    assert problem.kind == "unreadable" and "not followed" in problem.detail
    recorder.assert_inside(bag)


def test_fifo_and_special_files_are_reported_without_blocking(bag: Path, recorder: OpenRecorder) -> None:
    os.mkfifo(bag / "data/pipe")  # opening a FIFO for reading would block forever
    started = time.process_time()
    with recorder:
        report = validate_bag(bag)
    assert time.process_time() - started < 10
    assert kinds(report, "data/pipe") == {"special-file"}
    assert not any(p == str(bag / "data/pipe") for p, _ in recorder.opened)


# --- size ------------------------------------------------------------------------------------

_HUGE_CHILD = """
import json, sys, time
from archive.validate import validate_bag
started = time.process_time()
report = validate_bag(sys.argv[1])
seconds = time.process_time() - started
# VmHWM is this process image's own peak RSS (ru_maxrss would carry the parent's across exec).
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
kinds = sorted({p.kind for p in report.problems})
print(json.dumps({"seconds": seconds, "peak": int(hwm.split()[1]) * 1024, "valid": report.valid,
                  "problems": len(report.problems), "kinds": kinds,
                  "first": str(report.problems[0]) if report.problems else None}))
"""


@pytest.mark.timeout(240)
def test_manifest_with_two_million_lines_gets_a_verdict_in_bounded_time_and_memory(tmp_path: Path) -> None:
    lines = 2_000_000
    bag = tmp_path / "huge"
    (bag / "data").mkdir(parents=True)
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "data/real.txt").write_text("real")
    zero = "0" * 64
    with open(bag / "manifest-sha256.txt", "w", encoding="utf-8") as f:
        for start in range(0, lines, 100_000):
            f.write("".join(f"{zero}  data/f{i:09d}.txt\n" for i in range(start, start + 100_000)))
    size = (bag / "manifest-sha256.txt").stat().st_size
    assert size > 150_000_000
    out = subprocess.run([sys.executable, "-c", _HUGE_CHILD, str(bag)], capture_output=True, text=True, check=False,
                         timeout=230, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["valid"] is False
    # 2,000,000 files listed but absent, plus the one real file no manifest lists.
    assert result["problems"] == lines + 1 and result["kinds"] == ["missing", "unexpected"]
    # Measured here: about 11 s and 1.3 GiB for this 172 MB manifest (every line is kept, as
    # every line is a problem to report). Seconds of CPU, not wall time, so that a busy machine
    # does not fail it; the bounds are generous.
    assert result["seconds"] < 90, result
    assert result["peak"] < 2.5 * 1024**3, result


# --- names -----------------------------------------------------------------------------------


def _bag_with(tmp_path: Path, names: dict[str, bytes]) -> Path:
    src = tmp_path / "named-src"
    src.mkdir()
    meta = []
    for name, data in names.items():
        (src / name).write_bytes(data)
        meta.append(src / name)
    warc = write_warc(src / "capture.warc.gz", pages=1)
    return build_bag(tmp_path / "named", warcs=[warc], metadata=meta, info=bag_info())


def test_non_utf8_file_name_is_named_and_printable(bag: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.rename(bag / "data/metadata/article-0.json", os.fsencode(bag / "data/metadata") + b"/caf\xe9-\xff.json")
    report = validate_bag(bag)
    assert kinds(report, "data/metadata/article-0.json") == {"missing"}
    [odd] = [p for p in report.problems if p.kind == "unexpected"]
    assert odd.path == "data/metadata/caf\\xe9-\\xff.json" and "not valid UTF-8" in odd.detail
    for p in report.problems + report.warnings:
        p.path.encode("utf-8"), p.detail.encode("utf-8")  # printable and JSON-serialisable
    json.dumps(report.to_json(), ensure_ascii=False).encode("utf-8")
    to_json_line(fixity_event(bag, report)).encode("utf-8")  # the audit log line
    code, out = cli([str(bag)], capsys)
    assert code == 1 and "caf\\xe9-\\xff.json" in out


def test_non_utf8_file_name_through_a_strict_utf8_console(bag: Path) -> None:
    """The real console script, with stdout as a UTF-8 terminal would have it (errors=strict)."""
    os.rename(bag / "data/metadata/article-0.json", os.fsencode(bag / "data/metadata") + b"/\xff\xfe.json")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for extra in ([], ["--json"]):
        out = subprocess.run([sys.executable, "-m", "archive_app.cli", "validate", "--quiet", *extra, str(bag)],
                             capture_output=True, text=True, check=False, env=env, cwd=REPO, timeout=60)
        assert out.returncode == 1, out.stderr
        assert "Traceback" not in out.stderr
        if extra:
            [bag_doc] = json.loads(out.stdout)["bags"]
            assert "data/metadata/\\xff\\xfe.json" in {p["path"] for p in bag_doc["problems"]}
        else:
            assert "data/metadata/\\xff\\xfe.json" in out.stdout


def test_nfd_on_disk_nfc_in_manifest_is_valid_with_a_warning(tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "Kurdistan-ṩé.json")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    bag = _bag_with(tmp_path, {nfc: b"{}"})
    os.rename(bag / "data/metadata" / nfc, bag / "data/metadata" / nfd)  # as macOS (HFS+) stores it
    report = validate_bag(bag)
    assert report.valid, report.problems  # RFC 8493 §7.2.2: normalisation differences are the same file
    norm = [w for w in report.warnings if w.kind == "unicode-normalization"]
    assert {w.path for w in norm} == {f"data/metadata/{nfc}"} and len(norm) == 2  # sha256 and sha512
    assert report.files_checked >= 1


def test_nfc_on_disk_nfd_in_manifest_is_valid_with_a_warning(tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "Anbar-é.json")
    nfd = unicodedata.normalize("NFD", nfc)
    bag = _bag_with(tmp_path, {nfd: b"{}"})
    os.rename(bag / "data/metadata" / nfd, bag / "data/metadata" / nfc)
    report = validate_bag(bag)
    assert report.valid, report.problems
    assert any(w.kind == "unicode-normalization" for w in report.warnings)


def test_nfc_and_nfd_twins_on_disk_are_two_files_with_a_collision_warning(tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "twin-é.json")
    nfd = unicodedata.normalize("NFD", nfc)
    bag = _bag_with(tmp_path, {nfc: b'{"n": 1}', nfd: b'{"n": 2}'})
    report = validate_bag(bag)
    assert report.valid, report.problems
    assert any(w.kind == "case-collision" for w in report.warnings)
    (bag / "data/metadata" / nfd).write_bytes(b'{"n": 3}')  # each twin is checked against its own line
    report = validate_bag(bag)
    assert {p.path for p in report.problems} == {f"data/metadata/{nfd}"}


# --- shapes ----------------------------------------------------------------------------------


def test_bag_inside_a_bag(tmp_path: Path, template: Path) -> None:
    bagit = pytest.importorskip("bagit")
    outer = tmp_path / "outer"
    outer.mkdir()
    shutil.copytree(template, outer / "inner-bag")
    cwd = os.getcwd()
    try:
        bagit.make_bag(str(outer), checksums=["sha256", "sha512"])  # moves the inner bag into data/
    finally:
        os.chdir(cwd)  # bagit-python chdirs; make sure the test process ends where it began
    inner = outer / "data/inner-bag"
    assert validate_bag(outer).valid and validate_bag(inner).valid
    assert find_bags(tmp_path) == [outer]  # the inner bag is part of the outer one's payload
    with open(inner / "data/warcs/capture.warc.gz", "ab") as f:
        f.write(b"x")
    outer_report, inner_report = validate_bag(outer), validate_bag(inner)
    found = {(p.path, p.kind) for p in outer_report.problems}
    assert ("data/inner-bag/data/warcs/capture.warc.gz", "checksum-mismatch") in found
    assert {path for path, _ in found} <= {"data/inner-bag/data/warcs/capture.warc.gz", "bag-info.txt"}
    assert "data/warcs/capture.warc.gz" in {p.path for p in inner_report.problems}


def test_empty_folder_is_not_a_bag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    report = validate_bag(empty)
    assert not report.valid
    assert kinds(report, "bagit.txt") == {"bad-declaration"} and "not a bag" in str(report.problems[0])
    code, out = cli([str(empty)], capsys)
    assert code == 1 and "INVALID" in out and "bagit.txt is missing" in out
    assert os.listdir(empty) == []


def test_empty_tag_files(bag: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"):
        (bag / name).write_bytes(b"")
    report = validate_bag(bag)
    assert not report.valid
    assert "bad-declaration" in kinds(report, "bagit.txt")
    assert any("has 0 lines" in p.detail for p in report.problems)
    payload = {p.path for p in report.problems if p.kind == "unexpected"}
    assert "data/warcs/capture.warc.gz" in payload  # nothing listed any more: every file is named
    assert cli([str(bag)], capsys)[0] == 1


def test_not_a_folder_and_absent_path_are_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert cli([str(tmp_path / "file")], capsys)[0] == 2
    code, out = cli([str(tmp_path / "absent")], capsys)
    assert code == 2 and "no such folder" in out


# --- read-only file system ---------------------------------------------------------------------


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs mounted read-only (needs root and mount rights; skipped otherwise)."""
    from tests.helpers.mounts import tmpfs

    with tmpfs(tmp_path / "ro", "64m") as mnt:
        yield mnt


def test_validation_on_a_read_only_file_system(template: Path, read_only_mount: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    good = Path(shutil.copytree(template, read_only_mount / "good"))
    bad = Path(shutil.copytree(template, read_only_mount / "bad"))
    with open(bad / "data/warcs/capture.warc.gz", "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 1]))
    r = subprocess.run(["mount", "-o", "remount,ro", str(read_only_mount)], capture_output=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot remount read-only: {r.stderr.decode(errors='replace').strip()}")
    with pytest.raises(OSError):
        (good / "probe").write_text("x")  # it really is read-only
    before = snapshot(read_only_mount)
    assert validate_bag(good).valid
    report = validate_bag(bad)
    assert kinds(report, "data/warcs/capture.warc.gz") == {"checksum-mismatch"}
    assert not any(p.kind == "unreadable" for p in report.problems)
    assert cli([str(good), "--json"], capsys)[0] == 0
    assert cli([str(good), str(bad)], capsys)[0] == 1
    assert snapshot(read_only_mount) == before


def test_bag_info_with_two_million_continuation_lines_parses_in_linear_time() -> None:
    """Folding continuations one by one was quadratic: 2M lines took minutes."""
    import time

    from archive.package.baginfo import TagLine, parse_tag_lines

    text = "Source-Organization: x\n" + " y\n" * 2_000_000 + "Contact-Name: z\n"
    started = time.process_time()
    first, second = parse_tag_lines(text)
    assert time.process_time() - started < 20
    assert isinstance(first, TagLine) and first.value == "x" + " y" * 2_000_000
    assert isinstance(second, TagLine) and (second.label, second.value) == ("Contact-Name", "z")
