"""Pages whose served HTML lacks the article: read the DOM the browser rendered instead.

A browser capture (archive/capture/browser/) keeps the rendered DOM as a ``resource`` record
and names it in the article's metadata record (``rendered-dom: URI``). The served HTML is still
what the record is extracted from first (it is what the server said); the rendered DOM wins
only when it yields more of the article's substance: a page whose text and photos a script
fetched has no author, date or images in its served HTML, and has them once rendered.
"""

from __future__ import annotations

from collections.abc import Mapping

from archive.records import RecordInfo

# The fields that show an article was found, beyond a title any page has.
SUBSTANCE = ("author", "datePublished", "image", "description", "articleBody", "contentLocation")
RENDERED_HEADERS = (("Content-Type", "text/html; charset=utf-8"),)


def substance(record: Mapping[str, object]) -> int:
    return sum(1 for name in SUBSTANCE if record.get(name))


def richer(served: Mapping[str, object] | None, rendered: Mapping[str, object]) -> bool:
    """Whether the record from the rendered DOM holds more of the article than the served one's."""
    return served is None or substance(rendered) > substance(served)


def dom_provenance(prov: Mapping[str, object], dom: RecordInfo) -> dict[str, object]:
    """``prov`` (of the page's response record) plus the resource record that was read."""
    warc = dict(prov.get("warc") or {})  # type: ignore[call-overload]
    warc["renderedDom"] = {"filename": dom.warc.name, "recordId": dom.record_id or "", "offset": dom.offset}
    return {**prov, "warc": warc}
