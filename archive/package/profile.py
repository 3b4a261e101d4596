"""Where this project's BagIt profile lives and what it is called."""

from __future__ import annotations

from archive.resources import schema_path

PROFILE_IDENTIFIER = "https://news-archive.invalid/schemas/bagit-profile/1.0.0/bagit-profile.json"
PROFILE_PATH = schema_path("bagit-profile.json")
