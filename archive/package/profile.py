"""Where this project's BagIt profile lives and what it is called."""

from __future__ import annotations

from pathlib import Path

PROFILE_IDENTIFIER = "https://news-archive.invalid/schemas/bagit-profile/1.0.0/bagit-profile.json"
# schemas/ sits next to the archive package in the source tree (editable installs included).
PROFILE_PATH = Path(__file__).resolve().parents[2] / "schemas" / "bagit-profile.json"
