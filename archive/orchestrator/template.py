"""An empty, already migrated Prefect database to start a new PREFECT_HOME from.

Why: on a fresh SQLite database the server runs Prefect's whole Alembic history (well over a
hundred migrations) before it answers, about 5 s of an 11 s first start on a 2-core machine;
`archive schedule` in a new folder waited for it before its first run could fire. The result
of those migrations is the same for every home of one Prefect version, so it is made once per
installation (next to the interpreter, keyed by the Prefect version) and copied into each new
home before its server starts. The server still checks the schema itself on every start and
would migrate anything missing; a home that already has a database is never touched, and a
configured database (PostgreSQL, or any connection URL) is left to Prefect entirely.

Everything here is an optimisation: when the template cannot be made or copied (read-only
installation, no space), the server simply migrates the new database itself, as before.
This module does not import Prefect; the migrations run in a Prefect process of their own.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

DATABASE_NAME = "prefect.db"
CONNECTION_ENVS = ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL")


def template_path() -> Path:
    """Where this installation keeps its template: ``<venv>/share/news-archive/``, one file per
    Prefect version (an upgraded Prefect gets a template of its own schema)."""
    version = importlib.metadata.version("prefect")
    return Path(sys.prefix) / "share" / "news-archive" / f"prefect-{version}-empty.db"


def uses_default_database() -> bool:
    """True when the server will use SQLite at PREFECT_HOME/prefect.db (nothing configured)."""
    return not any(os.environ.get(name) for name in CONNECTION_ENVS)


def _migrate(into: Path, timeout: float) -> bool:
    """Run Prefect's migrations on a new SQLite database at ``into`` (a scratch PREFECT_HOME
    beside it, so no setting of the caller's home applies)."""
    env = {k: v for k, v in os.environ.items() if k not in CONNECTION_ENVS and k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(into.parent), PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{into}",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    try:
        done = subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
                              env=env, cwd=into.parent, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and into.is_file()


def _copy_database(source: Path, dest: Path) -> None:
    """Copy a SQLite database consistently (its write-ahead log included) to ``dest``, through a
    temporary name in the same folder, so ``dest`` is either absent or whole."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(tmp)) as out:
            src.backup(out)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def ensure_template(timeout: float) -> Path | None:
    """The template, made now when missing (about as long as the migrations a first server
    start would run anyway); None when it cannot be made."""
    template = template_path()
    if template.is_file():
        return template
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".template-", dir=template.parent))
    except OSError:
        return None
    try:
        built = scratch / DATABASE_NAME
        if not _migrate(built, timeout):
            return None
        _copy_database(built, template)  # two makers at once: the last rename wins, both whole
        return template
    except (OSError, sqlite3.Error):
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def seed_database(home: Path, timeout: float) -> bool:
    """Give a new home (no database yet, default SQLite) a migrated empty database; True when
    it did. Call it with the home's server lock held, before the server starts."""
    database = home / DATABASE_NAME
    if not uses_default_database() or database.exists():
        return False
    template = ensure_template(timeout)
    if template is None:
        return False
    try:
        _copy_database(template, database)
    except (OSError, sqlite3.Error):
        return False
    return True
