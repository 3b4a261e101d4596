"""Find the articles in WARCs (per docs/CONTRACTS.md) and extract one record for each.

Our WARCs name their articles in ``metadata`` records (``x-news-archive-role: article``) whose
``WARC-Concurrent-To`` is the final response. Foreign WARCs have none: every 200 HTML response is
then a candidate. A revisit is resolved to the response holding the same payload.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from archive.errors import ArchiveError, ExtractError, SchemaError
from archive.extract.decode import MAX_DECODED
from archive.extract.parse import absolute
from archive.extract.record import extract_html
from archive.extract.rendered import RENDERED_HEADERS, dom_provenance, richer
from archive.extract.schema import validate_record
from archive.records import RecordInfo, iter_records

_HTML = {"text/html", "application/xhtml+xml"}


@dataclass
class _Plan:
    """What pass one learned: which response ids are articles, and under which requested URL."""

    targets: dict[str, list[str]] = field(default_factory=dict)  # response record id -> requested URLs
    ours: set[Path] = field(default_factory=set)  # files of a news-archive capture (metadata-driven)
    revisit_digests: dict[str, str] = field(default_factory=dict)  # revisit record id -> payload digest
    rendered: dict[str, str] = field(default_factory=dict)  # page response id -> its rendered DOM's URI


def _fields(body: bytes) -> list[tuple[str, str]]:
    out = []
    for line in body.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            out.append((name.strip().lower(), value.strip()))
    return out


def _plan(paths: Sequence[Path]) -> _Plan:
    plan = _Plan()
    responses: dict[Path, set[str]] = {}
    # Pass one reads only headers and metadata blocks; unreadable parts are reported in pass two.
    for path in paths:
        ids = responses.setdefault(path, set())
        for rec in iter_records(path, errors=[], payloads=("metadata",)):  # bodies are read in pass two
            info = rec.info
            if info.rec_type in ("response", "revisit") and info.record_id:
                ids.add(info.record_id)
            if info.rec_type == "revisit" and info.record_id and info.payload_digest:
                plan.revisit_digests[info.record_id] = info.payload_digest
            if info.rec_type != "metadata":
                continue
            fields = _fields(rec.payload().read(1024 * 1024))
            if ("x-news-archive-role", "article") not in fields:
                continue
            plan.ours.add(path)
            dom = next((value for name, value in fields if name == "rendered-dom"), None)
            for target in info.concurrent_to:
                plan.targets.setdefault(target, []).append(info.target_uri or "")
                if dom:
                    plan.rendered[target] = dom
    # A capture may put the metadata record in a later file than the response it names.
    plan.ours.update(path for path, ids in responses.items() if ids & plan.targets.keys())
    return plan


def _is_candidate(info: RecordInfo, plan: _Plan) -> bool:
    if info.warc in plan.ours:
        return info.record_id in plan.targets
    return info.rec_type == "response" and info.status == 200 and (info.mime in _HTML or info.mime is None)


_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)


def looks_like_html(body: bytes) -> bool:
    """For a response without a Content-Type: does the body start the way an HTML page does?"""
    return bool(_HTML_START.match(body[:2048]))


def _provenance(info: RecordInfo) -> dict[str, object]:
    prov: dict[str, object] = {
        "warc": {"filename": info.warc.name, "recordId": info.record_id or "", "payloadDigest": info.payload_digest,
                 "targetUri": info.target_uri, "offset": info.offset},
    }
    if info.date:
        prov["captureTime"] = info.date
    return prov


def _wanted(url: str | None, info: RecordInfo, plan: _Plan) -> bool:
    if url is None:
        return True
    names = {info.target_uri, *plan.targets.get(info.record_id or "", [])}
    return url in names


# A response body kept for the revisits that refer to it: body, HTTP headers, its record.
_Original = tuple[bytes, tuple[tuple[str, str], ...], RecordInfo]


def extract_warcs(
    paths: Sequence[Path], *, url: str | None = None, errors: list[ArchiveError] | None = None
) -> Iterator[dict[str, object]]:
    """Yield one record per article in ``paths`` (provenance from the WARC record).

    Problems (unreadable WARC, unextractable page, record failing the schema) are appended to
    ``errors`` when given (an invalid record is still yielded, so nothing is lost); without
    ``errors`` the first problem is raised.
    """
    paths = [Path(p) for p in paths]
    run = _Extraction(_plan(paths), url, errors)
    for path in paths:
        for rec in iter_records(path, errors=errors):  # type: ignore[arg-type]
            yield from run.record(rec.info, rec.payload)
    yield from run.awaiting_pages()
    yield from run.pending_revisits()


class _Extraction:
    """Pass two: the state kept while reading every record once, in file order."""

    def __init__(self, plan: _Plan, url: str | None, errors: list[ArchiveError] | None) -> None:
        self.plan, self.url, self.errors = plan, url, errors
        # Digests of the payloads that article revisits point to: those originals' bodies are kept.
        self.wanted_digests = {d for rid, d in plan.revisit_digests.items() if rid in plan.targets}
        self.originals: dict[str, _Original] = {}
        self.pending: list[RecordInfo] = []  # revisits met before their original
        self.dom_uris = set(plan.rendered.values())
        self.doms: dict[str, tuple[bytes, RecordInfo]] = {}  # rendered DOM URI -> its resource record
        self.awaiting: list[tuple[RecordInfo, _Original]] = []  # pages read with their rendered DOM

    def report(self, exc: ArchiveError) -> None:
        if self.errors is None:
            raise exc
        self.errors.append(exc)

    def record(self, info: RecordInfo, payload: Callable[[], BinaryIO]) -> Iterator[dict[str, object]]:
        """The article record ``info`` yields (none, or one), keeping what later revisits need."""
        if info.rec_type == "resource" and info.target_uri in self.dom_uris:
            self.doms[info.target_uri or ""] = (payload().read(MAX_DECODED + 1), info)
            return
        keep = info.rec_type == "response" and info.payload_digest in self.wanted_digests
        candidate = _is_candidate(info, self.plan) and _wanted(self.url, info, self.plan)
        if not (keep or candidate):
            return
        if info.rec_type == "revisit":
            if candidate:
                yield from self._revisit(info)
            return
        body = payload().read(MAX_DECODED + 1)
        if len(body) > MAX_DECODED:
            self.report(ExtractError(f"{info.warc} at offset {info.offset}: body larger than {MAX_DECODED} bytes, skipped",
                                     hint="the page is kept in the WARC; only its metadata was not extracted"))
            return
        headers = info.http_headers or ()
        if candidate and info.mime is None and not keep and not looks_like_html(body):
            return  # an untyped response that is not a page (an image, a feed): not an article
        if keep and info.payload_digest:
            self.originals.setdefault(info.payload_digest, (body, headers, info))
        if candidate and info.record_id in self.plan.rendered:
            self.awaiting.append((info, (body, headers, info)))  # its rendered DOM may come later in the file
        elif candidate:
            yield from self._extract(info, (body, headers, info), None)

    def awaiting_pages(self) -> Iterator[dict[str, object]]:
        """Pages captured by a browser: the record from the served HTML or, when it is richer, from
        the rendered DOM (a page that builds its article with scripts)."""
        for info, page in self.awaiting:
            served = next(self._extract(info, page, None), None)
            rendered = self._rendered(info)
            if rendered is not None and richer(served, rendered):
                try:
                    validate_record(rendered)
                except SchemaError as exc:
                    self.report(exc)  # still yielded, as a served record would be
                served = rendered
            if served is not None:
                yield served

    def _rendered(self, info: RecordInfo) -> dict[str, object] | None:
        dom = self.doms.get(self.plan.rendered[info.record_id or ""])
        if dom is None or len(dom[0]) > MAX_DECODED:
            return None
        try:
            rendered = extract_html(dom[0], url=(info.target_uri or "").strip("<>"), headers=RENDERED_HEADERS,
                                    provenance=dom_provenance(_provenance(info), dom[1]))
        except ArchiveError:
            return None  # the served record (or its reported problem) stands
        return rendered

    def _revisit(self, info: RecordInfo) -> Iterator[dict[str, object]]:
        got = self.originals.get(info.payload_digest or "")
        if got is None:
            self.pending.append(info)
        else:
            yield from self._extract(info, got, got[2])

    def pending_revisits(self) -> Iterator[dict[str, object]]:
        """Revisits met before their original: resolved now that every file has been read."""
        for info in self.pending:
            got = self.originals.get(info.payload_digest or "")
            if got is None:
                self.report(ExtractError(
                    f"{info.warc} at offset {info.offset}: article {info.target_uri} is a revisit of a "
                    f"payload ({info.payload_digest}) not found in the given WARCs",
                    hint="pass the WARC holding the original response too"))
            else:
                yield from self._extract(info, got, got[2])

    def _extract(self, info: RecordInfo, page: _Original, original: RecordInfo | None) -> Iterator[dict[str, object]]:
        body, headers, _ = page
        prov = _provenance(info)
        if original is not None:
            prov["warc"]["refersTo"] = {"filename": original.warc.name, "recordId": original.record_id or "",  # type: ignore[index]
                                        "offset": original.offset}
        # Wget 1.19-1.20 wrapped every WARC-Target-URI in <...> (a known bug): unwrap it.
        page_url = (info.target_uri or "").strip().removeprefix("<").removesuffix(">")
        if absolute(page_url, page_url) is None:
            self.report(ExtractError(
                f"{info.warc} at offset {info.offset}: HTML response for {page_url!r} not extracted: "
                "its WARC-Target-URI is not an absolute http(s) URL",
                hint="the page is kept in the WARC; fix the URI with a WARC editor to extract it"))
            return
        try:
            record = extract_html(body, url=page_url, headers=headers, provenance=prov)
        except ArchiveError as exc:
            self.report(exc)
            return
        try:
            validate_record(record)
        except SchemaError as exc:
            self.report(exc)  # still yielded: an imperfect record loses less than none
        yield record
