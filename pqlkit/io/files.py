"""Table files: finding them in a folder, and reading a Parquet, CSV or JSON file as DuckDB sees it.

The bottom of the reading stage (docs/architecture.md): which files can hold a table
(:func:`table_files`, :func:`find_events_files`), and reading one with no dialect guessing
(:func:`create_raw_table`, :func:`table_reader_sql`, :func:`json_relation`). A CSV file's header,
text encoding and line ends are read first, in Python, so that a file DuckDB would misread is
refused with one line that names the file, the line and what to do (:func:`read_error`). Column
names as warehouses write them (``USER_ID``, `` user_id ``) match the contract's
(:func:`match_column_names`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import warnings
import zlib
from pathlib import Path

import duckdb

from pqlkit.base.columns import FORMATS
from pqlkit.base.errors import DataError, PqlkitWarning
from pqlkit.base.sql import quote_identifier, sql_string

__all__: list[str] = []


TABLE_SUFFIXES = (".parquet", ".csv", ".csv.gz")
JSON_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
EVENT_FILE_SUFFIXES = TABLE_SUFFIXES + JSON_SUFFIXES


HEADER_LIMIT = 1 << 20
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


# --- finding a table's files ---------------------------------------------------------------------


def table_files(folder: Path, table: str) -> list[Path]:
    """The files in ``folder`` that can hold the canonical ``table`` (``{table}.parquet``, ``.csv``, ``.csv.gz``).

    Returns
    -------
    list of pathlib.Path
        The files that exist, in the order of :data:`pqlkit.base.columns.FORMATS` (more than one is an error for the caller).
    """
    return [folder / f"{table}.{fmt}" for fmt in FORMATS if (folder / f"{table}.{fmt}").is_file()]


def find_events_files(folder: Path) -> list[Path]:
    """The files in ``folder`` that can hold the events table (also ``events.zip`` and a folder ``events/``)."""
    found = [folder / f"events{suffix}" for suffix in EVENT_FILE_SUFFIXES if (folder / f"events{suffix}").is_file()]
    return found + [p for p in (folder / "events.zip", folder / "events") if p.exists()]


def is_json(path: Path) -> bool:
    """Whether ``path`` is named as a JSON (lines) file, gzipped or not."""
    return path.name.endswith(JSON_SUFFIXES)


# --- reading a Parquet or CSV file -----------------------------------------------------------------


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
        kind = "Parquet" if name.endswith(".parquet") else "JSON" if is_json(Path(name)) else "UTF-8, comma-separated CSV"
        message = f"{name}: cannot read the file ({first}); check that it is a valid {kind} file"
    return DataError(message, path=name)


def create_raw_table(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    """Make ``name`` read a canonical Parquet or CSV file, in file order.

    Parquet becomes a view (no copy) with ``_row`` from DuckDB's ``file_row_number``; CSV is read
    once into a table, whose ``rowid`` is the file order.
    """
    reader = table_reader_sql(path)
    if not path.name.endswith(".parquet"):
        create_table(con, name, reader, path)
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


def create_table(con: duckdb.DuckDBPyConnection, name: str, select_from: str, path: Path, select: str = "*") -> None:
    """The temp table ``name`` as ``SELECT {select} FROM {select_from}``; a reading error names ``path``."""
    try:
        # A table, not a view: rowid then keeps the file order that "the first row is kept" needs.
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT {select} FROM {select_from}")
    except (duckdb.Error, OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None


def describe_relation(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> dict[str, str]:
    """Column name -> DuckDB type of ``relation``; a reading error names ``path``."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except (duckdb.Error, OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None
    return {row[0]: row[1] for row in rows}


# --- text encodings -------------------------------------------------------------------------------


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _peek(path: Path, size: int = 1 << 16) -> bytes:
    try:
        with _open_bytes(path) as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as error:
        raise read_error(path, error) from None


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
    # contract, which matches names without case: :func:`match_column_names`).
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


# --- JSON -----------------------------------------------------------------------------------------


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


# --- column names as warehouses write them ------------------------------------------------------------


def match_column_names(columns: list[str], wanted: tuple[str, ...], *, where: str) -> dict[str, str]:
    """Renames that make ``USER_ID`` or `` user_id `` the contract's ``user_id``.

    Parameters
    ----------
    columns : list of str
        The columns as read.
    wanted : tuple of str
        The contract's column names for the table (lower case).
    where : str
        The file, for the error message.

    Returns
    -------
    dict
        Column as read -> contract name, for columns that match a wanted name only after trimming and
        lower-casing, when no column has the exact name.

    Raises
    ------
    DataError
        Two columns that match the same name (``user_id`` and ``USER_ID``).
    """
    renames = {}
    for name in wanted:
        matches = [column for column in columns if column.strip().lower() == name]
        if len(matches) > 1:
            raise DataError(
                f"{where}: columns {', '.join(repr(m) for m in matches)} all match {name!r} (names are matched "
                "without case and surrounding spaces); rename or drop all but one "
                "(docs/metrics.md#input-tables)",
                path=where,
                column=name,
            )
        if matches and matches[0] != name:
            renames[matches[0]] = name
    return renames
