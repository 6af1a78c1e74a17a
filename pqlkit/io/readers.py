"""Read product-analytics exports (Segment, Amplitude, Mixpanel, PostHog) as the canonical events table.

Analysts rarely have pqlkit's canonical ``events`` file; they have an export from the tool they already
use. The readers here turn such an export into the canonical columns of docs/metrics.md#input-tables (``event_id``,
``user_id``, ``event``, ``timestamp``, plus ``properties`` as JSON text, and ``anonymous_id`` where
the tool has one). The work is done by DuckDB (``read_json_objects``, ``read_csv``, ``read_parquet``
and SQL that maps the fields), so a large export never passes through pandas.

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

Rules every reader keeps:

- **No row is dropped.** Each record in the file becomes one row. A record whose fields are missing
  (an anonymous Segment call without ``userId``, an Amplitude event without ``user_id``, a JSON line
  that is not valid JSON) becomes a row with missing values, which the loader counts as
  ``missing_value`` in the ledger; malformed JSON lines are also named in a warning.
- **Identifiers are text.** ``"00042"`` stays ``"00042"``; a JSON number ``42`` becomes ``"42"``.
- **Timestamps are parsed by the loader**, as for canonical files: ISO 8601 (offsets converted to
  UTC, naive values taken as UTC) or epoch seconds / milliseconds (see :mod:`pqlkit.core.loading`).
- **The vendor's duplicate key is the** ``event_id`` (:mod:`pqlkit.io.exports`): the loader's rule,
  same non-empty ``event_id``, then de-duplicates as the vendor documents.
- Only the ``events`` table comes from an export. The ``users`` table (``user_id``, ``signup_at``)
  is always the canonical one: the tools' "first seen" times are not signups (``pqlkit users``
  derives one from an export when that is all there is: :func:`pqlkit.io.exports.derive_users`).

Detection (``events_format="auto"``): the events file is ``events`` plus one of
:data:`EVENT_FILE_SUFFIXES` (or ``events.zip``, or a folder ``events/`` of parts, read as one file:
:func:`pqlkit.io.exports.combine_parts`); its columns (or the keys of its first 10,000 JSON records) are matched
against each format's signature (:func:`detect_events_format`). A file that matches two export
formats is an error that lists them; pass the format explicitly.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import warnings
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pqlkit.base.errors import DataError, PqlkitError, PqlkitWarning
from pqlkit.base.sql import quote_identifier, sql_string

__all__ = [
    "connect",
    "json_relation",
    "EVENTS_FORMATS",
    "EVENTS_FORMAT_CHOICES",
    "EVENT_FILE_SUFFIXES",
    "ExportFormat",
    "EXPORT_FORMATS",
    "detect_events_format",
    "read_events",
    "convert_events",
]

EVENTS_FORMATS = ("canonical", "segment", "amplitude", "mixpanel", "posthog")
EVENTS_FORMAT_CHOICES = ("auto",) + EVENTS_FORMATS
TABLE_SUFFIXES = (".parquet", ".csv", ".csv.gz")
JSON_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
EVENT_FILE_SUFFIXES = TABLE_SUFFIXES + JSON_SUFFIXES
SAMPLE_RECORDS = 10_000
CANONICAL_COLUMNS = ("event_id", "user_id", "event", "timestamp")


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
    return _detect(keys, nested, path, strict=True)


def read_events(path: str | os.PathLike, *, events_format: str = "auto") -> pd.DataFrame:
    """Read an events file (canonical or an export) as the canonical events table.

    Parameters
    ----------
    path : path
        The events file.
    events_format : {"auto", "canonical", "segment", "amplitude", "mixpanel", "posthog"}
        The export's format; ``"auto"`` detects it (:func:`detect_events_format`).

    Returns
    -------
    pandas.DataFrame
        One row per record in the file, in file order, with text columns ``event_id``, ``user_id``,
        ``event``, ``timestamp`` (as written in the file: the loader parses it), ``properties``
        (JSON text, where the export has properties) and ``anonymous_id`` (Segment, Amplitude).
        Canonical files keep their own columns.

    Examples
    --------
    >>> read_events("tests/data/exports/mixpanel/events.jsonl")[["user_id", "event", "timestamp"]]   # doctest: +SKIP
      user_id       event   timestamp
    0   00042   Signed up  1767607200
    """
    from pqlkit.io.engines import query_frame

    con = connect()
    create_raw_events(con, Path(path), events_format)
    return query_frame(con, _raw_events_in_order(con))


def _raw_events_in_order(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: ``raw_events`` in file order, without the loader's ``_row`` (a Parquet view has it, tables use rowid)."""
    columns = [row[0] for row in con.execute("DESCRIBE raw_events").fetchall()]
    if "_row" in columns:
        return "SELECT * EXCLUDE (_row) FROM raw_events ORDER BY _row"
    return "SELECT * FROM raw_events ORDER BY rowid"


