"""The article text blocks versions are made of (see archive.textblocks)."""

from archive.textblocks import Block, Kind

__all__ = ["Block", "Kind"]
