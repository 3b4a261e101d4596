"""The project's deployments, defined once.

``prefect.yaml`` (read by `prefect deploy --all` for work pools and workers) must list exactly
these; tests/flows/test_deployments.py checks it does. `archive schedule` (flows/schedule.py)
serves the same flows with the same tags, one deployment per scheduled source and audit.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

WORK_POOL = "news-archive"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # path/to/file.py:flow_function, relative to the repository
    description: str
    tags: tuple[str, ...]

    def flow(self) -> Any:
        """The flow object the entrypoint names (imported as a module, not by file path)."""
        path, _, name = self.entrypoint.partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        return getattr(module, name)


CAPTURE = DeploymentSpec(
    "capture", "flows/capture.py:capture_articles",
    "Capture news articles with their requisites into WARCs, extract schema.org NewsArticle records, "
    "package and validate a BagIt bag.",
    ("news-archive", "capture"))
AUDIT = DeploymentSpec(
    "audit", "flows/audit.py:audit_fixity",
    "Re-validate every bag under a folder and append a PREMIS fixity event per bag to an audit log.",
    ("news-archive", "fixity"))
SOURCE = DeploymentSpec(
    "source", "flows/schedule.py:capture_source",
    "Capture what one source of a YAML configuration lists now (URL list, feed or sitemap), incrementally. "
    "`archive schedule --config FILE` serves these with their schedules.",
    ("news-archive", "capture"))

DEPLOYMENTS: tuple[DeploymentSpec, ...] = (CAPTURE, AUDIT, SOURCE)
