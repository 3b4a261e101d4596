"""BagIt Profiles (spec 1.4) conformance, from local profile files only: a URL is never fetched."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archive.errors import BagError, Problem
from archive.validate.report import PROFILE_VIOLATION, quoted

_BUILTIN_TAGS = ("bagit.txt", "bag-info.txt", "fetch.txt")


def load_profile(path: Path) -> dict[str, Any]:
    """Read a profile JSON file; :class:`BagError` (naming the file) when it is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as exc:
        raise BagError(f"cannot read BagIt profile {path}: {exc.strerror}",
                       hint="profiles are read from local files only; download it first") from exc
    except json.JSONDecodeError as exc:
        raise BagError(f"{path}: not JSON (line {exc.lineno}): {exc.msg}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("BagIt-Profile-Info"), dict):
        raise BagError(f"{path}: not a BagIt profile (no BagIt-Profile-Info object)")
    wrong = _shape_problem(doc)
    if wrong is not None:
        raise BagError(f"{path}: not a BagIt profile: {wrong}",
                       hint="see https://bagit-profiles.github.io/bagit-profiles-specification/ for each field's type")
    return doc


_LISTS = ("Manifests-Required", "Manifests-Allowed", "Tag-Manifests-Required", "Tag-Manifests-Allowed",
          "Tag-Files-Required", "Tag-Files-Allowed", "Payload-Files-Required", "Payload-Files-Allowed",
          "Accept-BagIt-Version", "Accept-Serialization")


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _shape_problem(doc: Mapping[str, Any]) -> str | None:
    """The first field whose type the checks below rely on and which has another, or None."""
    for key in _LISTS:
        if doc.get(key) is not None and not _is_strings(doc[key]):
            return f"{key} must be a list of strings"
    rules = doc.get("Bag-Info")
    if rules is None:
        return None
    if not isinstance(rules, dict):
        return "Bag-Info must be an object"
    for label, rule in rules.items():
        if not isinstance(rule, dict):
            return f"Bag-Info {label!r} must be an object"
        for flag in ("required", "repeatable"):
            if rule.get(flag) is not None and not isinstance(rule[flag], bool):
                return f"Bag-Info {label!r} {flag} must be true or false"
        if rule.get("values") is not None and not _is_strings(rule["values"]):
            return f"Bag-Info {label!r} values must be a list of strings"
    return None


def profile_identifier(profile: Mapping[str, Any]) -> str | None:
    ident = profile.get("BagIt-Profile-Info", {}).get("BagIt-Profile-Identifier")
    return ident if isinstance(ident, str) else None


def _algs(names: Sequence[str]) -> set[str]:
    return {n.lower() for n in names}


def check_profile(profile: Mapping[str, Any], *, version: str, bag_info: Sequence[tuple[str, str]],  # noqa: C901 (h12a splits it; remove after merging h12a)
                  manifests: Sequence[str], tag_manifests: Sequence[str], tag_files: Sequence[str],
                  payload_files: Sequence[str], has_fetch: bool) -> list[Problem]:
    """Every way the bag departs from ``profile``; ``tag_files`` excludes manifests."""
    problems: list[Problem] = []
    ident = profile_identifier(profile) or "profile"

    def violation(path: str, detail: str) -> None:
        problems.append(Problem(path, PROFILE_VIOLATION, f"{detail} (profile {ident})"))

    for label, rule in (profile.get("Bag-Info") or {}).items():
        got = [v for k, v in bag_info if k.lower() == label.lower()]
        if rule.get("required") and not got:
            violation("bag-info.txt", f"required field {label} is missing")
        if rule.get("repeatable") is False and len(got) > 1:
            violation("bag-info.txt", f"field {label} appears {len(got)} times; it may not repeat")
        allowed = rule.get("values")
        for v in got:
            if allowed and v not in allowed:
                violation("bag-info.txt", f"{label} is {quoted(v)}, not one of {allowed}")

    have, have_tags = _algs(manifests), _algs(tag_manifests)
    for key, present, name in (("Manifests-Required", have, "manifest"),
                               ("Tag-Manifests-Required", have_tags, "tagmanifest")):
        for alg in _algs(profile.get(key) or []) - present:
            violation(f"{name}-{alg}.txt", f"required by {key} but absent")
    for key, present, name in (("Manifests-Allowed", have, "manifest"),
                               ("Tag-Manifests-Allowed", have_tags, "tagmanifest")):
        if key in profile:
            for alg in sorted(present - _algs(profile[key])):
                violation(f"{name}-{alg}.txt", f"algorithm not allowed by {key}")

    if has_fetch and profile.get("Allow-Fetch.txt") is False:
        violation("fetch.txt", "fetch.txt is present but the profile forbids it")
    if not has_fetch and profile.get("Fetch.txt-Required"):
        violation("fetch.txt", "the profile requires a fetch.txt")
    if profile.get("Data-Empty") and [p for p in payload_files if p != "data/.keep"]:
        violation("data", "the profile requires an empty payload")
    accepted = profile.get("Accept-BagIt-Version")
    if accepted and version not in accepted:
        violation("bagit.txt", f"BagIt version {version} not in Accept-BagIt-Version {accepted}")
    if profile.get("Serialization") == "required":
        violation(".", "the profile requires a serialized bag; this is a folder")

    for key, files in (("Tag-Files-Required", tag_files), ("Payload-Files-Required", payload_files)):
        for want in profile.get(key) or []:
            if not any(fnmatch.fnmatchcase(f, want) for f in files):
                violation(want, f"required by {key} but absent")
    for key, files, builtin in (("Tag-Files-Allowed", tag_files, _BUILTIN_TAGS),
                                ("Payload-Files-Allowed", payload_files, ())):
        if key in profile:
            patterns = list(profile[key]) + list(builtin)
            for f in files:
                if not any(fnmatch.fnmatchcase(f, pat) for pat in patterns):
                    violation(f, f"not allowed by {key} {profile[key]}")
    return problems
