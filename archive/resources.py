"""Files the library ships beside its code, found the same way in a checkout and in a wheel.

``archive/schemas`` is a link to the checkout's top-level ``schemas/`` (the one source of the
JSON Schemas and the BagIt profile); a wheel carries the files themselves as package data.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def schema_path(name: str) -> Path:
    """The path of ``schemas/<name>`` inside the installed package (a real file: wheels install
    unpacked, and the validators and the bag builder want a path). Resolved, so a checkout
    names the file under ``schemas/`` itself, as messages and tests expect."""
    return Path(str(files("archive").joinpath("schemas", name))).resolve()
