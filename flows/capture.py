"""The `capture-articles` flow: capture, extract metadata, package a bag, validate it.

Orchestration only: fetching, WARC writing, parsing, hashing and bagging are `archive`
functions. A capture task is an article (its page and requisites fetched concurrently inside
it), not an HTTP request: Prefect's per-task bookkeeping would otherwise outweigh the work.
Working files live in ``OUT/.work/<capture-id>/`` until the bag is built and validated, so a
failure at any stage leaves the WARCs where they were: nothing is lost, nothing looks finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import State, flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import TaskRun

from archive.atomic import write_json_atomic
from archive.capture.report import REPORT_NAME, CaptureReport, failed_article
from archive.capture.session import RUN_ERRORS, ArticleResult, CaptureSession, Fetched
from archive.capture.settings import CaptureSettings
from archive.errors import ArchiveError, FetchError
from archive.history import HISTORY_NAME, Captured, CaptureHistory, unchanged_filter
from archive.package import BagInfo, PremisEvent, build_bag
from archive.pipeline import Extraction, bag_info, capture_event, extract_to_folder, new_capture_id
from archive.runresult import BagOutcome, MetadataOutcome, RunResult
from archive.validate import ValidationReport, validate_bag
from archive.versions import Version
from flows.versions import decide_versions, record_versions, undecided, versions_markdown

WORK_DIR = ".work"

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


@task(name="extract-metadata", cache_policy=NONE)
def extract_metadata(warcs: Sequence[Path], into: Path) -> Extraction:
    return extract_to_folder(warcs, into)


@task(name="package-bag", cache_policy=NONE)
def package_bag(dest: Path, warcs: Sequence[Path], metadata: Sequence[Path], info: BagInfo,
                events: Sequence[PremisEvent]) -> Path:
    return build_bag(dest, warcs=warcs, metadata=metadata, info=info, events=events)


@task(name="validate-bag", cache_policy=NONE)
def check_bag(bag: Path) -> ValidationReport:
    return validate_bag(bag)


async def _capture(urls: list[str], work: Path, settings: CaptureSettings, capture_id: str,
                   history: CaptureHistory | None) -> CaptureReport:
    started = datetime.now(UTC)
    gate = asyncio.Semaphore(settings.article_concurrency)
    done_hook = on_article_done.get()
    capture_task = capture_article.with_options(retries=settings.task_retries, retry_delay_seconds=settings.task_retry_delay)
    unchanged = unchanged_filter(history.latest_digests()) if history else None
    async with CaptureSession(work, settings, capture_id=capture_id, on_fetched=on_resource_fetched.get(),
                              unchanged=unchanged) as session:

        async def one(url: str) -> ArticleResult:
            async with gate:
                try:
                    result = await capture_task(session, url)
                except FetchError as exc:
                    result = failed_article(url, exc.reason, transient=exc.transient)
                except RUN_ERRORS:
                    raise  # the output itself failed (disk full): the run stops with that message
                except Exception as exc:  # noqa: BLE001 - one article's error is that article's failure
                    reason = exc.message if isinstance(exc, ArchiveError) else f"unexpected error: {type(exc).__name__}: {exc}"
                    result = failed_article(url, reason, transient=False)
            if done_hook:
                done_hook(result)
            return result

        results = await asyncio.gather(*(one(u) for u in urls))
    return CaptureReport(
        capture_id=capture_id, started=started, finished=datetime.now(UTC), articles=list(results),
        warcs=session.writer.finished, settings=settings.to_json(), politeness=session.politeness(),
    )


@flow(name="capture-articles", log_prints=False)
async def capture_articles(
    urls: list[str],
    out_dir: str,
    settings: dict[str, Any] | None = None,
    bag: dict[str, Any] | None = None,
    package: bool = True,
    capture_id: str | None = None,
    incremental: bool = False,
    versions: dict[str, Any] | None = None,
) -> RunResult:
    """Capture ``urls`` with their requisites, extract a NewsArticle record for each, and (with
    ``package``) build and validate a BagIt bag at ``OUT/<capture-id>``. Returns the run's
    result, also written as the run report; without ``package`` the WARCs and records are left
    in ``out_dir`` itself.

    With ``incremental``, the capture history in ``out_dir`` is consulted: a page whose payload
    is unchanged since its last capture is skipped, and a run that captures nothing new makes
    no bag. Each bag stays self-contained (revisits only refer to records in the same bag).

    Incremental runs also track versions (``versions``: the source's name and version policy,
    see archive.versions): a page whose bytes changed but whose article did not makes no bag.

    Args:
        urls: article URLs (http or https) to capture.
        out_dir: folder that receives the bag `<capture-id>/` and `<capture-id>.report.json`;
            a relative path is relative to the working directory of the flow run.
        settings: capture settings overriding config/default.yaml's `capture:` keys, e.g.
            {"per_host_delay": 0.5, "respect_robots": true}; unknown keys are refused.
        bag: bag-info fields: source_organization, contact_name, contact_email.
        package: build and validate a bag; false leaves the WARCs and records loose in out_dir.
        capture_id: the bag's name; default a fresh capture-<UTC time>-<random>.
        incremental: skip articles unchanged since their last capture.
        versions: with incremental, the source's name ("source") and its version policy
            (re-check interval, noise threshold, headline-only; see config/default.yaml).
    """
    capture_settings = CaptureSettings.from_mapping(settings)
    capture_id = capture_id or new_capture_id()
    out = Path(out_dir)
    work = out / WORK_DIR / capture_id if package else out
    info = bag_info(capture_id, urls, bag)  # checked before any fetching: a config error costs nothing

    history = CaptureHistory(out / HISTORY_NAME) if incremental else None
    report = await _capture(urls, work, capture_settings, capture_id, history)
    fresh = [a for a in report.articles if a.ok and not a.unchanged]
    warcs = list(report.warcs)
    if incremental and not fresh:
        # Nothing new (at most robots.txt was fetched): no bag. Only a private work folder is
        # removed; without packaging, ``work`` is the user's own output folder and stays.
        warcs = []
        if package:
            _remove_work(work, ignore_errors=True)
    extraction = extract_metadata(warcs, work / "metadata") if warcs else None
    tracked = decide_versions(report.articles, warcs, extraction, out, versions, capture_id) if incremental else None
    if tracked is not None and extraction is not None and not undecided(tracked, fresh):
        extraction.files = tracked.record_files()  # records of checked-unchanged pages make no version
        if not extraction.files:  # bytes changed, the articles did not (or only below the noise threshold)
            warcs, extraction, fresh = [], None, []
            if package:
                _remove_work(work, ignore_errors=True)
    metadata = None if extraction is None else MetadataOutcome(tuple(extraction.files), tuple(extraction.problems))
    made = None
    if package and extraction is not None:
        if tracked is not None:
            tracked.link_records(capture_id)
        made = _package(out / capture_id, work, warcs, extraction, info,
                        [capture_event(report), extraction.event, *(tracked.premis_events() if tracked else [])])
    if history is not None and fresh and (made.valid if made is not None else not package):
        # Only what is safely in a valid bag counts as captured for the next incremental run.
        history.record(
            (Captured(a.url, a.final_url, a.captured_at or "", a.payload_digest) for a in fresh if a.payload_digest),
            capture_id=capture_id, bag=str(made.path) if made is not None else None,
        )
    added: list[Version] = []
    if tracked is not None and (made is None or made.valid):
        added = record_versions(tracked, out, made.path if made is not None else None)
    else:
        tracked = None  # an invalid bag holds no version
    result = RunResult(report, out / (f"{capture_id}.report.json" if package else REPORT_NAME), metadata, made,
                       versions=tracked)
    write_json_atomic(result.report_path, result.to_json())
    await acreate_markdown_artifact(markdown=result.markdown() + versions_markdown(added), key="capture-report",
                                    description=capture_id)
    return result


def _package(dest: Path, work: Path, warcs: Sequence[Path], extraction: Extraction, info: BagInfo,
             events: Sequence[PremisEvent]) -> BagOutcome:
    """Build the bag and validate it; the work folder goes once the bag holds verified copies."""
    bag_path = package_bag(dest, warcs, extraction.files, info, events)
    validation = check_bag(bag_path)
    if validation.valid:
        _remove_work(work)  # the bag now holds verified copies of everything in it
    return BagOutcome(bag_path, validation.valid, tuple(str(p) for p in validation.problems),
                      validation.bytes_hashed, kept_work_dir=None if validation.valid else work)


def _remove_work(work: Path, *, ignore_errors: bool = False) -> None:
    """Remove a run's private work folder, and ``.work`` itself once no other (e.g. interrupted)
    capture's folder is left in it."""
    shutil.rmtree(work, ignore_errors=ignore_errors)
    with contextlib.suppress(OSError):
        work.parent.rmdir()
