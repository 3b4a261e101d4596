"""``bag-info.txt``: the bag's descriptive metadata (RFC 8493 section 2.2.2).

``label: value`` lines; a value may continue on following lines that start with whitespace.
Labels may repeat and are compared case-insensitively by readers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from archive.errors import BagError
from archive.package.manifest import split_lines

# Bag-info fields this project writes itself; callers may not override them through ``extra``.
RESERVED = frozenset({
    "payload-oxum", "bag-size", "bagging-date", "bag-software-agent", "bagit-profile-identifier",
})


@dataclass(frozen=True)
class BagInfo:
    """What the caller knows about a bag; the builder adds dates, sizes and the profile."""

    source_organization: str
    external_identifier: str
    external_description: str
    contact_name: str | None = None
    contact_email: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def fields(self) -> list[tuple[str, str]]:
        out = [("Source-Organization", self.source_organization)]
        if self.contact_name:
            out.append(("Contact-Name", self.contact_name))
        if self.contact_email:
            out.append(("Contact-Email", self.contact_email))
        out += [("External-Identifier", self.external_identifier),
                ("External-Description", self.external_description)]
        for label, value in self.extra.items():
            if label.lower() in RESERVED:
                raise BagError(f"bag-info field {label!r} is computed by the builder",
                               hint="remove it from BagInfo.extra")
            out.append((label, value))
        return out


_LABEL = re.compile(r"^[^:\r\n\s](?:[^:\r\n]*[^:\r\n\s])?$")


def format_bag_info(fields: Iterable[tuple[str, str]]) -> bytes:
    """Render fields as UTF-8 ``label: value`` lines; rejects labels or values that would forge lines."""
    lines = []
    for label, value in fields:
        if not _LABEL.match(label):
            raise BagError(f"invalid bag-info label {label!r}",
                           hint="labels may not contain ':' or line breaks, nor start or end with spaces")
        # A line break inside a value would start a new (forged) field: fold it into spaces.
        clean = " ".join(str(value).split())
        lines.append(f"{label}: {clean}\n")
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True)
class TagLine:
    label: str
    value: str
    lineno: int
    strict: bool  # False when the label had whitespace around it or no space after ':'


@dataclass(frozen=True)
class TagLineError:
    lineno: int
    reason: str


def parse_tag_lines(text: str) -> list[TagLine | TagLineError]:
    """Parse ``label: value`` text (bag-info.txt, bagit.txt), with continuation lines folded in.

    Continuations are collected and joined once per field: appending to the value line by line
    would take time quadratic in their number, which a hostile bag-info.txt could exploit."""
    out: list[TagLine | TagLineError] = []
    parts: dict[int, list[str]] = {}  # index in ``out`` of a field -> its continuation parts
    for lineno, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if out and isinstance(out[-1], TagLine):
                parts.setdefault(len(out) - 1, []).append(line.strip())
            else:
                out.append(TagLineError(lineno, "continuation line with no field before it"))
            continue
        label, sep, value = line.partition(":")
        if not sep or not label.strip():
            out.append(TagLineError(lineno, f"not 'Label: value': {line[:120]!r}"))
            continue
        strict = label == label.strip() and value[:1] in (" ", "\t") and value[1:2] not in (" ", "\t")
        out.append(TagLine(label.strip(), value.strip(), lineno, strict))
    for index, more in parts.items():
        first = out[index]
        assert isinstance(first, TagLine)
        out[index] = TagLine(first.label, " ".join([first.value, *more]), first.lineno, first.strict)
    return out


def values(lines: Sequence[TagLine | TagLineError], label: str) -> list[str]:
    """Every value of ``label`` (case-insensitive), in file order."""
    want = label.lower()
    return [t.value for t in lines if isinstance(t, TagLine) and t.label.lower() == want]
