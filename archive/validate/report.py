"""What a validation found: every problem and warning, each naming its file and kind."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.errors import BagInvalid, Problem

# Problem kinds, so callers can match on them without string typos.
MISSING = "missing"
UNEXPECTED = "unexpected"
CHECKSUM_MISMATCH = "checksum-mismatch"
TAG_FILE_CHANGED = "tag-file-changed"
OXUM_MISMATCH = "oxum-mismatch"
PROFILE_VIOLATION = "profile-violation"
UNSAFE_PATH = "unsafe-path"
SYMLINK = "symlink"
SPECIAL_FILE = "special-file"
BAD_DECLARATION = "bad-declaration"
BAD_BAG_INFO = "bad-bag-info"
BAD_MANIFEST = "bad-manifest"
BAD_MANIFEST_LINE = "bad-manifest-line"
DUPLICATE_ENTRY = "duplicate-entry"
INCOMPLETE_MANIFEST = "incomplete-manifest"
UNREADABLE = "unreadable"
# warning kinds
WEAK_ALGORITHM = "weak-algorithm"
FETCH_PRESENT = "fetch-present"
OLD_VERSION = "old-version"
LENIENT_FORMAT = "lenient-format"
NORMALIZATION = "unicode-normalization"
CASE_COLLISION = "case-collision"
SYSTEM_FILE = "system-file"
UNLISTED_TAG_FILE = "unlisted-tag-file"
PROFILE_NOT_CHECKED = "profile-not-checked"
# The validator itself failed on this part of the bag (a bug): the bag is not known to be valid.
NOT_CHECKED = "not-checked"

QUOTE_LIMIT = 120


def utf8_safe(text: str) -> str:
    """``text`` with bytes that were not UTF-8 (lone surrogates, PEP 383) as ``\\xNN`` escapes.

    Left as they are, printing a report or writing it to a JSON audit log would raise."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def quoted(value: str, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of at most ``limit`` characters of a value read from the bag.

    A hostile bag-info value may be megabytes long; a problem quotes enough of it to find it.
    """
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value):,} characters)"


def not_checked(what: str, exc: BaseException) -> Problem:
    """The problem standing for a check that raised: named, so the bag is never called valid."""
    return Problem(".", NOT_CHECKED, f"{what} could not be checked ({type(exc).__name__}: "
                                     f"{quoted(str(exc))}); the bag is not known to be valid. "
                                     "This is a validator bug: please report it with the bag")


@dataclass(frozen=True)
class DigestProblem(Problem):
    """A digest that does not match: which algorithm, what the manifest says, what the file is."""

    algorithm: str = ""
    expected: str = ""
    found: str = ""


@dataclass
class ValidationReport:
    """The outcome of :func:`archive.validate.validate_bag`. ``valid`` means no problems at all."""

    bag: Path
    valid: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    files_checked: int = 0
    bytes_hashed: int = 0
    algorithms: list[str] = field(default_factory=list)
    version: str | None = None
    fast: bool = False
    profile: str | None = None

    def raise_for_problems(self) -> None:
        """Raise :class:`BagInvalid` listing every problem, if there is any."""
        if self.problems:
            raise BagInvalid(str(self.bag), self.problems,
                             hint="the files named above differ from what the bag recorded; "
                                  "restore them from another copy")

    def to_json(self) -> dict[str, object]:
        """A plain-JSON view for audit logs (stable keys)."""
        return {
            "bag": utf8_safe(str(self.bag)),
            "valid": self.valid,
            "version": self.version,
            "fast": self.fast,
            "profile": self.profile,
            "algorithms": list(self.algorithms),
            "files_checked": self.files_checked,
            "bytes_hashed": self.bytes_hashed,
            "problems": [asdict(p) for p in self.problems],
            "warnings": [asdict(w) for w in self.warnings],
        }
