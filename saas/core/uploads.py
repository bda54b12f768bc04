"""Bounded reading of uploaded files: limits are enforced while parsing, never afterwards.

A 2 KB YAML alias bomb, a 1 MB XLSX whose shared-strings part inflates to gigabytes, or a CSV
with millions of rows must be refused after a bounded amount of work. Every reader here
checks its limits as it goes and raises :class:`UploadRefused`, which carries a message key
and its parameters; the caller turns it into a message in the user's language.

Messages through gettext (:func:`describe`). At the end, the per-user upload rate
(:func:`count_upload`, and :func:`upload_refusal` with its message), counted in the
rate-limit storage.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


class UploadRefused(ValueError):
    """A file over one of the limits (``reason`` is a key, ``params`` fill its message)."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Limits:
    """What one upload may cost. The defaults fit a municipality's yearly figures easily."""

    #: data rows of a table (a big city: 12 months × 300 areas × 60 metrics ≈ 216,000)
    max_rows: int = 250_000
    #: cells of a table (rows × columns)
    max_cells: int = 3_000_000
    #: uncompressed size of one part of an XLSX/ZIP archive, in bytes
    max_part_bytes: int = 64 * 1024 * 1024
    #: uncompressed size of all parts of an archive together
    max_archive_bytes: int = 128 * 1024 * 1024
    #: number of parts of an archive
    max_parts: int = 2_000
    #: wall-clock seconds a reader may spend (checked every few hundred rows)
    max_seconds: float = 10.0
    #: nesting depth of a YAML document
    max_yaml_depth: int = 20
    #: nodes (scalars, mappings, sequences) of a YAML document
    max_yaml_nodes: int = 200_000


DEFAULT_LIMITS = Limits()


class Deadline:
    """Wall-clock budget of one reader; :meth:`check` raises when it is used up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise UploadRefused("too_slow", seconds=self.seconds)


def check_archive(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a ZIP (XLSX, profile ZIP) whose declared uncompressed sizes are over the limits.

    ``zipfile`` never inflates a member beyond its declared size, so checking the central
    directory bounds what any later reader can be made to decompress.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadRefused("bad_archive", detail=type(error).__name__) from None
    if len(members) > limits.max_parts:
        raise UploadRefused("too_many_parts", count=len(members), limit=limits.max_parts)
    total = 0
    for member in members:
        if member.file_size > limits.max_part_bytes:
            raise UploadRefused("part_too_large", part=member.filename, limit=limits.max_part_bytes)
        total += member.file_size
    if total > limits.max_archive_bytes:
        raise UploadRefused("archive_too_large", limit=limits.max_archive_bytes)


def bounded_rows(
    rows: Iterator[tuple[int, list[Any]]], limits: Limits = DEFAULT_LIMITS
) -> Iterator[tuple[int, list[Any]]]:
    """Pass (line, cells) records through, refusing once rows, cells or time run over."""
    deadline = Deadline(limits.max_seconds)
    cells = 0
    for count, record in enumerate(rows, 1):
        if count > limits.max_rows:
            raise UploadRefused("too_many_rows", limit=limits.max_rows)
        cells += len(record[1])
        if cells > limits.max_cells:
            raise UploadRefused("too_many_cells", limit=limits.max_cells)
        if count % 256 == 0:
            deadline.check()
        yield record


def csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of every CSV record, lazily (``csv`` reads line by line)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    for fields in reader:
        start, previous = previous + 1, reader.line_num
        yield start, fields


def check_yaml(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse YAML with anchors or aliases, too deep nesting or too many nodes.

    Runs the parser's event stream only — events never expand aliases — so an alias bomb
    costs no more than its own size. Profiles need neither anchors nor aliases.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        NodeEvent,
    )

    depth = nodes = 0
    for event in YAML(typ="safe", pure=True).parse(io.StringIO(text)):
        if isinstance(event, AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            raise UploadRefused("yaml_alias", line=line)
        if isinstance(event, NodeEvent):
            if event.anchor is not None:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise UploadRefused("yaml_alias", line=line)
            nodes += 1
            if nodes > limits.max_yaml_nodes:
                raise UploadRefused("yaml_too_large", limit=limits.max_yaml_nodes)
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > limits.max_yaml_depth:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise UploadRefused("yaml_too_deep", line=line, limit=limits.max_yaml_depth)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def describe(error: UploadRefused) -> str:
    """The refusal in the user's language."""
    from flask_babel import gettext as _

    p = error.params
    messages = {
        "too_slow": lambda: _(
            "Reading the file took longer than %(seconds)s seconds. Please split it into "
            "smaller files.",
            seconds=p.get("seconds"),
        ),
        "bad_archive": lambda: _("The file is not a readable XLSX or ZIP archive."),
        "too_many_parts": lambda: _(
            "The archive has %(count)s parts, more than the %(limit)s allowed.",
            count=p.get("count"),
            limit=p.get("limit"),
        ),
        "part_too_large": lambda: _(
            "The part %(part)s of the archive is larger than %(limit)s MB when unpacked.",
            part=p.get("part"),
            limit=int(p.get("limit", 0)) // (1024 * 1024),
        ),
        "archive_too_large": lambda: _(
            "The archive is larger than %(limit)s MB when unpacked.",
            limit=int(p.get("limit", 0)) // (1024 * 1024),
        ),
        "too_many_rows": lambda: _(
            "The file has more than %(limit)s rows. Please split it into smaller files.",
            limit=p.get("limit"),
        ),
        "too_many_cells": lambda: _(
            "The file has more than %(limit)s cells. Please split it into smaller files.",
            limit=p.get("limit"),
        ),
        "yaml_alias": lambda: _(
            "Line %(line)s: anchors and aliases (& and *) are not allowed in profiles.",
            line=p.get("line"),
        ),
        "yaml_too_deep": lambda: _(
            "Line %(line)s: the document is nested deeper than %(limit)s levels.",
            line=p.get("line"),
            limit=p.get("limit"),
        ),
        "yaml_too_large": lambda: _(
            "The document has more than %(limit)s entries.", limit=p.get("limit")
        ),
    }
    return str(messages[error.reason]())


