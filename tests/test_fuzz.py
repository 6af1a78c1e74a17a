"""Structured fuzzing of every reader: a valid dataset with ONE thing changed loads right or fails cleanly.

Each example starts from a valid dataset, the tiny canonical one (``tests/data/tiny``) or one of the
export fixtures (``tests/data/exports/*``), each with its events file plain or gzipped, and changes
one thing:

- a cell (a CSV field, or a JSON value, nested ones included) replaced by a hostile value;
- a column (a JSON key) dropped, renamed or duplicated;
- the delimiter, the line ends or the text encoding changed;
- the file truncated at any byte (gzip streams too);
- the table written as Parquet with one column given another Arrow type;
- a value of the activation spec (YAML) replaced by one of another type.

The property, for every example: :func:`pqlkit.load` (or :func:`pqlkit.entity_table`) either raises a
:class:`~pqlkit.base.errors.PqlkitError` (DataError, SpecError, DataQualityError), or succeeds with a
ledger whose ``read`` equals an independent count of the source's rows (Python's ``csv`` module,
``json``, or pyarrow's row count, on the bytes as written), and read = used + dropped. Anything else
(a crash of another type, a row lost or gained) fails the test. Some cases run through the command
line, ``pqlkit.cli.main``: exit status 0 or 2 and no traceback on stderr.

Crashes and wrong readings this harness found (each pinned below as an ``@example``): a bare ``\\r`` line
end (a ``_csv.Error`` traceback in the header reader), ``\\r\\x00`` as the whole file (the same), UTF-16
big-endian text (read silently as zero rows), a spec with ``min_count: null`` (a DuckDB BinderException)
and one with ``window_days: 1.0e+300`` (an OverflowError). The profile in ``tests/conftest.py`` sets the
number of examples (``make fuzz`` runs many more, with a random seed each round).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import event, example, given
from hypothesis import strategies as st

import pqlkit as pk
from conftest import DATA, TINY, TINY_SPEC, examples
from pqlkit.cli import main

EXPORTS = DATA / "exports"
EXPORT_SPEC = EXPORTS / "spec.yaml"


@dataclass(frozen=True)
class Base:
    """A valid dataset: its folder, the events file's name, whether to gzip it, and its spec."""

    name: str
    folder: Path
    events: str
    spec: Path
    gzip: bool = False

    @property
    def events_name(self) -> str:
        return self.events + (".gz" if self.gzip else "")


_PLAIN = [Base("tiny", TINY, "events.csv", TINY_SPEC)] + [
    Base(folder.name, folder, next(p.name for p in folder.glob("events.*")), EXPORT_SPEC)
    for folder in sorted(p for p in EXPORTS.iterdir() if p.is_dir())
]
BASES = {base.name: base for base in _PLAIN} | {
    f"{base.name}.gz": Base(f"{base.name}.gz", base.folder, base.events, base.spec, gzip=True) for base in _PLAIN
}
BASE_NAMES = sorted(BASES)

# Values a hostile or careless file holds: empty and blank, control characters, quotes and
# separators, spreadsheet formulas, byte-order marks and line separators, numbers at the edges,
# dates that are not dates, long text.
HOSTILE_TEXT = [
    "", " ", "\t", "\x00", "a\x00b", "\r", "\n", "\r\n", '"', '""', "'", ",", ";", "\\", "=1+1", "+1", "-1", "@SUM(A1)",
    "\ufeff", "\u2028", "\u200b", "é", "日本語", "😀", "NaN", "inf", "-infinity", "null", "None", "0", "-0", "1e309",
    "99999999999999999999999", "1767607200", "1767607200123", "2026-13-45", "2026-02-30T25:61:61Z", "9999-12-31",
    "0001-01-01", "2026-01-05T10:00:00+99:00", "x" * 5000, "[1, 2]", '{"a": 1}', "true",
]
HOSTILE_JSON = [
    None, True, 0, -1, 1.5, 10**30, -(10**19), 1e308, "", [], [1, "a"], {}, {"a": {"b": [None]}}, "x" * 5000,
    "\x00", "\ufeff", "\r\n", [[[[[[[[[[[]]]]]]]]]]],
]
ARROW_TYPES = ["int64", "float64", "bool", "binary", "list", "struct", "dictionary", "null", "timestamp", "date", "large_string"]


# --- building and counting --------------------------------------------------------------------------


