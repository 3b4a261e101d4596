"""Capture settings: one frozen value object, built from defaults, YAML or keyword overrides."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archive import SOFTWARE
from archive.errors import ConfigError

DEFAULT_USER_AGENT = f"{SOFTWARE} (preservation capture of news articles; honours robots.txt)"


@dataclass(frozen=True)
class CaptureSettings:
    """Everything that shapes one capture run. Defaults are polite; benchmarks may raise limits."""

    user_agent: str = DEFAULT_USER_AGENT
    # Only gzip and deflate: every replay engine can decode them, not all decode brotli.
    accept_encoding: str = "gzip, deflate"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # Wall-clock budget for one response body; an endless stream is cut and marked truncated.
    body_timeout: float = 300.0
    max_body_bytes: int = 2 * 1024**3
    max_redirects: int = 10
    respect_robots: bool = True
    per_host_concurrency: int = 4
    per_host_delay: float = 0.1
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    # A server's Retry-After is honoured up to this many seconds; longer waits become failures.
    retry_after_max: float = 120.0
    # How many articles one run captures at once (each fetches its requisites concurrently).
    article_concurrency: int = 16
    follow_css: bool = True
    # Orchestrator-level retries of a whole article whose page failed transiently.
    task_retries: int = 2
    task_retry_delay: float = 5.0
    warc_prefix: str = "news"
    warc_max_bytes: int = 1024**3
    # {prefix} {timestamp} {serial} {host} {pid}; must end in .warc.gz
    warc_name_template: str = "{prefix}-{timestamp}-{serial:05d}-{host}.warc.gz"
    gzip_level: int = 6
    digest_algorithm: str = "sha256"
    operator: str | None = None
    spool_memory_bytes: int = 1024 * 1024
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None, *, source: str = "settings") -> CaptureSettings:
        """Build settings from a mapping (e.g. the ``capture:`` section of a YAML file).

        Unknown keys and wrongly typed values raise ConfigError naming the key, so a typo in a
        config file is an error rather than a silently ignored setting.
        """
        if not values:
            return cls()
        known = {f.name: f for f in dataclasses.fields(cls)}
        problems: list[str] = []
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = str(key).replace("-", "_")
            if name not in known:
                problems.append(f"unknown setting {key!r}")
                continue
            default = getattr(cls(), name)
            try:
                kwargs[name] = _coerce(default, value)
            except (TypeError, ValueError):
                problems.append(f"{key!r} should be {type(default).__name__}, got {value!r}")
        if problems:
            raise ConfigError(
                f"{source}: " + "; ".join(problems),
                hint="see config/default.yaml for every setting and its type",
            )
        settings = cls(**kwargs)
        try:
            settings.check()
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc.message}", hint=exc.hint) from None
        return settings

    def replace(self, **changes: Any) -> CaptureSettings:
        updated = dataclasses.replace(self, **changes)
        updated.check()
        return updated

    def check(self) -> None:
        problems = []
        if self.per_host_concurrency < 1:
            problems.append("per_host_concurrency must be at least 1")
        if self.article_concurrency < 1:
            problems.append("article_concurrency must be at least 1")
        if self.max_redirects < 0 or self.retries < 0:
            problems.append("max_redirects and retries cannot be negative")
        if self.max_body_bytes < 1 or self.warc_max_bytes < 1:
            problems.append("max_body_bytes and warc_max_bytes must be positive")
        if not self.warc_name_template.endswith(".warc.gz"):
            problems.append("warc_name_template must end in .warc.gz")
        if not 0 <= self.gzip_level <= 9:
            problems.append("gzip_level must be 0..9")
        if self.digest_algorithm not in {"sha1", "sha256", "sha512"}:
            problems.append("digest_algorithm must be sha1, sha256 or sha512")
        if problems:
            raise ConfigError("invalid capture settings: " + "; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["extra_headers"] = dict(self.extra_headers)
        return data


def _coerce(default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TypeError
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError
        return float(value)
    if isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            raise TypeError
        return {str(k): str(v) for k, v in value.items()}
    if default is None or isinstance(default, str):
        if value is not None and not isinstance(value, str):
            raise TypeError
        return value
    return value
