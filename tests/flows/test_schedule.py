"""Incremental scheduled captures: a feed source captured, captured again with nothing new,
and again after one article changed; the deployments `archive schedule` serves."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.config import load_config
from archive.history import HISTORY_NAME, CaptureHistory
from archive.validate import validate_bag
from archive_app.cli import main
from archive_app.demo.server import DEMO_ARTICLES, SITE_ROOT, DemoServer
from flows.schedule import capture_source, deployments

CONFIG = """
output: {out}
capture: {{per_host_delay: 0.0, retries: 0, task_retries: 0}}
bag: {{source_organization: "Test Archive"}}
sources:
  - name: feed
    feed: {base}/feed.xml
    schedule: {{cron: "*/5 * * * *", timezone: "Asia/Baghdad"}}
  - name: sitemap
    sitemap: {base}/sitemap.xml
    max_articles: 2
  - name: listed
    urls: ["{base}/en/2018/03/amnesty-or-disgrace.html"]
audit:
  log: {out}/audit.jsonl
  schedule: {{cron: "0 3 * * 0"}}
"""


@pytest.fixture()
def site(tmp_path: Path):
    root = tmp_path / "site"
    shutil.copytree(SITE_ROOT, root)
    with DemoServer(root) as server:
        yield server, root


def bags(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if (p / "bagit.txt").is_file())


def revisit_targets_and_ids(bag: Path) -> tuple[set[str], set[str]]:
    targets, ids = set(), set()
    for warc in (bag / "data" / "warcs").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for rec in ArchiveIterator(fh):
                ids.add(rec.rec_headers.get_header("WARC-Record-ID"))
                if rec.rec_type == "revisit":
                    targets.add(rec.rec_headers.get_header("WARC-Refers-To"))
    return targets, ids


@pytest.mark.usefixtures("prefect_harness")
def test_feed_source_incremental_runs(tmp_path: Path, site) -> None:
    server, root = site
    out = tmp_path / "out"
    config_path = tmp_path / "archive.yaml"
    config_path.write_text(CONFIG.format(out=out, base=server.base_url))

    first = asyncio.run(capture_source(str(config_path), "feed"))
    assert first.pages_captured == 3 and first.bag is not None and first.bag.valid
    [bag1] = bags(out)
    assert len(list((bag1 / "data" / "metadata").glob("*.json"))) == 3
    assert len(CaptureHistory(out / HISTORY_NAME).latest_digests()) >= 3

    second = asyncio.run(capture_source(str(config_path), "feed"))
    assert second.unchanged == 3 and second.bag is None, "an unchanged feed captures nothing new"
    assert bags(out) == [bag1]
    assert not (out / ".work").exists()

    english = root / DEMO_ARTICLES[0].lstrip("/")
    before = english.read_text()
    english.write_text(before.replace('<div class="article-body">', '<div class="article-body"><p>Update: a correction.</p>', 1))
    assert english.read_text() != before
    third = asyncio.run(capture_source(str(config_path), "feed"))
    assert third.unchanged == 2 and third.pages_captured == 3 and third.bag is not None and third.bag.valid
    new_bag = third.bag.path
    assert bags(out) == sorted([bag1, new_bag])
    [record] = (new_bag / "data" / "metadata").glob("*.json")
    assert "en-2018-03" in record.name, "only the changed article is in the new bag"
    assert validate_bag(new_bag).valid
    targets, ids = revisit_targets_and_ids(new_bag)
    assert targets <= ids, "every revisit refers to a record inside the same bag: each bag replays on its own"


def test_sitemap_and_list_sources_discover_urls(tmp_path: Path, site) -> None:
    from archive.sources.discover import discover_urls

    server, _ = site
    config_path = tmp_path / "archive.yaml"
    config_path.write_text(CONFIG.format(out=tmp_path / "out", base=server.base_url))
    config = load_config(config_path, env={})
    sitemap = asyncio.run(discover_urls(config.source("sitemap"), config.capture))
    assert len(sitemap) == 2 and all(u.startswith(server.base_url) for u in sitemap)
    assert asyncio.run(discover_urls(config.source("listed"), config.capture)) == [server.url(DEMO_ARTICLES[0])]


def test_deployments_and_schedule_listing(tmp_path: Path, capsys) -> None:
    config_path = tmp_path / "archive.yaml"
    config_path.write_text(CONFIG.format(out=tmp_path / "out", base="http://127.0.0.1:9"))
    made = deployments(load_config(config_path, env={}))
    assert [d.name for d in made] == ["feed", "fixity-audit"], "one deployment per scheduled source, plus the audit"
    feed = made[0]
    assert feed.parameters == {"config_path": str(config_path.resolve()), "source": "feed"}
    [schedule] = feed.schedules
    assert schedule.schedule.cron == "*/5 * * * *" and schedule.schedule.timezone == "Asia/Baghdad"

    assert main(["schedule", "--config", str(config_path), "--list"]) == 0
    listing = capsys.readouterr().out
    for name in ("feed", "sitemap", "listed", "fixity-audit", "not scheduled", "+03"):
        assert name in listing

    bare = tmp_path / "bare.yaml"
    bare.write_text("sources:\n  - {name: x, urls: ['http://127.0.0.1:9/']}\n")
    assert main(["schedule", "--config", str(bare)]) == 2
    assert "nothing has a schedule" in capsys.readouterr().err


@pytest.mark.usefixtures("prefect_harness")
def test_incremental_without_bagging_never_removes_the_output_folder(tmp_path: Path, site) -> None:
    from flows.capture import capture_articles

    server, _ = site
    out = tmp_path / "loose"
    keep = out / "earlier-work.txt"
    out.mkdir()
    keep.write_text("an archivist's file")
    urls = [server.url(DEMO_ARTICLES[2])]
    settings = {"per_host_delay": 0.0, "retries": 0, "task_retries": 0}
    first = asyncio.run(capture_articles(urls=urls, out_dir=str(out), settings=settings, package=False, incremental=True))
    assert first.pages_captured == 1 and first.unchanged == 0
    warcs = sorted(out.glob("*.warc.gz"))
    second = asyncio.run(capture_articles(urls=urls, out_dir=str(out), settings=settings, package=False, incremental=True))
    assert second.unchanged == 1
    assert keep.read_text() == "an archivist's file", "nothing new must not delete the output folder"
    assert all(w.exists() for w in warcs)


def test_the_scheduled_audit_gets_the_whole_audit_section(tmp_path: Path) -> None:
    """The fixity-audit deployment runs what `archive audit --config` runs: the configured roots,
    budget and alerts, not only the output folder."""
    config_path = tmp_path / "archive.yaml"
    config_path.write_text(
        f"output: {tmp_path / 'out'}\nsources: []\n"
        f"audit:\n  log: {tmp_path / 'audit.jsonl'}\n  schedule: {{interval: 3600}}\n"
        f"  roots: [{tmp_path / 'a'}, {tmp_path / 'b'}]\n  processes: 2\n  bytes_per_second: 1000000\n"
        "  alerts: {webhook: 'http://127.0.0.1:9/hook', email_to: [ops@example.org]}\n")
    [audit] = deployments(load_config(config_path, env={}))
    params = audit.parameters
    assert params["root"] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert (params["processes"], params["bytes_per_second"], params["fast"]) == (2, 1000000, False)
    assert params["alerts"]["webhook"] == "http://127.0.0.1:9/hook" and params["alerts"]["email_to"] == ["ops@example.org"]
    # Without roots or alerts: the output folder, and no alert settings at all.
    config_path.write_text(f"output: {tmp_path / 'out'}\naudit:\n  log: {tmp_path / 'audit.jsonl'}\n"
                           "  schedule: {interval: 3600}\n")
    [audit] = deployments(load_config(config_path, env={}))
    assert audit.parameters["root"] == [str(tmp_path / "out")] and audit.parameters["alerts"] is None
