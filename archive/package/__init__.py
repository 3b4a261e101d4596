"""Packaging: WARCs, metadata records and a CDXJ index into a BagIt 1.0 bag, built atomically."""

from __future__ import annotations

from archive.package.baginfo import BagInfo
from archive.package.build import ALGORITHMS, build_bag, clean_stale_partials
from archive.package.premis import PremisEvent
from archive.package.profile import PROFILE_IDENTIFIER, PROFILE_PATH

__all__ = ["ALGORITHMS", "PROFILE_IDENTIFIER", "PROFILE_PATH", "BagInfo", "PremisEvent",
           "build_bag", "clean_stale_partials"]
