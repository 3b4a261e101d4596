"""Profile conformance (BagIt Profiles 1.4), from local files only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.errors import BagError
from archive.package import PROFILE_IDENTIFIER, PROFILE_PATH
from archive.validate import validate_bag


def test_profile_file_is_a_bagit_profile() -> None:
    doc = json.loads(PROFILE_PATH.read_text())
    assert doc["BagIt-Profile-Info"]["BagIt-Profile-Identifier"] == PROFILE_IDENTIFIER
    assert doc["Manifests-Required"] == ["sha256", "sha512"]
    assert doc["Allow-Fetch.txt"] is False
    assert doc["Accept-BagIt-Version"] == ["1.0"]


def test_fetch_txt_violates_our_profile(bag: Path) -> None:
    (bag / "fetch.txt").write_text("http://127.0.0.1/x 10 data/x\n")
    report = validate_bag(bag)
    assert ("fetch.txt", "profile-violation") in {(p.path, p.kind) for p in report.problems}
    assert "fetch-present" in {w.kind for w in report.warnings}


def test_stricter_local_profile(bag: Path, tmp_path: Path) -> None:
    profile = json.loads(PROFILE_PATH.read_text())
    profile["Bag-Info"]["Contact-Phone"] = {"required": True}
    profile["Manifests-Required"].append("md5")
    path = tmp_path / "strict.json"
    path.write_text(json.dumps(profile))
    report = validate_bag(bag, profile=path, fast=True)
    details = [p.detail for p in report.problems if p.kind == "profile-violation"]
    assert any("Contact-Phone" in d for d in details)
    assert any("manifest-md5.txt" == p.path for p in report.problems)


def test_profile_with_other_identifier(bag: Path, tmp_path: Path) -> None:
    profile = json.loads(PROFILE_PATH.read_text())
    profile["BagIt-Profile-Info"]["BagIt-Profile-Identifier"] = "https://other.invalid/p.json"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(profile))
    report = validate_bag(bag, profile=path, fast=True)
    assert any("BagIt-Profile-Identifier" in p.detail for p in report.problems)


def test_unknown_profile_url_is_never_fetched(bag: Path) -> None:
    info = bag / "bag-info.txt"
    info.write_text(info.read_text().replace(PROFILE_IDENTIFIER, "http://192.0.2.1/profile.json"))
    report = validate_bag(bag, fast=True)  # would hang or fail if it tried the network
    assert "profile-not-checked" in {w.kind for w in report.warnings}
    assert report.profile is None


def test_unreadable_profile_is_a_usage_problem(bag: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(BagError, match="not JSON"):
        validate_bag(bag, profile=bad)
