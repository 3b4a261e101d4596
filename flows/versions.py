"""Version tracking inside an incremental capture run (orchestration only; see archive.versions).

``decide_versions`` runs after extraction and before packaging: it says which articles are new
versions (they go into the bag, their records linked to the previous version), which were only
checked (unchanged, or changed below the noise threshold: no version), and which are gone.
``record_versions`` runs once the bag is valid (or when there is no bag): it appends to the
version index, writes the diff pages and the source's Atom feed of edits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from archive.capture.session import ArticleResult
from archive.pipeline import Extraction
from archive.validate.audit import append_event
from archive.versions import Version, VersionIndex, VersionPolicy
from archive.versions.feed import diff_page, write_diff_pages, write_feed
from archive.versions.run import PREMIS_LOG_NAME, RunVersions, plan_run


def policy_of(versions: Mapping[str, Any] | None) -> tuple[VersionPolicy, str | None]:
    """The flow parameter ``versions`` ({source, and the policy's settings}) made typed."""
    settings = dict(versions or {})
    source = settings.pop("source", None)
    return VersionPolicy.from_mapping(settings), (str(source) if source is not None else None)


@task(name="decide-versions", cache_policy=NONE)
def decide_versions(articles: Sequence[ArticleResult], warcs: Sequence[Path], extraction: Extraction | None,
                    out: Path, versions: Mapping[str, Any] | None, capture_id: str) -> RunVersions:
    policy, source = policy_of(versions)
    records = extraction.records if extraction is not None else []
    files = extraction.files if extraction is not None else []
    return plan_run(articles, warcs, records, files, VersionIndex.in_folder(out), policy, source=source,
                    capture_id=capture_id)


def undecided(run: RunVersions, fresh: Sequence[ArticleResult]) -> list[str]:
    """Fresh pages no decision covers (no record could be extracted): kept in the bag as they are."""
    return [a.url for a in fresh if a.url not in run.decisions and a.url not in run.gone]


@task(name="record-versions", cache_policy=NONE)
def record_versions(run: RunVersions, out: Path, bag: Path | None) -> list[Version]:
    index = VersionIndex.in_folder(out)
    added = run.commit(index, bag, out)
    for event in run.premis_events():  # also kept when no bag was made: the checks are evidence too
        append_event(out / PREMIS_LOG_NAME, event)
    write_diff_pages(out, index, [v.url for v in added if v.outcome == "changed"])
    write_feed(out, run.source, index)
    return added


def versions_markdown(added: Sequence[Version]) -> str:
    edits = [v for v in added if v.outcome != "new"]
    if not edits:
        return ""
    lines = ["", "## Edits detected", ""]
    for v in edits:
        link = f" ([diff]({diff_page(v)}))" if v.outcome == "changed" else ""
        lines.append(f"- {v.outcome}: {v.url} (version {v.seq}): {v.summary}{link}")
    return "\n".join(lines) + "\n"
