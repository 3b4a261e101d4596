"""``archive bag`` and ``archive wacz`` read only what the user named (issue 10 item 4).

Neither follows a symbolic link (named, found in a folder, or swapped in while they run), and
``archive bag`` refuses empty and non-WARC inputs, naming each one, before writing anything.
"""

from __future__ import annotations

import errno
import gzip
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from archive.beneath import is_link_error, open_beneath, open_file_beneath
from archive.errors import BagError
from archive.package import build_bag
from archive.package.hashing import copy_and_hash
from archive.replay.wacz import write_wacz
from archive_app.cli import main
from tests.hardening.test_hostile_bags import OpenRecorder
from tests.package.conftest import bag_info, write_metadata, write_warc


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    folder = tmp_path / "capture"
    folder.mkdir()
    write_warc(folder / "capture-0.warc.gz", pages=2, body_size=300)
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """An outside file (a real WARC, so only the link rule can keep it out)."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return write_warc(folder / "passwd", pages=1, body_size=100, seed=7)


def read_through(recorder: OpenRecorder, target: Path) -> list[str]:
    """Opens that reached ``target``: a path resolving to it opened without O_NOFOLLOW on it."""
    hits = []
    for path, flags in recorder.opened:
        resolved = os.path.realpath(path) if not flags & os.O_NOFOLLOW else \
            os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        if resolved == str(target.resolve()):
            hits.append(path)
    return hits


def bag_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["bag", "--quiet", "--no-extract", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


# --- archive bag ------------------------------------------------------------------------------


def test_bag_refuses_a_link_in_a_named_folder_and_reads_nothing_through_it(
        capture: Path, secret: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (capture / "passwd.warc").symlink_to(secret)
    recorder = OpenRecorder(monkeypatch)
    with recorder:
        code, out = bag_cli([str(capture), "--out", str(tmp_path / "bags")], capsys)
    assert code == 2
    assert "passwd.warc: a symbolic link" in out and str(secret) in out and "nothing was written" in out
    assert not (tmp_path / "bags").exists() or not any((tmp_path / "bags").iterdir())
    assert read_through(recorder, secret) == []


def test_bag_refuses_a_named_link_and_says_which_file_to_name(
        capture: Path, secret: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "link.warc.gz"
    link.symlink_to(capture / "capture-0.warc.gz")
    code, out = bag_cli([str(link), "--out", str(tmp_path / "bags")], capsys)
    assert code == 2 and "link.warc.gz: a symbolic link" in out and str(capture / "capture-0.warc.gz") in out
    code, _ = bag_cli([str(capture / "capture-0.warc.gz"), "--out", str(tmp_path / "bags")], capsys)
    assert code == 0


@pytest.mark.parametrize(("name", "content", "says"), [
    ("empty.warc.gz", b"", "empty (0 bytes)"),
    ("empty.warc", b"", "empty (0 bytes)"),
    ("text.warc", b"root:x:0:0:root:/root:/bin/bash\n", "not a WARC: it does not start with a WARC record"),
    ("zipped.warc.gz", gzip.compress(b"<html>not a warc</html>"), "its gzip content does not start"),
    ("broken.warc.gz", b"\x1f\x8b\x08\x00garbage", "does not decompress"),
])
def test_bag_refuses_empty_and_non_warc_files_naming_each(capture: Path, tmp_path: Path, name: str,
                                                          content: bytes, says: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (capture / name).write_bytes(content)
    (capture / "other-empty.warc").write_bytes(b"")
    code, out = bag_cli([str(capture), "--out", str(tmp_path / "bags")], capsys)
    assert code == 2
    assert f"{name}: " in out and says in out and "other-empty.warc: empty" in out
    assert "refusing to package 2 input(s)" in out
    assert not (tmp_path / "bags").exists()


def test_bag_refuses_a_named_non_warc_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just notes\n")
    code, out = bag_cli([str(notes), "--out", str(tmp_path / "bags")], capsys)
    assert code == 2 and "notes.txt: not a WARC" in out


def test_bag_of_good_warcs_still_works_uncompressed_and_gzipped(capture: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with gzip.open(capture / "capture-0.warc.gz") as f:
        (capture / "plain.warc").write_bytes(f.read())
    code, out = bag_cli([str(capture), "--out", str(tmp_path / "bags"), "--name", "b"], capsys)
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "bags" / "b" / "data" / "warcs").iterdir()) == \
        ["capture-0.warc.gz", "plain.warc"]
    assert main(["validate", "--quiet", str(tmp_path / "bags" / "b")]) == 0


def test_build_bag_refuses_a_link_input(capture: Path, secret: Path, tmp_path: Path) -> None:
    link = capture / "link.warc.gz"
    link.symlink_to(secret)
    with pytest.raises(BagError, match="a symbolic link; not packaged"):
        build_bag(tmp_path / "bag", warcs=[link], metadata=[], info=bag_info())
    assert not (tmp_path / "bag").exists()


def test_a_file_swapped_for_a_link_after_the_checks_is_not_copied(capture: Path, secret: Path,
                                                                  tmp_path: Path) -> None:
    """The race: copy_and_hash itself opens without following a link."""
    src = capture / "capture-0.warc.gz"
    src.unlink()
    src.symlink_to(secret)
    with pytest.raises(BagError, match="not packaged"):
        copy_and_hash(src, tmp_path / "copy", ["sha256"])
    assert not (tmp_path / "copy").exists()


# --- archive wacz ----------------------------------------------------------------------------


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    warc = write_warc(src / "capture.warc.gz", pages=2, body_size=300)
    meta = write_metadata(src / "article-0.json", 0)
    return build_bag(tmp_path / "bag", warcs=[warc], metadata=[meta], info=bag_info())


@pytest.mark.parametrize("what", ["warc", "metadata", "index", "warc-folder"])
def test_wacz_refuses_a_bag_holding_a_link_and_reads_nothing_through_it(
        bag: Path, secret: Path, tmp_path: Path, what: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    if what == "warc-folder":
        outside = tmp_path / "outside-warcs"
        shutil.move(bag / "data" / "warcs", outside)
        shutil.copy(secret, outside / "capture.warc.gz")
        (bag / "data" / "warcs").symlink_to(outside)
        target, named = outside / "capture.warc.gz", "data/warcs"
    else:
        named = {"warc": "data/warcs/capture.warc.gz", "metadata": "data/metadata/article-0.json",
                 "index": "data/indexes/index.cdxj"}[what]
        shutil.copy(bag / named, secret) if what != "warc" else None
        (bag / named).unlink()
        (bag / named).symlink_to(secret)
        target = secret
    out = tmp_path / "x.wacz"
    recorder = OpenRecorder(monkeypatch)
    with recorder:
        code = main(["wacz", str(bag), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and f"{named}: symbolic link" in err and "archive validate" in err, err
    assert not out.exists() and not list(tmp_path.glob(".x.wacz.partial-*"))
    assert read_through(recorder, target) == []


def test_wacz_of_an_intact_bag_still_embeds_its_warc(bag: Path, tmp_path: Path) -> None:
    out = write_wacz(bag, tmp_path / "ok.wacz")
    with zipfile.ZipFile(out) as zf:
        assert zf.read("archive/capture.warc.gz") == (bag / "data/warcs/capture.warc.gz").read_bytes()


# --- the shared opener --------------------------------------------------------------------------


def test_open_beneath_refuses_links_on_any_component(tmp_path: Path, secret: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "f").write_bytes(b"inside")
    (root / "link").symlink_to(secret)
    (root / "dirlink").symlink_to(secret.parent)
    with open_file_beneath(root, "sub/f") as f:
        assert f.read() == b"inside"
    for rel in ("link", "dirlink/passwd"):
        with pytest.raises(OSError) as info:
            open_beneath(root, rel)
        assert is_link_error(info.value), rel
    for rel in ("../outside/passwd", "", "sub/../sub/f"):
        with pytest.raises(OSError) as info:
            open_beneath(root, rel)
        assert info.value.errno == errno.EINVAL


def test_open_beneath_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            open_beneath(tmp_path, "fifo")
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=60)  # generous: a blocking open would never return without a writer
    assert outcome and isinstance(outcome[0], OSError) and outcome[0].errno == errno.EINVAL
