"""Loading the YAML configuration. Errors name the file, line and key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from archive.capture.settings import CaptureSettings
from archive.errors import ConfigError

TOP_LEVEL_KEYS = frozenset({"capture", "output", "bag", "sources", "audit"})


def load_config(path: Path) -> dict[str, Any]:
    """Parse a YAML config file into a mapping; raise ConfigError with the location on errors."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, not {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown section(s) {', '.join(unknown)}",
            hint=f"known sections: {', '.join(sorted(TOP_LEVEL_KEYS))}",
        )
    return dict(data)


def capture_settings(config: Mapping[str, Any], *, source: str = "config") -> CaptureSettings:
    section = config.get("capture") or {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"{source}: 'capture' must be a mapping of settings")
    return CaptureSettings.from_mapping(section, source=f"{source}: capture")
