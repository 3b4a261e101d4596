"""Metadata extraction: archived HTML (read back from the WARC) -> schema.org NewsArticle record."""

from __future__ import annotations

from archive.extract.record import extract_html
from archive.extract.schema import validate_record
from archive.extract.warcs import extract_warcs

__all__ = ["extract_html", "extract_warcs", "validate_record"]
