"""The bundled demo news site, the server that serves it, and a generated site for benchmarks.

``DemoServer`` serves the demo site on 127.0.0.1 (see :mod:`archive_app.demo.server` for the URL
map); ``DemoServer(site=GeneratedSite(...))`` serves many small generated articles instead.
Names are imported lazily, so ``python -m archive_app.demo.server`` runs without a double import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive_app.demo.generated import GeneratedSite
    from archive_app.demo.server import SITE_ROOT, DemoServer, Redirect, Resource, Site, StaticSite

__all__ = ["SITE_ROOT", "DemoServer", "GeneratedSite", "Redirect", "Resource", "Site", "StaticSite"]


def __getattr__(name: str) -> Any:
    if name == "GeneratedSite":
        from archive_app.demo import generated

        return generated.GeneratedSite
    if name in __all__:
        from archive_app.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
