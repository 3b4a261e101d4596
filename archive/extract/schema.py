"""Validate records against ``schemas/article.schema.json``; every problem reported at once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from archive.errors import Problem, SchemaError

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "article.schema.json"


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def validate_record(record: Mapping[str, object]) -> None:
    """Raise one SchemaError listing every problem (JSON pointer + message), or return None."""
    errors = sorted(_validator().iter_errors(record), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        problems = [Problem(_pointer(e.absolute_path), e.validator if isinstance(e.validator, str) else "schema",
                            e.message[:300]) for e in errors]
        subject = str(record.get("url") or "record")
        raise SchemaError(f"article record {subject}", problems,
                          hint=f"the record does not match {SCHEMA_PATH.name}; this is an extractor bug, please report it")
