"""Article versions end to end: scheduled re-captures (the `capture-source` flow a deployment
runs) of the demo's changing pages on 127.0.0.1, read back from the bags and the version index."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from archive.validate import validate_bag
from archive.versions import VersionIndex
from archive.versions.feed import ATOM, feed_path
from archive.versions.run import PREMIS_LOG_NAME
from archive_app.cli import main
from archive_app.demo.changing import EDITED, NOISY, VANISHING
from archive_app.demo.server import DemoServer
from flows.schedule import capture_source

CONFIG = """
output: {out}
capture: {{per_host_delay: 0.0, retries: 0, task_retries: 0}}
bag: {{source_organization: "Test Archive"}}
sources:
  - name: changing
    urls: {urls}
    schedule: {{interval: 3600}}
"""


def bags(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if (p / "bagit.txt").is_file())


@pytest.fixture()
def changing(tmp_path: Path):
    with DemoServer() as server:
        urls = [server.url(p) for p in (EDITED, NOISY, VANISHING)]
        config = tmp_path / "archive.yaml"
        out = tmp_path / "out"
        config.write_text(CONFIG.format(out=out, urls=json.dumps(urls)))
        yield server, config, out, urls


def run(config: Path) -> dict[str, Any]:
    """The run's report, as written to its report file."""
    return asyncio.run(capture_source(str(config), "changing")).to_json()


@pytest.mark.usefixtures("prefect_harness")
def test_edits_make_versions_noise_does_not_and_a_vanished_page_is_gone(changing, capsys) -> None:
    server, config, out, (edited, noisy, vanishing) = changing
    pages = server.site.changing

    first = run(config)
    assert first["bag"]["valid"] and len(first["versions"]["changed"]) == 3
    index = VersionIndex.in_folder(out)
    assert [v.outcome for v in index.versions(edited)] == ["new"]

    # Nothing edited: the noisy page's bytes changed (so it was fetched again), its article did not.
    second = run(config)
    assert "bag" not in second, "byte noise alone must make no bag"
    assert second["versions"]["changed"] == [] and second["versions"]["unchanged"] == 3
    assert len(index.versions(noisy)) == 1 and len(bags(out)) == 1
    checks = [json.loads(line) for line in (out / PREMIS_LOG_NAME).read_text().splitlines()]
    assert "3 article(s) unchanged" in checks[-1]["eventDetailInformation"]["eventDetail"]

    # The editors work on one article, another is taken down.
    pages.revision, pages.vanished = 2, True
    third = run(config)
    assert third["bag"]["valid"]
    assert [c["url"] for c in third["versions"]["changed"]] == [edited]
    assert third["versions"]["gone"] == [{"url": vanishing, "why": "HTTP 404"}]
    assert [v.outcome for v in index.versions(vanishing)] == ["new", "gone"]
    assert len(index.versions(noisy)) == 1
    new_bag = Path(third["bag"]["path"])
    assert validate_bag(new_bag).valid
    [record_path] = (new_bag / "data" / "metadata").glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["version"] == 2
    previous = (record_path.parent / record["isBasedOn"]).resolve()
    assert previous.is_file()
    assert json.loads(previous.read_text())["headline"] == "Council debates reconstruction budget"
    premis = json.loads((new_bag / "premis" / "events.json").read_text())
    assert any(e["eventType"]["label"] == "modification" and edited in e["eventDetailInformation"]["eventDetail"]
               for e in premis["events"])

    # The diff shows exactly the four edits and nothing else.
    capsys.readouterr()
    assert main(["diff", edited, "--out", str(out), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [f["where"] for f in d["fields"]] == ["headline"]
    assert sorted((b["where"], b["change"]) for b in d["blocks"]) == [
        ("paragraph 3", "added"), ("paragraph 5", "added")]  # the byline line is not body text
    added = " ".join(w[1] for b in d["blocks"] for w in b["words"])
    assert "waited four years" in added and added.count("Correction:") == 1
    [photo] = d["images"]
    assert photo["change"] == "replaced" and photo["old"]["url"].endswith("parade.jpg")
    assert photo["new"]["url"].endswith("senior-officers.jpg") and photo["old"]["digest"] != photo["new"]["digest"]
    assert d["from"]["replay"]["command"] and d["to"]["replay"]["command"].endswith(new_bag.name)

    assert main(["versions", edited, "--out", str(out)]) == 0
    listing = capsys.readouterr().out.strip().splitlines()
    assert len(listing) == 2 and "headline rewritten" in listing[1] and new_bag.name in listing[1]

    feed = etree.parse(str(feed_path(out, "changing")))
    titles = [t.text or "" for t in feed.iterfind(f"{{{ATOM}}}entry/{{{ATOM}}}title")]
    assert sorted(titles) == sorted(["Edited: Council splits over reconstruction money for the south",
                                     f"Gone: {vanishing}"]), titles
    diff_links = [str(h) for h in feed.xpath("//a:link[@title='what changed']/@href", namespaces={"a": ATOM})]  # type: ignore[union-attr]
    assert len(diff_links) == 1 and (out / diff_links[0]).is_file()
