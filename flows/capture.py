"""The `capture-articles` flow: one Prefect task per article, all sharing one capture session.

Orchestration only: fetching, WARC writing and parsing are `archive.capture` functions. A task
is an article (its page and requisites fetched concurrently inside it), not an HTTP request:
Prefect's per-task bookkeeping would otherwise outweigh the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from archive.capture.report import CaptureReport, failed_article
from archive.capture.session import ArticleResult, CaptureSession, Fetched
from archive.capture.settings import CaptureSettings
from archive.errors import FetchError

# Set by the CLI to drive its progress bar; flows stay usable without it.
on_article_done: ContextVar[Callable[[ArticleResult], None] | None] = ContextVar("on_article_done", default=None)
on_resource_fetched: ContextVar[Callable[[Fetched], None] | None] = ContextVar("on_resource_fetched", default=None)


def _transient_only(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Retry a task only when its page failed for a reason that may pass (reset, timeout, 5xx).

    Prefect hands the condition a Failed state whose data is the exception the task raised."""
    error = state.data
    return isinstance(error, FetchError) and error.transient


@task(
    name="capture-article",
    task_run_name="capture {url}",
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=_transient_only,
    cache_policy=NONE,  # the session is live state, never a cache key
)
async def capture_article(session: CaptureSession, url: str) -> ArticleResult:
    return await session.capture_article(url)


@flow(name="capture-articles", log_prints=False)
async def capture_articles(
    urls: list[str],
    out_dir: str,
    settings: dict[str, Any] | None = None,
    capture_id: str | None = None,
) -> dict[str, Any]:
    """Capture every URL with its requisites into WARC files in ``out_dir``; return the report."""
    capture_settings = CaptureSettings.from_mapping(settings)
    started = datetime.now(UTC)
    capture_id = capture_id or started.strftime("capture-%Y%m%dT%H%M%SZ")
    gate = asyncio.Semaphore(capture_settings.article_concurrency)
    done_hook = on_article_done.get()
    capture_task = capture_article.with_options(
        retries=capture_settings.task_retries, retry_delay_seconds=capture_settings.task_retry_delay
    )

    async with CaptureSession(
        Path(out_dir), capture_settings, capture_id=capture_id, on_fetched=on_resource_fetched.get()
    ) as session:

        async def one(url: str) -> ArticleResult:
            async with gate:
                try:
                    result = await capture_task(session, url)
                except FetchError as exc:
                    result = failed_article(url, exc.reason, transient=exc.transient)
            if done_hook:
                done_hook(result)
            return result

        results = await asyncio.gather(*(one(u) for u in urls))
    report = CaptureReport(
        capture_id=capture_id, started=started, finished=datetime.now(UTC),
        articles=list(results), warcs=session.writer.finished, settings=capture_settings.as_dict(),
    )
    report.write(Path(out_dir))
    await create_markdown_artifact(markdown=report.markdown(), key="capture-report", description=capture_id)
    return report.as_dict()
