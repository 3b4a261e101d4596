"""The YAML configuration: loaded, overridden from the environment, checked against
`schemas/config.schema.json`, and turned into typed settings.

Every problem is reported at once, each with the file, the line and the field, e.g.
``config/site.yaml:12: sources[1].schedule.cron: 'every day' is not a cron expression``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import yaml
from cronsim import CronSim, CronSimError

from archive.alerts import AlertSettings
from archive.capture.settings import CaptureSettings
from archive.errors import ConfigError
from archive.resources import schema_path

SCHEMA_PATH = schema_path("config.schema.json")
ENV_PREFIX = "ARCHIVE_"


@dataclass(frozen=True)
class Schedule:
    """A cron expression in a time zone, or a fixed interval in seconds."""

    cron: str | None = None
    timezone: str = "UTC"
    interval: float | None = None

    def next_runs(self, after: datetime, count: int = 3) -> list[datetime]:
        """The next ``count`` run times after ``after``, in the schedule's time zone."""
        local = after.astimezone(ZoneInfo(self.timezone))
        if self.interval is not None:
            return [local + timedelta(seconds=self.interval * n) for n in range(1, count + 1)]
        assert self.cron is not None
        it = CronSim(self.cron, local)
        return [next(it) for _ in range(count)]

    def describe(self) -> str:
        what = f"every {self.interval:g} s" if self.interval is not None else str(self.cron)
        return f"{what} ({self.timezone})"


@dataclass(frozen=True)
class Source:
    name: str
    urls: tuple[str, ...] = ()
    feed: str | None = None
    sitemap: str | None = None
    max_articles: int | None = None
    schedule: Schedule | None = None
    versions: Mapping[str, Any] = field(default_factory=dict)  # see archive.versions.VersionPolicy
    capture_mode: str | None = None  # None: the capture section's

    @property
    def kind(self) -> str:
        return "feed" if self.feed else "sitemap" if self.sitemap else "urls"


@dataclass(frozen=True)
class Audit:
    log: Path
    fast: bool = False
    schedule: Schedule | None = None
    roots: tuple[Path, ...] = ()  # empty: the config's output folder
    processes: int = 1
    bytes_per_second: float | None = None
    alerts: AlertSettings = AlertSettings()


@dataclass(frozen=True)
class Config:
    path: Path | None
    output: Path
    capture: CaptureSettings
    bag: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    audit: Audit | None = None

    def capture_for(self, source: Source) -> CaptureSettings:
        """The capture settings of ``source``: the capture section with the source's own mode."""
        if source.capture_mode is None:
            return self.capture
        return self.capture.replace(capture_mode=source.capture_mode)

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.path}: no source named {name!r} (sources: {known})")


