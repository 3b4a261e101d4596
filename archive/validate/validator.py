"""Validate a bag: declaration, bag-info, completeness, fixity, profile and safety.

Every problem is collected (never just the first), each naming its file and kind. Manifest and
fetch.txt paths are only ever looked up in the inventory taken by walking the bag without
following links, so nothing outside the bag is read, whatever a manifest says.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, TypeVar

from archive.beneath import Beneath, open_file_beneath
from archive.errors import BagError, Problem
from archive.package.baginfo import TagLineError, parse_tag_lines
from archive.package.hashing import (
    SUPPORTED_ALGORITHMS,
)
from archive.package.manifest import (
    ManifestLine,
    ManifestLineError,
    decode_path,
    parse_manifest,
    split_lines,
)
from archive.package.profile import PROFILE_IDENTIFIER, PROFILE_PATH
from archive.validate import report as k
from archive.validate.columns import DigestColumn
from archive.validate.declaration import Declaration, parse_declaration
from archive.validate.fixity import Listing, check_fixity
from archive.validate.inventory import Inventory, take_inventory
from archive.validate.paths import unsafe_reason
from archive.validate.profile import check_profile, load_profile, profile_identifier
from archive.validate.report import ValidationReport, not_checked, quoted, utf8_safe

_MANIFEST = re.compile(r"^(tag)?manifest-([A-Za-z0-9]+)\.txt$")
_OXUM = re.compile(r"^([0-9]+)\.([0-9]+)$")
_SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini", ".spotlight-v100", ".trashes"}
_WEAK = {"md5", "sha1"}
T = TypeVar("T")


@dataclass
class _Manifest:
    name: str
    algorithm: str
    tag: bool
    # on-disk-or-decoded path -> digest bytes, in columns over the inventory's rows
    entries: DigestColumn


@dataclass
class _State:
    root: Path
    inv: Inventory
    decl: Declaration
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, path: str, kind: str, detail: str) -> None:
        self.problems.append(Problem(path, kind, detail))

    def warn(self, path: str, kind: str, detail: str) -> None:
        self.warnings.append(Problem(path, kind, detail))

    def stage(self, what: str, default: T, check: Callable[..., T], *args: Any) -> T:
        """``check(*args)``; should it raise, a NOT_CHECKED problem naming ``what`` and ``default``."""
        try:
            return check(*args)
        except Exception as exc:  # noqa: BLE001 - turned into a named problem, see validate_bag
            self.problems.append(not_checked(what, exc))
            return default

    @property
    def strict(self) -> bool:
        return self.decl.version_tuple >= (1, 0)


def validate_bag(path: Path, *, fast: bool = False, profile: Path | None = None, processes: int = 2,
                 progress: Callable[[int], None] | None = None) -> ValidationReport:
    """Check the bag at ``path`` and report every problem.

    ``fast`` checks completeness only (names, sizes, Payload-Oxum), in time proportional to the
    number of files. ``profile`` is a local BagIt profile JSON file to check against; without
    it, the bag is checked against this project's profile when its bag-info names it.
    ``progress`` is called with byte counts as files are hashed (from worker threads).

    Raises :class:`BagError` only when ``path`` is not a readable folder or ``profile`` is not a
    readable profile; everything wrong *inside* the bag is reported, not raised.
    """
    root = Path(path)
    if not root.is_dir():
        raise BagError(f"{root}: not a folder" if root.exists() else f"{root}: no such folder",
                       hint="pass the bag's top folder (the one holding bagit.txt)")
    try:
        os.listdir(root)
    except OSError as exc:
        raise BagError(f"{root}: cannot read folder: {exc.strerror}") from exc
    loaded_profile = load_profile(profile) if profile is not None else None

    try:
        return _validate(root, fast, loaded_profile, processes, progress)
    except Exception as exc:  # noqa: BLE001 - the per-bag backstop: a verdict, never a traceback
        report = ValidationReport(bag=root, valid=False, fast=fast)
        report.problems = [not_checked("the bag", exc)]
        return report


def _validate(root: Path, fast: bool, loaded_profile: dict[str, Any] | None, processes: int,
              progress: Callable[[int], None] | None) -> ValidationReport:
    inv = take_inventory(root)
    decl = parse_declaration(_read_tag(root, inv, "bagit.txt"))
    st = _State(root, inv, decl, problems=inv.problems, warnings=list(decl.warnings))
    st.problems.extend(decl.problems)  # shares the list: later unreadable tag files land here too
    # Each stage is guarded on its own: should one fail on input nobody foresaw, the others
    # still run, and the failure is a named problem (so the bag is never reported valid).
    bag_info: list[tuple[str, str]] = st.stage("bag-info.txt", [], _check_bag_info, st)
    manifests: list[_Manifest] = st.stage("the manifests", [], _read_manifests, st)
    fetch_paths: list[str] = st.stage("fetch.txt", [], _check_fetch, st)
    st.stage("completeness", None, _check_completeness, st, manifests, fetch_paths)
    st.stage("Payload-Oxum", None, _check_oxum, st, bag_info)
    st.stage("system files", None, _check_system_files, st)

    report = ValidationReport(bag=root, valid=False, version=decl.version, fast=fast,
                              algorithms=sorted({m.algorithm for m in manifests}))
    if fast:
        report.files_checked = len(inv.files)
    else:
        # Hashing starts only after the manifests are parsed: overlapping the two was measured
        # slower on 2 cores (three threads fighting over the GIL cost more than they saved).
        report.files_checked, report.bytes_hashed = st.stage(
            "fixity", (0, 0), _check_fixity, st, manifests, processes, progress)
    report.profile = st.stage("the profile", None, _check_profile, st, loaded_profile, bag_info, manifests,
                              bool(fetch_paths) or "fetch.txt" in inv.files)
    report.problems, report.warnings = _printable(st.problems), _printable(st.warnings)
    report.valid = not st.problems
    return report


def _printable(problems: list[Problem]) -> list[Problem]:
    """Problems whose path and detail encode as UTF-8.

    A file name that is not UTF-8 reaches Python as lone surrogates (PEP 383); left as they are,
    printing the report or writing it to a JSON audit log raises UnicodeEncodeError. Such bytes
    are shown as ``\\xNN`` escapes instead.
    """
    out = problems
    for i, problem in enumerate(problems):
        try:
            problem.path.encode("utf-8")
            problem.detail.encode("utf-8")
            continue
        except UnicodeEncodeError:
            pass
        if out is problems:
            out = list(problems)
        detail = utf8_safe(problem.detail)
        if utf8_safe(problem.path) != problem.path:
            detail += " (its name is not valid UTF-8, so no manifest can list it: rename it)"
        out[i] = dataclasses.replace(problem, path=utf8_safe(problem.path), detail=detail)
    return out


def _read_tag(root: Path, inv: Inventory, name: str) -> bytes | None:
    """Bytes of a top-level tag file found by the walk (so never through a link), or None.

    A file that cannot be read gives None and an ``unreadable`` problem naming it.
    """
    if name not in inv.files:
        return None
    try:
        with open_file_beneath(root, name) as f:
            return f.read()
    except OSError as exc:
        inv.problems.append(Problem(name, k.UNREADABLE, f"cannot read: {exc.strerror or exc}"))
        return None


def _decode(st: _State, name: str, data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():  # unicode_escape warns about "\q": the bytes are data
            warnings.simplefilter("ignore")
            return data.decode(st.decl.encoding)
    except (UnicodeError, LookupError, ValueError) as exc:
        # UnicodeError, not only UnicodeDecodeError: some text codecs (punycode, undefined)
        # raise the base class, without a position.
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        st.problem(name, k.BAD_MANIFEST if "manifest" in name else k.BAD_BAG_INFO,
                   f"not valid {st.decl.encoding}{where} (bagit.txt declares that encoding)")
        return None


def _check_bag_info(st: _State) -> list[tuple[str, str]]:
    # BagIt before 0.96 called it package-info.txt.
    name = "bag-info.txt" if "bag-info.txt" in st.inv.files or st.decl.version_tuple >= (0, 96) \
        else "package-info.txt"
    data = _read_tag(st.root, st.inv, name)
    if data is None:
        return []
    text = _decode(st, name, data)
    if text is None:
        return []
    fields: list[tuple[str, str]] = []
    for line in parse_tag_lines(text):
        if isinstance(line, TagLineError):
            st.problem(name, k.BAD_BAG_INFO, f"line {line.lineno}: {line.reason}")
            continue
        fields.append((line.label, line.value))
        if not line.strict:
            msg = (f"line {line.lineno}: label {quoted(line.label)} must be followed by ':' and one space, "
                   "with no whitespace around the label")
            # RFC 8493 is explicit; older drafts were not, and real old bags do this.
            (st.problem if st.strict else st.warn)(name, k.BAD_BAG_INFO if st.strict else k.LENIENT_FORMAT, msg)
    return fields


def _read_manifests(st: _State) -> list[_Manifest]:
    manifests: list[_Manifest] = []
    for name in sorted(p for p in st.inv.files if "/" not in p):
        m = _MANIFEST.match(name)
        if m is None:
            continue
        tag, alg = bool(m.group(1)), m.group(2).lower()
        if alg not in SUPPORTED_ALGORITHMS:
            st.problem(name, k.BAD_MANIFEST, f"unsupported algorithm {quoted(alg)}; cannot verify these files "
                                             f"(supported: {', '.join(SUPPORTED_ALGORITHMS)})")
            continue
        digest_len = len(_empty_digest(alg))
        man = _Manifest(name, alg, tag, DigestColumn(st.inv, digest_len // 2))
        raw_seen: dict[str, str] = {}  # only paths whose manifest spelling differs from the key
        if _stream_common_lines(st, man, digest_len, raw_seen):
            manifests.append(man)
            continue
        data = _read_tag(st.root, st.inv, name)
        text = _decode(st, name, data or b"")
        del data  # the bytes and their text would otherwise both be held while the lines are read
        if text is None:
            continue
        for line in parse_manifest(text):
            if isinstance(line, ManifestLineError):
                st.problem(name, k.BAD_MANIFEST_LINE, f"line {line.lineno}: {line.reason}")
                continue
            _add_entry(st, man, line, raw_seen, digest_len)
        manifests.append(man)
    payload = [m for m in manifests if not m.tag]
    if not payload:
        st.problem("manifest-<algorithm>.txt", k.MISSING, "the bag has no payload manifest")
    algs = {m.algorithm for m in payload}
    if algs and algs <= _WEAK:
        st.warn(payload[0].name, k.WEAK_ALGORITHM,
                f"only {', '.join(sorted(algs))} manifests: not collision-resistant; add sha256 or sha512")
    return manifests


_COMMON_LINES: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}
_CHUNK = 2 << 20  # manifest bytes read at a time by the bulk reader (its lists of lines are transient)
_UTF8 = ("utf-8",)  # where a LF byte is always a line end, so bytes can be cut there


def _stream_common_lines(st: _State, man: _Manifest, digest_len: int, raw_seen: dict[str, str]) -> bool:
    """Read a UTF-8 manifest of common lines (see ``_read_common_lines``) 2 MiB at a time.

    A million-line manifest is 100-170 MB: held whole, as bytes and as text, it would be most
    of the validator's peak memory. False, with nothing kept, for anything else (another
    encoding, an odd line, a read error): the caller then reads it whole, line by line.
    """
    if st.decl.encoding not in _UTF8 or man.name not in st.inv.files:
        return False
    marks = len(st.problems), len(st.warnings)
    lines = 0
    pending = b""
    try:
        with open_file_beneath(st.root, man.name) as f:
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    part, pending = pending, b""
                else:
                    chunk = pending + chunk
                    cut = chunk.rfind(b"\n") + 1
                    part, pending = chunk[:cut], chunk[cut:]
                if part:
                    done = _read_common_lines(st, man, part.decode("utf-8"), digest_len, raw_seen, lines)
                    if done is None:
                        break
                    lines += done
                if not chunk:
                    return True
    except (OSError, UnicodeDecodeError):
        pass
    _undo(st, man, raw_seen, marks)
    return False


def _undo(st: _State, man: _Manifest, raw_seen: dict[str, str], marks: tuple[int, int]) -> None:
    """Forget what a bulk read found, before the same manifest is read line by line."""
    man.entries.clear()
    raw_seen.clear()
    del st.problems[marks[0]:], st.warnings[marks[1]:]


def _read_common_lines(st: _State, man: _Manifest, text: str, digest_len: int, raw_seen: dict[str, str],
                       first: int) -> int | None:
    """Read manifest text whose every line is ``<digest of the right length> <path>`` (LF, no
    blank line) in bulk; the number of lines, or None when some line is not of that form (the
    caller then undoes what was read, see ``_undo``). ``first``: lines before this text.

    Two regex passes in C find every line's digest and path; when every path names a file the
    walk found, once, with nothing to decode, the whole text is listed by C loops
    (``_list_ordinary``). Otherwise each line goes through ``_list_line``, so every problem is
    still named exactly as before, with its line number.
    """
    if "\r" in text or "\n\n" in text or text.startswith("\n"):
        return None
    patterns = _COMMON_LINES.get(digest_len)
    if patterns is None:
        patterns = _COMMON_LINES[digest_len] = (
            re.compile(rf"^[0-9A-Fa-f]{{{digest_len}}}[ \t]+(.+)$", re.MULTILINE),
            re.compile(rf"^([0-9A-Fa-f]{{{digest_len}}})[ \t]+.+$", re.MULTILINE))
    paths = patterns[0].findall(text)
    if len(paths) != text.count("\n") + (0 if not text or text.endswith("\n") else 1):
        return None  # some line is not of the common form (and line numbers would be off)
    digests = patterns[1].findall(text)
    if not _list_ordinary(st, man, text, paths, digests):
        for number, (digest, path) in enumerate(zip(digests, paths, strict=False), start=first + 1):
            _list_line(st, man, number, digest, path, raw_seen, digest_len)
    return len(paths)


def _list_ordinary(st: _State, man: _Manifest, text: str, paths: list[str], digests: list[str]) -> bool:
    """List every line at once when each is ordinary: its path a file the walk found (so safe
    by construction: the walk lists only names inside the bag), not percent-encoded, no
    md5sum ``*``, under data/ in a payload manifest, and no path listed twice. False, with
    nothing listed, otherwise."""
    if "%" in text or "*" in text:
        return False
    if not man.tag and not all(map(str.startswith, paths, repeat("data/"))):
        return False
    rows = st.inv.rows(paths)
    return rows is not None and man.entries.add_rows(rows, digests)


def _list_line(st: _State, man: _Manifest, number: int, digest: str, path: str, raw_seen: dict[str, str],
               digest_len: int) -> None:
    row = st.inv.row(path)
    # (A walked name never starts with "./", so a path found in the inventory needs no such check.)
    if (row is not None and not man.entries.listed(row) and "%" not in path and path[0] != "*"
            and (man.tag or path.startswith("data/"))):
        man.entries.set_row(row, bytes.fromhex(digest))
        return
    line = next(iter(parse_manifest(f"{digest} {path}")))
    assert isinstance(line, ManifestLine)  # the regex accepted it
    _add_entry(st, man, line._replace(lineno=number), raw_seen, digest_len)


def _add_entry(st: _State, man: _Manifest, line: ManifestLine, raw_seen: dict[str, str],  # noqa: C901 (issue 12: split into named steps after the merge)
               digest_len: int) -> None:
    # Called once per manifest line: keep the common (valid) path free of string formatting.
    reason = unsafe_reason(line.path)
    if reason is not None:
        st.problem(line.path, k.UNSAFE_PATH,
                   f"{man.name} line {line.lineno}: {reason}; not looked up (it would escape the bag)")
        return
    if line.binary_marker:
        st.warn(man.name, k.LENIENT_FORMAT, f"line {line.lineno}: md5sum-style '*' before the path")
    if line.dot_slash:
        st.warn(man.name, k.LENIENT_FORMAT, f"line {line.lineno}: path starts with './'")
    if len(line.digest) != digest_len:
        st.problem(line.path, k.BAD_MANIFEST_LINE,
                   f"{man.name} line {line.lineno}: {len(line.digest)} hex digits is not a {man.algorithm} digest")
        return
    if not man.tag and not line.path.startswith("data/"):
        st.problem(line.path, k.BAD_MANIFEST_LINE,
                   f"{man.name} line {line.lineno}: payload manifests may only list files under data/")
        return
    key = st.inv.lookup(line.path) or line.path
    if key != line.path:
        st.warn(line.path, k.NORMALIZATION,
                f"{man.name} line {line.lineno}: matches {key!r} only after Unicode normalization")
    if key in man.entries:
        _listed_again(st, man, line, key, raw_seen)
        return
    man.entries[key] = bytes.fromhex(line.digest)
    if line.path != key:
        raw_seen[key] = line.path


def _listed_again(st: _State, man: _Manifest, line: ManifestLine, key: str, raw_seen: dict[str, str]) -> None:
    where = f"{man.name} line {line.lineno}"
    if man.entries[key] != bytes.fromhex(line.digest):
        st.problem(key, k.DUPLICATE_ENTRY, f"{where}: listed again with a different {man.algorithm} digest")
    elif line.path == raw_seen.get(key, key) and st.strict:
        st.problem(key, k.DUPLICATE_ENTRY, f"{where}: listed twice (RFC 8493 allows one line per file)")
    else:
        st.warn(key, k.DUPLICATE_ENTRY, f"{where}: listed twice with the same digest")


def _empty_digest(alg: str) -> str:
    import hashlib

    return hashlib.new(alg).hexdigest()


def _check_fetch(st: _State) -> list[str]:
    data = _read_tag(st.root, st.inv, "fetch.txt")
    if data is None:
        return []
    st.warn("fetch.txt", k.FETCH_PRESENT, "fetch.txt lists files to download; this validator never fetches them")
    text = _decode(st, "fetch.txt", data)
    if text is None:
        return []
    paths = []
    for lineno, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 2)
        if len(parts) != 3 or not (parts[1] == "-" or parts[1].isdigit()):
            st.problem("fetch.txt", k.BAD_MANIFEST_LINE, f"line {lineno}: not 'URL LENGTH PATH': {quoted(line)}")
            continue
        target = decode_path(parts[2])
        reason = unsafe_reason(target)
        if reason is not None:
            st.problem(target, k.UNSAFE_PATH, f"fetch.txt line {lineno}: {reason}; never fetched or looked up")
        elif not target.startswith("data/"):
            st.problem(target, k.UNSAFE_PATH, f"fetch.txt line {lineno}: fetch targets must be under data/")
        else:
            paths.append(target)
    return paths


def _check_completeness(st: _State, manifests: list[_Manifest], fetch_paths: list[str]) -> None:  # noqa: C901 (issue 12: split into named steps after the merge)
    fetchable = set(fetch_paths)
    payload_manifests = [m for m in manifests if not m.tag]
    absent: dict[str, list[str]] = defaultdict(list)  # one problem per file, naming every manifest
    for man in manifests:
        for path in man.entries.absent:
            absent[path].append(man.name)
    for path, names in absent.items():
        note = " (listed in fetch.txt but not fetched)" if path in fetchable else ""
        kind_of = "payload file" if path.startswith("data/") else "tag file"
        st.problem(path, k.MISSING, f"{kind_of} listed in {', '.join(names)} is not in the bag{note}")
    unlisted = {m.name: _unlisted_payload(st, m) for m in payload_manifests}
    for path in sorted(set().union(*unlisted.values())):
        lacking = [m for m in payload_manifests if path in unlisted[m.name]]
        if len(lacking) == len(payload_manifests):
            st.problem(path, k.UNEXPECTED, "payload file not listed in any payload manifest")
            continue
        for man in lacking:
            st.problem(path, k.INCOMPLETE_MANIFEST, f"not listed in {man.name} (every payload "
                                                    "manifest must list every payload file)")
    tag_manifests = [m for m in manifests if m.tag]
    if tag_manifests:
        for path in sorted(p for p in st.inv.paths if not p.startswith("data/")):
            if not any(path in m.entries for m in tag_manifests) and not _MANIFEST.match(path):
                st.warn(path, k.UNLISTED_TAG_FILE, "tag file not covered by any tag manifest")
    _warn_case_collisions(st)


def _unlisted_payload(st: _State, man: _Manifest) -> set[str]:
    """The payload files ``man`` does not list (nearly always none, found without a scan: a
    payload manifest lists only data/ paths, so listing as many rows as there are payload
    files means listing them all)."""
    rows = st.inv.payload_rows()
    if man.entries.listed_rows == len(rows):
        return set()
    return {st.inv.paths[row] for row in man.entries.unlisted_rows(rows)}


def _warn_case_collisions(st: _State) -> None:
    """Names that differ only in case or Unicode normalization (they collide on Windows, macOS).

    Only names that are not plain (ASCII, no capitals) can collide with another: two plain
    names are their own folded forms, and differ. So only those few are folded and compared,
    with each other and with the names in the bag."""
    odd = _unplain(st.inv.paths)
    if not odd:
        return
    folded = [unicodedata.normalize("NFC", p).lower() for p in odd]
    counts = Counter(folded)
    hits = {key for path, key in zip(odd, folded, strict=True) if counts[key] > 1 or (key != path and st.inv.row(key) is not None)}
    if not hits:
        return
    first: dict[str, str] = {}
    for path in sorted(st.inv.paths):
        key = unicodedata.normalize("NFC", path).lower()
        if key in hits:
            other = first.setdefault(key, path)
            if other != path:
                st.warn(path, k.CASE_COLLISION, f"differs from {other!r} only in case or normalization; "
                                                "the two collide on Windows and macOS")


_SLICE = 1 << 16  # paths joined at a time when scanning them in C


def _unplain(paths: list[str]) -> list[str]:
    """The paths that are not ASCII lower case, found a slice at a time in C (nearly always none)."""
    odd: list[str] = []
    for at in range(0, len(paths), _SLICE):
        part = paths[at:at + _SLICE]
        joined = "\n".join(part)
        if not (joined.isascii() and joined == joined.lower()):
            odd += (p for p in part if not (p.isascii() and p == p.lower()))
    return odd


def _check_oxum(st: _State, bag_info: list[tuple[str, str]]) -> None:
    oxums = [v for label, v in bag_info if label.lower() == "payload-oxum"]
    if not oxums:
        return
    name = "bag-info.txt" if "bag-info.txt" in st.inv.files else "package-info.txt"
    if len(oxums) > 1:
        st.problem(name, k.BAD_BAG_INFO, "Payload-Oxum appears more than once")
    m = _OXUM.match(oxums[0])
    if m is None:
        st.problem(name, k.BAD_BAG_INFO, f"Payload-Oxum {quoted(oxums[0])} is not '<bytes>.<files>'")
        return
    size, count = st.inv.payload_size(), len(st.inv.payload())
    # Compared as digit strings: int() refuses numbers of over 4,300 digits, and a count that
    # long can never match anyway.
    said_size, said_count = (g.lstrip("0") or "0" for g in m.groups())
    if (said_size, said_count) != (str(size), str(count)):
        st.problem(name, k.OXUM_MISMATCH, f"Payload-Oxum says {_shorten(said_size)} bytes in {_shorten(said_count)} "
                                          f"files; the payload has {size} bytes in {count} files")


def _shorten(digits: str) -> str:
    return digits if len(digits) <= 40 else f"{digits[:20]}…({len(digits):,} digits)"


def _check_system_files(st: _State) -> None:
    payload = st.inv.payload()
    for at in range(0, len(payload), _SLICE):
        part = payload[at:at + _SLICE]
        # One C search a slice: such files are rare, and the per-name check below is slow.
        joined = "\n".join(part).lower()
        if not any(name in joined for name in _SYSTEM_FILES):
            continue
        for path in part:
            if path.rsplit("/", 1)[-1].lower() in _SYSTEM_FILES:
                st.warn(path, k.SYSTEM_FILE, "operating-system housekeeping file in the payload")


def _check_fixity(st: _State, manifests: list[_Manifest], processes: int,
                  progress: Callable[[int], None] | None) -> tuple[int, int]:
    """Hash each listed, present file once with all its algorithms, on ``processes`` threads."""
    listings = [Listing(m.name, m.algorithm, m.tag, m.entries) for m in manifests]
    with Beneath(st.root) as beneath:
        done = check_fixity(beneath, st.inv, listings, processes, progress)
    st.problems.extend(done.problems or [])
    return done.files, done.size


def _check_profile(st: _State, given: dict[str, Any] | None, bag_info: list[tuple[str, str]],
                   manifests: list[_Manifest], has_fetch: bool) -> str | None:
    named = [v for label, v in bag_info if label.lower() == "bagit-profile-identifier"]
    profile = given
    if profile is None and named:
        if named[0] == PROFILE_IDENTIFIER and PROFILE_PATH.is_file():
            profile = load_profile(PROFILE_PATH)
        else:
            st.warn("bag-info.txt", k.PROFILE_NOT_CHECKED,
                    f"names profile {quoted(named[0])}, which is not known locally; pass --profile FILE to "
                    "check it (profiles are never downloaded)")
    if profile is None:
        return None
    ident = profile_identifier(profile)
    if given is not None and named and ident and named[0] != ident:
        st.problem("bag-info.txt", k.PROFILE_VIOLATION,
                   f"BagIt-Profile-Identifier is {quoted(named[0])}, but the given profile is {quoted(ident)}")
    tag_files = [p for p in st.inv.paths if not p.startswith("data/")
                 and not _MANIFEST.match(p)]
    st.problems.extend(check_profile(
        profile, version=st.decl.version, bag_info=bag_info,
        manifests=[m.algorithm for m in manifests if not m.tag],
        tag_manifests=[m.algorithm for m in manifests if m.tag],
        tag_files=tag_files, payload_files=st.inv.payload(), has_fetch=has_fetch))
    return ident
