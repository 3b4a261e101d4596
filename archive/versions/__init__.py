"""Article versions: editorial fingerprints, per-run decisions, the version index, diffs, feeds.

A page whose bytes change while its article does not makes no version; an edit (headline,
standfirst, byline, dates, body, captions, photos) makes one, in a new bag, linked to the
previous version's record and logged as a PREMIS modification event.
"""

from archive.versions.decide import Decision, VersionPolicy, decide
from archive.versions.diff import Diff, diff
from archive.versions.index import Check, Version, VersionIndex
from archive.versions.snapshot import Image, Snapshot

__all__ = ["Check", "Decision", "Diff", "Image", "Snapshot", "Version", "VersionIndex", "VersionPolicy", "decide",
           "diff"]
