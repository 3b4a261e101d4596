"""Tampered bags: every change is caught and names the file, and all problems are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.errors import BagError, BagInvalid
from archive.validate import DigestProblem, validate_bag

WARC = "data/warcs/capture-0.warc.gz"


def kinds_for(report, path: str) -> set[str]:  # noqa: ANN001
    return {p.kind for p in report.problems if p.path == path}


def test_flipped_bit_in_warc(bag: Path) -> None:
    target = bag / WARC
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    report = validate_bag(bag)
    assert not report.valid
    mismatches = [p for p in report.problems if isinstance(p, DigestProblem)]
    assert {(p.path, p.kind, p.algorithm) for p in mismatches} == {
        (WARC, "checksum-mismatch", "sha256"), (WARC, "checksum-mismatch", "sha512")}
    for p in mismatches:
        assert p.expected != p.found and p.expected in p.detail and p.found in p.detail
    # same size, so completeness alone (--fast) cannot see it
    assert validate_bag(bag, fast=True).valid


def test_truncated_warc(bag: Path) -> None:
    target = bag / WARC
    with open(target, "r+b") as f:
        f.truncate(target.stat().st_size - 100)
    report = validate_bag(bag)
    assert kinds_for(report, WARC) == {"checksum-mismatch"}
    assert kinds_for(report, "bag-info.txt") == {"oxum-mismatch"}
    fast = validate_bag(bag, fast=True)
    assert {(p.path, p.kind) for p in fast.problems} == {("bag-info.txt", "oxum-mismatch")}


def test_deleted_metadata_record(bag: Path) -> None:
    (bag / "data/metadata/article-1.json").unlink()
    for fast in (False, True):
        report = validate_bag(bag, fast=fast)
        assert kinds_for(report, "data/metadata/article-1.json") == {"missing"}
        assert kinds_for(report, "bag-info.txt") == {"oxum-mismatch"}


def test_extra_payload_file(bag: Path) -> None:
    (bag / "data/extra.txt").write_text("not in any manifest")
    report = validate_bag(bag)
    # unlisted, and outside the folders our profile allows
    assert kinds_for(report, "data/extra.txt") == {"unexpected", "profile-violation"}
    assert kinds_for(report, "bag-info.txt") == {"oxum-mismatch"}


def test_edited_bag_info(bag: Path) -> None:
    info = bag / "bag-info.txt"
    info.write_text(info.read_text().replace("Test Library", "Someone Else"))
    report = validate_bag(bag)
    assert kinds_for(report, "bag-info.txt") == {"tag-file-changed"}
    assert {p.path for p in report.problems} == {"bag-info.txt"}


def test_manifest_line_escaping_the_bag(bag: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("secret")
    manifest = bag / "manifest-sha256.txt"
    with open(manifest, "a") as f:
        f.write("0" * 64 + "  ../../etc/passwd\n")
        f.write("0" * 64 + "  data/../../outside.txt\n")
        f.write("0" * 64 + "  /etc/passwd\n")
    report = validate_bag(bag)
    unsafe = {p.path for p in report.problems if p.kind == "unsafe-path"}
    assert unsafe == {"../../etc/passwd", "data/../../outside.txt", "/etc/passwd"}
    assert kinds_for(report, "manifest-sha256.txt") == {"tag-file-changed"}


def test_symlink_in_payload_is_not_followed(bag: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"x" * 10)
    target = bag / "data/metadata/article-0.json"
    target.unlink()
    target.symlink_to(outside)
    report = validate_bag(bag)
    assert kinds_for(report, "data/metadata/article-0.json") == {"symlink", "missing"}
    assert report.files_checked > 0


def test_symlinked_folder_is_not_walked(bag: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text("x")
    (bag / "data/linked").symlink_to(tmp_path / "elsewhere")
    report = validate_bag(bag)
    assert kinds_for(report, "data/linked") == {"symlink"}
    assert not any(p.path.startswith("data/linked/") for p in report.problems)


def test_several_problems_are_all_reported(bag: Path) -> None:
    (bag / "data/metadata/article-2.json").unlink()
    (bag / "data/stray.bin").write_bytes(b"stray")
    with open(bag / "data/warcs/capture-1.warc.gz", "ab") as f:
        f.write(b"appended")
    (bag / "data/indexes/index.cdxj").write_bytes(b"")
    report = validate_bag(bag)
    found = {(p.path, p.kind) for p in report.problems}
    assert {("data/metadata/article-2.json", "missing"), ("data/stray.bin", "unexpected"),
            ("data/warcs/capture-1.warc.gz", "checksum-mismatch"),
            ("data/indexes/index.cdxj", "checksum-mismatch")} <= found
    with pytest.raises(BagInvalid) as exc:
        report.raise_for_problems()
    assert len(exc.value.problems) == len(report.problems)
    assert "data/metadata/article-2.json" in str(exc.value)


def test_missing_bagit_txt_is_not_a_bag(bag: Path) -> None:
    (bag / "bagit.txt").unlink()
    report = validate_bag(bag)
    assert kinds_for(report, "bagit.txt") == {"bad-declaration", "missing"}


def test_not_a_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="no such folder"):
        validate_bag(tmp_path / "absent")


def test_report_json_shape(bag: Path) -> None:
    (bag / "data/metadata/article-0.json").write_text("{}")
    doc = json.loads(json.dumps(validate_bag(bag).to_json()))
    assert doc["valid"] is False
    assert {"bag", "valid", "problems", "warnings", "files_checked", "bytes_hashed", "algorithms"} <= doc.keys()
    mismatch = next(p for p in doc["problems"] if p["kind"] == "checksum-mismatch")
    assert mismatch["path"] == "data/metadata/article-0.json"
    assert {"algorithm", "expected", "found", "detail"} <= mismatch.keys()


def test_progress_reports_every_hashed_byte(bag: Path) -> None:
    seen: list[int] = []
    report = validate_bag(bag, progress=seen.append)
    assert sum(seen) == report.bytes_hashed > 0
