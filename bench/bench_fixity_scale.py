"""Fixity at archive scale (issue 16): `--fast` on many files, memory per manifest line, and a
repository audit's memory as the number of bags grows.

    .venv/bin/python bench/bench_fixity_scale.py --files 100000            # --fast timing, listing
    .venv/bin/python bench/bench_fixity_scale.py --files 1000000 --full    # + full validation memory
    .venv/bin/python bench/bench_fixity_scale.py --files 100000 --full --bagit   # + bagit-python
    .venv/bin/python bench/bench_fixity_scale.py --bags 1000,10000         # audit memory vs bag count
    .venv/bin/python bench/bench_fixity_scale.py --throughput 100,40       # audit vs the hashing limit
    .venv/bin/python bench/bench_fixity_scale.py --throughput 1000,20 --kill --dir /tmp   # 20 GiB, + resume

Every figure comes from a child process: wall time, and peak RSS from GNU time (``%M``). Nothing
is asserted; ratios and figures are printed. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from archive.package.manifest import format_manifest  # noqa: E402

PY = sys.executable
ARCHIVE = str(Path(PY).with_name("archive"))


def timed(cmd: list[str]) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, stdout) of one child process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], cwd=REPO,
                              capture_output=True, text=True)
        secs = time.perf_counter() - t0
        lines = rss.read().strip().splitlines()
    peak = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else 0.0
    return secs, peak, proc.returncode, proc.stdout


def build_many(bag: Path, files: int, size: int = 32) -> None:
    """A bag of ``files`` tiny payload files in folders of 1,000, sha256 + sha512 manifests."""
    digests: dict[str, dict[str, str]] = {"sha256": {}, "sha512": {}}
    total = 0
    for i in range(files):
        folder = bag / "data" / f"d{i // 1000:04d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        data = os.urandom(size)
        rel = f"data/d{i // 1000:04d}/f{i:07d}.bin"
        (bag / rel).write_bytes(data)
        digests["sha256"][rel] = hashlib.sha256(data).hexdigest()
        digests["sha512"][rel] = hashlib.sha512(data).hexdigest()
        total += size
    for alg, table in digests.items():
        (bag / f"manifest-{alg}.txt").write_bytes(format_manifest(table))
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "bag-info.txt").write_text(f"Payload-Oxum: {total}.{files}\nBagging-Date: 2026-01-01\n")


def bench_files(root: Path, files: int, full: bool, bagit: bool) -> None:
    bag = root / f"many-{files}"
    t0 = time.perf_counter()
    build_many(bag, files)
    print(f"\n## a bag of {files:,} files of 32 bytes (built in {time.perf_counter() - t0:.0f} s)")
    for run in range(3):
        secs, peak, rc, _ = timed([ARCHIVE, "validate", "--fast", "--quiet", str(bag)])
        print(f"  archive validate --fast (intact)       {secs:6.2f} s  {peak:7.1f} MB  exit {rc}  (run {run + 1})")
    # Five files gone, five unexpected: every one must be listed.
    gone = [bag / "data" / "d0000" / f"f{i:07d}.bin" for i in range(0, 50, 10)]
    for path in gone:
        path.unlink()
    for i in range(5):
        (bag / "data" / "d0001" / f"extra-{i}.bin").write_bytes(b"x")
    secs, peak, rc, out = timed([ARCHIVE, "validate", "--fast", "--quiet", "--json", str(bag)])
    problems = json.loads(out)["bags"][0]["problems"]
    missing = sum(p["kind"] == "missing" for p in problems)
    unexpected = sum(p["kind"] == "unexpected" for p in problems)
    print(f"  archive validate --fast (5 gone, 5 new) {secs:6.2f} s  {peak:7.1f} MB  exit {rc}  "
          f"lists {missing} missing, {unexpected} unexpected")
    for path in gone:
        path.write_bytes(b"")  # back, with other bytes: full validation reports them as changed
    for i in range(5):
        (bag / "data" / "d0001" / f"extra-{i}.bin").unlink()
    if full:
        secs, peak, rc, _ = timed([ARCHIVE, "validate", "--quiet", "--processes", "2", str(bag)])
        lines = 2 * files
        print(f"  archive validate (full, sha256+sha512) {secs:6.2f} s  {peak:7.1f} MB  exit {rc}  "
              f"= {peak * 1e6 / lines:.0f} bytes per manifest line ({lines:,} lines)")
        if bagit:
            secs, peak, rc, _ = timed([PY, "-m", "bagit", "--validate", "--processes", "2", "--quiet", str(bag)])
            print(f"  bagit-python --validate --processes 2  {secs:6.2f} s  {peak:7.1f} MB  exit {rc}")
    shutil.rmtree(bag)


def bench_bags(root: Path, counts: list[int]) -> None:
    from archive.package import BagInfo, build_bag
    from tests.package.conftest import write_metadata, write_warc

    src = root / "src"
    src.mkdir()
    template = build_bag(root / "template", warcs=[write_warc(src / "c.warc.gz", pages=2, body_size=500)],
                         metadata=[write_metadata(src / "a.json", 0)],
                         info=BagInfo("bench", "bench-1", "a small bag for the audit benchmark"))
    print("\n## archive audit of many small bags (peak RSS flat in the number of bags?)")
    for count in counts:
        store = root / f"store-{count}"
        t0 = time.perf_counter()
        for i in range(count):
            shutil.copytree(template, store / f"shelf-{i // 100:03d}" / f"bag-{i:05d}")
        built = time.perf_counter() - t0
        for processes in (1, 2):
            log = root / f"audit-{count}-{processes}.jsonl"
            secs, peak, rc, out = timed([ARCHIVE, "audit", str(store), "--log", str(log), "--json", "--quiet",
                                         "--processes", str(processes)])
            doc = json.loads(out) if out.strip() else {}
            print(f"  {count:>6,} bags, {processes} process(es): {secs:6.1f} s  {peak:7.1f} MB  exit {rc}  "
                  f"checked {doc.get('checked')} valid {doc.get('valid')}  (built in {built:.0f} s)")
        shutil.rmtree(store)


REFERENCE = r"""
import hashlib, os, sys
from concurrent.futures import ThreadPoolExecutor
paths = [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs]
def one(p):
    a, b = hashlib.sha256(), hashlib.sha512()
    with open(p, "rb", buffering=0) as f:
        while block := f.read(1 << 20):
            a.update(block); b.update(block)
