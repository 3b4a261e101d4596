"""One exception tree for the whole library.

Third-party errors (httpx, lxml, warcio, bagit, jsonschema, yaml) are translated into these at the
module boundary, so callers catch ``ArchiveError`` and nothing else. Every message says what
failed, where, and (``hint``) what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ArchiveError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, details: Sequence[str] = ()) -> None:
        # One item per line under the summary (each problem of several). Kept apart so that a
        # display can escape a line break quoted from a file name or URL while keeping the
        # error's own lines (archive.display.error_text). ``message`` is the whole text.
        self.summary = message
        self.details = tuple(details)
        self.message = "\n".join([message, *(f"  {d}" for d in self.details)])
        self.hint = hint
        super().__init__(self.message)

    def lines(self) -> list[str]:
        """The summary, each detail indented on its own line, then the hint."""
        return [self.summary, *(f"  {d}" for d in self.details), *([f"  hint: {self.hint}"] if self.hint else [])]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class UsageError(ArchiveError):
    """The caller asked for something malformed (bad URL scheme, bad option). CLI exit 2."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration file or setting is invalid; names the file, line and field."""


# --- capture -------------------------------------------------------------------------------


class CaptureError(ArchiveError):
    """Capture could not proceed at all (nothing fetched, output not writable)."""


class FetchError(CaptureError):
    """One HTTP exchange failed. ``transient`` errors (resets, timeouts, 5xx, 429) may be retried."""

    def __init__(self, url: str, reason: str, *, transient: bool, hint: str | None = None) -> None:
        super().__init__(f"{url}: {reason}", hint=hint)
        self.url = url
        self.reason = reason
        self.transient = transient


class ScopeError(UsageError):
    """A URL is outside what may be captured (scheme other than http/https, non-loopback in tests)."""


class WarcWriteError(CaptureError):
    """A WARC file could not be written or closed."""


class WarcReadError(ArchiveError):
    """A WARC file is unreadable from some offset on; names the file and the offset."""

    def __init__(self, path: str, offset: int, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path} at offset {offset}: {reason}", hint=hint)
        self.path = path
        self.offset = offset
        self.reason = reason


# --- extraction ----------------------------------------------------------------------------


class ExtractError(ArchiveError):
    """Metadata could not be extracted from an archived page."""


@dataclass(frozen=True)
class Problem:
    """One problem found by a validator: where it is, what kind, and what was seen."""

    path: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}: {self.detail}"


class ValidationFailed(ArchiveError):
    """A validator found problems. It collects every problem before raising, never just the first."""

    def __init__(self, subject: str, problems: Sequence[Problem], *, hint: str | None = None) -> None:
        super().__init__(f"{subject}: {len(problems)} problem(s)", hint=hint, details=[f"- {p}" for p in problems])
        self.subject = subject
        self.problems = list(problems)


class SchemaError(ValidationFailed):
    """A record does not conform to its JSON Schema."""


# --- packaging and validation ----------------------------------------------------------------


class BagError(ArchiveError):
    """A bag could not be built or read."""


class BagInvalid(ValidationFailed):
    """A bag failed validation; ``problems`` names every file and what is wrong with it."""


# --- storage ---------------------------------------------------------------------------------


class DiskFullError(ArchiveError):
    """A write failed because the file system is full (ENOSPC) or the quota is used (EDQUOT).

    The message says where and what was kept; nothing that failed to be written is presented
    as finished. Raised by ``archive.diskfull.disk_full_guard`` at every write boundary."""

    def __init__(self, path: str, kept: str) -> None:
        super().__init__(f"disk full: cannot write {path}; {kept}",
                         hint="free space on that file system (or raise the quota), then run the command again")
        self.path = path
        self.kept = kept


# --- orchestration ---------------------------------------------------------------------------


class OrchestratorError(ArchiveError):
    """The Prefect server that runs the flows could not be started, found or reached."""


class BrowserError(CaptureError):
    """The capture browser failed to start, crashed, or did not answer in time."""
