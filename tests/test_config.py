from __future__ import annotations

from pathlib import Path

import pytest

from archive.capture.settings import CaptureSettings
from archive.config import capture_settings, load_config
from archive.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_default_yaml_lists_every_setting_with_its_real_default() -> None:
    config = load_config(REPO / "config" / "default.yaml")
    assert set(config["capture"]) == set(CaptureSettings().as_dict())
    assert capture_settings(config) == CaptureSettings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("capture:\n  retries: three\n", "'retries' should be int"),
        ("capture:\n  respect_robots: 1\n", "'respect_robots' should be bool"),
        ("capture:\n  per_host_concurrency: 0\n", "per_host_concurrency must be at least 1"),
        ("captur:\n  retries: 1\n", "unknown section(s) captur"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("capture: [1, 2\n", ":2:"),
    ],
)
def test_config_errors_name_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        capture_settings(load_config(path), source=str(path))
    assert message in str(info.value)
    assert str(path) in str(info.value)
