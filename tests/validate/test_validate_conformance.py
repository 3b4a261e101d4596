"""The Library of Congress BagIt conformance suite, one test per bag."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.validate import validate_bag

SUITE = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "bagit-conformance-suite"


def _bags(category: str) -> list[Path]:
    if not SUITE.is_dir():
        return []
    return sorted(p for p in SUITE.glob(f"v*/{category}/*") if p.is_dir())


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(SUITE).as_posix() for p in paths]


needs_suite = pytest.mark.skipif(not SUITE.is_dir(), reason=f"conformance suite not found at {SUITE}")


@needs_suite
@pytest.mark.parametrize("bag", _bags("valid"), ids=_ids(_bags("valid")))
def test_valid_bag_is_accepted(bag: Path) -> None:
    report = validate_bag(bag, processes=1)
    assert report.valid, [str(p) for p in report.problems]


# Windows-only bags use paths that escape the bag on Windows; we reject them everywhere.
@needs_suite
@pytest.mark.parametrize("bag", _bags("invalid") + _bags("linux-only") + _bags("windows-only"),
                         ids=_ids(_bags("invalid") + _bags("linux-only") + _bags("windows-only")))
def test_invalid_bag_is_rejected_with_named_files(bag: Path) -> None:
    report = validate_bag(bag, processes=1)
    assert not report.valid
    for problem in report.problems:
        assert problem.path and problem.kind and problem.detail


@needs_suite
@pytest.mark.parametrize("bag", _bags("warning"), ids=_ids(_bags("warning")))
def test_warning_bag_warns_or_is_rejected_with_reason(bag: Path) -> None:
    report = validate_bag(bag, processes=1)
    if report.valid:
        assert report.warnings, "accepted without a warning"
    else:
        assert all(p.detail for p in report.problems)


@needs_suite
def test_suite_is_present_and_complete() -> None:
    assert len(_bags("valid")) >= 20 and len(_bags("invalid")) >= 10


def test_invalid_whitespace_in_bagit_txt_is_rejected_even_without_the_suite(tmp_path: Path) -> None:
    # bagit-python accepts this; RFC 8493 2.1.1 does not.
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "a.txt").write_text("a")
    (bag / "bagit.txt").write_text("BagIt-Version : 1.0\nTag-File-Character-Encoding : UTF-8\n")
    import hashlib

    (bag / "manifest-sha256.txt").write_text(f"{hashlib.sha256(b'a').hexdigest()}  data/a.txt\n")
    report = validate_bag(bag)
    assert {(p.path, p.kind) for p in report.problems} == {("bagit.txt", "bad-declaration")}
