"""SIGKILL the packaging process at random moments: never a half bag that looks whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from archive.validate import validate_bag

ROOT = Path(__file__).resolve().parents[2]

# The child imports everything first, says "go", then builds: the kill lands inside build_bag.
CHILD = """
import sys
from pathlib import Path
from archive.package import BagInfo, build_bag
src, dest = Path(sys.argv[1]), Path(sys.argv[2])
info = BagInfo(source_organization="Crash Test", external_identifier="crash",
               external_description="killed at random")
warcs = sorted(src.glob("*.warc.gz"))
metadata = sorted(src.glob("*.json"))
print("go", flush=True)
build_bag(dest, warcs=warcs, metadata=metadata, info=info)
print("done", flush=True)
"""


def _spawn(src: Path, dest: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(dest)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
    return proc


def test_kill_at_random_points_never_leaves_a_whole_looking_half_bag(tmp_path: Path, make_warc) -> None:  # noqa: ANN001
    src = tmp_path / "capture"
    src.mkdir()
    for i in range(3):
        make_warc(src / f"c{i}.warc.gz", pages=4, body_size=300_000, seed=i)  # ~3.6 MB in all
    for i in range(20):
        (src / f"a{i}.json").write_text(f'{{"headline": "{i}"}}')
    inputs_before = {p.name: p.read_bytes() for p in src.iterdir()}

    # How long does a whole build take here? Kill points are drawn from that span.
    probe = _spawn(src, tmp_path / "probe")
    t0 = time.monotonic()
    assert probe.wait(timeout=60) == 0
    span = time.monotonic() - t0
    assert validate_bag(tmp_path / "probe").valid

    rng = random.Random(4)  # fixed seed: reproducible kill points
    dest = tmp_path / "out" / "bag"
    dest.parent.mkdir()
    outcomes = []
    for _ in range(10):
        proc = _spawn(src, dest)
        time.sleep(rng.uniform(0, span * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        finished = dest.exists()
        outcomes.append(finished)
        if finished:
            # The rename is the last step: if DEST exists it must be whole.
            assert validate_bag(dest).valid
            break
        for partial in dest.parent.glob("bag.partial-*"):
            # bagit.txt is written last, just before the rename: a partial folder is not a bag,
            # except in that last instant, when it is already a whole one.
            if (partial / "bagit.txt").exists():
                assert validate_bag(partial).valid
            else:
                assert not validate_bag(partial, fast=True).valid
    assert not all(outcomes), "no kill landed before the build finished; the test proves nothing"

    if not dest.exists():  # a rerun cleans the leftovers and succeeds
        proc = _spawn(src, dest)
        assert proc.wait(timeout=60) == 0
    assert validate_bag(dest).valid
    assert list(dest.parent.glob("bag.partial-*")) == []
    assert {p.name: p.read_bytes() for p in src.iterdir()} == inputs_before
    assert os.listdir(dest.parent) == ["bag"]