def build(base: Base, root: Path) -> Path:
    """Copy ``base`` into a fresh folder under ``root`` (gzipping the events file if asked)."""
    folder = root / base.name.replace(".", "_")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path in base.folder.iterdir():
        if path.is_file() and path.suffix in (".csv", ".json", ".jsonl"):
            target = folder / (base.events_name if path.name == base.events else path.name)
            data = path.read_bytes()
            target.write_bytes(gzip.compress(data, mtime=0) if target.name.endswith(".gz") else data)
    shutil.copy(base.spec, folder / "spec.yaml")
    return folder


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def write_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)


def is_json(path: Path) -> bool:
    return ".json" in path.name


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def write_csv(rows: list[list[str]], *, delimiter: str = ",", lineterminator: str = "\n") -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return out.getvalue()


def source_rows(path: Path) -> int | None:
    """An independent count of the records in a source file; None where there is no clear count.

    CSV: records after the header by Python's csv module (blank lines are no record, as in RFC 4180
    readers). JSON lines: the lines that are not blank. A JSON array: its length. Parquet: the
    row count in the file's footer (pyarrow).
    """
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    try:
        data = read_bytes(path)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) >= 4 and data[1] == data[3] == 0)
    try:
        text = data.decode("utf-16" if data[:2] == b"\xff\xfe" else "utf-16-le" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        return None
    if is_json(path):
        if text.lstrip().startswith("["):
            try:
                return len(json.loads(text))
            except ValueError:
                return None
        return sum(1 for line in text.split("\n") if line.strip())
    try:
        rows = csv_rows(text)
    except csv.Error:
        return None
    return sum(1 for row in rows[1:] if row)


def check_load(folder: Path, **options) -> pk.Dataset | None:
    """The property: a PqlkitError, or a ledger whose read counts match the sources and add up."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pk.PqlkitWarning)
            dataset = pk.load(folder, **options)
    except pk.PqlkitError:
        return None
    for table, counts in dataset.data_quality().items():
        assert counts["read"] == counts["used"] + sum(counts["dropped"].values()), (table, counts)
        expected = source_rows(Path(dataset.sources[table]))
        if expected is not None:
            assert counts["read"] == expected, (table, counts, expected)
    return dataset


def events_file(folder: Path, base: Base) -> Path:
    return folder / base.events_name


# --- mutations ------------------------------------------------------------------------------------------


def replace_cell(path: Path, row: int, column: int, value) -> None:
    """Replace one CSV field (row, column taken modulo the table's size) or one JSON value."""
    data = read_bytes(path).decode("utf-8")
    if is_json(path):
        lines = data.splitlines()
        index = row % len(lines)
        record = json.loads(lines[index])
        paths = [(key,) for key in record] + [
            (key, inner) for key in record if isinstance(record[key], dict) for inner in record[key]
        ]
        where = paths[column % len(paths)]
        target = record
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value if not isinstance(value, str) or value != "<drop>" else None
        lines[index] = json.dumps(record)
        write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))
        return
    rows = csv_rows(data)
    index = 1 + row % (len(rows) - 1)
    rows[index][column % len(rows[index])] = value if isinstance(value, str) else json.dumps(value)
    write_bytes(path, write_csv(rows).encode("utf-8"))


def change_column(path: Path, op: str, column: int, name: str) -> None:
    """Drop, rename or duplicate one column of a CSV file (one key of every JSON record)."""
    data = read_bytes(path).decode("utf-8")
    if is_json(path):
        lines = [line for line in data.splitlines() if line.strip()]
        keys = list(json.loads(lines[0]))
        key = keys[column % len(keys)]
        out = []
        for line in lines:
            record = json.loads(line)
            if op == "drop":
                record.pop(key, None)
                out.append(json.dumps(record))
            elif op == "rename":
                out.append(json.dumps({(name if k == key else k): v for k, v in record.items()}))
            else:  # duplicate: the key twice in the object's text (json.dumps cannot write that)
                text = json.dumps(record)
                out.append(text[:-1] + f", {json.dumps(key)}: {json.dumps(name)}}}" if key in record else text)
        write_bytes(path, ("\n".join(out) + "\n").encode("utf-8"))
        return
    rows = csv_rows(data)
    index = column % len(rows[0])
    for number, row in enumerate(rows):
        if not row:
            continue
        if op == "drop":
            del row[index]
        elif op == "rename" and number == 0:
            row[index] = name
        elif op == "duplicate":
            row.append(row[index])
    write_bytes(path, write_csv(rows).encode("utf-8"))


