"""The JSON Schema itself, and one SchemaError listing every problem of a bad record."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from archive.errors import SchemaError
from archive.extract import validate_record
from archive.extract.schema import SCHEMA_PATH
from tests.extract.conftest import Extract, page


def test_schema_is_valid_2020_12_with_a_versioned_id() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "/1.0.0/" in schema["$id"]
    assert set(schema["required"]) == {"@context", "@type", "url", "provenance"}
    for prop in ("headline", "alternativeHeadline", "description", "author", "publisher", "datePublished",
                 "dateModified", "inLanguage", "contentLocation", "dateline", "articleSection", "keywords", "image",
                 "wordCount", "url", "mainEntityOfPage", "workTranslation", "translationOfWork", "sameAs", "license",
                 "copyrightNotice"):
        assert prop in schema["properties"], prop


def test_every_problem_is_listed_with_its_pointer(extract: Extract) -> None:
    record = extract(page("niqash_en.html"), url="https://www.niqash.example/en/articles/security/5862/")
    record["datePublished"] = "15.03.2018"
    record["author"] = [{"@type": "Robot", "name": ""}]
    record["image"][0]["url"] = "not a url"
    del record["@context"]
    with pytest.raises(SchemaError) as info:
        validate_record(record)
    paths = {p.path for p in info.value.problems}
    assert {"/", "/datePublished", "/author/0/@type", "/author/0/name", "/image/0/url"} <= paths
    assert "problem(s)" in str(info.value) and "/datePublished" in str(info.value)


def test_unknown_property_and_bad_provenance_source_are_rejected(extract: Extract) -> None:
    record = extract(page("conflict.html"))
    record["invented"] = 1
    record["provenance"]["fields"]["headline"] = "guess"
    with pytest.raises(SchemaError) as info:
        validate_record(record)
    assert {p.path for p in info.value.problems} >= {"/", "/provenance/fields/headline"}


def test_inlined_schema_finds_what_the_ref_schema_finds() -> None:
    # The validator runs on a copy of the schema with its $defs inlined (speed); it must judge
    # every record exactly as the published schema does.
    import json as _json

    from jsonschema import Draft202012Validator

    from archive.extract.schema import SCHEMA_PATH, _validator

    published = Draft202012Validator(_json.loads(SCHEMA_PATH.read_text(encoding="utf-8")),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    bad = [
        {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "", "url": "ftp://x", "provenance": {}},
        {"@context": "https://schema.org", "@type": "NewsArticle", "author": [{"@type": "Robot"}], "image": "x",
         "datePublished": 5, "inLanguage": "english!", "url": "http://127.0.0.1/a", "provenance": {"fields": {"a": "b"}}},
        {"@type": "Thing"},
    ]
    for record in bad:
        def key(errors: object) -> list[tuple[str, str]]:
            return sorted((str(list(e.absolute_path)), e.message) for e in errors)  # type: ignore[attr-defined]
        assert key(_validator().iter_errors(record)) == key(published.iter_errors(record))
        assert key(published.iter_errors(record))  # each record is really invalid