def convert_events(
    path: str | os.PathLike, out: str | os.PathLike, *, events_format: str = "auto"
) -> Path:
    """Write an export as a canonical events file (``.parquet``, ``.csv`` or ``.csv.gz``), in DuckDB.

    Parameters
    ----------
    path : path
        The export's events file.
    out : path
        The file to write; its suffix picks the format.
    events_format : str
        As for :func:`read_events`.

    Returns
    -------
    pathlib.Path
        ``out``.

    Examples
    --------
    >>> convert_events("export/events.json.gz", "dataset/events.parquet")          # doctest: +SKIP
    PosixPath('dataset/events.parquet')
    >>> load("dataset").data_quality()["events"]                                    # doctest: +SKIP
    {'read': 6, 'used': 3, 'dropped': {'missing_value': 1, ...}}
    """
    out = Path(out)
    con = connect()
    create_raw_events(con, Path(path), events_format)
    target = sql_string(str(out))
    rows = f"({_raw_events_in_order(con)})"
    if out.name.endswith(".parquet"):
        con.execute(f"COPY {rows} TO {target} (FORMAT parquet)")
    elif out.name.endswith(".csv.gz"):
        con.execute(f"COPY {rows} TO {target} (FORMAT csv, HEADER, COMPRESSION gzip)")
    elif out.name.endswith(".csv"):
        con.execute(f"COPY {rows} TO {target} (FORMAT csv, HEADER)")
    else:
        raise PqlkitError(f"{out}: write events as .parquet, .csv or .csv.gz")
    return out


# --- used by the loader ------------------------------------------------------------------------


def check_events_format(value: str | None) -> str:
    """Validate an ``events_format`` argument (None means ``"auto"``)."""
    value = "auto" if value is None else value
    if value not in EVENTS_FORMAT_CHOICES:
        raise PqlkitError(
            f"The value for `events_format` must be one of {list(EVENTS_FORMAT_CHOICES)}, but {value!r} was passed."
        )
    return value


def find_events_files(folder: Path) -> list[Path]:
    """The files in ``folder`` that can hold the events table (also ``events.zip`` and a folder ``events/``)."""
    found = [folder / f"events{suffix}" for suffix in EVENT_FILE_SUFFIXES if (folder / f"events{suffix}").is_file()]
    return found + [p for p in (folder / "events.zip", folder / "events") if p.exists()]


