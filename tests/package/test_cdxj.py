"""Our CDXJ index against pywb's own expected indexes for the same WARCs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from archive.replay.cdxj import cdxj_key, timestamp14, write_cdxj

PYWB = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "warcs" / "pywb"

# expected index -> (WARCs it was made from, pywb's minimal mode?)
CASES = {
    "cdxj/dupes.cdxj": (["dupes.warc.gz"], False),
    "cdxj/example2.cdxj": (["example2.warc.gz"], False),
    "cdxj/iana.cdxj": (["iana.warc.gz"], False),
    "cdxj/url-agnost-example.cdxj": (["example-url-agnostic-orig.warc.gz",
                                      "example-url-agnostic-revisit.warc.gz"], False),
    "cdxj/example.cdxj": (["example.warc.gz"], True),
}


@pytest.mark.skipif(not PYWB.is_dir(), reason=f"pywb sample WARCs not found at {PYWB}")
@pytest.mark.parametrize("expected", sorted(CASES))
def test_byte_identical_to_pywb(expected: str) -> None:
    warcs, minimal = CASES[expected]
    out = io.BytesIO()
    n = write_cdxj([PYWB / "warcs" / w for w in warcs], out, minimal=minimal)
    want = (PYWB / expected).read_bytes()
    assert out.getvalue() == want
    assert n == want.count(b"\n")


@pytest.mark.skipif(not PYWB.is_dir(), reason=f"pywb sample WARCs not found at {PYWB}")
@pytest.mark.parametrize("name", ["httpbin-resource", "missing-status-text"])
def test_same_fields_as_pywb_for_resource_and_odd_status(name: str) -> None:
    # these expected files use another key order, so compare parsed fields
    expected = (PYWB / "cdx" / f"{name}.cdxj").read_text().splitlines()
    warc = next((PYWB / "warcs").glob(f"{name}.warc*"))
    out = io.BytesIO()
    write_cdxj([warc], out)
    got = out.getvalue().decode().splitlines()
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        gk, gt, gj = g.split(" ", 2)
        ek, et, ej = e.split(" ", 2)
        assert (gk, gt, json.loads(gj)) == (ek, et, json.loads(ej))


def test_relative_filenames_and_sorting(tmp_path: Path, make_warc) -> None:  # noqa: ANN001
    (tmp_path / "sub").mkdir()
    a = make_warc(tmp_path / "sub" / "b.warc.gz", pages=2, seed=2)
    b = make_warc(tmp_path / "a.warc.gz", pages=2, seed=1)
    out = io.BytesIO()
    assert write_cdxj([a, b], out, relative_to=tmp_path) == 4
    lines = out.getvalue().splitlines()
    assert lines == sorted(lines)
    names = {json.loads(line.split(b" ", 2)[2])["filename"] for line in lines}
    assert names == {"sub/b.warc.gz", "a.warc.gz"}


def test_key_and_timestamp() -> None:
    assert cdxj_key("http://www.Example.com/a?b=1") == "com,example)/a?b=1"
    assert timestamp14("2024-03-15T10:20:30.123456Z") == "20240315102030"



@pytest.mark.parametrize("uri", ["http://WARC-Type: response", "http://127.0.0.1/a b", "http://127.0.0.1/a\tb\u2003c"])
def test_a_target_uri_with_whitespace_keeps_the_index_line_readable(uri: str) -> None:
    """Found by the fuzzer: ``WARC-Target-URI: http://WARC-Type: response`` split the index line
    at the space in its key, and reading the index back failed."""
    key = cdxj_key(uri)
    assert key.split() == [key] and "%" in key
