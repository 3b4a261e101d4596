"""What is actually in the bag folder, found without following any symlink."""

from __future__ import annotations

import os
import stat
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import Problem
from archive.validate.report import SPECIAL_FILE, SYMLINK, UNREADABLE, quoted


@dataclass
class Inventory:
    files: dict[str, int] = field(default_factory=dict)  # bag-relative POSIX path -> size
    problems: list[Problem] = field(default_factory=list)
    _nfc: dict[str, str] | None = None
    _payload: list[str] | None = None

    def lookup(self, path: str) -> str | None:
        """The on-disk name for a manifest path: exact, else equal under Unicode NFC."""
        if path in self.files:
            return path
        if self._nfc is None:
            self._nfc = {unicodedata.normalize("NFC", p): p for p in self.files}
        return self._nfc.get(unicodedata.normalize("NFC", path))

    def payload(self) -> list[str]:
        """Payload paths, in walk order (computed once: several checks ask, bags hold millions)."""
        if self._payload is None:
            self._payload = [p for p in self.files if p.startswith("data/")]
        return self._payload


def take_inventory(root: Path) -> Inventory:
    """Walk ``root``: regular files with sizes; symlinks and special files become problems."""
    inv = Inventory()
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            inv.problems.append(Problem(rel_dir or ".", UNREADABLE, f"cannot list folder: {exc.strerror}"))
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                inv.problems.append(Problem(rel, UNREADABLE, exc.strerror or str(exc)))
                continue
            if stat.S_ISLNK(st.st_mode):
                try:
                    target = os.readlink(entry.path)
                except OSError:  # replaced since the listing: still a link when listed
                    target = "?"
                inv.problems.append(Problem(rel, SYMLINK, f"symbolic link to {quoted(target)}; bags must "
                                                          "not contain links (not followed)"))
            elif stat.S_ISDIR(st.st_mode):
                stack.append(rel)
            elif stat.S_ISREG(st.st_mode):
                # Interned, as manifest paths are: the inventory and every manifest then share
                # one string per file (a million-file bag saves about 150 MB).
                inv.files[sys.intern(rel)] = st.st_size
            else:
                inv.problems.append(Problem(rel, SPECIAL_FILE, "not a regular file (device, fifo or socket)"))
    return inv
