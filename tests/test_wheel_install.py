"""Issue 12 item 7: the package as users install it. The wheel is built from a copy of the source
(what `pip install .`/pipx build), installed into a scratch virtual environment outside the
checkout, and its `archive` runs with the working folder outside the checkout too: schemas, the
BagIt profile and the demo site must come from the installed package, not from the source tree.

Offline and fast: the wheel is built without build isolation (setuptools and wheel are in the
test extra), and the scratch environment sees the already installed dependencies through a
`.pth` file instead of downloading them. A `.pth` line adds a folder to sys.path without reading
the `.pth` files inside it, so the development install's editable hook stays out of the way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from archive import __version__
from archive.errors import ArchiveError
from archive.replay.pywb import find_pywb

REPO = Path(__file__).resolve().parents[1]
# Generous bounds for a busy machine; they only stop a hang, they time nothing.
BUILD_TIMEOUT = 300
RUN_TIMEOUT = 600

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Installed:
    venv: Path
    home: Path  # the working folder for every command: outside the checkout

    @property
    def archive(self) -> str:
        return str(self.venv / "bin" / "archive")

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.archive, *args], cwd=self.home, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, env=env or _child_env())


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # nothing may lead the installed command back to the checkout
    return env


def _copy_source(dest: Path) -> Path:
    """The files a build reads: the project file, the readme and every packaged top-level folder
    (read from pyproject.toml, so a package added later is copied too), plus schemas/."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["packages"]["find"]["include"]
    tops = {p.split(".")[0].rstrip("*") for p in patterns}
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in sorted(tops | {"schemas"}):
        # symlinks=True: archive/schemas stays a link to ../schemas, as in the checkout.
        shutil.copytree(REPO / name, dest / name, symlinks=True, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("wheel")
    assert REPO not in work.parents and work != REPO
    src = _copy_source(work / "src")
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(dist), str(src)],
                   check=True, capture_output=True, timeout=BUILD_TIMEOUT, cwd=work)
    [wheel] = dist.glob("news_archive-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=BUILD_TIMEOUT)
    python = venv / "bin" / "python"
    # Installed before the dependencies are made visible: pip then sees no news-archive yet.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=BUILD_TIMEOUT, cwd=work)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    home = work / "home"
    home.mkdir()
    yield Installed(venv, home)


@pytest.fixture(scope="module")
def demo_bag(installed: Installed) -> Path:
    done = installed.run("demo", "--out", "made", "--quiet")
    assert done.returncode == 0, done.stderr[-3000:]
    bag = Path(done.stdout.strip().splitlines()[-1])
    return bag if bag.is_absolute() else installed.home / bag


def test_the_installed_command_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    done = installed.run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"archive {__version__}"
    code = ("import archive, archive_app.cli, flows, archive.resources as r\n"
            "print(archive.__file__); print(flows.__file__); print(r.schema_path('article.schema.json'))")
    where = subprocess.run([str(installed.venv / "bin" / "python"), "-c", code], cwd=installed.home,
                           capture_output=True, text=True, timeout=RUN_TIMEOUT, env=_child_env())
    assert where.returncode == 0, where.stderr
    paths = [Path(line) for line in where.stdout.split()]
    assert all(installed.venv in p.parents for p in paths), paths
    assert paths[2].is_file()


def test_the_installed_demo_captures_extracts_and_packages_a_valid_bag(installed: Installed,
                                                                       demo_bag: Path) -> None:
    assert installed.home in demo_bag.parents
    records = sorted((demo_bag / "data" / "metadata").glob("*.json"))
    assert records, "each article's metadata record, checked against the shipped schema"
    validated = installed.run("validate", str(demo_bag))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    # extract: every record is checked against schemas/article.schema.json from the wheel
    warcs = sorted(str(p) for p in (demo_bag / "data" / "warcs").glob("*.warc.gz"))
    extracted = installed.run("extract", *warcs)
    assert extracted.returncode == 0, extracted.stderr[-3000:]
    lines = [json.loads(line) for line in extracted.stdout.splitlines()]
    assert len(lines) == len(records) and all(r["@type"] == "NewsArticle" for r in lines)


def test_the_installed_replay_serves_the_bag_through_the_documented_pywb_environment(
        installed: Installed, demo_bag: Path) -> None:
    try:
        pywb = find_pywb()  # the development install's: ARCHIVE_PYWB or the checkout's .venv-pywb
    except ArchiveError as exc:
        pytest.skip(f"pywb is not installed ({exc.message}); `make install` builds .venv-pywb")
    env = {**_child_env(), "ARCHIVE_PYWB": str(pywb.parent.parent)}  # as the docs tell users
    proc = subprocess.Popen([installed.archive, "replay", str(demo_bag), "--port", "0"], cwd=installed.home,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once pywb answers
        found = re.search(r"http://127\.0\.0\.1:\d+/archive/\d{14}/\S+", line)
        assert found, line
        resp = httpx.get(found.group(0), timeout=60)
        assert resp.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, err
