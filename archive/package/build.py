"""Build a BagIt 1.0 bag from WARCs and metadata records, without touching the inputs.

The bag is assembled in ``DEST.partial-<random>`` next to DEST (same filesystem), every input
COPIED and digested in the same pass, every file fsync'd, ``bagit.txt`` written last, and the
folder renamed to DEST in one step. A crash leaves only a ``.partial-*`` folder without a
``bagit.txt`` (so no validator takes it for a bag); the next build removes such leftovers.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

from archive import SOFTWARE
from archive.diskfull import disk_full_guard
from archive.errors import BagError, WarcReadError
from archive.package.baginfo import BagInfo, format_bag_info
from archive.package.hashing import (
    FileDigests,
    copy_and_hash,
    fsync_dir,
    hash_file,
    new_hashers,
    ordered_map,
    write_and_hash,
)
from archive.package.manifest import format_manifest, manifest_name
from archive.package.premis import OUTCOME_SUCCESS, PREMIS_LOG, PremisEvent, format_log
from archive.package.profile import PROFILE_IDENTIFIER

ALGORITHMS: tuple[str, ...] = ("sha256", "sha512")
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
WARC_DIR = "data/warcs"
METADATA_DIR = "data/metadata"
INDEX_PATH = "data/indexes/index.cdxj"
_OWNER_FILE = ".news-archive-staging"  # pid of the builder; tells stale partials from live ones


def build_bag(dest: Path, *, warcs: Sequence[Path], metadata: Sequence[Path], info: BagInfo,
              events: Sequence[PremisEvent] = (), cdxj: Path | None = None, processes: int = 2,
              progress: Callable[[int], None] | None = None, bagging_date: date | None = None) -> Path:
    """Build a bag at ``dest`` and return its path.

    ``warcs`` go to ``data/warcs/``, ``metadata`` (one NewsArticle JSON per article) to
    ``data/metadata/``; ``cdxj`` is copied to ``data/indexes/index.cdxj`` or, when None, written
    from the copied WARCs. ``events`` (capture, metadata extraction...) are logged in
    ``premis/events.json`` with the builder's own events appended. Inputs are only read.

    Raises :class:`BagError` when ``dest`` exists, an input is missing or two inputs would land on
    the same name; the staging folder is removed on any error.
    """
    dest = Path(dest)
    if os.path.lexists(dest):
        raise BagError(f"{dest} already exists; a bag is never overwritten",
                       hint="choose another --out folder or remove the old bag yourself")
    if not warcs:
        raise BagError("no WARC files to package", hint="pass at least one .warc or .warc.gz file")
    plan = _plan(warcs, metadata, cdxj)
    folders = ", ".join(sorted({str(Path(p).parent) for p in warcs}))
    with disk_full_guard(dest, f"no bag was made (its staging folder was removed); the WARCs are untouched in {folders}"):
        return _build(dest, plan, info, events, cdxj, processes, progress, bagging_date)


def _build(dest: Path, plan: dict[str, Path], info: BagInfo, events: Sequence[PremisEvent], cdxj: Path | None,
           processes: int, progress: Callable[[int], None] | None, bagging_date: date | None) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_partials(dest)
    staging = dest.parent / f"{dest.name}.partial-{secrets.token_hex(6)}"
    staging.mkdir()
    try:
        (staging / _OWNER_FILE).write_text(str(os.getpid()))
        payload = _copy_payload(staging, plan, processes, progress)
        index_errors: list[WarcReadError] = []
        if cdxj is None:
            payload[INDEX_PATH] = _write_index(staging, [p for p in plan if p.startswith(WARC_DIR)],
                                               index_errors)
        _check_sizes(staging, payload)
        _write_tag_files(staging, payload, info, events, bagging_date or date.today(), index_errors)
        (staging / _OWNER_FILE).unlink()
        # bagit.txt last, after the owner file is gone: a staging folder that holds it is a whole
        # bag (the owner file would be an extra tag file, which the profile forbids).
        # Under another name first: a kill between creating and writing it must not leave an
        # empty bagit.txt (a folder that looks like a bag and is not one).
        write_and_hash(staging / ".bagit.txt.partial", BAGIT_TXT, ALGORITHMS)
        os.rename(staging / ".bagit.txt.partial", staging / "bagit.txt")
        fsync_dir(staging)
        if os.path.lexists(dest):  # someone else finished first: never replace their bag
            raise BagError(f"{dest} appeared while the bag was being built; not overwriting it")
        os.rename(staging, dest)
        fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def clean_stale_partials(dest: Path) -> list[Path]:
    """Remove ``DEST.partial-*`` folders left by builders that are no longer running."""
    removed = []
    for partial in dest.parent.glob(f"{dest.name}.partial-*"):
        if partial.is_symlink() or not partial.is_dir() or _owner_alive(partial):
            continue
        shutil.rmtree(partial, ignore_errors=True)
        removed.append(partial)
    return removed


def _owner_alive(partial: Path) -> bool:
    try:
        pid = int((partial / _OWNER_FILE).read_text().strip())
    except (OSError, ValueError):
        return False  # no owner file: the builder got as far as the rename step, or never started
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _plan(warcs: Sequence[Path], metadata: Sequence[Path], cdxj: Path | None) -> dict[str, Path]:
    """Map bag-relative payload paths to input files, refusing clashes and non-files early."""
    plan: dict[str, Path] = {}
    groups: list[tuple[str, Sequence[Path]]] = [(WARC_DIR, warcs), (METADATA_DIR, metadata)]
    for folder, paths in groups:
        for src in paths:
            src = Path(src)
            if src.is_symlink():  # what it points to may be anything, anywhere: never packaged
                raise BagError(f"{src}: a symbolic link; not packaged (links are never followed)",
                               hint=f"name the file itself ({os.path.realpath(src)}); nothing was written")
            if not src.is_file():
                raise BagError(f"{src}: not a regular file", hint="check the path; nothing was written")
            rel = f"{folder}/{src.name}"
            if rel in plan:
                raise BagError(f"{src} and {plan[rel]} would both become {rel}",
                               hint="rename one of them; file names inside a bag must be unique")
            plan[rel] = src
    if cdxj is not None:
        if Path(cdxj).is_symlink() or not Path(cdxj).is_file():
            raise BagError(f"{cdxj}: not a regular file")
        plan[INDEX_PATH] = Path(cdxj)
    return plan


def _copy_payload(staging: Path, plan: Mapping[str, Path], processes: int,
                  progress: Callable[[int], None] | None) -> dict[str, FileDigests]:
    for rel in plan:
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
    # Big files first so the pool does not end on one large copy.
    order = sorted(plan, key=lambda r: -plan[r].stat().st_size)
    results = ordered_map(lambda r: copy_and_hash(plan[r], staging / r, ALGORITHMS, progress), order,
                          max(1, processes))
    payload = dict(zip(order, results, strict=True))
    for folder in {str(Path(rel).parent) for rel in plan}:
        fsync_dir(staging / folder)
    return payload


def _write_index(staging: Path, warc_rels: Sequence[str], errors: list[WarcReadError]) -> FileDigests:
    """Index the staged WARCs. A damaged WARC is still packaged (nothing is lost); its readable
    records are indexed and the damage is recorded in ``errors`` for the PREMIS log."""
    from archive.replay.cdxj import (
        write_cdxj,  # lazy: indexing is optional for the builder's import
    )

    out_path = staging / INDEX_PATH
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "xb") as out:
        write_cdxj([staging / r for r in sorted(warc_rels)], out, relative_to=staging / WARC_DIR,
                   errors=errors)
        out.flush()
        os.fsync(out.fileno())
    # The index is small (one line per record): hash it after writing rather than threading
    # hashers through the indexer.
    digests = hash_file(tmp, ALGORITHMS)
    os.rename(tmp, out_path)
    fsync_dir(out_path.parent)
    return FileDigests(out_path, digests.size, digests.digests)


def _check_sizes(staging: Path, payload: Mapping[str, FileDigests]) -> None:
    """Cheap self-check before sealing: each staged file has exactly the bytes we digested."""
    for rel, fd in payload.items():
        size = (staging / rel).stat().st_size
        if size != fd.size:
            raise BagError(f"{rel}: staged copy has {size} bytes, {fd.size} were digested",
                           hint="the input changed while it was being copied; run the build again")


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _write_tag_files(staging: Path, payload: Mapping[str, FileDigests], info: BagInfo,
                     events: Sequence[PremisEvent], bagging_date: date,
                     index_errors: Sequence[WarcReadError] = ()) -> None:
    total = sum(fd.size for fd in payload.values())
    tags: dict[str, FileDigests] = {}
    for alg in ALGORITHMS:
        name = manifest_name(alg)
        tags[name] = write_and_hash(staging / name, format_manifest(
            {rel: fd.digests[alg] for rel, fd in payload.items()}), ALGORITHMS)
    fields = info.fields() + [
        ("Bagging-Date", bagging_date.isoformat()),
        ("Bag-Software-Agent", SOFTWARE),
        ("Payload-Oxum", f"{total}.{len(payload)}"),
        ("Bag-Size", _human_size(total)),
        ("BagIt-Profile-Identifier", PROFILE_IDENTIFIER),
    ]
    tags["bag-info.txt"] = write_and_hash(staging / "bag-info.txt", format_bag_info(fields), ALGORITHMS)
    log = list(events) + [
        PremisEvent("message digest calculation", OUTCOME_SUCCESS,
                    f"sha256 and sha512 of {len(payload)} payload files ({total} bytes), "
                    "computed while copying each input once", objects=sorted(payload)),
        PremisEvent("validation", OUTCOME_SUCCESS if not index_errors else "warning",
                    f"staged payload complete: {len(payload)} files, sizes equal to the digested bytes"
                    + "".join(f"; WARC damaged, readable records indexed: {str(e).splitlines()[0]}"
                              for e in index_errors)),
    ]
    (staging / PREMIS_LOG).parent.mkdir(parents=True, exist_ok=True)
    tags[PREMIS_LOG] = write_and_hash(staging / PREMIS_LOG, format_log(log), ALGORITHMS)
    fsync_dir((staging / PREMIS_LOG).parent)
    # bagit.txt is listed in the tag manifests now but written last: until then the folder is
    # not a bag to anyone who looks at it.
    hashers = new_hashers(ALGORITHMS)
    for h in hashers.values():
        h.update(BAGIT_TXT)
    tags["bagit.txt"] = FileDigests(staging / "bagit.txt", len(BAGIT_TXT),
                                    {n: h.hexdigest() for n, h in hashers.items()})
    for alg in ALGORITHMS:
        write_and_hash(staging / manifest_name(alg, tag=True),
                       format_manifest({rel: fd.digests[alg] for rel, fd in tags.items()}), ALGORITHMS)
