"""The library's public surface is small and explicit, and the library never imports Prefect."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import archive.capture
import archive.extract
import archive.package
import archive.validate
import archive.versions

REPO = Path(__file__).resolve().parents[1]


def test_exported_members() -> None:
    assert archive.capture.__all__ == [
        "ArticleResult", "CaptureSession", "CaptureSettings", "Failure", "Fetched", "WarcFileWriter"]
    assert archive.extract.__all__ == ["extract_html", "extract_warcs", "validate_record"]
    assert sorted(archive.package.__all__) == sorted([
        "ALGORITHMS", "PROFILE_IDENTIFIER", "PROFILE_PATH", "BagInfo", "PremisEvent", "build_bag",
        "clean_stale_partials"])
    assert sorted(archive.validate.__all__) == ["DigestProblem", "ValidationReport", "validate_bag"]
    assert sorted(archive.versions.__all__) == ["Check", "Decision", "Diff", "Image", "Snapshot", "Version",
                                                "VersionIndex", "VersionPolicy", "decide", "diff"]
    for module in (archive.capture, archive.extract, archive.package, archive.validate, archive.versions):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_no_module_in_the_library_imports_prefect() -> None:
    offenders = []
    for path in sorted((REPO / "archive").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in ("prefect", "flows")]
    assert offenders == []


def test_importing_the_library_and_cli_loads_no_prefect() -> None:
    code = (
        "import sys, archive, archive.capture, archive.extract, archive.package, archive.validate, "
        "archive.replay.cdxj, archive_app.cli, archive.pipeline\n"
        "from archive_app.cli import build_parser; build_parser()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