with ThreadPoolExecutor(2) as pool:
    print(len(list(pool.map(one, paths))))
"""


def bench_throughput(root: Path, bags: int, mib: int, runs: int = 3, kill: bool = False) -> None:
    """An audit of ``bags`` bags of one ``mib`` MiB file each vs a one-pass, two-thread hash of
    the same files (this machine's practical limit); with ``kill``, an audit SIGKILLed halfway
    and resumed."""
    from bench_validate import _write_random_ish  # the same incompressible-looking bytes

    from archive.package import BagInfo, build_bag

    store = root / "throughput"
    src = root / "tp-src"
    src.mkdir()
    t0 = time.perf_counter()
    for i in range(bags):
        warc = src / f"w{i:05d}.warc.gz"
        _write_random_ish(warc, mib << 20, i)
        build_bag(store / f"bag-{i:05d}", warcs=[warc], metadata=[], info=BagInfo("bench", f"b{i}", "throughput"))
        warc.unlink()
    print(f"\n## audit throughput: {bags} bags x {mib} MiB = {bags * mib / 1024:.1f} GiB "
          f"(built in {time.perf_counter() - t0:.0f} s)")
    timed([PY, "-c", REFERENCE, str(store)])  # warm the page cache once for both
    ref_t, audit_t = [], []
    for run in range(runs):
        ref_t.append(timed([PY, "-c", REFERENCE, str(store)])[0])
        log = root / f"tp-{run}.jsonl"
        secs, peak, rc, _ = timed([ARCHIVE, "audit", str(store), "--log", str(log), "--quiet", "--json",
                                   "--processes", "2"])
        audit_t.append(secs)
    ref, aud = sorted(ref_t)[runs // 2], sorted(audit_t)[runs // 2]
    print(f"  one-pass reference (2 threads)      {ref:6.2f} s   runs {' '.join(f'{t:.2f}' for t in ref_t)}")
    print(f"  archive audit --processes 2         {aud:6.2f} s   runs {' '.join(f'{t:.2f}' for t in audit_t)}"
          f"   share of the limit {ref / aud:.2f}")
    if kill:
        kill_and_resume(root, store, bags)
    shutil.rmtree(store)


def _events(log: Path) -> list[str]:
    """The bags the audit log has a fixity event for, in order (a torn last line is not one)."""
    out = []
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        out += [o["linkingObjectIdentifierValue"] for o in event.get("linkingObjectIdentifier", [])]
    return out


def kill_and_resume(root: Path, store: Path, bags: int) -> None:
    """SIGKILL an audit once half the bags have events, then rerun it: the rerun must hash only
    the bags without an event, and the log must end with exactly one event per bag."""
    import signal

    log = root / "tp-kill.jsonl"
    cmd = [ARCHIVE, "audit", str(store), "--log", str(log), "--quiet", "--json", "--processes", "2"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and len(_events(log)) < bags // 2:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = time.perf_counter() - t0
    before = _events(log)
    secs, _, rc, out = timed(cmd)
    doc = json.loads(out) if out.strip() else {}
    after = _events(log)
    print(f"  SIGKILL after {first:.1f} s with {len(before)} of {bags} bags done; the rerun took {secs:.1f} s, "
          f"exit {rc}: skipped {doc.get('skipped')}, hashed {doc.get('checked')} "
          f"({doc.get('bytes', 0) / 2**30:.1f} GiB); log: {len(after)} events for {len(set(after))} bags"
          f"{'' if len(after) == len(set(after)) == bags else '  !! not one event per bag'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, help="files in the many-files bag (e.g. 100000)")
    ap.add_argument("--full", action="store_true", help="also a full validation of it (time, memory)")
    ap.add_argument("--bagit", action="store_true", help="and bagit-python's full validation of it")
    ap.add_argument("--bags", help="comma-separated bag counts for the audit benchmark (e.g. 1000,10000)")
    ap.add_argument("--throughput", metavar="BAGS,MIB", help="audit throughput vs the hashing limit, e.g. 100,40")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each side for --throughput (median)")
    ap.add_argument("--kill", action="store_true", help="with --throughput: SIGKILL an audit halfway, resume it")
    ap.add_argument("--dir", type=Path, help="where to build (default: a temp folder)")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-fixity-", dir=args.dir))
    print(f"# {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, in {root}")
    try:
        if args.files:
            bench_files(root, args.files, args.full, args.bagit)
        if args.bags:
            bench_bags(root, [int(c) for c in args.bags.split(",")])
        if args.throughput:
            count, mib = (int(x) for x in args.throughput.split(","))
            bench_throughput(root, count, mib, args.runs, args.kill)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
