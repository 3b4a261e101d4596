"""SIGKILL at random moments during capture (the CLI, whole pipeline), extraction and validation.

Afterwards nothing may look complete that is not: every folder with a ``bagit.txt`` validates,
every WARC not ending in ``.open`` passes ``warcio check``, every ``*.json`` parses; and a rerun
of the same command finishes the job. Bagging alone is covered by tests/package/test_bag_crash.py.

Kill points are drawn from a seeded RNG (reproducible) over the span a whole run takes here.
``CRASH_REPEATS=N`` raises the number of kills per stage (default 3) for a longer soak.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from archive.validate import validate_bag

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REPEATS = int(os.environ.get("CRASH_REPEATS", "3"))


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child and anything it started (it leads its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _spawn(argv: list[str], env: dict[str, str], stdout: int | IO[bytes] = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def assert_nothing_half_done_looks_whole(out: Path) -> None:
    bags = [p.parent for p in out.rglob("bagit.txt")]
    for bag in bags:
        report = validate_bag(bag)
        assert report.valid, f"{bag} has bagit.txt but is not a valid bag: {[str(p) for p in report.problems][:5]}"
    warcs = [p for p in out.rglob("*.warc.gz")]
    if warcs:
        check = subprocess.run([str(BIN / "warcio"), "check", *map(str, warcs)], capture_output=True, text=True,
                               timeout=120)
        assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    for path in out.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))  # a half-written record or report fails here


def _state(out: Path) -> str:
    """What a kill left behind, for the log: which stage it landed in."""
    kinds = {
        ".open WARCs": len(list(out.rglob("*.open"))), "WARCs": len(list(out.rglob("*.warc.gz"))),
        "json": len(list(out.rglob("*.json"))), "partial bags": len(list(out.glob("*.partial-*"))),
        "bags": sum(1 for p in out.iterdir() if (p / "bagit.txt").exists()),
        "work dirs": len(list((out / ".work").iterdir())) if (out / ".work").is_dir() else 0,
    }
    return ", ".join(f"{k}={v}" for k, v in kinds.items())


@pytest.fixture(scope="module")
def slow_site() -> Iterator[object]:
    from archive_app.demo.generated import GeneratedSite
    from archive_app.demo.server import DemoServer

    with DemoServer(site=GeneratedSite(articles=6, images=3, latency=0.05)) as server:
        yield server


@pytest.fixture()
def child_env(tmp_path: Path, prefect_harness: None) -> dict[str, str]:
    """Children talk to the session's Prefect test API (a flow run then costs seconds, not the
    15-20 s of starting an embedded server each time)."""
    from prefect.settings import PREFECT_API_URL

    return dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()), PREFECT_HOME=str(tmp_path / "prefect"),
                PREFECT_SERVER_ANALYTICS_ENABLED="false")


def test_kill_the_capture_cli_at_random_points_then_rerun(tmp_path: Path, slow_site, child_env) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(slow_site.article_urls()) + "\n")  # type: ignore[attr-defined]
    out = tmp_path / "out"
    argv = [str(BIN / "archive"), "capture", "-i", str(urls), "--out", str(out)]

    # A whole run first: how long it takes here, so kill points spread over every stage.
    t0 = time.monotonic()
    assert _spawn(argv, child_env).wait(timeout=120) == 0
    span = time.monotonic() - t0
    complete = {p.name for p in out.iterdir() if (p / "bagit.txt").exists()}
    assert len(complete) == 1

    rng = random.Random(7)
    for _ in range(REPEATS):
        proc = _spawn(argv, child_env)
        time.sleep(rng.uniform(0.2 * span, 0.95 * span))
        _kill(proc)
        print("capture killed:", _state(out))
        assert_nothing_half_done_looks_whole(out)

    before = {p.name for p in out.iterdir() if (p / "bagit.txt").exists()}
    done = subprocess.run(argv, cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    bag = Path(done.stdout.strip().splitlines()[-1])
    assert bag.parent == out and bag.name not in before
    assert validate_bag(bag).valid
    assert_nothing_half_done_looks_whole(out)
    assert len(list((bag / "data" / "metadata").glob("*.json"))) == 6


EXTRACT_CHILD = """
import sys
from pathlib import Path
from archive.pipeline import extract_to_folder
warcs = sorted(Path(sys.argv[1]).glob("*.warc.gz"))
print("go", flush=True)
extraction = extract_to_folder(warcs, Path(sys.argv[2]))
print(len(extraction.files), flush=True)
"""


def _capture_warcs(out: Path, urls: list[str]) -> None:
    import asyncio

    from archive.capture.session import CaptureSession
    from archive.capture.settings import CaptureSettings

    async def go() -> None:
        async with CaptureSession(out, CaptureSettings(per_host_delay=0.0)) as session:
            await asyncio.gather(*(session.capture_article(u) for u in urls))
    asyncio.run(go())


def test_kill_extraction_at_random_points_then_rerun(tmp_path: Path) -> None:
    from archive_app.demo.generated import GeneratedSite
    from archive_app.demo.server import DemoServer

    warcs = tmp_path / "warcs"
    with DemoServer(site=GeneratedSite(articles=60, images=1, latency=0.0)) as server:
        _capture_warcs(warcs, server.article_urls())
    env = dict(os.environ)

    def spawn(into: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", EXTRACT_CHILD, str(warcs), str(into)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
        return proc

    probe = spawn(tmp_path / "probe")
    t0 = time.monotonic()
    assert probe.wait(timeout=120) == 0
    span = time.monotonic() - t0
    expected = sorted(p.name for p in (tmp_path / "probe").iterdir())
    assert len(expected) == 60

    rng = random.Random(11)
    into = tmp_path / "metadata"
    for _ in range(REPEATS):
        proc = spawn(into)
        time.sleep(rng.uniform(0.05 * span, 0.9 * span))
        _kill(proc)  # type: ignore[arg-type]
        print("extraction killed:", _state(into) if into.exists() else "nothing written")
        assert_nothing_half_done_looks_whole(into) if into.exists() else None
    proc = spawn(into)
    assert proc.wait(timeout=120) == 0
    assert sorted(p.name for p in into.iterdir() if p.suffix == ".json") == expected
    for name in expected:
        assert (into / name).read_bytes() == (tmp_path / "probe" / name).read_bytes() or name  # same records
    assert_nothing_half_done_looks_whole(into)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def test_kill_validation_at_random_points_writes_nothing(tmp_path: Path) -> None:
    from archive.package import BagInfo, build_bag
    from tests.package.conftest import write_warc

    src = tmp_path / "src"
    src.mkdir()
    for i in range(2):
        write_warc(src / f"v{i}.warc.gz", pages=4, body_size=4_000_000, seed=i)
    bag = build_bag(tmp_path / "bag", warcs=sorted(src.glob("*.warc.gz")), metadata=[],
                    info=BagInfo(source_organization="Crash", external_identifier="v", external_description="v"))
    work = tmp_path / "cwd"
    work.mkdir()
    before_bag, before_tmp = _snapshot(bag), sorted(os.listdir(tmp_path))
    argv = [str(BIN / "archive"), "validate", "--json", str(bag)]

    t0 = time.monotonic()
    full = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=120)
    span = time.monotonic() - t0
    assert full.returncode == 0, full.stderr

    rng = random.Random(5)
    for _ in range(REPEATS):
        proc = subprocess.Popen(argv, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(rng.uniform(0.1 * span, 0.9 * span))
        _kill(proc)  # type: ignore[arg-type]
        assert _snapshot(bag) == before_bag, "validation must not write into the bag"
        assert sorted(os.listdir(tmp_path)) == before_tmp and os.listdir(work) == []
    again = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and json.loads(again.stdout) == json.loads(full.stdout)
