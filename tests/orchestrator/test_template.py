"""The migrated empty database a new PREFECT_HOME starts from (archive/orchestrator/template.py)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from archive.orchestrator import template
from archive.orchestrator.template import DATABASE_NAME, ensure_template, seed_database


def _revision(database: Path) -> str:
    with contextlib.closing(sqlite3.connect(database)) as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(revision)


@pytest.fixture(scope="module")
def made() -> Path:
    made = ensure_template(timeout=600)
    assert made is not None and made.is_file()
    return made


def test_a_new_home_gets_a_copy_of_the_migrated_template(made: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for name in template.CONNECTION_ENVS:
        monkeypatch.delenv(name, raising=False)
    assert seed_database(tmp_path, timeout=600)
    seeded = tmp_path / DATABASE_NAME
    assert _revision(seeded) == _revision(made)
    assert not list(tmp_path.glob(".*.tmp"))  # copied through a temporary name, nothing left
    # A home that has a database keeps it: its data is never replaced.
    with contextlib.closing(sqlite3.connect(seeded)) as db:
        db.execute("CREATE TABLE kept (x)")
        db.commit()
    assert not seed_database(tmp_path, timeout=600)
    with contextlib.closing(sqlite3.connect(seeded)) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'kept'").fetchone()


def test_a_configured_database_is_left_to_prefect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", "postgresql+asyncpg://u:p@127.0.0.1:9/db")
    assert not seed_database(tmp_path, timeout=600)
    assert not (tmp_path / DATABASE_NAME).exists()


def test_no_template_means_the_server_migrates_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the template folder would go")
    monkeypatch.setattr(template, "template_path", lambda: blocker / "prefect-empty.db")
    for name in template.CONNECTION_ENVS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    assert ensure_template(timeout=600) is None
    assert not seed_database(home, timeout=600)
    assert not (home / DATABASE_NAME).exists()