# -- how often a user may upload -------------------------------------------------------------


class UploadRateExceeded(Exception):
    """The user sent more files than ``SAAS_UPLOADS_PER_HOUR`` within the last hour."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class UploadRateUnavailable(Exception):
    """The shared counter storage (Redis) does not answer: refuse rather than guess."""


def count_upload(user_id: int | None, kind: str) -> None:
    """Count one upload of ``user_id``; raise :class:`UploadRateExceeded` over the hourly limit.

    Counted per user across every worker (the rate-limit storage, Redis in production), like
    the failed-secret counts of :mod:`saas.auth.throttle`. Every refused upload records an
    ``upload_rate_limited`` audit event (the caller keeps it with ``keep_changes``).
    Switched off together with the rate limits (``SAAS_UPLOAD_RATE_ENABLED`` overrides).
    """
    from flask import current_app
    from limits import RateLimitItemPerHour
    from limits.errors import StorageError

    from saas.core.audit import record_event
    from saas.core.extensions import counters

    config = current_app.config
    if not config.get("SAAS_UPLOAD_RATE_ENABLED", config.get("RATELIMIT_ENABLED", True)):
        return
    limit = int(config.get("SAAS_UPLOADS_PER_HOUR", 30))
    item = RateLimitItemPerHour(limit)
    key = (config.get("RATELIMIT_KEY_PREFIX") or "saas", "uploads", str(user_id or "anonymous"))
    try:
        allowed = counters().hit(item, *key)
    except StorageError as error:
        raise UploadRateUnavailable(str(error)) from error
    if not allowed:
        record_event("upload_rate_limited", user_id=user_id, details={"kind": kind, "limit": limit})
        raise UploadRateExceeded(limit)


def upload_refusal(kind: str) -> str | None:
    """Count the signed-in user's upload of ``kind``; the refusal in the user's language when
    the hourly budget (shared by every file upload) is used up, None when the file may be read.

    The refusal's ``upload_rate_limited`` audit event is kept although the request fails.
    Raises :class:`UploadRateUnavailable` when the counters do not answer (the caller says so
    in its own way). The one over-limit message of the figures import and the wizard.
    """
    from flask_babel import gettext as _
    from flask_login import current_user

    from saas.core.operations import keep_changes

    try:
        count_upload(int(current_user.id), kind)
    except UploadRateExceeded as refused:
        keep_changes()
        return str(
            _(
                "You have uploaded %(limit)s files within the last hour. Please wait a while "
                "before uploading the next one.",
                limit=refused.limit,
            )
        )
    return None
