"""Benchmark bag validation: `archive validate` vs bagit-python vs a one-pass hashlib reference.

Shapes (at ``--scale 1``):
  web-archive       2 files of 1 GiB (random-ish bytes) + 1,000 small files
  web-archive-half  the same with 512 MiB files (shows peak memory does not grow with the bag)
  many-small        20,000 files of 16 KiB

Each tool runs as its own process, ``--runs`` times (median reported), interleaved so that no
tool always gets the coldest cache; peak RSS per child comes from GNU time (``%M``). The reference
is this machine's practical limit: sha256 and sha512 fed from the same 1 MiB blocks, 2 threads.

    .venv/bin/python bench/bench_validate.py [--scale 0.25] [--dir /tmp] [--runs 3] [--keep]

Needs about 3.5 GB of disk at scale 1. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.package.hashing import hash_files  # noqa: E402
from archive.package.manifest import format_manifest  # noqa: E402

GiB = 1 << 30
MiB = 1 << 20
ALGS = ("sha256", "sha512")

REFERENCE = r"""
import hashlib, os, sys
from concurrent.futures import ThreadPoolExecutor
root = sys.argv[1]
paths = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
paths.sort(key=lambda p: -os.path.getsize(p))
def one(p):
    a, b = hashlib.sha256(), hashlib.sha512()
    with open(p, "rb", buffering=0) as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            a.update(block); b.update(block)
    return a.hexdigest(), b.hexdigest()
with ThreadPoolExecutor(2) as pool:
    n = len(list(pool.map(one, paths)))
print(n)
"""

# The library call without the CLI's start-up (which imports every subcommand).
LIBRARY = r"""
import sys
from pathlib import Path
from archive.validate import validate_bag
r = validate_bag(Path(sys.argv[1]), processes=2)
sys.exit(0 if r.valid else 1)
"""


@dataclass
class Shape:
    name: str
    big_files: int
    big_size: int
    small_files: int
    small_size: int


def shapes(scale: float) -> list[Shape]:
    return [
        Shape("web-archive", 2, int(GiB * scale), 1000, 8 * 1024),
        Shape("web-archive-half", 2, int(GiB * scale / 2), 1000, 8 * 1024),
        Shape("many-small", 0, 0, int(20000 * scale), 16 * 1024),
    ]


def _write_random_ish(path: Path, size: int, seed: int) -> None:
    """Incompressible-looking bytes, fast: a random 1 MiB block, varied per block by a counter."""
    base = bytearray(os.urandom(MiB))
    with open(path, "wb") as f:
        written, i = 0, 0
        while written < size:
            base[:16] = (seed * 1_000_003 + i).to_bytes(16, "little")
            chunk = base[: min(MiB, size - written)]
            f.write(chunk)
            written += len(chunk)
            i += 1


def build(shape: Shape, root: Path) -> Path:
    bag = root / shape.name
    data = bag / "data"
    (data / "warcs").mkdir(parents=True)
    (data / "records").mkdir()
    for i in range(shape.big_files):
        _write_random_ish(data / "warcs" / f"big-{i}.warc.gz", shape.big_size, i)
    for i in range(shape.small_files):
        sub = data / "records" / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"r{i:06d}.json").write_bytes(os.urandom(shape.small_size))
    rels = sorted(p.relative_to(bag).as_posix() for p in data.rglob("*") if p.is_file())
    digests = list(hash_files([bag / r for r in rels], ALGS, processes=2))
    total = sum(d.size for d in digests)
    for alg in ALGS:
        (bag / f"manifest-{alg}.txt").write_bytes(
            format_manifest({r: d.digests[alg] for r, d in zip(rels, digests, strict=True)}))
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "bag-info.txt").write_text(f"Payload-Oxum: {total}.{len(rels)}\nBagging-Date: 2026-01-01\n")
    tags = ["bagit.txt", "bag-info.txt"] + [f"manifest-{a}.txt" for a in ALGS]
    tag_digests = list(hash_files([bag / t for t in tags], ALGS, processes=1))
    for alg in ALGS:
        (bag / f"tagmanifest-{alg}.txt").write_bytes(
            format_manifest({t: d.digests[alg] for t, d in zip(tags, tag_digests, strict=True)}))
    return bag


def timed(cmd: list[str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, exit code) of one child process.

    Peak RSS comes from GNU time when present: ``wait4`` on a child forked from this (larger)
    process would report this process's RSS as the child's floor.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        wrapper = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] if os.path.exists("/usr/bin/time") else []
        t0 = time.perf_counter()
        proc = subprocess.run(wrapper + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        elapsed = time.perf_counter() - t0
        text = rss_file.read().strip().splitlines()
        peak = int(text[-1]) if text and text[-1].isdigit() else 0
    return elapsed, peak, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="size factor for every shape (default 1)")
    ap.add_argument("--dir", type=Path, help="where to build the bags (default: a temp folder)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the bags afterwards")
    ap.add_argument("--only", action="append", help="run only these shapes")
    args = ap.parse_args()

    py = sys.executable
    archive_bin = str(Path(py).with_name("archive"))
    tools: dict[str, Callable[[Path], list[str]]] = {
        "reference": lambda bag: [py, "-c", REFERENCE, str(bag)],
        "archive validate": lambda bag: [archive_bin, "validate", "--quiet", "--processes", "2", str(bag)],
        "validate_bag()": lambda bag: [py, "-c", LIBRARY, str(bag)],
        "bagit-python": lambda bag: [py, "-m", "bagit", "--validate", "--processes", "2", "--quiet", str(bag)],
    }
    root = Path(tempfile.mkdtemp(prefix="bench-bags-", dir=args.dir))
    print(f"# scale {args.scale}, {args.runs} runs each, bags in {root}, {os.cpu_count()} CPUs")
    try:
        for shape in shapes(args.scale):
            if args.only and shape.name not in args.only:
                continue
            t0 = time.perf_counter()
            bag = build(shape, root)
            size = sum(p.stat().st_size for p in bag.rglob("*") if p.is_file())
            print(f"\n## {shape.name}: {shape.big_files} x {shape.big_size / MiB:.0f} MiB + "
                  f"{shape.small_files} x {shape.small_size // 1024} KiB = {size / MiB:.0f} MiB "
                  f"(built in {time.perf_counter() - t0:.1f} s)")
            timed(tools["reference"](bag))  # warm the page cache once for everyone
            times: dict[str, list[float]] = {t: [] for t in tools}
            rss: dict[str, int] = {t: 0 for t in tools}
            for _ in range(args.runs):
                for name, cmd in tools.items():
                    secs, peak, rc = timed(cmd(bag))
                    if rc != 0:
                        print(f"  !! {name} exited {rc}")
                    times[name].append(secs)
                    rss[name] = max(rss[name], peak)
            ref = statistics.median(times["reference"])
            bagit_t = statistics.median(times["bagit-python"])
            print(f"  {'tool':<18} {'median s':>9} {'vs ref':>7} {'vs bagit':>9} {'peak RSS':>10}   runs")
            for name in tools:
                med = statistics.median(times[name])
                runs = " ".join(f"{t:.2f}" for t in times[name])
                print(f"  {name:<18} {med:>9.2f} {med / ref:>7.2f} {med / bagit_t:>9.2f} "
                      f"{rss[name] / 1024:>8.1f} MB   {runs}")
            if not args.keep:
                shutil.rmtree(bag)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
