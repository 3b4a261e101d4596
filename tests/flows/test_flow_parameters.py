"""Prefect's parameter schema (the UI's form, `prefect deployment run --param`) describes every
parameter of every deployed flow, from the flows' own signatures and docstrings."""

from __future__ import annotations

import pytest

from flows.audit import audit_fixity
from flows.capture import capture_articles
from flows.schedule import capture_source
from flows.sources import capture_sources


@pytest.mark.parametrize("flow", [capture_articles, audit_fixity, capture_source, capture_sources],
                         ids=lambda f: f.name)
def test_every_parameter_is_typed_and_described(flow) -> None:
    schema = flow.parameters.model_dump()
    assert schema["properties"]
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{flow.name}: parameter {name} has no description"
        assert "type" in prop or "anyOf" in prop, f"{flow.name}: parameter {name} has no type"


def test_capture_parameters_as_the_ui_shows_them() -> None:
    props = capture_articles.parameters.model_dump()["properties"]
    assert props["urls"]["type"] == "array" and props["urls"]["items"] == {"type": "string"}
    assert props["package"] == {**props["package"], "type": "boolean", "default": True}
    assert "unknown keys are refused" in props["settings"]["description"]
    assert capture_articles.parameters.required == ["urls", "out_dir"]
