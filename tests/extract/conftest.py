"""Shared helpers for the extraction tests: fixture pages, expected values, a validating extractor."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from archive.extract import extract_html, validate_record

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def expected() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
    data.pop("_comment", None)
    return data


Extract = Callable[..., dict[str, Any]]


@pytest.fixture
def extract() -> Extract:
    """extract_html that also checks every record it returns against the JSON Schema."""

    def run(body: bytes, *, url: str = "https://news.example/a/1", headers: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        record = extract_html(body, url=url, headers=headers)
        validate_record(record)
        return record

    return run


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()
