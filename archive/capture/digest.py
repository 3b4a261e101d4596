"""WARC digests in the `algorithm:base32` form warcio, pywb and Heritrix read."""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


def new_hasher(algorithm: str) -> Hasher:
    return hashlib.new(algorithm)


def label(algorithm: str, hasher: Hasher) -> str:
    return f"{algorithm}:{base64.b32encode(hasher.digest()).decode('ascii')}"


def of_bytes(algorithm: str, data: bytes) -> str:
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return label(algorithm, hasher)
