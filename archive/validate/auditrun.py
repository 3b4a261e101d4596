"""Repository audits: validate every bag under one or more roots, within an operator's budget.

``run_audit`` walks the roots (links not followed, a bag's inside not searched), validates the
bags in ``processes`` worker processes, paced to ``bytes_per_second``, and appends one PREMIS
``fixity check`` event per bag to the audit log. It is resumable: a small resume file beside the
log names the audit's roots and options and every bag already finished; after a crash, a kill
or a stop, the same call skips those bags (never hashes them again) and removes the file when
the audit completes. Memory stays flat in the number of bags: bags are walked lazily, at most a
few are in flight, and only the invalid ones' first problems are kept for the summary.

Workers are separate processes (not threads): per-file bookkeeping holds the GIL, so two bags of
small files on two threads would take turns.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import ArchiveError, BagError, UsageError
from archive.package.premis import OUTCOME_SUCCESS, PremisEvent
from archive.validate.audit import append_event, find_bags, fixity_event
from archive.validate.report import ValidationReport, not_checked, utf8_safe

__all__ = ["AuditBudget", "AuditProgress", "AuditSummary", "BagOutcome", "resume_file", "run_audit"]

KEEP_PROBLEMS = 20  # per invalid bag, in the summary (the audit log has the event's detail)


@dataclass(frozen=True)
class AuditBudget:
    """What the audit may use: bags validated at once (each in its own process, hashing on one
    thread), and the total read rate across them (None: as fast as the disks go)."""

    processes: int = 1
    bytes_per_second: float | None = None

    def __post_init__(self) -> None:
        if self.processes < 1:
            raise UsageError("the audit needs at least 1 process")
        if self.bytes_per_second is not None and not self.bytes_per_second > 0:
            raise UsageError("the audit's bytes per second must be more than 0")


@dataclass(frozen=True)
class BagOutcome:
    """One audited bag, as the summary keeps it."""

    bag: str
    valid: bool
    problem_count: int
    problems: tuple[str, ...]  # the first KEEP_PROBLEMS, one line each
    bytes: int
    event: str  # the PREMIS event identifier in the audit log


@dataclass
class AuditSummary:
    roots: list[str]
    log: str
    checked: int = 0
    valid: int = 0
    skipped: int = 0  # finished by an earlier, interrupted run of the same audit
    bytes: int = 0
    seconds: float = 0.0
    invalid: list[BagOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.invalid

    def to_json(self) -> dict[str, Any]:
        return {"roots": self.roots, "log": self.log, "checked": self.checked, "valid": self.valid,
                "invalid": len(self.invalid), "skipped": self.skipped, "bytes": self.bytes,
                "seconds": round(self.seconds, 3),
                "problems": [{"bag": o.bag, "problem_count": o.problem_count, "problems": list(o.problems),
                              "event": o.event} for o in self.invalid]}


@dataclass(frozen=True)
class AuditProgress:
    """Where an audit stands, for a progress line: bags and bytes done of the totals."""

    bags_done: int
    bags_total: int
    bytes_done: int
    bytes_total: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.bytes_done / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        if self.rate <= 0 or self.bytes_total <= 0:
            return None
        return max(0.0, self.bytes_total - self.bytes_done) / self.rate


def iter_bags(roots: Sequence[Path]) -> Iterator[Path]:
    """Every bag under every root, root by root, each root's bags sorted (see ``find_bags``).

    A root inside another root (or named twice) is dropped first, so each bag comes once
    without remembering every bag seen: memory stays flat in the number of bags."""
    real = [os.path.realpath(r) for r in roots]
    for i, (root, mine) in enumerate(zip(roots, real, strict=True)):
        if any(j != i and (other == mine and j < i or mine.startswith(other.rstrip(os.sep) + os.sep))
               for j, other in enumerate(real)):
            continue
        yield from find_bags(Path(root))


def bag_bytes(bag: Path) -> int:
    """About how many bytes validating ``bag`` reads, for the time-left estimate: the payload
    size it declares (Payload-Oxum; the validator checks it) plus its tag files' sizes."""
    total = payload_bytes(bag)
    stack = [bag]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.path != os.path.join(bag, "data"):
                            stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total


def payload_bytes(bag: Path) -> int:
    """The payload size the bag declares (Payload-Oxum); 0 if none. Read without following a link."""
    from archive.beneath import open_file_beneath

    try:
        with open_file_beneath(bag, "bag-info.txt") as f:
            head = f.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        return 0
    for line in head.splitlines():
        label, _, value = line.partition(":")
        if label.strip().lower() == "payload-oxum":
            size = value.strip().split(".")[0]
            return int(size) if size.isdigit() and len(size) < 20 else 0
    return 0


