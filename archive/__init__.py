"""news-archive: capture news articles into WARCs, extract metadata, package BagIt bags.

The library never imports Prefect; orchestration lives in the top-level ``flows`` package.
"""

from __future__ import annotations

__version__ = "0.1.0"
SOFTWARE = f"news-archive/{__version__}"

__all__ = ["SOFTWARE", "__version__"]
