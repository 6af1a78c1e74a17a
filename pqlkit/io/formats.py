"""The analytics tools' export formats (Segment, Amplitude, Mixpanel, PostHog), and telling which one a file is.

Analysts rarely have pqlkit's canonical ``events`` file; they have an export from the tool they already
use. Each format here says how its fields map onto the canonical columns of docs/metrics.md#input-tables
(``event_id``, ``user_id``, ``event``, ``timestamp``, plus ``properties`` as JSON text, and
``anonymous_id`` where the tool has one); :mod:`pqlkit.io.events` reads the file by that mapping.

Formats (``events_format``)
---------------------------
===============  =========================================  ==========================================
format           file shapes                                 mapping to the canonical columns
===============  =========================================  ==========================================
``canonical``    the ``events`` table (Parquet, CSV, JSON)   as is
``segment``      track calls as JSON lines; the warehouse   ``messageId``/``id`` → ``event_id``,
                 ``tracks`` table as CSV or Parquet          ``userId``/``user_id`` → ``user_id``,
                                                             ``event_text`` (the name), else ``event``
                                                             → ``event``, ``timestamp``, else
                                                             ``originalTimestamp``, ``sentAt``,
                                                             ``receivedAt``
``amplitude``    Export API JSON lines (``.json.gz``, or    ``$insert_id``, else ``uuid``, with the
                 the zip as downloaded)                      device → ``event_id``, ``user_id``, ``event_type``
                                                             → ``event``, ``event_time`` (UTC)
``mixpanel``     raw event export JSON lines                event|distinct_id|time|``$insert_id`` →
                                                             ``event_id``,
                                                             ``properties.distinct_id`` → ``user_id``,
                                                             ``event``, ``properties.time`` (epoch s
                                                             or ms) → ``timestamp``
``posthog``      events export as CSV, JSON lines, Parquet  ``uuid`` → ``event_id``, ``distinct_id``
                                                             → ``user_id``, ``event``, ``timestamp``
===============  =========================================  ==========================================

Detection (``events_format="auto"``): the events file is ``events`` plus one of
:data:`pqlkit.io.files.EVENT_FILE_SUFFIXES` (or ``events.zip``, or a folder ``events/`` of parts, read as one file:
:func:`pqlkit.io.exports.combine_parts`); its columns (or the keys of its first 10,000 JSON records) are matched
against each format's signature (:func:`detect_events_format`). A file that matches two export
formats is an error that lists them; pass the format explicitly.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pqlkit.base.duckdb import connect
from pqlkit.base.errors import DataError, PqlkitError
from pqlkit.base.sql import quote_identifier
from pqlkit.io.files import describe_relation, is_json, json_relation, match_column_names, read_error, table_reader_sql

__all__ = [
    "EVENTS_FORMATS",
    "EVENTS_FORMAT_CHOICES",
    "ExportFormat",
    "EXPORT_FORMATS",
    "detect_events_format",
]


EVENTS_FORMATS = ("canonical", "segment", "amplitude", "mixpanel", "posthog")
EVENTS_FORMAT_CHOICES = ("auto",) + EVENTS_FORMATS
SAMPLE_RECORDS = 10_000


@dataclass(frozen=True)
class ExportFormat:
    """How one tool's export maps onto the canonical events columns.

    Attributes
    ----------
    name : str
        The ``events_format`` value.
    title : str
        The tool and export, in words.
    source : str
        The documentation page the field names come from.
    fields : dict
        Canonical column -> candidate source paths, first non-empty wins. A path is a tuple of keys
        (``("properties", "distinct_id")`` is a key of the ``properties`` object).
    required : tuple of tuple
        Groups of top-level keys; the file must have at least one key of every group.
    """

    name: str
    title: str
    source: str
    fields: dict[str, tuple[tuple[str, ...], ...]]
    required: tuple[tuple[str, ...], ...]
    drop_from_properties: tuple[str, ...] = field(default=())


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "segment": ExportFormat(
        name="segment",
        title="Segment track calls (JSON) or warehouse tracks table (CSV/Parquet)",
        source="https://segment.com/docs/connections/spec/track/ and "
        "https://segment.com/docs/connections/storage/warehouses/schema/",
        fields={
            "event_id": (("messageId",), ("message_id",), ("id",)),
            "user_id": (("userId",), ("user_id",)),
            "event": (("event_text",), ("event",)),
            # Segment's own order when timestamp is missing (https://segment.com/docs/connections/spec/common/#timestamps).
            "timestamp": (("timestamp",), ("originalTimestamp",), ("original_timestamp",), ("sentAt",), ("sent_at",),
                          ("receivedAt",), ("received_at",)),
            "anonymous_id": (("anonymousId",), ("anonymous_id",)),
            "properties": (("properties",),),
        },
        required=(("event", "event_text"), ("userId", "user_id", "anonymousId", "anonymous_id")),
    ),
    "amplitude": ExportFormat(
        name="amplitude",
        title="Amplitude Export API (JSON lines)",
        source="https://amplitude.com/docs/apis/analytics/export",
        fields={
            "event_id": (("$insert_id",), ("insert_id",), ("uuid",)),
            "user_id": (("user_id",),),
            "event": (("event_type",),),
            "timestamp": (("event_time",),),
            "anonymous_id": (("device_id",),),
            "properties": (("event_properties",),),
        },
        required=(("event_type",), ("event_time",), ("user_id",)),
    ),
    "mixpanel": ExportFormat(
        name="mixpanel",
        title="Mixpanel raw event export (JSON lines)",
        source="https://developer.mixpanel.com/reference/raw-event-export",
        fields={
            "event_id": (("properties", "$insert_id"),),
            "user_id": (("properties", "distinct_id"),),
            "event": (("event",),),
            "timestamp": (("properties", "time"),),
            "properties": (("properties",),),
        },
        required=(("event",), ("properties",)),
        drop_from_properties=("distinct_id", "time", "$insert_id"),
    ),
    "posthog": ExportFormat(
        name="posthog",
        title="PostHog events export (CSV, JSON lines or Parquet)",
        source="https://posthog.com/docs/cdp/batch-exports/s3 (events model)",
        fields={
            "event_id": (("uuid",),),
            "user_id": (("distinct_id",),),
            "event": (("event",),),
            "timestamp": (("timestamp",),),
            "properties": (("properties",),),
        },
        required=(("distinct_id",), ("event",), ("timestamp",)),
    ),
}


_SEGMENT_TABLE_MARKS = {"anonymous_id", "received_at", "sent_at", "event_text", "original_timestamp", "uuid_ts"}


# --- public API ----------------------------------------------------------------------------------


def detect_events_format(path: str | os.PathLike) -> str:
    """Tell which export an events file is, from its columns (or the keys of its JSON records).

    Parameters
    ----------
    path : path
        An events file: ``.parquet``, ``.csv``, ``.csv.gz`` or JSON (lines), gzipped or not.

    Returns
    -------
    str
        One of :data:`EVENTS_FORMATS`.

    Raises
    ------
    DataError
        The file cannot be read, matches no format, or matches more than one export format.

    Notes
    -----
    Signatures, checked on the column names (or on the keys of the first 10,000 JSON records):

    - ``segment``: ``event`` with ``userId``, ``anonymousId`` or ``messageId`` (track calls); or
      ``user_id``, ``event``, ``timestamp``, ``id``/``message_id`` and one of ``anonymous_id``,
      ``received_at``, ``sent_at``, ``event_text``, ``original_timestamp``, ``uuid_ts`` (tracks table).
    - ``amplitude``: ``event_type`` and ``event_time``.
    - ``mixpanel``: ``event`` and a ``properties`` object holding ``distinct_id``, ``time`` or
      ``$insert_id``, and no top-level ``timestamp``.
    - ``posthog``: ``distinct_id``, ``event`` and ``timestamp``.
    - ``canonical``: ``user_id``, ``event`` and ``timestamp`` and no export signature (or an
      ``event_id`` column, which no export has).

    Examples
    --------
    >>> detect_events_format("tests/data/exports/posthog_csv/events.csv")   # doctest: +SKIP
    'posthog'
    """
    path = Path(path)
    con = connect()
    keys, nested = _sample_keys(con, path)
    return format_from_keys(keys, nested, path, strict=True)


def check_events_format(value: str | None) -> str:
    """Validate an ``events_format`` argument (None means ``"auto"``)."""
    value = "auto" if value is None else value
    if value not in EVENTS_FORMAT_CHOICES:
        raise PqlkitError(
            f"The value for `events_format` must be one of {list(EVENTS_FORMAT_CHOICES)}, but {value!r} was passed."
        )
    return value


# --- matching keys to a format -------------------------------------------------------------------


def json_keys(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> tuple[list[str], dict[str, list[str]]]:
    """The keys of the first JSON records of ``relation``, and the keys of their ``properties`` objects."""
    sample = f"(SELECT json FROM {relation} WHERE json IS NOT NULL AND json_type(json) = 'OBJECT' LIMIT {SAMPLE_RECORDS})"
    try:
        keys = [row[0] for row in con.execute(f"SELECT DISTINCT unnest(json_keys(json)) AS k FROM {sample} ORDER BY 1").fetchall()]
        nested = {}
        if "properties" in keys:
            nested["properties"] = [
                row[0]
                for row in con.execute(
                    f"SELECT DISTINCT unnest(json_keys(json -> '$.properties')) FROM {sample} "
                    "WHERE json_type(json -> '$.properties') = 'OBJECT' ORDER BY 1"
                ).fetchall()
            ]
    except (duckdb.Error, OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None
    return keys, nested


def _sample_keys(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], dict[str, list[str]]]:
    if not path.is_file():
        raise DataError(f"{path}: file not found", path=str(path))
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; export the events again", path=str(path))
    if is_json(path):
        return json_keys(con, json_relation(con, path), path)
    return table_relation(con, path)[1], {}


def table_relation(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, list[str]]:
    """The relation reading a CSV or Parquet events file, and its column names.

    A warehouse unload (Snowflake writes ``USER_ID``, ``EVENT_TEXT``) gets its names in lower case,
    as the exports' field names are (:func:`pqlkit.io.files.match_column_names`).
    """
    relation = table_reader_sql(path)
    keys = list(describe_relation(con, relation, path))
    renames = match_column_names(keys, tuple(sorted({key.strip().lower() for key in keys})), where=str(path))
    if renames:
        listed = ", ".join(f"{quote_identifier(old)} AS {quote_identifier(new)}" for old, new in renames.items())
        relation = f"(SELECT * RENAME ({listed}) FROM {relation})"
        keys = list(describe_relation(con, relation, path))
    return relation, keys


def _matches(keys: Iterable[str], nested: Mapping[str, list[str]]) -> tuple[list[str], bool]:
    """(export formats whose signature matches, whether the canonical columns are there)."""
    keys = set(keys)
    found = []
    calls = "event" in keys and bool(keys & {"userId", "anonymousId", "messageId"})
    tracks_table = (
        {"user_id", "event", "timestamp"} <= keys and bool(keys & {"id", "message_id"}) and bool(keys & _SEGMENT_TABLE_MARKS)
    )
    if calls or tracks_table:
        found.append("segment")
    if {"event_type", "event_time"} <= keys:
        found.append("amplitude")
    properties = set(nested.get("properties", ()))
    if {"event", "properties"} <= keys and properties & {"distinct_id", "time", "$insert_id"} and "timestamp" not in keys:
        found.append("mixpanel")
    if {"distinct_id", "event", "timestamp"} <= keys:
        found.append("posthog")
    canonical = {"user_id", "event", "timestamp"} <= keys
    return found, canonical


def format_from_keys(keys: list[str], nested: Mapping[str, list[str]], path: Path, *, strict: bool = False) -> str:
    """The format whose signature the keys match; not ``strict`` (the loader), canonical when none does."""
    exports, canonical = _matches(keys, nested)
    if canonical and "event_id" in keys:
        return "canonical"
    if len(exports) == 1:
        return exports[0]
    shown = ", ".join(keys[:25]) + (", ..." if len(keys) > 25 else "") if keys else "none"
    if len(exports) > 1:
        raise DataError(
            f"{path}: the events could be {' or '.join(exports)} (found columns: {shown}); "
            f"pass --events-format (events_format=) with one of {', '.join(EVENTS_FORMATS)}",
            path=str(path),
        )
    if canonical or not strict:
        # Not strict (the loader): a file that is no export is read as canonical, and the loader's
        # required-column check names what is missing.
        return "canonical"
    raise DataError(
        f"{path}: cannot tell the format of the events; found columns: {shown}. Expected the canonical "
        "columns user_id, event, timestamp, or an export from Segment, Amplitude, Mixpanel or PostHog; "
        f"pass --events-format (events_format=) with one of {', '.join(EVENTS_FORMATS)}",
        path=str(path),
    )


def check_export_keys(export: ExportFormat, keys: list[str], nested: Mapping[str, list[str]], path: Path, *, explicit: bool) -> None:
    """Raise a DataError naming the first of the format's required fields that the file lacks."""
    present = set(keys)
    for group in export.required:
        if not present & set(group):
            shown = ", ".join(keys[:25]) + (", ..." if len(keys) > 25 else "") if keys else "none"
            how = f"--events-format {export.name}" if explicit else f"the {export.name} format"
            raise DataError(
                f"{path}: {how} needs the field {' or '.join(map(repr, group))}, which is not there; "
                f"found: {shown}. Check the file, or pass the right --events-format",
                path=str(path),
                column=group[0],
            )
