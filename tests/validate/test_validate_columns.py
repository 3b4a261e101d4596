"""The columnar validator (issue 16): rows instead of per-file objects, with the same verdicts."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from archive.package.hashing import BLOCK_SIZE
from archive.package.manifest import format_manifest
from archive.validate import DigestProblem, validate_bag
from archive.validate.columns import DigestColumn
from archive.validate.inventory import Inventory, take_inventory


def make_bag(root: Path, files: dict[str, bytes]) -> Path:
    """A BagIt 1.0 bag of exactly these payload files, sha256 and sha512 manifests."""
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    for alg in ("sha256", "sha512"):
        table = {rel: hashlib.new(alg, data).hexdigest() for rel, data in files.items()}
        (root / f"manifest-{alg}.txt").write_bytes(format_manifest(table))
    (root / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    size = sum(len(d) for d in files.values())
    (root / "bag-info.txt").write_text(f"Payload-Oxum: {size}.{len(files)}\n")
    return root


def test_progress_hears_of_every_byte_hashed_once(tmp_path: Path) -> None:
    """Whole blocks are reported as read, the short rest a batch at a time: never twice."""
    sizes = [0, 1, 100, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 3 * BLOCK_SIZE + 7] + [4096] * 300
    files = {f"data/f{i:04d}.bin": bytes([i % 251]) * size for i, size in enumerate(sizes)}
    bag = make_bag(tmp_path / "bag", files)
    heard: list[int] = []
    lock = threading.Lock()

    def progress(n: int) -> None:
        with lock:
            heard.append(n)

    report = validate_bag(bag, progress=progress)
    assert report.valid, report.problems
    assert report.bytes_hashed == sum(sizes) == sum(heard)
    assert heard.count(BLOCK_SIZE) >= 5  # the large files' blocks came one by one, as read


def test_a_changed_large_file_and_a_changed_small_one_are_both_named(tmp_path: Path) -> None:
    files = {"data/big.bin": b"b" * (2 * BLOCK_SIZE + 3), "data/small.txt": b"small"}
    bag = make_bag(tmp_path / "bag", files)
    (bag / "data/big.bin").write_bytes(b"B" * (2 * BLOCK_SIZE + 3))
    (bag / "data/small.txt").write_bytes(b"SMALL")
    report = validate_bag(bag)
    changed = {(p.path, p.algorithm) for p in report.problems if isinstance(p, DigestProblem) and p.kind == "checksum-mismatch"}
    assert changed == {(rel, alg) for rel in files for alg in ("sha256", "sha512")}


def test_plain_non_ascii_names_are_no_collision_but_case_twins_are(tmp_path: Path) -> None:
    files = {"data/données.txt": b"1", "data/ünïcode/ça.txt": b"2", "data/plain.txt": b"3",
             "data/Readme.txt": b"4", "data/readme.txt": b"5", "data/É.txt": b"6", "data/é.txt": b"7"}
    report = validate_bag(make_bag(tmp_path / "bag", files))
    collisions = {w.path for w in report.warnings if w.kind == "case-collision"}
    assert collisions == {"data/readme.txt", "data/é.txt"}, report.warnings
    assert report.valid


def test_housekeeping_files_are_found_among_many(tmp_path: Path) -> None:
    files = {f"data/d{i // 100}/f{i:04d}.txt": b"x" for i in range(700)}
    files["data/d3/Thumbs.db"] = b"thumbs"
    files["data/.DS_Store"] = b"ds"
    files["data/d1/not-thumbs.dbx"] = b"no"
    report = validate_bag(make_bag(tmp_path / "bag", files))
    assert {w.path for w in report.warnings if w.kind == "system-file"} == {"data/d3/Thumbs.db", "data/.DS_Store"}


def test_a_missing_file_among_ordinary_lines_is_named_once_with_both_manifests(tmp_path: Path) -> None:
    files = {f"data/f{i:04d}.txt": str(i).encode() for i in range(500)}
    bag = make_bag(tmp_path / "bag", files)
    (bag / "data/f0250.txt").unlink()
    report = validate_bag(bag, fast=True)
    missing = [p for p in report.problems if p.kind == "missing"]
    assert [p.path for p in missing] == ["data/f0250.txt"]
    assert "manifest-sha256.txt" in missing[0].detail and "manifest-sha512.txt" in missing[0].detail


def test_a_digest_column_lists_rows_once() -> None:
    inv = Inventory(paths=["data/a", "data/b", "data/c"])
    column = DigestColumn(inv, 2)
    assert column.add_rows([0, 2], ["aaaa", "cccc"])
    assert not column.add_rows([1, 1], ["bbbb", "bbbb"])  # twice in one call: nothing listed
    assert not column.add_rows([1, 2], ["bbbb", "cccc"])  # row 2 is listed already: nothing listed
    assert "data/b" not in column and len(column) == 2
    column["data/gone"] = b"\x01\x02"
    assert column["data/c"] == b"\xcc\xcc" and column.get("data/gone") == b"\x01\x02"
    assert list(column) == ["data/a", "data/c", "data/gone"] and column.absent == {"data/gone": b"\x01\x02"}
    assert column.unlisted_rows([0, 1, 2]) == [1]


def test_the_walk_lists_paths_in_sorted_order_for_bisection(tmp_path: Path) -> None:
    """Folders are walked as "name/": "a-b" and "a0" around the folder "a", as sorted() has them."""
    names = ["a-b", "a/x", "a/y/z", "a0", "ab/c", "A", "é/f", "e", "a.txt", "a/-", "a/0"]
    for rel in names:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(rel.encode())
    inv = take_inventory(tmp_path)
    assert inv.paths == sorted(names)
    assert all(inv.row(p) == i and inv.sizes[i] == len(p.encode()) for i, p in enumerate(inv.paths))
    assert inv.row("a") is None and inv.row("zz") is None and inv.row("") is None
    first = inv.row("a/x")
    assert first is not None and inv.rows(["a/x", "a/y/z", "a0"]) == range(first, first + 3)
    assert inv.rows(["e", "A"]) == [inv.row("e"), 0] and inv.rows(["e", "nope"]) is None


def test_a_manifest_in_no_particular_order_reads_the_same(tmp_path: Path) -> None:
    files = {f"data/d{i % 7}/f{i:04d}.txt": str(i).encode() for i in range(900)}
    bag = make_bag(tmp_path / "bag", files)
    manifest = bag / "manifest-sha512.txt"
    manifest.write_text("".join(reversed(manifest.read_text().splitlines(keepends=True))))
    (bag / "data/d3/f0010.txt").write_bytes(b"11")  # same size: Payload-Oxum still matches
    report = validate_bag(bag)
    assert {(p.path, p.kind) for p in report.problems} == {("data/d3/f0010.txt", "checksum-mismatch")}
    assert report.files_checked == 900


def test_a_folder_swapped_for_a_link_during_the_walk_is_not_followed(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk lists the bag's top folder, then someone replaces data/ with a link to a folder
    outside: the walk must refuse the link, not list (and later read) what it points to."""
    from archive.validate import inventory

    bag = make_bag(tmp_path / "bag", {"data/a.txt": b"a"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    listing = inventory._listing

    def swap_after_top(inv: inventory.Inventory, fd: int, rel_dir: str) -> list[object]:
        parts = listing(inv, fd, rel_dir)
        if rel_dir == "":
            (bag / "data").rename(tmp_path / "data-moved")
            (bag / "data").symlink_to(outside, target_is_directory=True)
        return parts  # type: ignore[return-value]

    monkeypatch.setattr(inventory, "_listing", swap_after_top)
    inv = take_inventory(bag)
    assert not any("secret" in p for p in inv.paths), inv.paths
    assert [(p.path, p.kind) for p in inv.problems] == [("data", "unreadable")]
