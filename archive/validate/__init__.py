"""Bag validation for librarians: every problem, each naming its file and kind."""

from __future__ import annotations

from archive.validate.report import DigestProblem, ValidationReport
from archive.validate.validator import validate_bag

__all__ = ["DigestProblem", "ValidationReport", "validate_bag"]
