from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.capture.settings import CaptureSettings
from archive.config import SCHEMA_PATH, load_config
from archive.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_default_yaml_lists_every_setting_with_its_real_default() -> None:
    config = load_config(REPO / "config" / "default.yaml", env={})
    assert config.capture == CaptureSettings()
    import yaml

    assert set(yaml.safe_load((REPO / "config" / "default.yaml").read_text())["capture"]) == set(CaptureSettings().as_dict())


def test_schema_describes_every_capture_setting() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert set(schema["properties"]["capture"]["properties"]) == {f.name for f in dataclasses.fields(CaptureSettings)}


def test_example_config_is_valid_and_typed() -> None:
    config = load_config(REPO / "config" / "example.yaml", env={})
    kinds = {s.name: s.kind for s in config.sources}
    assert set(kinds.values()) == {"urls", "feed", "sitemap"}
    assert all(s.schedule is not None for s in config.sources)
    assert config.audit is not None and config.audit.schedule is not None
    runs = config.sources[0].schedule.next_runs(datetime(2026, 1, 1, tzinfo=UTC))
    assert len(runs) == 3 and runs[0] < runs[1] < runs[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("capture:\n  retries: three\n", [":2: capture.retries: 'three' is not of type 'integer'"]),
        ("capture:\n  respect_robots: 1\n", [":2: capture.respect_robots: 1 is not of type 'boolean'"]),
        ("captur:\n  retries: 1\n", [":1: captur: unknown key"]),
        ("sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule: {cron: every day}\n",
         [":4: sources[0].schedule.cron: 'every day' is not a cron expression"]),
        ("sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule:\n      cron: '0 6 * * *'\n      timezone: Mars/Olympus\n",
         [":6: sources[0].schedule.timezone: unknown time zone 'Mars/Olympus'"]),
        ("sources:\n  - name: no-urls\n", [":2: sources[0]: {'name': 'no-urls'} is not valid under any of the given schemas"]),
        ("sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    colour: blue\n",
         [":4: sources[0].colour: unknown key"]),
        ("- just\n- a list\n", ["top level must be a mapping"]),
        ("capture: [1, 2\n", [":2:"]),
    ],
)
def test_config_errors_name_file_line_and_field(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    for part in expected:
        assert part in str(info.value)
    assert str(path) in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "capture:\n  retries: x\n  gzip_level: 99\n  bogus: 1\nbag:\n  contact_name: 5\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    text = str(info.value)
    assert "4 problem(s)" in text
    for part in (":2: capture.retries", ":3: capture.gzip_level: 99 is greater than the maximum of 9",
                 ":4: capture.bogus: unknown key", ":6: bag.contact_name"):
        assert part in text


def test_environment_overrides_file_settings(tmp_path: Path) -> None:
    path = write(tmp_path, "output: from-file\ncapture:\n  per_host_delay: 2.0\nbag:\n  source_organization: File Org\n")
    env = {"ARCHIVE_OUTPUT": str(tmp_path / "from-env"), "ARCHIVE_CAPTURE_PER_HOST_DELAY": "0.5",
           "ARCHIVE_CAPTURE_RESPECT_ROBOTS": "false", "ARCHIVE_BAG_SOURCE_ORGANIZATION": "Env Org", "HOME": "/x"}
    config = load_config(path, env=env)
    assert config.output == tmp_path / "from-env"
    assert config.capture.per_host_delay == 0.5 and config.capture.respect_robots is False
    assert config.bag["source_organization"] == "Env Org"
    with pytest.raises(ConfigError, match="environment overrides in effect: ARCHIVE_CAPTURE_RETRIES"):
        load_config(path, env={"ARCHIVE_CAPTURE_RETRIES": "many"})


def test_duplicate_source_names_and_unknown_source(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - {name: a, urls: ['http://127.0.0.1/']}\n  - {name: a, feed: 'http://127.0.0.1/f'}\n")
    with pytest.raises(ConfigError, match=r":3: sources\[1\].name: 'a' is used twice"):
        load_config(path, env={})
    ok = write(tmp_path, "sources:\n  - {name: a, urls: ['http://127.0.0.1/']}\n")
    with pytest.raises(ConfigError, match="no source named 'b'"):
        load_config(ok, env={}).source("b")


def test_interval_schedules(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule: {interval: 30}\n")
    [source] = load_config(path, env={}).sources
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert [(r - start).total_seconds() for r in source.schedule.next_runs(start)] == [30, 60, 90]
    both = write(tmp_path, "sources:\n  - name: a\n    urls: [http://127.0.0.1/]\n    schedule: {interval: 30, cron: '* * * * *'}\n")
    with pytest.raises(ConfigError, match=":4: sources\\[0\\].schedule: .* is valid under each of"):
        load_config(both, env={})