def resume_file(log: Path) -> Path:
    return log.with_name(log.name + ".resume")


def _audit_key(roots: Sequence[Path], fast: bool) -> str:
    text = json.dumps({"roots": [os.path.abspath(r) for r in roots], "fast": fast})
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _append_line(path: Path, doc: dict[str, Any]) -> None:
    line = (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8", "surrogateescape")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write per line, O_APPEND: a kill leaves whole lines (or a torn last one)
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_resume(path: Path, key: str, log: Path) -> set[str] | None:
    """Bags finished by an interrupted earlier run of this same audit (None: there was none).

    The audit log itself says which: every fixity event appended after the offset the resume
    file recorded when that run started. One write per event, so a bag is done exactly when its
    event is in the log; nothing else has to be written (or can disagree) per bag.
    """
    try:
        header = json.loads(path.read_bytes().splitlines()[0])
        if header.get("audit") != key or not isinstance(header.get("log_offset"), int):
            return None  # the file belongs to another audit: start afresh
        with open(log, "rb") as f:
            f.seek(header["log_offset"])
            tail = f.read()
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    done: set[str] = set()
    for line in tail.splitlines():
        try:
            event = json.loads(line)
            if event["eventType"]["label"] == "fixity check":
                done.update(o["linkingObjectIdentifierValue"] for o in event["linkingObjectIdentifier"])
        except (ValueError, KeyError, TypeError):
            continue  # a line torn by a kill mid-write: that bag is simply audited again
    return done


# --- the worker side ---------------------------------------------------------------------------

_shared_bytes: Any = None  # a multiprocessing.Value of bytes read by every worker, for progress
_rate: float | None = None  # this worker's share of the budget, bytes per second
_tick: Callable[[], None] | None = None  # progress while one bag is hashed (in-process audits only)


def _init_worker(shared: Any, rate: float | None, tick: Callable[[], None] | None = None) -> None:
    global _shared_bytes, _rate, _tick
    _shared_bytes, _rate, _tick = shared, rate, tick


class _Pacer:
    """Counts bytes read (into the shared total) and sleeps to keep this worker under its rate.

    Called from the validator's hashing threads, hence the lock around the counts."""

    def __init__(self, rate: float | None, shared: Any, tick: Callable[[], None] | None) -> None:
        self.rate, self.shared, self.tick = rate, shared, tick
        self.start = self.last_tick = time.monotonic()
        self.done = 0
        self.unreported = 0
        self.lock = threading.Lock()

    def __call__(self, n: int) -> None:
        with self.lock:
            self.done += n
            self.unreported += n
            if self.unreported >= 1 << 20:
                self.flush()
            if self.tick is not None and time.monotonic() - self.last_tick >= 1.0:
                self.last_tick = time.monotonic()
                self.tick()
            done = self.done
        if self.rate is not None:
            ahead = done / self.rate - (time.monotonic() - self.start)
            if ahead > 0.005:
                time.sleep(ahead)

    def flush(self) -> None:
        if self.shared is not None and self.unreported:
            with self.shared.get_lock():
                self.shared.value += self.unreported
        self.unreported = 0


def audit_one(bag: str, fast: bool, threads: int = 1) -> tuple[dict[str, Any], BagOutcome]:
    """Validate one bag (never raises): its PREMIS event (as JSON) and its summary outcome."""
    from archive.validate.validator import validate_bag

    pacer = _Pacer(_rate, _shared_bytes, _tick)
    report: ValidationReport | None = None
    error = None
    try:
        report = validate_bag(Path(bag), fast=fast, processes=threads, progress=pacer)
    except ArchiveError as exc:  # not a readable folder (any more): an outcome, not the audit's end
        error = utf8_safe(str(exc))
    except Exception as exc:  # noqa: BLE001 - validate_bag has its own backstop; this is the last one
        error = utf8_safe(not_checked("the bag", exc).detail)
    pacer.flush()
    event = fixity_event(Path(bag), report, error=error)
    problems = [f"{p.kind} {p.path}: {p.detail}" for p in report.problems] if report else [f"unreadable: {error}"]
    outcome = BagOutcome(utf8_safe(bag), event.outcome == OUTCOME_SUCCESS, len(problems),
                         tuple(problems[:KEEP_PROBLEMS]), report.bytes_hashed if report else 0, event.identifier)
    return _event_json(event), outcome


def _event_json(event: PremisEvent) -> dict[str, Any]:
    return {"event": event.event_type, "outcome": event.outcome, "detail": event.detail,
            "date_time": event.date_time, "identifier": event.identifier, "objects": list(event.objects)}


def _event(doc: dict[str, Any]) -> PremisEvent:
    return PremisEvent(doc["event"], doc["outcome"], doc["detail"], date_time=doc["date_time"],
                       identifier=doc["identifier"], objects=doc["objects"])


# --- the coordinator -----------------------------------------------------------------------------


def run_audit(roots: Sequence[Path], log: Path, *, budget: AuditBudget = AuditBudget(), fast: bool = False,  # noqa: C901 (issue 12: split into named steps after the merge)
              restart: bool = False, progress: Callable[[AuditProgress], None] | None = None,
              on_bag: Callable[[BagOutcome], None] | None = None) -> AuditSummary:
    """Audit every bag under ``roots``; one event per bag appended to ``log``; a summary.

    ``restart`` ignores an interrupted earlier run of the same audit (its finished bags are
    audited again). ``progress`` is called after each bag and about once a second meanwhile;
    ``on_bag`` after each bag. Raises :class:`BagError` when a root is not a folder.
    """
    roots = [Path(r) for r in roots]
    for root in roots:
        if not root.is_dir():
            raise BagError(f"{root}: no such folder to audit", hint="pass the folders that hold the bags")
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    state = resume_file(log)
    key = _audit_key(roots, fast)
    done = None if restart else _load_resume(state, key, log)
    if done is None:
        done = set()
        offset = log.stat().st_size if log.exists() else 0
        state.unlink(missing_ok=True)
        _append_line(state, {"audit": key, "roots": [utf8_safe(str(r)) for r in roots], "fast": fast,
                             "log_offset": offset})

    summary = AuditSummary([utf8_safe(str(r)) for r in roots], utf8_safe(str(log)))
    # A first, cheap pass for the totals behind "time left": bag count and declared payload bytes.
    bags_total = bytes_total = 0
    for bag in iter_bags(roots):
        if utf8_safe(str(bag)) in done:
            summary.skipped += 1
        else:
            bags_total += 1
            bytes_total += bag_bytes(bag)
    start = time.monotonic()
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded parent (Prefect, pools)
    shared = ctx.Value("q", 0)
    share = budget.bytes_per_second / budget.processes if budget.bytes_per_second else None

    def report_progress() -> None:
        if progress is not None:
            progress(AuditProgress(summary.checked, bags_total, shared.value, bytes_total,
                                   time.monotonic() - start))

    def finish(event_doc: dict[str, Any], outcome: BagOutcome, bag: Path) -> None:
        append_event(log, _event(event_doc))  # this line is also what a resumed run skips by
        summary.checked += 1
        summary.bytes += outcome.bytes
        if outcome.valid:
            summary.valid += 1
        else:
            summary.invalid.append(outcome)
        if on_bag is not None:
            on_bag(outcome)
        report_progress()

    todo = (bag for bag in iter_bags(roots) if utf8_safe(str(bag)) not in done)
    if budget.processes == 1:
        # In this process: no pool to start for the common one-at-a-time audit.
        _init_worker(shared, share, report_progress)
        try:
            for bag in todo:
                finish(*audit_one(str(bag), fast), bag)
        finally:
            _init_worker(None, None)
    else:
        with ProcessPoolExecutor(budget.processes, mp_context=ctx, initializer=_init_worker,
                                 initargs=(shared, share)) as pool:
            pending: deque[tuple[Future[tuple[dict[str, Any], BagOutcome]], Path]] = deque()
            for bag in todo:
                pending.append((pool.submit(audit_one, str(bag), fast), bag))
                while len(pending) >= budget.processes * _QUEUED_PER_PROCESS:
                    _drain(pending, finish, report_progress)
            while pending:
                _drain(pending, finish, report_progress)
    summary.seconds = time.monotonic() - start
    state.unlink(missing_ok=True)  # complete: the next audit starts from the beginning
    return summary


# Bags handed to each worker ahead of the one it hashes: while the coordinator writes (and
# fsyncs) an event, the workers go on with the next bags instead of waiting for it. A kill
# loses at most these (they are audited again on resume: no event was written for them).
_QUEUED_PER_PROCESS = 8


def _drain(pending: deque[tuple[Future[tuple[dict[str, Any], BagOutcome]], Path]],
           finish: Callable[[dict[str, Any], BagOutcome, Path], None], tick: Callable[[], None]) -> None:
    """Wait for the oldest bag (events stay in walk order), ticking progress about once a second."""
    future, bag = pending[0]
    while not wait([future], timeout=1.0, return_when=FIRST_COMPLETED).done:
        tick()
    pending.popleft()
    finish(*future.result(), bag)