def create_raw_events(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    events_format: str | None,
    *,
    stitch_identities: bool = False,
    source_timezone: str | None = None,
) -> str:
    """Create the temp table ``raw_events`` from ``path`` in the canonical shape; return the format used.

    ``path`` may be ``events.zip`` or a folder of parts (:func:`pqlkit.io.exports.combine_parts`); an
    export gets its vendor's rules (:func:`pqlkit.io.exports.finish_export`).
    """
    from pqlkit.io.exports import combine_parts, finish_export

    events_format = check_events_format(events_format)
    if path.is_dir() or path.name.endswith(".zip"):
        path = combine_parts(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found", path=str(path))
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; export the events again", path=str(path))
    if _is_json(path):
        relation = json_relation(con, path)
        keys, nested = _json_keys(con, relation, path)
    else:
        relation, keys = _table_relation(con, path)
        nested = {}
    fmt = _detect(keys, nested, path) if events_format == "auto" else events_format
    if fmt == "canonical":
        if _is_json(path):
            _create_canonical_json(con, relation, keys, path)
        else:
            create_raw_table(con, "raw_events", path)
        return fmt
    export = EXPORT_FORMATS[fmt]
    _check_export_keys(export, keys, nested, path, explicit=events_format != "auto")
    if _is_json(path):
        _create_export_from_json(con, export, relation, path)
        records = f"(SELECT json FROM {relation})"
    else:
        _create_export_from_table(con, export, relation, path)
        records = f"(SELECT to_json(t) AS json FROM {relation} AS t)"
    finish_export(con, fmt, source=records, where=str(path), stitch_identities=stitch_identities,
                  source_timezone=source_timezone)
    return fmt


def register_export_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, events_format: str | None) -> str:
    """Create ``raw_events`` from a pandas frame shaped like an export (or canonical); return the format."""
    events_format = check_events_format(events_format)
    con.register("_frame_events_export", frame.reset_index(drop=True))
    try:
        con.execute("CREATE TEMP TABLE _export_frame AS SELECT * FROM _frame_events_export")
    finally:
        con.unregister("_frame_events_export")
    where = Path("<DataFrame events>")
    columns = _describe(con, "_export_frame", where)
    fmt = _detect(list(columns), {}, where) if events_format == "auto" else events_format
    if fmt == "canonical":
        con.execute("CREATE TEMP TABLE raw_events AS SELECT * FROM _export_frame")
    else:
        export = EXPORT_FORMATS[fmt]
        _check_export_keys(export, list(columns), {}, where, explicit=events_format != "auto")
        _create_export_from_table(con, export, "_export_frame", where)
        from pqlkit.io.exports import finish_export

        finish_export(con, fmt, where=str(where))
    con.execute("DROP TABLE _export_frame")
    return fmt


def table_reader_sql(path: Path) -> str:
    """The DuckDB table function that reads a Parquet or CSV file (all CSV columns as text).

    A CSV file's header, text encoding and line ends are read first, in Python
    (:func:`_csv_layout`), so DuckDB does no dialect guessing: UTF-8 (with or without a byte-order
    mark) and little-endian UTF-16 (with or without one) are read, and so are ``\\r\\n``, ``\\n``
    and bare ``\\r`` line ends. Other encodings are an error that names what the bytes look like.
    """
    quoted = sql_string(str(path))
    if path.name.endswith(".parquet"):
        return f"read_parquet({quoted})"
    header, options = _csv_layout(path)
    columns = ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in header)
    extra = "".join(f", {key} = {sql_string(value)}" for key, value in options.items())
    return (
        f"read_csv({quoted}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"columns = {{{columns}}}{extra})"
    )


