"""Deployments are defined once (flows/deployments.py): prefect.yaml and `archive schedule`
agree with that definition."""

from __future__ import annotations

from pathlib import Path

import yaml

from archive.config import load_config
from flows.audit import audit_fixity
from flows.deployments import AUDIT, DEPLOYMENTS, SOURCE, WORK_POOL
from flows.schedule import capture_source, deployments

REPO = Path(__file__).resolve().parents[2]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_prefect_yaml_lists_exactly_the_defined_deployments() -> None:
    doc = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    got = [(d["name"], d["entrypoint"], _one_line(d["description"]), tuple(d["tags"]), d["work_pool"]["name"])
           for d in doc["deployments"]]
    want = [(s.name, s.entrypoint, _one_line(s.description), s.tags, WORK_POOL) for s in DEPLOYMENTS]
    assert got == want, "prefect.yaml and flows/deployments.py disagree: edit flows/deployments.py, then prefect.yaml"


def test_every_entrypoint_names_a_flow_in_the_repository() -> None:
    for spec in DEPLOYMENTS:
        flow = spec.flow()
        assert (REPO / spec.entrypoint.partition(":")[0]).is_file()
        assert flow.fn.__name__ == spec.entrypoint.partition(":")[2], spec


def test_schedule_serves_the_same_flows_with_the_same_tags(tmp_path: Path) -> None:
    assert SOURCE.flow() is capture_source and AUDIT.flow() is audit_fixity
    config_path = tmp_path / "archive.yaml"
    config_path.write_text(
        f"output: {tmp_path / 'out'}\n"
        "sources:\n  - {name: feed, urls: ['http://127.0.0.1:9/a'], schedule: {interval: 60}}\n"
        f"audit:\n  log: {tmp_path / 'audit.jsonl'}\n  schedule: {{interval: 3600}}\n")
    feed, audit = deployments(load_config(config_path, env={}))
    assert feed.flow_name == capture_source.name and tuple(feed.tags) == SOURCE.tags
    assert audit.flow_name == audit_fixity.name and tuple(audit.tags) == AUDIT.tags
