"""Point Prefect at the API the CLI chose (archive.runtime.prefect_api) for the calls in a block.

Prefect reads its settings from the environment once, at import; a process that imported it
earlier (a test session, a notebook) would otherwise keep running flows against whatever it saw
then, including Prefect's ephemeral server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_API_URL, temporary_settings


@contextmanager
def using_api(url: str) -> Iterator[None]:
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield
