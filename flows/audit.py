"""The `audit-fixity` flow: re-validate every bag under one or more folders, append a PREMIS
``fixity check`` event per bag to an audit log (JSON Lines), and make a problem impossible to miss.

Orchestration only: walking, hashing, pacing, resuming and logging are
`archive.validate.auditrun.run_audit`; alerts are `archive.alerts`. When a bag fails, the run
ends in a **Failed** state (so Prefect's own automations and notifications can act on it), with
a markdown artifact listing each failed bag and its problems, and the configured webhook or
e-mail is sent. An interrupted run resumes where it stopped on the next run with the same roots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import State, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.states import Completed, Failed

from archive.alerts import AlertSettings, send_alerts
from archive.validate.auditrun import AuditBudget, run_audit


@task(name="audit-bags", cache_policy=NONE)
def audit_bags(roots: list[str], audit_log: str, fast: bool, processes: int,
               bytes_per_second: float | None) -> dict[str, Any]:
    """One task for the whole walk: the library runs the bags in ``processes`` processes, logs
    each bag's event as soon as it is checked, and resumes an interrupted audit."""
    logger = get_run_logger()

    def progress(p: Any) -> None:
        if p.bags_done and p.bags_done % 100 == 0:
            logger.info("%d/%d bags, %.0f MB/s", p.bags_done, p.bags_total, p.rate / 1e6)

    summary = run_audit([Path(r) for r in roots], Path(audit_log),
                        budget=AuditBudget(processes, bytes_per_second), fast=fast, progress=progress)
    return summary.to_json()


@task(name="send-audit-alerts", cache_policy=NONE)
def alert(settings: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    fields = dict(settings)
    fields["email_to"] = tuple(fields.get("email_to") or ())
    return send_alerts(AlertSettings(**fields), summary)


def _markdown(summary: dict[str, Any]) -> str:
    lines = [f"# Fixity audit of {', '.join(f'`{r}`' for r in summary['roots'])}", "",
             f"{summary['checked']} bag(s) checked: {summary['valid']} intact, {summary['invalid']} with problems, "
             f"{summary['skipped']} skipped (finished before a restart); {summary['bytes']:,} bytes in "
             f"{summary['seconds']:.1f} s. Events appended to `{summary['log']}`.", ""]
    if summary["problems"]:
        lines += ["| bag | problems | first problems |", "|---|---|---|"]
        for bag in summary["problems"]:
            shown = "<br>".join(p.replace("|", "\\|")[:200] for p in bag["problems"][:5])
            lines.append(f"| `{bag['bag']}` | {bag['problem_count']} | {shown} |")
    return "\n".join(lines) + "\n"


@flow(name="audit-fixity", log_prints=False)
def audit_fixity(root: str | list[str], audit_log: str, fast: bool = False, processes: int = 1,
                 bytes_per_second: float | None = None, alerts: dict[str, Any] | None = None) -> State[Any]:
    """Re-validate every bag under ``root`` (one folder or several); Failed when any bag fails.

    The result (both states) is the audit summary: counts, and each failed bag with its problems.

    Args:
        root: folder (or folders) searched for bags.
        audit_log: JSON Lines file the PREMIS fixity events are appended to.
        fast: completeness and Payload-Oxum only, no hashing.
        processes: bags hashed in parallel.
        bytes_per_second: hashing budget (a cap on the read rate); default no cap.
        alerts: the config's `audit.alerts` mapping (webhook, email_to, smtp_host...); default none.
    """
    logger = get_run_logger()
    roots = [root] if isinstance(root, str) else list(root)
    summary = audit_bags(roots, audit_log, fast, processes, bytes_per_second)
    create_markdown_artifact(markdown=_markdown(summary), key="audit-fixity-report",
                             description=f"fixity audit of {', '.join(roots)}")
    failed = [p["bag"] for p in summary["problems"]]
    summary["failed"] = failed
    summary["bags"] = summary["checked"]  # the name this flow's result used before the summary grew
    if not failed:
        return Completed(message=f"{summary['checked']} bag(s) intact", data=summary)
    summary["alert_failures"] = alert(alerts, summary) if alerts else []
    for failure in summary["alert_failures"]:
        logger.error("alert not sent: %s", failure)
    message = f"{len(failed)} of {summary['checked']} bag(s) failed the fixity check: {', '.join(failed[:10])}"
    logger.error(message)
    return Failed(message=message, data=summary)
