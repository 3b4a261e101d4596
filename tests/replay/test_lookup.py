"""The sorted-index lookup: the same answers as a linear scan, on edge cases and at random."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.replay.cdxj import cdxj_key
from archive.replay.lookup import CdxjEntry, SortedIndex, closest


def write(path: Path, keys: list[str]) -> Path:
    lines = sorted(f"{k} 2018031500{n % 10000:04d} {json.dumps({'url': k, 'n': n})}" for n, k in enumerate(keys))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def linear(path: Path, key: str) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.split(" ", 1)[0] == key]


def found(index: SortedIndex, key: str) -> list[str]:
    return [f"{e.key} {e.timestamp} {json.dumps(e.fields)}" for e in index.lookup_key(key)]


EDGE_KEYS = ["a", "a)/", "a)/b", "a)/b", "a)/b", "a)/ba", "a)/b/c", "b", "com,example)/", "com,example)/x",
             "com,example)/x%20y", "zz"]  # keys never hold spaces: surt escapes them


@pytest.mark.parametrize("key", [*sorted(set(EDGE_KEYS)), "", "0", "a)", "a)/bb", "com,example)/x%20z", "zzz"])
def test_edge_keys(tmp_path, key) -> None:
    path = write(tmp_path / "i.cdxj", EDGE_KEYS)
    with SortedIndex(path) as index:
        assert found(index, key) == linear(path, key)


@settings(max_examples=30, deadline=None)
@given(keys=st.lists(st.text(alphabet="ab)/,.", min_size=1, max_size=6), min_size=0, max_size=60),
       probe=st.text(alphabet="ab)/,.", min_size=1, max_size=6))
def test_matches_a_linear_scan(tmp_path_factory, keys, probe) -> None:
    path = write(tmp_path_factory.mktemp("h") / "i.cdxj", keys)
    with SortedIndex(path) as index:
        for key in {probe, *keys[:5]}:
            assert found(index, key) == linear(path, key)


def test_empty_index_and_url_lookup(tmp_path) -> None:
    empty = tmp_path / "empty.cdxj"
    empty.write_bytes(b"")
    with SortedIndex(empty) as index:
        assert index.lookup("http://example.com/") == []
    rng = random.Random(3)
    urls = [f"http://www.example.com/p/{rng.randrange(500)}" for _ in range(3000)]
    path = write(tmp_path / "u.cdxj", [cdxj_key(u) for u in urls])
    with SortedIndex(path) as index:
        assert len(index.lookup("http://example.com/p/7")) == urls.count("http://www.example.com/p/7")


def test_closest_picks_nearest_or_latest() -> None:
    entries = [CdxjEntry("k", "20180315000000", {"mime": "text/html", "status": "200"}),
               CdxjEntry("k", "20190101000000", {"mime": "text/html", "status": "200"})]
    assert closest(entries) is entries[1]
    assert closest(entries, "2018") is entries[0]
    assert closest([]) is None


def test_indexer_leaves_out_warc_fields_metadata_but_keeps_other_metadata(tmp_path: Path) -> None:
    # Our per-article metadata record shares the page's URL and timestamp: indexed, it would be
    # replayed instead of the page. pywb's indexer skips application/warc-fields; so do we.
    from archive.records import RecordInfo
    from archive.replay.cdxj import cdxj_line

    def info(rec_type: str, mime: str) -> RecordInfo:
        return RecordInfo(warc=tmp_path / "x.warc.gz", offset=0, length=10, rec_type=rec_type, record_id="<id>",
                          target_uri="http://127.0.0.1/a.html", date="2018-03-15T00:00:00Z", status=None, mime=mime,
                          payload_digest=None, concurrent_to=(), refers_to_uri=None, refers_to_date=None,
                          warc_headers=(), http_headers=None)

    assert cdxj_line(info("metadata", "application/warc-fields"), "x.warc.gz") is None
    assert cdxj_line(info("metadata", "text/plain"), "x.warc.gz") is not None  # e.g. wget's MANIFEST.txt