def read_error(path: Path | str, error: Exception) -> DataError:
    """Turn a DuckDB (or gzip) reading error into one line that names the file, the line and what to do."""
    text = str(error)
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    line_match = re.search(r"CSV Error on Line: (\d+)", text) or re.search(r"\bline (\d+)", text)
    at = f"line {line_match.group(1)}: " if line_match else ""
    lowered = text.lower()
    name = str(path)
    if "gzip" in lowered or isinstance(error, (EOFError, zlib.error, gzip.BadGzipFile)):
        message = (
            f"{name}: the gzip data is damaged or ends early (a truncated download?); "
            "download or compress the file again"
        )
    elif "unicode" in lowered or "utf-8" in lowered or "utf8" in lowered:
        found = _first_non_utf8(Path(name))
        message = f"{name}: {at}the text is not UTF-8{f' ({found})' if found else ''}; re-save the file as UTF-8 (in Excel: 'CSV UTF-8')"
    elif match := re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text):
        expected, found = match.groups()
        message = (
            f"{name}: {at}{found} fields where the header has {expected}; check the delimiter (must be ',') "
            "and the quoting on that line"
        )
    elif "invalid state" in lowered:
        message = (
            f"{name}: {at}the CSV is malformed (mixed line endings, or a stray carriage return or quote); "
            "save it again as a comma-separated CSV file"
        )
    elif "unterminated quote" in lowered:
        message = f"{name}: {at}a quoted value (\") is never closed; close the quote or remove it"
    elif "magic bytes" in lowered or "parquet" in lowered and "not" in lowered:
        message = f"{name}: not a valid Parquet file ({first}); write it again as Parquet, or as CSV"
    elif "malformed json" in lowered:
        message = f"{name}: not valid JSON ({first.split(': ', 1)[-1]}); export the file again"
    else:
        kind = "Parquet" if name.endswith(".parquet") else "JSON" if _is_json(Path(name)) else "UTF-8, comma-separated CSV"
        message = f"{name}: cannot read the file ({first}); check that it is a valid {kind} file"
    return DataError(message, path=name)


# --- reading helpers ---------------------------------------------------------------------------


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def _is_json(path: Path) -> bool:
    return path.name.endswith(JSON_SUFFIXES)


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _peek(path: Path, size: int = 1 << 16) -> bytes:
    try:
        with _open_bytes(path) as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None


HEADER_LIMIT = 1 << 20
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _text_encoding(path: Path, head: bytes) -> str:
    """The encoding of a text file from its first bytes: ``utf-8``, ``utf-16-le`` or ``utf-16-be``.

    UTF-16 is told by its byte-order mark, or (without one) by NUL bytes in every other position of a
    text that starts with ASCII. Anything else is taken as UTF-8 (and checked as it is read).
    """
    kind = _UTF16_BOMS.get(head[:2])
    if kind is None and len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0 and head[2] != 0:
        kind = "utf-16-le"
    if kind is None and len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0 and head[3] != 0:
        kind = "utf-16-be"
    return kind or "utf-8"


def _csv_layout(path: Path) -> tuple[list[str], dict[str, str]]:
    """The header row of a CSV file and the ``read_csv`` options its encoding and line ends need.

    Returns
    -------
    (list of str, dict)
        The column names (an empty name becomes ``column{i}``), and ``encoding`` / ``new_line``
        options for DuckDB where the file is UTF-16 or ends its lines with a bare ``\\r``.
    """
    head = _peek(path, HEADER_LIMIT)
    encoding = _text_encoding(path, head)
    if encoding == "utf-16-be":
        # DuckDB reads little-endian UTF-16 only (big-endian text comes out as no rows at all).
        raise DataError(
            f"{path}: the text is UTF-16 big-endian, which pqlkit does not read; re-save the file as UTF-8 "
            "(in Excel: 'CSV UTF-8')",
            path=str(path),
        )
    options = {}
    if encoding == "utf-16-le":
        options["encoding"] = "utf-16"
        text = head.decode("utf-16", errors="ignore") if head[:2] == b"\xff\xfe" else head.decode("utf-16-le", errors="ignore")
    else:
        try:
            text = _decode_utf8_head(head)
        except UnicodeDecodeError as error:
            line = len(re.split(rb"\r\n|\r|\n", head[: error.start]))
            raise DataError(
                f"{path}: line {line}: the text is not UTF-8 ({_guess_encoding(head[error.start:error.start + 4])}); "
                "re-save the file as UTF-8 (in Excel: 'CSV UTF-8')",
                path=str(path),
            ) from None
    text = text.lstrip("\ufeff")
    if "\r" in text and "\n" not in text:
        # Old Mac OS and some spreadsheet exports end lines with a bare carriage return.
        options["new_line"] = "\\r"
    if not text.strip("\r\n\x00 \t"):
        raise DataError(f"{path}: the file is empty; write a header row with the column names", path=str(path))
    try:
        names = next(csv.reader(io.StringIO(text, newline="")))
    except (csv.Error, StopIteration) as error:
        raise DataError(
            f"{path}: line 1: the header row cannot be read as CSV ({error}); write one line of comma-separated "
            "column names",
            path=str(path),
        ) from None
    if any("\x00" in name for name in names):
        raise DataError(
            f"{path}: line 1: the header holds NUL bytes (\\x00), so this is not a text CSV file "
            "(a binary file, or text in an encoding other than UTF-8); re-save the file as UTF-8 CSV",
            path=str(path),
        )
    names = [name.strip() or f"column{index}" for index, name in enumerate(names)]
    if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
        sep = next(sep for sep in ";\t|" if sep in names[0])
        raise DataError(
            f"{path}: line 1: the file does not seem to be comma-separated (the header {names[0][:60]!r} "
            f"uses {sep!r}); save the file with ',' as the delimiter",
            path=str(path),
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            f"{path}: line 1: column {repeated[0]!r} appears more than once in the header; rename one",
            path=str(path),
            column=repeated[0],
        )
    # DuckDB's names ignore case: USER_ID beside user_id is the same column to it (and to the
    # contract, which matches names without case: pqlkit.io.exports.match_column_names).
    from pqlkit.io.exports import match_column_names

    match_column_names(names, tuple(sorted({name.strip().lower() for name in names})), where=str(path))
    return names, options


