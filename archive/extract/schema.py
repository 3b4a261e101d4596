"""Validate records against ``schemas/article.schema.json``; every problem reported at once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from archive.errors import Problem, SchemaError
from archive.resources import schema_path

SCHEMA_PATH = schema_path("article.schema.json")


def _inline(node: Any, defs: Mapping[str, Any], depth: int = 0) -> Any:
    """``node`` with every local ``{"$ref": "#/$defs/x"}`` replaced by its definition.

    jsonschema resolves each ``$ref`` through its referencing registry on every use, which was
    half the validation time of a record; the inlined schema validates the same way.
    Raises RecursionError for a recursive definition (the caller then keeps the ``$ref`` form).
    """
    if depth > 40:
        raise RecursionError("recursive $defs")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
            target = _inline(defs[ref[8:]], defs, depth + 1)
            rest = {k: _inline(val, defs, depth + 1) for k, val in node.items() if k != "$ref"}
            # Keywords beside a $ref apply too (2020-12): keep both sides, never merge them.
            return {"allOf": [target], **rest} if set(rest) - {"description", "title"} else target
        return {k: _inline(val, defs, depth + 1) for k, val in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs, depth + 1) for item in node]
    return node


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    try:
        flat = _inline({k: val for k, val in schema.items() if k != "$defs"}, schema.get("$defs", {}))
    except RecursionError:
        flat = schema
    return Draft202012Validator(flat, format_checker=Draft202012Validator.FORMAT_CHECKER)


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
