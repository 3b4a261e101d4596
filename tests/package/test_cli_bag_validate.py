"""`archive bag` and `archive validate`: exit codes 0/1/2, human and JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive_app.cli import main


def test_valid_bag_exits_0(bag: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(bag)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID") and str(bag) in out


def test_invalid_bag_exits_1_and_names_files(bag: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bag / "data/metadata/article-1.json").unlink()
    (bag / "data/extra.txt").write_text("x")
    with open(bag / "data/warcs/capture-0.warc.gz", "r+b") as f:
        f.write(b"X")
    assert main(["validate", str(bag)]) == 1
    out = capsys.readouterr().out
    assert "MISSING    data/metadata/article-1.json" in out
    assert "UNEXPECTED data/extra.txt" in out
    assert "CHANGED    data/warcs/capture-0.warc.gz  sha256 expected " in out
    assert out.rstrip().splitlines()[-1].startswith("INVALID")


def test_json_output_shape(bag: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bag / "data/extra.txt").write_text("x")
    assert main(["validate", "--json", "--processes", "1", str(bag)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False and len(doc["bags"]) == 1
    report = doc["bags"][0]
    assert report["bag"] == str(bag) and report["valid"] is False
    assert {"path": "data/extra.txt", "kind": "unexpected",
            "detail": "payload file not listed in any payload manifest"} in report["problems"]
    assert report["algorithms"] == ["sha256", "sha512"] and report["bytes_hashed"] > 0


def test_unreadable_path_exits_2(bag: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--json", str(bag), str(tmp_path / "absent")]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert [b["valid"] for b in doc["bags"]] == [True, False]
    assert "no such folder" in doc["bags"][1]["error"]


def test_usage_errors_exit_2(bag: Path, tmp_path: Path) -> None:
    assert main(["validate"]) == 2
    assert main(["validate", "--profile", str(tmp_path / "nope.json"), str(bag)]) == 2
    assert main(["validate", "--processes", "0", str(bag)]) == 2


def test_fast_mode(bag: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--fast", str(bag)]) == 0
    assert "fast check" in capsys.readouterr().out


def test_archive_bag_packages_a_capture_folder(tmp_path: Path, inputs: dict[str, list[Path]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    capture = inputs["warcs"][0].parent
    (capture / "half.warc.gz.open").write_bytes(b"still being written")
    rc = main(["bag", str(capture), "--out", str(tmp_path / "bags"), "--name", "b1",
               "--source-organization", "Test Library", "--quiet"])
    assert rc == 0
    bag = Path(capsys.readouterr().out.strip())
    assert bag == tmp_path / "bags" / "b1"
    assert sorted(p.name for p in (bag / "data/warcs").iterdir()) == ["capture-0.warc.gz", "capture-1.warc.gz"]
    info = (bag / "bag-info.txt").read_text()
    assert "Source-Organization: Test Library\n" in info
    assert main(["validate", str(bag)]) == 0
    assert main(["bag", str(capture), "--out", str(tmp_path / "bags"), "--name", "b1", "--quiet"]) == 1


def test_archive_bag_missing_input_exits_2(tmp_path: Path) -> None:
    assert main(["bag", str(tmp_path / "nothing.warc.gz"), "--out", str(tmp_path)]) == 2


def test_every_label_is_for_a_problem_kind_the_validator_reports() -> None:
    """The CLI's labels are keyed by validate/report.py's kind constants, not by repeated literals."""
    from archive.validate import report
    from archive_app.commands.validate import LABELS

    kinds = {value for name, value in vars(report).items() if name.isupper() and isinstance(value, str)}
    assert set(LABELS) <= kinds, set(LABELS) - kinds
    assert LABELS[report.CHECKSUM_MISMATCH] == "CHANGED" and LABELS[report.NOT_CHECKED] == "ERROR"
