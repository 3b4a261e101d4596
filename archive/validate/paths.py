"""Is a path named by a manifest or fetch.txt safe to look up inside the bag?

Decided lexically, from the string alone: nothing is read or stat'ed to decide, so a hostile
manifest cannot make the validator touch anything outside the bag.
"""

from __future__ import annotations

import re

_DRIVE = re.compile(r"^[A-Za-z]:")
_ENV_VAR = re.compile(r"%[A-Za-z_][A-Za-z0-9_()]*%")  # %HomeDrive% and friends (Windows shortcuts)


def unsafe_reason(path: str) -> str | None:
    """Why ``path`` (bag-relative, already percent-decoded) could escape the bag, or None."""
    if not path:
        return "empty path"
    # Fast path for the ordinary case (checked once per manifest line).
    if path[0] not in "/\\~" and "\\" not in path and "%" not in path and ":" not in path[:2] \
            and "\x00" not in path and ".." not in path:
        return None
    if "\x00" in path:
        return "contains a NUL byte"
    if path.startswith(("\\\\", "//")):
        return "UNC path (\\\\server\\share)"
    if path.startswith(("/", "\\")):
        return "absolute path"
    if _DRIVE.match(path):
        return "Windows drive letter"
    if path.startswith("~"):
        return "home-directory shortcut (~)"
    if _ENV_VAR.search(path):
        return "environment-variable shortcut (%VAR%)"
    # Backslashes are separators on Windows: a path that escapes there escapes for some readers.
    parts = path.replace("\\", "/").split("/")
    if ".." in parts:
        return "parent-directory component (..)"
    return None
