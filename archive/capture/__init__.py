"""Capture: article URLs to WARC/1.1 files (page, redirects and requisites, politely)."""

from __future__ import annotations

from archive.capture.session import ArticleResult, CaptureSession, Failure, Fetched
from archive.capture.settings import CaptureSettings
from archive.capture.warc import WarcFileWriter

__all__ = ["ArticleResult", "CaptureSession", "CaptureSettings", "Failure", "Fetched", "WarcFileWriter"]
