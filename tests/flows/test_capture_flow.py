"""The capture-articles flow under Prefect's own test harness, and the `archive capture` CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from warcio.archiveiterator import ArchiveIterator

from archive_app.cli import main
from archive_app.demo.server import DEMO_ARTICLES
from flows.capture import capture_articles

pytestmark = pytest.mark.usefixtures("prefect_harness")
# The local servers answer at once: generous timeouts cost nothing idle and hold on a saturated
# CPU. A test that needs a timeout to fire (a server that never answers) sets a short one itself.
QUICK = {"per_host_delay": 0.0, "retries": 0, "task_retries": 2, "task_retry_delay": 0.2,
         "read_timeout": 60.0, "body_timeout": 120.0}


def test_flow_captures_demo_articles_and_reports(tmp_path: Path, demo_server) -> None:
    urls = [demo_server.url(p) for p in DEMO_ARTICLES]
    report = asyncio.run(capture_articles(urls=urls, out_dir=str(tmp_path), settings=QUICK, package=False))
    assert report.pages == 3 and report.pages_captured == 3
    assert sum(a.requisites_ok for a in report.articles) >= 15
    on_disk = json.loads((tmp_path / "capture-report.json").read_text())
    assert on_disk["capture_id"] == report.capture.capture_id
    assert report.warc_paths == sorted(tmp_path.glob("*.warc.gz"))
    assert report.metadata is not None and report.metadata.records == 3, "records are written next to the WARCs"
    assert len(list((tmp_path / "metadata").glob("*.json"))) == 3
    # The politeness the demo host got is in the report for archivists: every request counted.
    [(host, got)] = on_disk["politeness"].items()
    assert host == f"127.0.0.1:{demo_server.port}" and got["requests"] >= 3 + 15

    async def artifact() -> Any:
        async with get_client() as client:
            found = await client.read_latest_artifacts()
            return next(a.data for a in found if a.key == "capture-report")

    text = asyncio.run(artifact())
    assert "pages captured: **3 / 3**" in text and "## Politeness per host" in text


def test_task_retried_only_on_transient_page_failure(tmp_path: Path, fault_server) -> None:
    urls = [fault_server.url("/reset-once"), fault_server.url("/404")]
    report = asyncio.run(capture_articles(urls=urls, out_dir=str(tmp_path), settings=QUICK, package=False))
    reset, missing = report.articles
    assert reset.ok and fault_server.count("/reset-once") == 2, "the transient failure was retried by Prefect"
    assert not missing.ok and missing.status == 404
    assert fault_server.count("/404") == 1, "a permanent error is not retried"


def test_unreachable_page_ends_as_recorded_failure(tmp_path: Path, fault_server) -> None:
    settings = {**QUICK, "task_retries": 1, "respect_robots": False, "read_timeout": 2.0, "body_timeout": 5.0}
    report = asyncio.run(capture_articles(urls=[fault_server.url("/never")], out_dir=str(tmp_path), settings=settings,
                                          package=False))
    [article] = report.articles
    assert not article.ok
    assert article.failures[0].transient and "timed out" in article.failures[0].reason
    assert fault_server.count("/never") == 2, "one try plus one task retry"
    assert not list(tmp_path.glob("*.open"))


def test_cli_capture_prints_the_bag_which_validates(tmp_path: Path, demo_server, capsys) -> None:
    import bagit

    urls = [demo_server.url(p) for p in DEMO_ARTICLES]
    assert main(["capture", *urls, "--out", str(tmp_path / "ok"), "--quiet", "--delay", "0"]) == 0
    captured = capsys.readouterr()
    assert "captured 3/3 pages" in captured.err and "bag: valid" in captured.err
    bag_path = Path(captured.out.strip())
    assert bag_path.parent == tmp_path / "ok" and bag_path.is_dir()
    bagit.Bag(str(bag_path)).validate()  # bagit-python's own validator agrees
    warcs = sorted((bag_path / "data" / "warcs").glob("*.warc.gz"))
    records = sorted((bag_path / "data" / "metadata").glob("*.json"))
    assert warcs and len(records) == 3
    assert (bag_path / "data" / "indexes" / "index.cdxj").stat().st_size > 0
    with open(warcs[0], "rb") as fh:
        assert any(r.rec_type == "response" for r in ArchiveIterator(fh))
    events = json.loads((bag_path / "premis" / "events.json").read_text())["events"]
    assert {"capture", "metadata extraction", "message digest calculation", "validation"} <= {
        e["eventType"]["label"] for e in events}
    info = (bag_path / "bag-info.txt").read_text()
    assert f"External-Identifier: urn:news-archive:{bag_path.name}" in info
    assert not (tmp_path / "ok" / ".work").exists(), "working files are removed once the bag validates"
    report = json.loads((tmp_path / "ok" / f"{bag_path.name}.report.json").read_text())
    assert report["bag"]["valid"] and report["metadata"]["records"] == 3

    assert main(["capture", url := demo_server.url(DEMO_ARTICLES[0]), "--no-bag", "--out", str(tmp_path / "loose"),
                 "--quiet", "--delay", "0"]) == 0
    loose = capsys.readouterr().out.split()
    assert loose and all(p.endswith(".warc.gz") and Path(p).parent == tmp_path / "loose" for p in loose)

    assert main(["capture", demo_server.url("/no-such-article.html"), "--out", str(tmp_path / "bad"), "--quiet"]) == 1
    failed = capsys.readouterr()
    assert "HTTP 404" in failed.err and "captured 0/1 pages" in failed.err

    assert main(["capture", "ftp://127.0.0.1/file", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "only http and https" in err and "Traceback" not in err
    assert main(["capture", url, "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read config file" in capsys.readouterr().err


def test_config_file_settings_and_errors(tmp_path: Path, demo_server, capsys) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("capture:\n  per_host_delay: 0\n  warc_prefix: demo\n")
    assert main(["capture", demo_server.url(DEMO_ARTICLES[2]), "--out", str(tmp_path / "o"), "--config", str(good), "--quiet"]) == 0
    bag = Path(capsys.readouterr().out.strip())
    assert [p.name.startswith("demo-") for p in (bag / "data" / "warcs").glob("*.warc.gz")] == [True]
    bad = tmp_path / "bad.yaml"
    bad.write_text("capture:\n  per_host_delay: [1\n")
    assert main(["capture", demo_server.url("/"), "--config", str(bad)]) == 2
    assert f"{bad}:3:" in capsys.readouterr().err or f"{bad}:2:" in capsys.readouterr().err
    typo = tmp_path / "typo.yaml"
    typo.write_text("capture:\n  per_host_dealy: 1\n")
    assert main(["capture", demo_server.url("/"), "--config", str(typo)]) == 2
    assert f"{typo}:2: capture.per_host_dealy: unknown key" in capsys.readouterr().err


def test_archive_demo_makes_a_valid_bag_and_says_what_it_made(tmp_path: Path, capsys) -> None:
    from archive.validate import validate_bag

    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    captured = capsys.readouterr()
    bag = Path(captured.out.strip())
    assert validate_bag(bag).valid
    assert "captured 4/4 pages" in captured.err
    assert "what was made" in captured.err and "data/warcs/" in captured.err
    assert "archive validate" in captured.err, "the demo tells a newcomer what to try next"
