"""`archive index`, `archive list` and `archive show` on a bag of the demo site, on pywb's own
sample WARCs (against pywb's expected indexes) and on the third-party corpus, broken files included."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from archive_app.cli import main

SITE = Path(__file__).resolve().parents[2] / "archive_app" / "demo" / "site"


def test_index_of_a_bag_is_the_bags_own_index(demo_bag, tmp_path, capsys) -> None:
    out = tmp_path / "index.cdxj"
    assert main(["index", str(demo_bag), "-o", str(out)]) == 0
    assert out.read_bytes() == (demo_bag / "data/indexes/index.cdxj").read_bytes()
    assert main(["index", *map(str, sorted((demo_bag / "data/warcs").iterdir()))]) == 0
    assert capsys.readouterr().out.encode() == out.read_bytes()


@pytest.mark.parametrize("expected,warcs", [
    ("iana.cdxj", ["iana.warc.gz"]),
    ("dupes.cdxj", ["dupes.warc.gz"]),
    ("url-agnost-example.cdxj", ["example-url-agnostic-orig.warc.gz", "example-url-agnostic-revisit.warc.gz"]),
])
def test_index_matches_pywbs_expected_index(testdata, expected, warcs, tmp_path) -> None:
    pywb = testdata / "warcs" / "pywb"
    out = tmp_path / "out.cdxj"
    assert main(["index", *(str(pywb / "warcs" / w) for w in warcs), "-o", str(out)]) == 0
    assert out.read_bytes() == (pywb / "cdxj" / expected).read_bytes()


def test_list_shows_every_capture(demo_bag, demo_server, capsys) -> None:
    assert main(["list", str(demo_bag)]) == 0
    out = capsys.readouterr().out
    rows: dict[str, Any] = {}
    for line in out.splitlines():
        if line.startswith("│") and "http" in line:
            cells = [c.strip() for c in line.split("│")[1:-1]]
            rows.setdefault(cells[0], cells[1:])  # the first record of a URL: its response
    article = rows[demo_server.url("/en/2018/03/amnesty-or-disgrace.html")]
    assert article[0] == "200" and article[1] == "text/html" and article[4] == "response"
    assert rows[demo_server.url("/static/img/old/parade.jpg")][0] == "301"
    assert rows[demo_server.url("/static/img/missing-map.jpg")][0] == "404"
    # Two byte-identical images: whichever was written first is the response, the other its
    # revisit (an article's requisites are fetched concurrently, so which comes first is the
    # scheduler's choice, not the page's order).
    pair = [rows[demo_server.url(p)] for p in ("/static/img/police-anbar-960.jpg", "/static/img/share/police-anbar.jpg")]
    assert sorted(r[4] for r in pair) == ["response", "revisit"], pair
    revisit = next(r for r in pair if r[4] == "revisit")
    assert revisit[2] == ""
    logo = rows[demo_server.url("/static/img/logo.png")]
    assert logo[1] == "image/png" and logo[2] == f"{(SITE / 'static/img/logo.png').stat().st_size:,}"
    assert revisit[3][:4].isdigit()  # capture time


def test_show_streams_the_payload(demo_bag, demo_server, tmp_path, capsysbinary) -> None:
    out = tmp_path / "image.jpg"
    url = demo_server.url("/static/img/share/police-anbar.jpg")  # a revisit: the original's bytes
    assert main(["show", str(demo_bag), url, "-o", str(out)]) == 0
    assert out.read_bytes() == (SITE / "static/img/police-anbar-960.jpg").read_bytes()
    capsysbinary.readouterr()
    css = demo_server.url("/static/css/site.css")  # served gzip-compressed to the capture
    assert main(["show", str(demo_bag), css]) == 0
    raw = capsysbinary.readouterr().out
    assert raw.startswith(b"\x1f\x8b")  # stored as received: gzip
    assert main(["show", str(demo_bag), css, "--decode", "-o", str(out)]) == 0
    assert out.read_bytes() == (SITE / "static/css/site.css").read_bytes()
    assert raw != out.read_bytes()


def test_show_unknown_url_fails_with_a_hint(demo_bag, capsys) -> None:
    assert main(["show", str(demo_bag), "http://127.0.0.1:9/never-captured"]) == 1
    err = capsys.readouterr().err
    assert "nothing was captured for http://127.0.0.1:9/never-captured" in err and "archive list" in err


def test_bad_input_is_a_usage_error(tmp_path, capsys) -> None:
    assert main(["list", str(tmp_path / "absent.warc.gz")]) == 2
    assert "no such file" in capsys.readouterr().err


# --- third-party WARCs --------------------------------------------------------------------

# file -> index lines. pywb 2.10's cdx-indexer writes the same for iana, lil-projects, hello-world
# and cc; for blackbook it writes 299, leaving out the 261 `metadata` records (text/anvl) that
# archive.replay.cdxj indexes; on good.warc.gz.open it stops after the first record.
GOOD = {
    "pywb/warcs/iana.warc.gz": 171,
    "jwat/warc/IAH-20080430204825-00000-blackbook.warc.gz": 560,
    "js-wacz/lil-projects.warc.gz": 28,
    "ia-gowarc/good.warc.gz.open": 50,
    "iipc-warc-specifications/hello-world.warc.gz": 4,
    "jwarc/cc.warc.gz": 1,
}
BROKEN = {  # file -> (lines still indexed, offset named in the error)
    "ia-gowarc/corrupted-trailing-bytes.warc.gz.open": (21, 15743),
    "warcio/example-wrong-chunks.warc.gz": (1, 516),
    "jwat/warc/invalid-warcfile-record-then-garbage.warc": (1, 1135),
    "ia-gowarc/empty.warc.gz.open": (0, 0),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_third_party_warc_indexed(testdata, name, capsys) -> None:
    assert main(["index", str(testdata / "warcs" / name)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\n") == GOOD[name]
    assert "error" not in captured.err


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_warc_reported_and_readable_part_indexed(testdata, name, capsys) -> None:
    path = testdata / "warcs" / name
    lines, offset = BROKEN[name]
    assert main(["index", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("\n") == lines
    assert f"archive index: error: {path} at offset {offset}: " in captured.err
    assert main(["list", str(path)]) == 1
    assert f"{path} at offset {offset}" in capsys.readouterr().err


def _corpus(testdata: Path) -> list[Path]:
    skip = (".txt", ".tsv", ".cdx", ".cdxj", ".json", ".md")
    return sorted(p for p in (testdata / "warcs").rglob("*") if p.is_file() and not p.name.endswith(skip))


def test_whole_corpus_without_a_crash(testdata, capsys) -> None:
    """Every file goes through index and list: exit 0, or 1 with the file and offset named."""
    files = _corpus(testdata)
    assert len(files) > 100
    for path in files:
        for command in ("index", "list"):
            code = main([command, str(path)])  # an unexpected exception fails the test here
            err = capsys.readouterr().err
            assert code in (0, 1), (command, path)
            if code == 1:
                assert f"{path} at offset " in err, (command, path, err)


def test_show_on_a_third_party_warc(testdata, tmp_path) -> None:
    out = tmp_path / "body"
    warc = testdata / "warcs" / "pywb" / "warcs" / "iana.warc.gz"
    assert main(["show", str(warc), "http://www.iana.org/_css/2013.1/screen.css", "-o", str(out)]) == 0
    assert out.stat().st_size > 1000 and hashlib.sha256(out.read_bytes()).hexdigest()