def _decode_utf8_head(head: bytes) -> str:
    """Decode the first bytes of a UTF-8 file; a character cut at the end of the sample is not an error."""
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3 and error.reason == "unexpected end of data":
            return head[: error.start].decode("utf-8-sig")
        raise


def _first_non_utf8(path: Path, limit: int = 1 << 28) -> str:
    """What the first byte that is not UTF-8 suggests (:func:`_guess_encoding`); '' if none is found.

    Only used on the error path, so the extra read of the file costs nothing when the file is good.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen = 0
    try:
        with _open_bytes(path) as handle:
            while seen < limit and (chunk := handle.read(1 << 20)):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    return _guess_encoding(chunk[error.start:error.start + 4])
                seen += len(chunk)
    except (OSError, EOFError, zlib.error):
        return ""
    return ""


def _guess_encoding(sample: bytes) -> str:
    """Name the likely encoding of bytes that are not UTF-8, for the error message."""
    if not sample:
        return "it ends in the middle of a character"
    byte = sample[0]
    if 0x80 <= byte <= 0x9F:
        return f"byte 0x{byte:02X} suggests Windows-1252"
    if byte >= 0xA0:
        return f"byte 0x{byte:02X} suggests Latin-1 (ISO-8859-1) or Windows-1252"
    return f"byte 0x{byte:02X}"


def _describe(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except (duckdb.Error, OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None
    return {row[0]: row[1] for row in rows}


def create_raw_table(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    """Make ``name`` read a canonical Parquet or CSV file, in file order.

    Parquet becomes a view (no copy) with ``_row`` from DuckDB's ``file_row_number``; CSV is read
    once into a table, whose ``rowid`` is the file order.
    """
    reader = table_reader_sql(path)
    if not path.name.endswith(".parquet"):
        _create_table(con, name, reader, path)
        _warn_repeated_header(con, name, path)
        return
    try:
        con.execute(
            f"CREATE TEMP VIEW {name} AS SELECT * EXCLUDE (file_row_number), file_row_number AS _row "
            f"FROM {reader[:-1]}, file_row_number = true)"
        )
        con.execute(f"SELECT * FROM {name} LIMIT 0")
    except (duckdb.Error, OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None


def _warn_repeated_header(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    """Warn when rows of a CSV table repeat its header (files concatenated with their headers).

    Such a row is kept, as every row is (its values are the column names, so it is usually dropped as
    ``bad_timestamp``); the warning names how many there are and the first one. A row counts when
    its first three columns (or all, if fewer) equal their names.
    """
    columns = [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()][:3]
    match = " AND ".join(f"{quote_identifier(column)} = {sql_string(column)}" for column in columns)
    count, first = con.execute(f"SELECT count(*), min(rowid) + 1 FROM {name} WHERE {match}").fetchone()
    if count:
        warnings.warn(
            f"{path}: {count} row(s) repeat the header (the first is data row {first}): files joined with their "
            "headers? They are kept as rows and counted in the ledger (usually as bad_timestamp); remove them "
            "to silence this",
            PqlkitWarning,
            stacklevel=4,
        )


def _create_table(con: duckdb.DuckDBPyConnection, name: str, select_from: str, path: Path, select: str = "*") -> None:
    try:
        # A table, not a view: rowid then keeps the file order that "the first row is kept" needs.
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT {select} FROM {select_from}")
    except (duckdb.Error, OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None


def json_relation(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """``read_json_objects`` over the file: one row per record; a malformed line becomes a NULL row."""
    head = _peek(path)
    if (encoding := _text_encoding(path, head)) != "utf-8":
        raise DataError(
            f"{path}: the text is UTF-16 ({encoding[-2:].upper()}); JSON is read as UTF-8 (as RFC 8259 requires between systems); "
            "convert the file to UTF-8 (iconv -f UTF-16 -t UTF-8) or export it again",
            path=str(path),
        )
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    quoted = sql_string(str(path))
    if head.startswith(b"["):
        # A JSON array: records cannot be told apart when it is broken, so errors stay errors.
        return f"read_json_objects({quoted}, format = 'array')"
    if b"\n" not in head and b"\r" in head.rstrip(b"\r"):
        raise DataError(
            f"{path}: the JSON lines are separated by bare carriage returns (\\r), not line feeds; "
            "convert the line ends (tr '\\r' '\\n') or export the file again",
            path=str(path),
        )
    first_line = head.split(b"\n", 1)[0].strip()
    if first_line.startswith(b"{") and not first_line.endswith(b"}"):
        # One object spread over several lines (pretty-printed): not JSON lines.
        return f"read_json_objects({quoted}, format = 'auto')"
    return f"read_json_objects({quoted}, format = 'newline_delimited', ignore_errors = true)"


def _json_keys(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> tuple[list[str], dict[str, list[str]]]:
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
    if _is_json(path):
        return _json_keys(con, json_relation(con, path), path)
    return _table_relation(con, path)[1], {}


def _table_relation(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, list[str]]:
    """The relation reading a CSV or Parquet events file, and its column names.

    A warehouse unload (Snowflake writes ``USER_ID``, ``EVENT_TEXT``) gets its names in lower case,
    as the exports' field names are (:func:`pqlkit.io.exports.match_column_names`).
    """
    from pqlkit.io.exports import match_column_names

    relation = table_reader_sql(path)
    keys = list(_describe(con, relation, path))
    renames = match_column_names(keys, tuple(sorted({key.strip().lower() for key in keys})), where=str(path))
    if renames:
        listed = ", ".join(f"{quote_identifier(old)} AS {quote_identifier(new)}" for old, new in renames.items())
        relation = f"(SELECT * RENAME ({listed}) FROM {relation})"
        keys = list(_describe(con, relation, path))
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


def _detect(keys: list[str], nested: Mapping[str, list[str]], path: Path, *, strict: bool = False) -> str:
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


def _check_export_keys(export: ExportFormat, keys: list[str], nested: Mapping[str, list[str]], path: Path, *, explicit: bool) -> None:
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


def _json_path(parts: tuple[str, ...]) -> str:
    return sql_string("$" + "".join('."' + part.replace('"', '\\"') + '"' for part in parts))


def _create_export_from_json(con: duckdb.DuckDBPyConnection, export: ExportFormat, relation: str, path: Path) -> None:
    select = []
    for column, candidates in export.fields.items():
        if column == "properties":
            value = f"json -> {_json_path(candidates[0])}"
            if export.drop_from_properties:
                patch = "{" + ", ".join(f'"{key}": null' for key in export.drop_from_properties) + "}"
                value = f"json_merge_patch({value}, {sql_string(patch)})"
            expression = f"CAST({value} AS VARCHAR)"
        else:
            parts = [f"NULLIF(json ->> {_json_path(path_)}, '')" for path_ in candidates]
            expression = parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"
        select.append(f"{expression} AS {quote_identifier(column)}")
    _create_json_table(con, relation, select, path)


def _create_canonical_json(con: duckdb.DuckDBPyConnection, relation: str, keys: list[str], path: Path) -> None:
    """Canonical events as JSON: the contract's columns as text, every other key kept as a property column."""
    select = []
    if not keys:
        select.append("CAST(NULL AS VARCHAR) AS column0")
    for key in keys:
        if key in CANONICAL_COLUMNS:
            select.append(f"NULLIF(json ->> {_json_path((key,))}, '') AS {quote_identifier(key)}")
        else:
            select.append(f"CAST(json -> {_json_path((key,))} AS VARCHAR) AS {quote_identifier(key)}")
    _create_json_table(con, relation, select, path)


