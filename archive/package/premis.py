"""A PREMIS 3 event log as JSON, kept inside the bag as a tag file (``premis/events.json``).

Event types use the Library of Congress PREMIS controlled vocabulary
(https://id.loc.gov/vocabulary/preservation/eventType), so a repository can map them without
guessing; the label is kept next to the URI for people reading the file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from archive import SOFTWARE

_VOCAB = "http://id.loc.gov/vocabulary/preservation/eventType/"

# label -> LoC code; the labels are the vocabulary's own preferred labels.
EVENT_TYPES: dict[str, str] = {
    "capture": "cap",
    "metadata extraction": "mee",
    "message digest calculation": "mes",
    "validation": "val",
    "fixity check": "fix",
    "ingestion": "ing",
    "modification": "mod",
}

OUTCOME_SUCCESS = "success"
OUTCOME_FAILURE = "failure"

PREMIS_LOG = "premis/events.json"


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class PremisEvent:
    """One preservation event. ``event_type`` is a label from :data:`EVENT_TYPES`."""

    event_type: str
    outcome: str
    detail: str
    date_time: str = field(default_factory=now_utc)
    agent: str = SOFTWARE
    identifier: str = field(default_factory=lambda: f"urn:uuid:{uuid.uuid4()}")
    objects: Sequence[str] = ()  # bag-relative paths (or other identifiers) the event concerns

    def __post_init__(self) -> None:
        if self.event_type not in EVENT_TYPES:
            raise ValueError(f"unknown PREMIS event type {self.event_type!r}; use one of {sorted(EVENT_TYPES)}")

    def to_json(self) -> dict[str, object]:
        return {
            "eventIdentifier": {"eventIdentifierType": "URN", "eventIdentifierValue": self.identifier},
            "eventType": {"label": self.event_type, "uri": _VOCAB + EVENT_TYPES[self.event_type]},
            "eventDateTime": self.date_time,
            "eventDetailInformation": {"eventDetail": self.detail},
            "eventOutcomeInformation": {"eventOutcome": self.outcome},
            "linkingAgentIdentifier": {"linkingAgentIdentifierType": "software",
                                       "linkingAgentIdentifierValue": self.agent},
            "linkingObjectIdentifier": [
                {"linkingObjectIdentifierType": "path", "linkingObjectIdentifierValue": o}
                for o in self.objects
            ],
        }


def format_log(events: Sequence[PremisEvent]) -> bytes:
    """The whole log as deterministic, pretty-printed UTF-8 JSON."""
    doc = {"premis:version": "3.0", "events": [e.to_json() for e in events]}
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def to_json_line(event: PremisEvent) -> str:
    """One event as a single JSON line (no newline inside), for append-only audit logs."""
    return json.dumps(event.to_json(), ensure_ascii=False, separators=(",", ":"))
