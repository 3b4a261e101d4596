"""The audit-fixity flow under Prefect's test harness: one event per bag, right outcomes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archive.errors import BagError
from archive.package import build_bag
from archive.validate import validate_bag
from archive.validate.audit import append_event, find_bags, fixity_event


@pytest.fixture
def two_bags(tmp_path: Path, inputs: dict[str, list[Path]], info) -> Path:  # noqa: ANN001
    root = tmp_path / "store"
    for name in ("good", "tampered"):
        build_bag(root / name, warcs=inputs["warcs"], metadata=inputs["metadata"], info=info)
    target = root / "tampered" / "data" / "warcs" / inputs["warcs"][0].name
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    return root


def test_find_bags_skips_partials_and_nested(two_bags: Path) -> None:
    (two_bags / "x.partial-1234" / "data").mkdir(parents=True)
    nested = two_bags / "good" / "data" / "inner"
    nested.mkdir()
    assert [p.name for p in find_bags(two_bags)] == ["good", "tampered"]


def test_find_bags_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="no such folder"):
        find_bags(tmp_path / "absent")


def test_audit_log_lines_are_whole_events(tmp_path: Path, two_bags: Path) -> None:
    log = tmp_path / "audit.jsonl"
    for bag in find_bags(two_bags):
        append_event(log, fixity_event(bag, validate_bag(bag)))
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["eventOutcomeInformation"]["eventOutcome"] for e in events] == ["success", "failure"]
    assert "data/warcs/capture-0.warc.gz" in events[1]["eventDetailInformation"]["eventDetail"]


@pytest.mark.prefect
def test_audit_fixity_flow(prefect_harness: None, tmp_path: Path, two_bags: Path) -> None:
    from flows.audit import audit_fixity

    log = tmp_path / "logs" / "audit.jsonl"
    log.parent.mkdir()
    log.write_text('{"earlier": "line kept"}\n')
    # A failed bag fails the run (issue 16: Prefect automations act on the state); the state's
    # data is the summary the flow used to return.
    state = audit_fixity(root=str(two_bags), audit_log=str(log), return_state=True)
    assert state.is_failed() and "1 of 2 bag(s) failed" in state.message
    result = state.result(raise_on_failure=False)
    assert result["bags"] == 2 and result["failed"] == [str(two_bags / "tampered")]
    lines = log.read_text().splitlines()
    assert lines[0] == '{"earlier": "line kept"}'  # appended, never rewritten
    events = [json.loads(line) for line in lines[1:]]
    assert len(events) == 2
    by_bag = {e["linkingObjectIdentifier"][0]["linkingObjectIdentifierValue"]: e for e in events}
    good, bad = by_bag[str(two_bags / "good")], by_bag[str(two_bags / "tampered")]
    for event in (good, bad):
        assert event["eventType"]["label"] == "fixity check"
        assert event["eventType"]["uri"].endswith("/fix")
        assert event["eventDateTime"] and event["linkingAgentIdentifier"]["linkingAgentIdentifierValue"]
    assert good["eventOutcomeInformation"]["eventOutcome"] == "success"
    assert bad["eventOutcomeInformation"]["eventOutcome"] == "failure"
    assert "checksum-mismatch" in bad["eventDetailInformation"]["eventDetail"]


@pytest.mark.prefect
def test_audit_flow_gives_hostile_bags_a_verdict_and_checks_the_next(prefect_harness: None, tmp_path: Path,
                                                                     inputs: dict[str, list[Path]], info) -> None:  # noqa: ANN001
    """Issue 10 item 3: a two-line edit to a bag used to crash the audit before the bags after it."""
    from flows.audit import audit_fixity

    root = tmp_path / "store"
    for name in ("a-rot13", "b-oxum", "c-good"):
        build_bag(root / name, warcs=inputs["warcs"], metadata=inputs["metadata"], info=info)
    decl = root / "a-rot13" / "bagit.txt"
    decl.write_text(decl.read_text().replace("UTF-8", "rot13"))
    bag_info = root / "b-oxum" / "bag-info.txt"
    lines = [f"Payload-Oxum: {'9' * 5000}.5" if line.startswith("Payload-Oxum") else line
             for line in bag_info.read_text().splitlines()]
    bag_info.write_text("\n".join(lines) + "\n")
    log = tmp_path / "audit.jsonl"
    state = audit_fixity(root=str(root), audit_log=str(log), return_state=True)
    result = state.result(raise_on_failure=False)
    assert state.is_failed() and result["bags"] == 3 and result["failed"] == [str(root / "a-rot13"), str(root / "b-oxum")]
    events = [json.loads(line) for line in log.read_text().splitlines()]
    details = [e["eventDetailInformation"]["eventDetail"] for e in events]
    assert "not a text encoding" in details[0] and "Payload-Oxum says" in details[1]
    assert events[2]["eventOutcomeInformation"]["eventOutcome"] == "success"


@pytest.mark.prefect
def test_audit_flow_failure_is_an_artifact_a_failed_state_and_a_webhook(prefect_harness: None, tmp_path: Path,
                                                                         two_bags: Path) -> None:
    """Issue 16 item 3: what Prefect automations and an operator's chat see when a bag fails."""
    import asyncio
    import threading
    from http.server import ThreadingHTTPServer

    from prefect import get_client

    from flows.audit import audit_fixity
    from tests.package.test_audit_cli import _Hook

    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        state = audit_fixity(root=[str(two_bags / "good"), str(two_bags / "tampered")],
                             audit_log=str(tmp_path / "audit.jsonl"), processes=2,
                             alerts={"webhook": f"http://127.0.0.1:{server.server_address[1]}/hook"},
                             return_state=True)
    finally:
        server.shutdown()
        server.server_close()
    assert state.is_failed() and str(two_bags / "tampered") in state.message
    summary = state.result(raise_on_failure=False)
    assert summary["checked"] == 2 and summary["alert_failures"] == []
    assert len(_Hook.received) == 1 and str(two_bags / "tampered") in _Hook.received[0]["text"]

    async def artifact() -> Any:
        async with get_client() as client:
            found = await client.read_latest_artifacts()
            return next(a.data for a in found if a.key == "audit-fixity-report")

    report = asyncio.run(artifact())
    assert f"`{two_bags / 'tampered'}`" in report and "checksum-mismatch" in report