def change_dialect(path: Path, kind: str, value: str) -> None:
    """Another delimiter (CSV), line end or text encoding for the whole file."""
    text = read_bytes(path).decode("utf-8")
    if kind == "delimiter" and not is_json(path):
        text = write_csv(csv_rows(text), delimiter=value)
    elif kind == "line_end":
        lines = text.split("\n")
        if value == "mixed":
            text = "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines[:-1])) + lines[-1]
        else:
            text = value.join(lines)
    if kind == "encoding":
        data = b"\xef\xbb\xbf" + text.encode("utf-8") if value == "utf-8-sig" else text.encode(value, errors="replace")
    else:
        data = text.encode("utf-8")
    write_bytes(path, data)


def truncate(path: Path, at: int) -> None:
    """Cut the file (the bytes as stored: a gzip stream is cut, not its text) at byte ``at`` modulo its size."""
    data = path.read_bytes()
    path.write_bytes(data[: at % (len(data) + 1)])


def arrow_column(values: list, kind: str) -> pa.Array:
    """``values`` (text) as an Arrow array of another type; what cannot convert becomes null."""

    def number(value, cast):
        try:
            return cast(value)
        except (TypeError, ValueError):
            return None

    if kind == "int64":
        return pa.array([number(v, int) for v in values], pa.int64())
    if kind == "float64":
        return pa.array([number(v, float) for v in values], pa.float64())
    if kind == "bool":
        return pa.array([bool(v) for v in values], pa.bool_())
    if kind == "binary":
        return pa.array([None if v is None else v.encode() for v in values], pa.binary())
    if kind == "list":
        return pa.array([[v] for v in values], pa.list_(pa.string()))
    if kind == "struct":
        return pa.array([{"value": v} for v in values], pa.struct([("value", pa.string())]))
    if kind == "dictionary":
        return pa.array(values, pa.string()).dictionary_encode()
    if kind == "null":
        return pa.nulls(len(values))
    if kind == "timestamp":
        return pa.array([i * 86_400_000_000 for i in range(len(values))], pa.timestamp("us", tz="UTC"))
    if kind == "date":
        return pa.array(list(range(len(values))), pa.date32())
    return pa.array(values, pa.large_string())


def to_parquet(folder: Path, table: str, column: int, kind: str) -> Path:
    """Write a canonical CSV table as Parquet, text columns, except one column of Arrow type ``kind``."""
    source = folder / f"{table}.csv"
    rows = csv_rows(source.read_text(encoding="utf-8"))
    header, body = rows[0], [row for row in rows[1:] if row]
    columns = {name: [row[i] or None for row in body] for i, name in enumerate(header)}
    name = header[column % len(header)]
    columns[name] = arrow_column(columns[name], kind)
    source.unlink()
    target = folder / f"{table}.parquet"
    pq.write_table(pa.table(columns), target)
    return target


# --- the properties ---------------------------------------------------------------------------------------

BASE = st.sampled_from(BASE_NAMES)
TABLE = st.sampled_from(["events", "users"])


def reader_name(base: Base, table: str = "events") -> str:
    """The reader an example exercises, for hypothesis' statistics (``--hypothesis-show-statistics``)."""
    return f"{base.name} {base.events_name}" if table == "events" else "users.csv"


def target_file(folder: Path, base: Base, table: str) -> Path:
    return events_file(folder, base) if table == "events" else folder / "users.csv"


@examples(0.5)
@given(base=BASE, table=TABLE, row=st.integers(0, 100), column=st.integers(0, 30),
       value=st.one_of(st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_JSON), st.text(max_size=20)))
@example(base="tiny", table="events", row=0, column=2, value="\r")
@example(base="tiny", table="users", row=1, column=0, value="\x00")
@example(base="mixpanel", table="events", row=0, column=1, value=[1, "a"])  # properties as a list
@example(base="amplitude", table="events", row=2, column=3, value={"a": {"b": [None]}})  # an object for an id
@example(base="posthog_csv", table="events", row=0, column=4, value="x" * 5000)
def test_hostile_cell(tmp_path_factory, base, table, row, column, value):
    """One field replaced by a hostile value: loads with every row counted, or one clean error."""
    spec = BASES[base]
    event(f"reader: {reader_name(spec, table)}")
    folder = build(spec, tmp_path_factory.mktemp("cell"))
    if table == "users" or not is_json(events_file(folder, spec)):
        value = value if isinstance(value, str) else json.dumps(value)
    replace_cell(target_file(folder, spec, table), row, column, value)
    check_load(folder)


