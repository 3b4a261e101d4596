"""BagIt Profiles (spec 1.4) conformance, from local profile files only: a URL is never fetched."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Bag:
    """What the checks below read of a bag."""

    version: str
    bag_info: Sequence[tuple[str, str]]
    manifests: Sequence[str]
    tag_manifests: Sequence[str]
    tag_files: Sequence[str]
    payload_files: Sequence[str]
    has_fetch: bool


# (file the problem names, what is wrong), before the profile's name is added.
_Violation = tuple[str, str]


def check_profile(profile: Mapping[str, Any], *, version: str, bag_info: Sequence[tuple[str, str]],
                  manifests: Sequence[str], tag_manifests: Sequence[str], tag_files: Sequence[str],
                  payload_files: Sequence[str], has_fetch: bool) -> list[Problem]:
    """Every way the bag departs from ``profile``; ``tag_files`` excludes manifests."""
    bag = _Bag(version, bag_info, manifests, tag_manifests, tag_files, payload_files, has_fetch)
    ident = profile_identifier(profile) or "profile"
    return [Problem(path, PROFILE_VIOLATION, f"{detail} (profile {ident})")
            for step in _STEPS for path, detail in step(profile, bag)]


def _bag_info_violations(profile: Mapping[str, Any], bag: _Bag) -> list[_Violation]:
    found: list[_Violation] = []
    for label, rule in (profile.get("Bag-Info") or {}).items():
        got = [v for k, v in bag.bag_info if k.lower() == label.lower()]
        if rule.get("required") and not got:
            found.append(("bag-info.txt", f"required field {label} is missing"))
        if rule.get("repeatable") is False and len(got) > 1:
            found.append(("bag-info.txt", f"field {label} appears {len(got)} times; it may not repeat"))
        allowed = rule.get("values")
        found += [("bag-info.txt", f"{label} is {quoted(v)}, not one of {allowed}")
                  for v in got if allowed and v not in allowed]
    return found


def _manifest_violations(profile: Mapping[str, Any], bag: _Bag) -> list[_Violation]:
    found: list[_Violation] = []
    have, have_tags = _algs(bag.manifests), _algs(bag.tag_manifests)
    for key, present, name in (("Manifests-Required", have, "manifest"),
                               ("Tag-Manifests-Required", have_tags, "tagmanifest")):
        found += [(f"{name}-{alg}.txt", f"required by {key} but absent")
                  for alg in _algs(profile.get(key) or []) - present]
    for key, present, name in (("Manifests-Allowed", have, "manifest"),
                               ("Tag-Manifests-Allowed", have_tags, "tagmanifest")):
        if key in profile:
            found += [(f"{name}-{alg}.txt", f"algorithm not allowed by {key}")
                      for alg in sorted(present - _algs(profile[key]))]
    return found


def _shape_violations(profile: Mapping[str, Any], bag: _Bag) -> list[_Violation]:
    """fetch.txt, an empty payload, the BagIt version and serialization."""
    found: list[_Violation] = []
    if bag.has_fetch and profile.get("Allow-Fetch.txt") is False:
        found.append(("fetch.txt", "fetch.txt is present but the profile forbids it"))
    if not bag.has_fetch and profile.get("Fetch.txt-Required"):
        found.append(("fetch.txt", "the profile requires a fetch.txt"))
    if profile.get("Data-Empty") and [p for p in bag.payload_files if p != "data/.keep"]:
        found.append(("data", "the profile requires an empty payload"))
    accepted = profile.get("Accept-BagIt-Version")
    if accepted and bag.version not in accepted:
        found.append(("bagit.txt", f"BagIt version {bag.version} not in Accept-BagIt-Version {accepted}"))
    if profile.get("Serialization") == "required":
        found.append((".", "the profile requires a serialized bag; this is a folder"))
    return found


def _file_violations(profile: Mapping[str, Any], bag: _Bag) -> list[_Violation]:
    found: list[_Violation] = []
    for key, files in (("Tag-Files-Required", bag.tag_files), ("Payload-Files-Required", bag.payload_files)):
        found += [(want, f"required by {key} but absent")
                  for want in profile.get(key) or [] if not any(fnmatch.fnmatchcase(f, want) for f in files)]
    for key, files, builtin in (("Tag-Files-Allowed", bag.tag_files, _BUILTIN_TAGS),
                                ("Payload-Files-Allowed", bag.payload_files, ())):
        if key in profile:
            patterns = list(profile[key]) + list(builtin)
            found += [(f, f"not allowed by {key} {profile[key]}")
                      for f in files if not any(fnmatch.fnmatchcase(f, pat) for pat in patterns)]
    return found


# In the order problems are reported.
_STEPS: tuple[Callable[[Mapping[str, Any], _Bag], list[_Violation]], ...] = (
    _bag_info_violations, _manifest_violations, _shape_violations, _file_violations)
