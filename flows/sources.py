"""`capture-sources`: several configured sources captured in parallel within one run.

Each source is one task with its own capture session, politeness gates and bag, so sources are
independent units that can run on threads (default) or on a Dask cluster (prefect-dask's
DaskTaskRunner). Within a source, articles already run concurrently on one event loop; that
session cannot be split across processes without breaking per-host politeness.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from archive.config import load_config
from archive.errors import UsageError
from archive.runresult import SourceRun


@task(name="capture-one-source", task_run_name="source {source}", cache_policy=NONE)
def capture_one_source(config_path: str, source: str) -> SourceRun:
    from flows.schedule import capture_source  # a subflow run per source, in this worker

    return SourceRun(source, asyncio.run(capture_source(config_path, source)))


# The arg-type ignore: Prefect 3.x types task_runner invariantly in its future type, so
# mypy refuses every concrete runner (its own ThreadPoolTaskRunner and prefect-dask's included).
@flow(name="capture-sources", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def capture_sources(config_path: str, sources: list[str] | None = None) -> list[SourceRun]:
    """Capture the named sources (default: all) of a configuration, in parallel.

    Args:
        config_path: absolute path of the YAML configuration.
        sources: names of sources in it; default all of them.
    """
    config = load_config(Path(config_path))
    names = sources or [s.name for s in config.sources]
    for name in names:
        config.source(name)  # unknown names fail before anything runs
    futures = [capture_one_source.submit(config_path, name) for name in names]
    wait(futures)
    return [f.result() for f in futures]


def with_dask(workers: int) -> Any:
    """The same flow on a local Dask cluster of ``workers`` processes (needs prefect-dask:
    `pip install -e '.[dask]'`). Point DASK_SCHEDULER_ADDRESS at a running cluster instead."""
    import os

    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:
        raise UsageError("the Dask task runner needs prefect-dask", hint="pip install -e '.[dask]'") from exc
    address = os.environ.get("DASK_SCHEDULER_ADDRESS")
    runner = DaskTaskRunner(address=address) if address else DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    return capture_sources.with_options(task_runner=runner)  # type: ignore[arg-type]  # see capture_sources