@examples(0.5)
@given(base=BASE, table=TABLE, op=st.sampled_from(["drop", "rename", "duplicate"]), column=st.integers(0, 30),
       name=st.sampled_from(["user_id", "event", "timestamp", "", " user_id", "USER_ID", "a\"b", "x" * 300, "é"]))
@example(base="tiny", table="events", op="duplicate", column=1, name="event")
@example(base="segment_calls", table="events", op="duplicate", column=2, name="x")
@example(base="tiny", table="users", op="rename", column=0, name="")
def test_column_dropped_renamed_or_duplicated(tmp_path_factory, base, table, op, column, name):
    """A column dropped, renamed or duplicated: loads with every row counted, or one clean error."""
    spec = BASES[base]
    event(f"reader: {reader_name(spec, table)}")
    folder = build(spec, tmp_path_factory.mktemp("column"))
    change_column(target_file(folder, spec, table), op, column, name)
    check_load(folder)


DIALECT = st.one_of(
    st.tuples(st.just("delimiter"), st.sampled_from([";", "\t", "|", " "])),
    st.tuples(st.just("line_end"), st.sampled_from(["\r", "\r\n", "\n\n", "mixed"])),
    st.tuples(st.just("encoding"), st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252"])),
)


@examples(0.5)
@given(base=BASE, table=TABLE, dialect=DIALECT)
@example(base="tiny", table="events", dialect=("line_end", "\r"))  # was a _csv.Error traceback
@example(base="tiny", table="users", dialect=("line_end", "\r"))
@example(base="tiny", table="events", dialect=("encoding", "utf-16-be"))  # was read silently as no rows
@example(base="tiny", table="events", dialect=("encoding", "utf-16"))
@example(base="segment_calls", table="events", dialect=("line_end", "\r"))
@example(base="posthog_jsonl", table="events", dialect=("encoding", "utf-16"))
def test_delimiter_line_end_or_encoding(tmp_path_factory, base, table, dialect):
    """Another delimiter, line end or encoding: loads with every row counted, or one clean error.

    Bare ``\\r`` and ``\\r\\n`` line ends, UTF-8 with a byte-order mark and UTF-16 (little-endian, with
    or without its mark) CSV files are read: their ledger must count every row.
    """
    spec = BASES[base]
    event(f"reader: {reader_name(spec, table)}")
    folder = build(spec, tmp_path_factory.mktemp("dialect"))
    path = target_file(folder, spec, table)
    change_dialect(path, *dialect)
    dataset = check_load(folder)
    readable = not is_json(path) and dialect in (
        ("line_end", "\r"), ("line_end", "\r\n"), ("encoding", "utf-8-sig"), ("encoding", "utf-16"), ("encoding", "utf-16-le"),
    )
    if readable and table == "events" and base.startswith("tiny"):
        assert dataset is not None and dataset.data_quality()["events"]["read"] == 14


@examples(0.5)
@given(base=BASE, table=TABLE, at=st.integers(0, 20_000))
@example(base="tiny", table="events", at=2)
@example(base="mixpanel.gz", table="events", at=40)
@example(base="amplitude", table="events", at=1000)
def test_truncated_at_any_byte(tmp_path_factory, base, table, at):
    """The file cut at any byte (a gzip stream cut as stored): loads with every row counted, or one clean error."""
    spec = BASES[base]
    event(f"reader: {reader_name(spec, table)}")
    folder = build(spec, tmp_path_factory.mktemp("cut"))
    truncate(target_file(folder, spec, table), at)
    check_load(folder)


def test_whole_file_is_carriage_return_nul(tmp_path):
    """The file of the issue: ``events.csv`` holding the two bytes ``\\r\\x00`` was a ``_csv.Error``
    traceback; it is now the one-line 'file is empty' error (no header row)."""
    folder = build(BASES["tiny"], tmp_path)
    (folder / "events.csv").write_bytes(b"\r\x00")
    with pytest.raises(pk.DataError, match=r"events\.csv: the file is empty"):
        pk.load(folder)


@examples(0.5)
@given(table=TABLE, column=st.integers(0, 10), kind=st.sampled_from(ARROW_TYPES))
@example(table="events", column=0, kind="int64")  # whole-number ids are read as text
@example(table="events", column=1, kind="dictionary")
@example(table="users", column=1, kind="null")  # an all-null signup_at
@example(table="events", column=2, kind="struct")
def test_parquet_column_of_another_type(tmp_path_factory, table, column, kind):
    """A Parquet column of another type (list, struct, binary, dictionary, all null, ...): loads with
    every row counted, or one clean error naming the column's type."""
    event(f"reader: {table}.parquet ({kind} column)")
    folder = build(BASES["tiny"], tmp_path_factory.mktemp("parquet"))
    to_parquet(folder, table, column, kind)
    dataset = check_load(folder)
    if kind in ("dictionary", "large_string"):
        # The same text in another Arrow layout: the same ledger as the CSV file (14 events, 5 users).
        assert dataset is not None and dataset.data_quality()[table]["read"] == {"events": 14, "users": 5}[table]


@examples(0.3)
@given(table=TABLE, at=st.integers(0, 4000))
@example(table="events", at=4)  # "PAR1" and nothing else
def test_parquet_truncated_at_any_byte(tmp_path_factory, table, at):
    """A Parquet file cut at any byte (its footer gone): one clean error, or (uncut) every row counted."""
    event(f"reader: {table}.parquet (truncated)")
    folder = build(BASES["tiny"], tmp_path_factory.mktemp("parquet_cut"))
    truncate(to_parquet(folder, table, 0, "large_string"), at)
    check_load(folder)


SPEC_KEYS = ["level", "threshold", "window_days", "active_days", "trial_days", "stall_day", "steps",
             "steps.0", "steps.0.name", "steps.0.event", "steps.0.min_count", "steps.1.within_days", "steps.1.min_users"]
YAML_VALUES = [None, True, 0, -1, 0.5, 1e300, 1e309, "", "x", "3", [], [1], {}, {"a": 1}, "2026-01-05", "é" * 300]


@examples(0.5)
@given(key=st.sampled_from(SPEC_KEYS), value=st.sampled_from(YAML_VALUES))
@example(key="steps.0", value="x")
@example(key="threshold", value=1e309)
@example(key="steps", value={})
@example(key="steps.0.min_count", value=None)  # was a DuckDB BinderException ("n = None" in the SQL)
@example(key="window_days", value=1e300)  # was an OverflowError (1e300 days in microseconds)
def test_spec_value_of_another_type(tmp_path_factory, key, value):
    """A spec value replaced by one of another type: entity_table runs, or a SpecError (a PqlkitError).

    Through the command line too: exit status 0 or 2, one ``pqlkit: error:`` line, no traceback.
    """
    event("reader: spec YAML")
    folder = build(BASES["tiny"], tmp_path_factory.mktemp("spec"))
    raw = yaml.safe_load(TINY_SPEC.read_text())
    target, parts = raw, key.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pk.PqlkitWarning)
            entities, _ = pk.entity_table(folder, path)
    except pk.PqlkitError:
        pass
    else:
        assert len(entities) == 5  # the tiny dataset's five users, as in tests/data/tiny/users.csv