# --- reading ----------------------------------------------------------------------------------


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Line (1-based) of every value in a composed YAML document, keyed by its path."""
    found = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = path + (key.value,)
            found[child] = key.start_mark.line + 1
            found.update({k: v for k, v in _lines(value, child).items() if k != child})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(_lines(item, path + (index,)))
    return found


# A real config has a few hundred values; aliases may share a block, but the expanded document
# (what the schema check and the line mapper walk) is refused past this many nodes, found by
# counting each distinct node once, so a "billion laughs" file fails in milliseconds.
MAX_EXPANDED_NODES = 100_000


def _expanded_size(root: yaml.Node, where: str) -> int:
    """Nodes in the document with every alias expanded, counted in time linear in its text."""
    sizes: dict[int, int] = {}
    pending: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in pending:
            raise ConfigError(f"{where}:{node.start_mark.line + 1}: a YAML alias refers to itself (a recursive "
                              "structure); a config is a tree of plain values")
        pending.add(key)
        children = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise ConfigError(f"{where}: YAML aliases expand this config past {MAX_EXPANDED_NODES:,} values "
                                  "(an alias bomb?); refused before expanding it",
                                  hint="write the values out, or use aliases for small shared blocks only")
        pending.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _read(path: Path) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    # One parse: the node graph is composed (aliases shared, not copied), its expanded size is
    # checked, and only then are Python values constructed and the lines mapped.
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        _expanded_size(node, str(path))
        data = loader.construct_document(node)
        lines = _lines(node) if isinstance(data, Mapping) else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested too deeply to be a config") from None
    finally:
        loader.dispose()
    if data is None:
        return {}, {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, not {type(data).__name__}")
    return dict(data), lines


def _env_overrides(data: dict[str, Any], env: Mapping[str, str]) -> list[str]:
    """Apply ARCHIVE_OUTPUT, ARCHIVE_CAPTURE_<SETTING>, ARCHIVE_BAG_<FIELD>; return what was set.

    The name is checked first (an unknown setting is a ConfigError naming the variable; other
    ARCHIVE_* names, such as ARCHIVE_PYWB, belong to other parts and are left alone). Capture
    values are read as one YAML scalar, so ARCHIVE_CAPTURE_PER_HOST_DELAY=1.5 is a number and
    ARCHIVE_CAPTURE_RESPECT_ROBOTS=false a boolean; bag fields and the output are plain text."""
    applied = []
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX):].lower()
        if key == "output":
            data["output"] = raw
        elif key.startswith(("capture_", "bag_")):
            section, _, setting = key.partition("_")
            known = _schema()["properties"][section]["properties"]
            if setting not in known:
                shown = name if name.isascii() and name.isidentifier() else repr(name)
                raise ConfigError(f"environment variable {shown}: unknown {section} setting {setting!r}",
                                  hint=f"known: {', '.join(f'{ENV_PREFIX}{section.upper()}_{k.upper()}' for k in known)}")
            target = data.setdefault(section, {})
            if target is None:
                target = data[section] = {}
            if not isinstance(target, dict):
                continue  # the file's own section is malformed; the schema check reports it
            target[setting] = raw if section == "bag" else _env_scalar(name, raw)
        else:
            continue
        applied.append(name)
    return applied


def _env_scalar(name: str, raw: str) -> Any:
    """One YAML scalar (number, boolean, null, text); anything else is a ConfigError naming both."""
    if not raw.strip():
        return None
    shown = raw if len(raw) <= 80 else raw[:77] + "..."
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"environment variable {name}={shown!r}: not a valid YAML value ({problem})",
                          hint="quote text values, e.g. 'a: b'") from None
    except RecursionError:
        value = []  # nested past Python's limit: certainly not a scalar
    if isinstance(value, (list, dict, set)):
        raise ConfigError(f"environment variable {name}={shown!r}: must be a single value, not a "
                          f"{'list' if isinstance(value, list) else 'mapping'}", hint="quote text values, e.g. 'a: b'")
    return value


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _pointer(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _problems(data: dict[str, Any], lines: dict[tuple[Any, ...], int], where: str) -> list[str]:
    problems = []
    validator = jsonschema.Draft202012Validator(_schema())
    found: list[tuple[tuple[Any, ...], str]] = []
    for error in validator.iter_errors(data):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            # One problem per unknown key, at the key's own line (a typo is found where it is).
            allowed = set(error.schema.get("properties", {}))
            found += [(path + (key,), "unknown key") for key in error.instance if key not in allowed]
        else:
            # jsonschema quotes the whole offending value: a large one would bury the others.
            message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
            found.append((path, message))
    for path, message in sorted(found, key=lambda item: [str(p) for p in item[0]]):
        line = next((lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in lines), None)
        problems.append(f"{where}:{line}: {_pointer(path)}: {message}" if line else f"{where}: {_pointer(path)}: {message}")
    names: set[object] = set()
    for index, source in enumerate(data.get("sources") or []):
        if not isinstance(source, Mapping):
            continue
        name = source.get("name")
        if name in names:
            problems.append(f"{where}:{lines.get(('sources', index, 'name'), '?')}: sources[{index}].name: "
                            f"{name!r} is used twice")
        names.add(name)
    for path, schedule in _schedules(data):
        problems += _check_schedule(schedule, path, lines, where)
    return problems


def _schedules(data: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    found: list[tuple[tuple[Any, ...], Mapping[str, Any]]] = []
    for index, source in enumerate(data.get("sources") or []):
        if isinstance(source, Mapping) and isinstance(source.get("schedule"), Mapping):
            found.append((("sources", index, "schedule"), source["schedule"]))
    audit = data.get("audit")
    if isinstance(audit, Mapping) and isinstance(audit.get("schedule"), Mapping):
        found.append((("audit", "schedule"), audit["schedule"]))
    return found


def _check_schedule(schedule: Mapping[str, Any], path: tuple[Any, ...], lines: dict[tuple[Any, ...], int],
                    where: str) -> list[str]:
    problems = []
    cron, tz = schedule.get("cron"), schedule.get("timezone", "UTC")
    if isinstance(cron, str):
        try:
            CronSim(cron, datetime.now())
        except (CronSimError, ValueError) as exc:
            line = lines.get(path + ("cron",), "?")
            problems.append(f"{where}:{line}: {_pointer(path + ('cron',))}: {cron!r} is not a cron expression ({exc})")
    if isinstance(tz, str):
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            line = lines.get(path + ("timezone",), "?")
            problems.append(f"{where}:{line}: {_pointer(path + ('timezone',))}: unknown time zone {tz!r}")
    return problems


def load_config(path: Path | None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read, override from ``env`` (default: the process environment), check and type a config.

    ``path=None`` gives the defaults plus environment overrides."""
    env = os.environ if env is None else env
    data, lines = _read(path) if path is not None else ({}, {})
    where = str(path) if path is not None else "defaults"
    applied = _env_overrides(data, env)
    problems = _problems(data, lines, where)
    if problems:
        hint = "see config/default.yaml and schemas/config.schema.json"
        if applied:
            hint += f"; environment overrides in effect: {', '.join(applied)}"
        raise ConfigError(f"{len(problems)} problem(s) in the configuration:", hint=hint, details=problems)
    return _typed(data, path, where)