def _create_json_table(con: duckdb.DuckDBPyConnection, relation: str, select: list[str], path: Path) -> None:
    """``raw_events`` from the JSON records in one pass; records that are not objects are counted, kept, named."""
    ok = "COALESCE(json_type(json) = 'OBJECT', FALSE) AS _json_ok"
    _create_table(con, "raw_events", relation, path, select=", ".join([*select, ok]))
    bad, first = con.execute("SELECT count(*), min(rowid) + 1 FROM raw_events WHERE NOT _json_ok").fetchone()
    con.execute("ALTER TABLE raw_events DROP COLUMN _json_ok")
    if bad:
        warnings.warn(
            f"{path}: {bad} record(s) are not valid JSON objects (the first is record {first}, blank lines not "
            "counted); they are kept as rows with missing values and counted as missing_value",
            PqlkitWarning,
            stacklevel=4,
        )


def _create_export_from_table(con: duckdb.DuckDBPyConnection, export: ExportFormat, relation: str, path: Path) -> None:
    columns = _describe(con, relation, path)
    select = []
    for column, candidates in export.fields.items():
        expressions = [_table_field(columns, candidate, keep_type=column == "timestamp") for candidate in candidates]
        expressions = [e for e in expressions if e is not None]
        if column == "properties" and expressions:
            expression = expressions[0]
        elif not expressions:
            if column in ("properties", "anonymous_id"):
                continue
            expression = "CAST(NULL AS VARCHAR)"
        elif len(expressions) == 1:
            expression = expressions[0]
        else:
            expression = "COALESCE(" + ", ".join(f"NULLIF(CAST({e} AS VARCHAR), '')" for e in expressions) + ")"
        select.append(f"{expression} AS {quote_identifier(column)}")
    _create_table(con, "raw_events", relation, path, select=", ".join(select))


def _table_field(columns: Mapping[str, str], parts: tuple[str, ...], *, keep_type: bool) -> str | None:
    top, rest = parts[0], parts[1:]
    if top not in columns:
        return None
    kind = columns[top].upper()
    if not rest:
        if top == "properties":
            return f"CAST({quote_identifier(top)} AS VARCHAR)" if kind == "VARCHAR" else f"CAST(to_json({quote_identifier(top)}) AS VARCHAR)"
        if keep_type:
            return quote_identifier(top)
        return f"NULLIF(CAST({quote_identifier(top)} AS VARCHAR), '')"
    as_json = f"TRY_CAST({quote_identifier(top)} AS JSON)" if kind == "VARCHAR" else f"to_json({quote_identifier(top)})"
    return f"NULLIF(json_extract_string({as_json}, {_json_path(rest)}), '')"