@examples(0.2)
@given(base=BASE, mutation=st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 5000)),
    st.tuples(st.just("dialect"), DIALECT),
    st.tuples(st.just("cell"), st.integers(0, 50), st.integers(0, 20), st.sampled_from(HOSTILE_TEXT)),
))
@example(base="tiny", mutation=("dialect", ("line_end", "\r")))
@example(base="tiny", mutation=("truncate", 2))
def test_command_line_exits_0_or_2_without_traceback(tmp_path_factory, capsys, base, mutation):
    """Through ``pqlkit validate`` and ``pqlkit metrics``: exit 0, or exit 2 with one ``pqlkit: error:`` line."""
    spec = BASES[base]
    event(f"reader: {reader_name(spec)}")
    folder = build(spec, tmp_path_factory.mktemp("cli"))
    path = events_file(folder, spec)
    kind, *args = mutation
    if kind == "truncate":
        truncate(path, args[0])
    elif kind == "dialect":
        change_dialect(path, *args[0])
    else:
        value = args[2]
        replace_cell(path, args[0], args[1], value)
    capsys.readouterr()
    for command in (["validate", str(folder)], ["metrics", str(folder), "--spec", str(folder / "spec.yaml")]):
        status = main([*command, "--format", "json"])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        assert status in (0, 2), captured.err
        lines = captured.err.splitlines()
        errors = [line for line in lines if line.startswith("pqlkit: error: ")]
        assert all(line.startswith(("pqlkit: error: ", "pqlkit: warning: ")) for line in lines), captured.err
        if status == 2:
            assert len(errors) == 1, captured.err
        else:
            quality = json.loads(captured.out)["data_quality"]
            assert all(c["read"] == c["used"] + sum(c["dropped"].values()) for c in quality.values())
