"""The bulk manifest reader and the fast listing (issue 16): same verdicts as line by line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from archive.package.manifest import format_manifest
from archive.validate import DigestProblem, validate_bag

FILES = 3000


@pytest.fixture
def many(tmp_path: Path) -> Path:
    bag = tmp_path / "bag"
    digests: dict[str, dict[str, str]] = {"sha256": {}, "sha512": {}}
    for i in range(FILES):
        rel = f"data/d{i // 500}/f{i:05d}.bin"
        path = bag / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = i.to_bytes(4, "big") * 8
        path.write_bytes(data)
        for alg in digests:
            digests[alg][rel] = hashlib.new(alg, data).hexdigest()
    for alg, table in digests.items():
        (bag / f"manifest-{alg}.txt").write_bytes(format_manifest(table))
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "bag-info.txt").write_text(f"Payload-Oxum: {32 * FILES}.{FILES}\n")
    return bag


def kinds(report) -> dict[str, set[str]]:  # noqa: ANN001
    out: dict[str, set[str]] = {}
    for p in report.problems:
        out.setdefault(p.kind, set()).add(p.path)
    return out


def test_intact_many_file_bag_is_valid_fast_and_full(many: Path) -> None:
    assert validate_bag(many, fast=True).valid
    report = validate_bag(many)
    assert report.valid and report.files_checked == FILES + 0


def test_fast_lists_every_missing_and_unexpected_file(many: Path) -> None:
    gone = {f"data/d{i // 500}/f{i:05d}.bin" for i in range(0, FILES, 61)}
    new = {f"data/d{i}/new-{i}.bin" for i in range(5)}
    for rel in gone:
        (many / rel).unlink()
    for rel in new:
        (many / rel).write_bytes(b"new")
    found = kinds(validate_bag(many, fast=True))
    assert found["missing"] == gone and found["unexpected"] == new


def test_a_bad_line_deep_in_a_long_manifest_is_named_by_its_line(many: Path) -> None:
    manifest = many / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines(keepends=True)
    lines.insert(2500, "not a manifest line\n")
    manifest.write_text("".join(lines))
    report = validate_bag(many)
    bad = [p for p in report.problems if p.kind == "bad-manifest-line"]
    assert len(bad) == 1 and "line 2501" in bad[0].detail
    assert {p.kind for p in report.problems} == {"bad-manifest-line"}  # every other line still counted


def test_upper_case_digests_duplicates_and_odd_paths_in_a_long_manifest(many: Path) -> None:
    manifest = many / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines(keepends=True)
    digest, path = lines[10].split("  ")
    lines[10] = f"{digest.upper()}  {path}"
    lines.append(lines[20])  # the same line twice: a problem under BagIt 1.0
    lines.append(f"{'0' * 64}  ./data/d0/f00030.bin\n")  # listed again, other digest, with ./
    manifest.write_text("".join(lines))
    report = validate_bag(many)
    dup = {p.path for p in report.problems if p.kind == "duplicate-entry"}
    assert dup == {lines[20].split("  ")[1].strip(), "data/d0/f00030.bin"}
    assert not [p for p in report.problems if p.kind == "checksum-mismatch"]  # upper case matched
    assert any("path starts with './'" in w.detail for w in report.warnings)


def test_a_changed_file_in_a_long_manifest_names_both_digests(many: Path) -> None:
    rel = "data/d3/f01600.bin"
    (many / rel).write_bytes(b"changed")
    report = validate_bag(many)
    changed = [p for p in report.problems if isinstance(p, DigestProblem) and p.kind == "checksum-mismatch"]
    assert {p.path for p in changed} == {rel} and {p.algorithm for p in changed} == {"sha256", "sha512"}
    assert changed[0].found == hashlib.new(changed[0].algorithm, b"changed").hexdigest()
    assert len(changed[0].expected) == len(changed[0].found)


@pytest.mark.parametrize("chunk", [97, 4096])
def test_manifests_read_in_small_chunks_give_the_same_verdicts(many: Path, chunk: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk reader cuts manifests at line ends between chunks: the cut never shows."""
    from archive.validate import validator

    monkeypatch.setattr(validator, "_CHUNK", chunk)
    assert validate_bag(many, fast=True).valid
    manifest = many / "manifest-sha512.txt"
    lines = manifest.read_text().splitlines(keepends=True)
    lines.insert(1234, "\n")  # a blank line: lenient readers skip it, this one must still count lines right
    lines.insert(2000, "zz  data/d0/f00001.bin\n")
    manifest.write_text("".join(lines).rstrip("\n"))  # and no final line break
    report = validate_bag(many, fast=True)
    bad = [p for p in report.problems if p.kind == "bad-manifest-line"]
    assert len(bad) == 1 and "line 2001" in bad[0].detail, report.problems
    assert {p.kind for p in report.problems} == {"bad-manifest-line"}
