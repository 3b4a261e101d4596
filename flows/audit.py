"""The `audit-fixity` flow: re-validate every bag under a folder, one task per bag, and append a
PREMIS ``fixity check`` event per bag to an audit log (JSON Lines).

Orchestration only: finding bags, hashing and logging are `archive.validate` functions.
Scheduling it is the scheduling issue's job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from archive.errors import ArchiveError
from archive.validate import validate_bag
from archive.validate.audit import append_event, find_bags, fixity_event


@task(name="check-bag-fixity", task_run_name="fixity {bag}", cache_policy=NONE)
def check_bag(bag: str, audit_log: str, fast: bool, processes: int) -> dict[str, Any]:
    """Validate one bag and log its event at once, so a crash later loses no finished audit."""
    try:
        report = validate_bag(Path(bag), fast=fast, processes=processes)
    except ArchiveError as exc:
        event = fixity_event(Path(bag), None, error=str(exc))
        problems = 1
    except Exception as exc:  # noqa: BLE001 - one bag's surprise must not stop the audit of the others
        event = fixity_event(Path(bag), None, error=f"{type(exc).__name__}: {exc}")
        problems = 1
    else:
        event = fixity_event(Path(bag), report)
        problems = len(report.problems)
    append_event(Path(audit_log), event)
    return {"bag": bag, "outcome": event.outcome, "problems": problems, "detail": event.detail,
            "event": event.identifier}


def _markdown(root: str, results: list[dict[str, Any]], audit_log: str) -> str:
    ok = sum(r["outcome"] == "success" for r in results)
    lines = [f"# Fixity audit of `{root}`", "",
             f"{len(results)} bag(s): {ok} intact, {len(results) - ok} with problems. "
             f"Events appended to `{audit_log}`.", "",
             "| bag | outcome | problems | detail |", "|---|---|---|---|"]
    for r in results:
        detail = r["detail"].replace("|", "\\|")[:300]
        lines.append(f"| `{r['bag']}` | {r['outcome']} | {r['problems']} | {detail} |")
    return "\n".join(lines) + "\n"


@flow(name="audit-fixity", log_prints=False)
def audit_fixity(root: str, audit_log: str, fast: bool = False, processes: int = 2) -> dict[str, Any]:
    """Re-validate every bag under ``root``; returns counts and per-bag outcomes."""
    logger = get_run_logger()
    bags = find_bags(Path(root))
    logger.info("auditing %d bag(s) under %s", len(bags), root)
    # One bag at a time: each validation already uses ``processes`` threads for hashing.
    results = [check_bag(str(bag), audit_log, fast, processes) for bag in bags]
    create_markdown_artifact(markdown=_markdown(root, results, audit_log), key="audit-fixity-report",
                             description=f"fixity audit of {root}")
    failed = [r["bag"] for r in results if r["outcome"] != "success"]
    if failed:
        logger.warning("%d bag(s) failed the fixity check: %s", len(failed), ", ".join(failed))
    return {"bags": len(results), "intact": len(results) - len(failed), "failed": failed,
            "results": results, "audit_log": audit_log}
