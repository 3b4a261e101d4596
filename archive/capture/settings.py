"""Capture settings: one frozen value object, built from defaults, YAML or keyword overrides."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archive import SOFTWARE
from archive.errors import ConfigError

DEFAULT_USER_AGENT = f"{SOFTWARE} (preservation capture of news articles; honours robots.txt)"

# Seconds settings (timeouts, delays, back-off) above a week are typos, and asyncio's timers
# overflow on values near float's limit; counts and sizes above 2**62 overflow C integers.
MAX_SECONDS = 7 * 24 * 3600.0
MAX_INTEGER = 2**62
# A WARC file name is one path component (255 bytes on Linux, with room for ".open").
MAX_NAME_BYTES = 255 - len(".open")
# Sample values for checking warc_name_template at config time, each as long as it can be in a
# real run (a host name of HOST_NAME_MAX, 64 bytes), so a name that fits here fits when written.
_SAMPLE_NAME_FIELDS: dict[str, Any] = {"timestamp": "20260101000000000", "serial": 99999, "host": "h" * 64, "pid": 4194304}
CAPTURE_MODES = ("static", "browser", "auto")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


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
    # Politeness (archive/capture/politeness.py): the most requests in flight per host, fewer
    # for a slow host (at most slow_response / its response time) and halved when its answers
    # slow down to backoff_ratio x its usual time; each connection waits delay_factor x the
    # last response time (from min_delay to max_delay) before its next request.
    per_host_concurrency: int = 16
    # A fixed minimum gap between request starts per host (0: the adaptive policy alone).
    per_host_delay: float = 0.0
    delay_factor: float = 0.5
    min_delay: float = 0.0
    max_delay: float = 30.0
    slow_response: float = 1.0
    backoff_ratio: float = 3.0
    # robots.txt Crawl-delay / Request-rate honoured up to this many seconds between requests.
    crawl_delay_max: float = 30.0
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
    # Capture target policy (archive/capture/targets.py): link-local and cloud metadata addresses
    # are never contacted; private and loopback ones only for an article whose seed is on such an
    # address, or for every article when allowed here.
    allow_private_targets: bool = False
    allow_loopback_targets: bool = False
    # Per-article bounds on requisites (archive/capture/budget.py): nesting depth (1 = what the
    # page itself names), requests (every hop, the page's own included) and body bytes. What is
    # cut is recorded as the article's failure.
    max_requisite_depth: int = 5
    max_article_requests: int = 1000
    max_article_bytes: int = 4 * 1024**3
    # How pages are captured (archive/capture/browser/): "static" reads the served HTML,
    # "browser" loads every page in headless Chromium (each request recorded by this session),
    # "auto" reads the served HTML and switches a page to the browser when it looks incomplete.
    capture_mode: str = "static"
    browser_path: str = "/usr/bin/chromium"
    # Wall-clock bound of one page in the browser (load, behaviours, quiet wait, screenshot).
    browser_page_timeout: float = 30.0
    # The network counts as quiet after this long without a request in flight.
    browser_quiet_seconds: float = 0.5
    # Scroll steps (one viewport each) to make lazy images and "load more" lists load.
    browser_scroll_steps: int = 20
    # Tabs open at once in the one browser of a session.
    browser_tabs: int = 4
    # The browser is restarted when its whole process tree holds more than this (bytes).
    browser_memory_bytes: int = 1536 * 1024**2
    # The rendered DOM kept as a resource record is cut at this many characters.
    browser_max_dom_chars: int = 32 * 1024**2

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
            except (TypeError, ValueError, OverflowError):
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

    def check(self) -> None:  # noqa: C901 (issue 12: split into named steps after the merge)
        problems = []
        if self.per_host_concurrency < 1:
            problems.append("per_host_concurrency must be at least 1")
        if self.article_concurrency < 1:
            problems.append("article_concurrency must be at least 1")
        if self.min_delay > self.max_delay:
            problems.append("min_delay cannot be larger than max_delay")
        if self.backoff_ratio < 1:
            problems.append("backoff_ratio must be at least 1 (a response time ratio to the host's usual one)")
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
        if self.capture_mode not in CAPTURE_MODES:
            problems.append(f"capture_mode must be one of {', '.join(CAPTURE_MODES)}, not {self.capture_mode!r}")
        problems += self._range_problems() + self._header_problems()
        try:
            self.warc_name(**_SAMPLE_NAME_FIELDS)
        except ConfigError as exc:
            problems.append(exc.message)
        if problems:
            raise ConfigError("invalid capture settings: " + "; ".join(problems))

    def warc_name(self, *, timestamp: str, serial: int, host: str, pid: int) -> str:
        """The WARC file name from ``warc_name_template``; ConfigError unless it is one safe file
        name (no folder, no ``..``, not hidden, not too long), so a WARC never lands outside the
        output folder and an unknown ``{field}`` is found before anything is fetched."""
        try:
            name = self.warc_name_template.format(prefix=self.warc_prefix, timestamp=timestamp, serial=serial,
                                                  host=host, pid=pid)
        except (KeyError, IndexError, AttributeError) as exc:
            raise ConfigError(f"warc_name_template {self.warc_name_template!r} uses an unknown field {exc}; "
                              "known: {prefix} {timestamp} {serial} {host} {pid}") from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"warc_name_template {self.warc_name_template!r} cannot be formatted: {exc}") from None
        for what, text in (("warc_prefix", self.warc_prefix), ("warc_name_template", name)):
            problem = _unsafe_name(text, allow_empty=what == "warc_prefix")
            if problem:
                raise ConfigError(f"{what} {text!r} {problem}: a WARC name must be one file name inside the output folder")
        if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
            raise ConfigError(f"warc_name_template gives names of over {MAX_NAME_BYTES} bytes (e.g. {name!r})")
        return name

    def _range_problems(self) -> list[str]:
        """Every number finite and in range: NaN, infinities and overflows never reach a timer."""
        problems = []
        minimum = {"per_host_concurrency": 1, "article_concurrency": 1, "max_body_bytes": 1, "warc_max_bytes": 1,
                   "max_article_requests": 1, "max_article_bytes": 1, "browser_tabs": 1}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                continue
            if isinstance(value, float) and not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
                problems.append(f"{f.name} must be a number of seconds from 0 to {MAX_SECONDS:g}, not {value!r}")
            elif isinstance(value, int) and not minimum.get(f.name, 0) <= value <= MAX_INTEGER:
                problems.append(f"{f.name} must be from {minimum.get(f.name, 0)} to 2**62, not {value!r}")
        return problems

    def _header_problems(self) -> list[str]:
        """Header names must be tokens and values single lines: a CR/LF in a config value would
        otherwise split one request header into two (or crash the HTTP client mid-capture)."""
        problems = []
        values = {"user_agent": self.user_agent, "accept_encoding": self.accept_encoding}
        for name, value in self.extra_headers.items():
            if not _HEADER_NAME.match(name):
                problems.append(f"extra_headers: {name!r} is not an HTTP header name")
            values[f"extra_headers.{name}"] = value
        for where, value in values.items():
            if _CONTROL.search(value):
                problems.append(f"{where} must be one line without control characters, not {value!r}")
        return problems

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["extra_headers"] = dict(self.extra_headers)
        return data


def _unsafe_name(name: str, *, allow_empty: bool = False) -> str | None:
    """Why ``name`` is not a safe single file name component, or None."""
    if not name:
        return None if allow_empty else "is empty"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if name in {".", ".."} or name.startswith("."):
        return "starts with a dot"
    if _CONTROL.search(name) or "\t" in name:
        return "contains a control character"
    return None


def _coerce(default: Any, value: Any) -> Any:  # noqa: C901 (issue 12: split into named steps after the merge)
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
    if isinstance(default, str):
        if not isinstance(value, str):  # None is a value only for settings whose default is None
            raise TypeError
        return value
    if default is None:
        if value is not None and not isinstance(value, str):
            raise TypeError
        return value
    return value
