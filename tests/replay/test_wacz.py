"""`archive wacz`: a WACZ 1.1.1 of the demo bag that py-wacz's `wacz validate` accepts."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive_app.cli import main

WACZ_CLI = Path(sys.executable).with_name("wacz")


@pytest.fixture(scope="module")
def wacz_file(demo_bag, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wacz") / "demo.wacz"
    assert main(["wacz", str(demo_bag), "-o", str(out)]) == 0
    return out


def test_py_wacz_validates_it(wacz_file) -> None:
    if not WACZ_CLI.is_file():
        pytest.skip("py-wacz is not installed (it is in the `test` extra: `make install`)")
    run = subprocess.run([str(WACZ_CLI), "validate", "-f", str(wacz_file)], capture_output=True, text=True, check=False,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Validation succeeded" in run.stdout


def test_layout_hashes_and_pages(wacz_file, demo_bag) -> None:
    with zipfile.ZipFile(wacz_file) as zf:
        names = zf.namelist()
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1"
        listed = {r["path"]: r for r in package["resources"]}
        assert set(listed) == set(names) - {"datapackage.json", "datapackage-digest.json"}
        for path, res in listed.items():
            data = zf.read(path)
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and res["bytes"] == len(data)
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        warcs = sorted((demo_bag / "data/warcs").iterdir())
        for warc in warcs:
            info = zf.getinfo(f"archive/{warc.name}")
            assert info.compress_type == zipfile.ZIP_STORED
            assert zf.read(info.filename) == warc.read_bytes()
        index = zf.read("indexes/index.cdxj").decode().splitlines()
        bag_index = (demo_bag / "data/indexes/index.cdxj").read_text().splitlines()
        assert index == [line for line in bag_index if '"application/warc-fields"' not in line]
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    headlines = {json.loads(p.read_text())["headline"] for p in (demo_bag / "data/metadata").glob("*.json")}
    assert {p["title"] for p in pages[1:]} == headlines
    assert all(p["url"].startswith("http://127.0.0.1:") and p["ts"].endswith("Z") for p in pages[1:])


def test_refuses_non_bags_and_existing_files(wacz_file, demo_bag, tmp_path, capsys) -> None:
    assert main(["wacz", str(demo_bag), "-o", str(wacz_file)]) == 2
    assert "already exists" in capsys.readouterr().err
    warc = next((demo_bag / "data/warcs").iterdir())
    assert main(["wacz", str(warc), "-o", str(tmp_path / "x.wacz")]) == 2
    assert "not a bag" in capsys.readouterr().err
    assert not (tmp_path / "x.wacz").exists()
    no_index = tmp_path / "bag"
    shutil.copytree(demo_bag, no_index)
    (no_index / "data/indexes/index.cdxj").unlink()
    assert main(["wacz", str(no_index), "-o", str(tmp_path / "y.wacz")]) == 1
    assert "no data/indexes/index.cdxj" in capsys.readouterr().err
    assert list(tmp_path.glob("*.wacz")) == [] and list(tmp_path.glob(".*partial*")) == []
