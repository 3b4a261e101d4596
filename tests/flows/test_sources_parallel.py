"""Several configured sources captured in parallel in one run: on threads, and on a local Dask
cluster through prefect-dask's DaskTaskRunner. Each source gets its own session and bag."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.validate import validate_bag
from archive_app.cli import main

pytestmark = pytest.mark.usefixtures("prefect_harness")

CONFIG = """
output: {out}
capture: {{per_host_delay: 0.0, retries: 0, task_retries: 0}}
sources:
  - name: front
    urls: ["{base}/index.html"]
  - name: feed
    feed: {base}/feed.xml
"""


def run(tmp_path: Path, demo_server, capsys, *extra: str) -> list[Path]:
    config = tmp_path / "archive.yaml"
    config.write_text(CONFIG.format(out=tmp_path / "out", base=demo_server.base_url))
    assert main(["run", "--config", str(config), *extra]) == 0
    captured = capsys.readouterr()
    # Disjoint sources: with incremental captures, an article two sources share lands in one bag.
    assert "front: 1/1 pages" in captured.err and "feed: 3/3 pages" in captured.err
    bags = [Path(line) for line in captured.out.split()]
    assert len(bags) == 2 and len(set(bags)) == 2, f"one bag per source: {captured.err}"
    for bag in bags:
        assert validate_bag(bag).valid
    return bags


def test_sources_run_in_parallel_on_threads(tmp_path: Path, demo_server, capsys) -> None:
    run(tmp_path, demo_server, capsys)
    config = tmp_path / "archive.yaml"
    assert main(["run", "--config", str(config), "no-such-source"]) == 2
    assert "no source named 'no-such-source'" in capsys.readouterr().err


@pytest.mark.timeout(240)
def test_sources_run_on_a_dask_cluster(tmp_path: Path, demo_server, capsys) -> None:
    pytest.importorskip("prefect_dask", reason="prefect-dask is installed by the test extra")
    run(tmp_path, demo_server, capsys, "--dask", "2")