def _schedule(value: Mapping[str, Any] | None) -> Schedule | None:
    if not value:
        return None
    interval = value.get("interval")
    return Schedule(value.get("cron"), value.get("timezone", "UTC"), float(interval) if interval is not None else None)


def _typed(data: Mapping[str, Any], path: Path | None, where: str) -> Config:
    # Relative paths are relative to the current folder, as --out is on the command line.
    output = Path(os.path.expanduser(str(data.get("output") or "captures")))
    output = output if output.is_absolute() else (Path.cwd() / output)
    sources = tuple(
        Source(
            name=s["name"], urls=tuple(s.get("urls") or ()), feed=s.get("feed"), sitemap=s.get("sitemap"),
            max_articles=s.get("max_articles"), schedule=_schedule(s.get("schedule")),
            versions=dict(s.get("versions") or {}),
            capture_mode=s.get("capture_mode"),
        )
        for s in data.get("sources") or ()
    )
    audit_data = data.get("audit")
    audit = None
    if audit_data is not None:
        log = Path(audit_data.get("log") or output / "audit-log.jsonl")
        roots = tuple(Path(os.path.expanduser(r)) for r in audit_data.get("roots") or ())
        alerts = audit_data.get("alerts") or {}
        audit = Audit(log=log if log.is_absolute() else Path.cwd() / log, fast=bool(audit_data.get("fast", False)),
                      schedule=_schedule(audit_data.get("schedule")),
                      roots=tuple(r if r.is_absolute() else Path.cwd() / r for r in roots) or (output,),
                      processes=int(audit_data.get("processes", 1)),
                      bytes_per_second=audit_data.get("bytes_per_second"),
                      alerts=AlertSettings(
                          webhook=alerts.get("webhook"), email_to=tuple(alerts.get("email_to") or ()),
                          **{k: alerts[k] for k in ("email_from", "smtp_host", "smtp_port", "timeout") if k in alerts}))
    return Config(
        path=path, output=output,
        capture=CaptureSettings.from_mapping(data.get("capture") or {}, source=f"{where}: capture"),
        bag={k: str(v) for k, v in (data.get("bag") or {}).items()},
        sources=sources, audit=audit,
    )
