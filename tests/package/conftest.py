"""Shared fixtures for packaging and validation tests."""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.package import BagInfo, PremisEvent, build_bag

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"


def write_warc(path: Path, *, pages: int = 3, body_size: int = 2000, seed: int = 0) -> Path:
    """A gzip-per-record WARC/1.1 with a warcinfo and ``pages`` HTML responses of ``body_size`` bytes."""
    rng = random.Random(seed)
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for i in range(pages):
            body = (f"<html><title>page {i}</title>".encode() +
                    rng.randbytes(body_size))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            rec = writer.create_warc_record(f"http://127.0.0.1:8000/article/{seed}/{i}", "response",
                                            payload=io.BytesIO(body), http_headers=http)
            writer.write_record(rec)
    return path


def write_metadata(path: Path, n: int) -> Path:
    doc = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": f"Article {n}",
           "url": f"http://127.0.0.1:8000/article/{n}"}
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, list[Path]]:
    """Two WARCs and three metadata records in a capture folder (the user's files)."""
    src = tmp_path / "capture"
    src.mkdir()
    warcs = [write_warc(src / f"capture-{i}.warc.gz", pages=3, seed=i) for i in range(2)]
    metadata = [write_metadata(src / f"article-{i}.json", i) for i in range(3)]
    return {"warcs": warcs, "metadata": metadata}


def bag_info() -> BagInfo:
    return BagInfo(source_organization="Test Library", contact_name="A. Librarian",
                   contact_email="librarian@example.org", external_identifier="capture-0001",
                   external_description="two test WARCs and three article records")


@pytest.fixture
def bag(tmp_path: Path, inputs: dict[str, list[Path]]) -> Path:
    """A freshly built bag (built by the code under test)."""
    events = [PremisEvent("capture", "success", "2 WARCs captured by the test fixture")]
    return build_bag(tmp_path / "bags" / "bag-0001", warcs=inputs["warcs"], metadata=inputs["metadata"],
                     info=bag_info(), events=events)


def _rehash(bag: Path) -> Iterator[tuple[str, str, str, str]]:
    """Independent check: (manifest, path, expected, found) for every manifest line, via hashlib."""
    for manifest in sorted(bag.glob("*manifest-*.txt")):
        alg = manifest.stem.split("-", 1)[1]
        for line in manifest.read_text(encoding="utf-8").splitlines():
            expected, rel = line.split("  ", 1)
            found = hashlib.new(alg, (bag / rel).read_bytes()).hexdigest()
            yield manifest.name, rel, expected, found


@pytest.fixture
def rehash():  # noqa: ANN201 - returns the helper so tests need not import conftest
    return _rehash


@pytest.fixture
def make_warc():  # noqa: ANN201
    return write_warc


@pytest.fixture
def info() -> BagInfo:
    return bag_info()
