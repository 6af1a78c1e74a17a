"""Write a sample to files: :func:`write_sample`."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pqlkit.synthetic.arguments import check_arguments, check_timestamps
from pqlkit.synthetic.simulation import simulate
from pqlkit.synthetic.tables import (
    conversions_batches,
    events_batches,
    table_schema,
    users_batches,
)

__all__ = ["write_sample"]


_FORMATS = ("parquet", "csv", "csv.gz")


def write_sample(
    out_dir: str | PathLike[str],
    *,
    n_users: int = 3000,
    seed: int = 7,
    fmt: str = "csv",
    start: str = "2026-01-01",
    days: int = 181,
    dirty: bool = True,
    timestamps: str | None = None,
) -> dict[str, Path]:
    """Generate a sample and write ``users``, ``events`` and ``conversions`` files.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write to; created if missing. Files of the same names are
        replaced; other files are left alone.
    n_users, seed, start, days, dirty
        As in :func:`~pqlkit.synthetic.generate_sample`; the same arguments give the same data.
    fmt : {"parquet", "csv", "csv.gz"}
        File format, also the file extension. CSV is unquoted, UTF-8, with empty
        fields for missing values and byte-identical for identical arguments.
        Parquet is zstd. Large samples are written in chunks of 2 million events, so
        memory stays at a few GB for a million users.
    timestamps : {"typed", "text"}, optional
        Parquet only: ``"typed"`` (the default for Parquet) writes ``timestamp[us, tz=UTC]``
        columns (``TIMESTAMP WITH TIME ZONE``, as a warehouse unload writes them), with null
        for a bad timestamp, which a loader then counts as ``missing_value``; ``"text"``
        writes the ISO 8601 strings of the CSV files. CSV is always text.

    Returns
    -------
    dict of str to pathlib.Path
        The path written for each of ``"users"``, ``"events"``, ``"conversions"``.

    Raises
    ------
    ValueError
        On an unknown ``fmt`` or ``timestamps``, ``timestamps="typed"`` with CSV,
        ``n_users < 1``, ``days < 1``, a negative ``seed`` or an unreadable ``start``.

    Examples
    --------
    >>> import tempfile
    >>> from pqlkit.synthetic import write_sample
    >>> paths = write_sample(tempfile.mkdtemp(), n_users=20, fmt="csv")
    >>> sorted(path.name for path in paths.values())
    ['conversions.csv', 'events.csv', 'users.csv']
    """
    if fmt not in _FORMATS:
        raise ValueError(f"The value for `fmt` must be one of {_FORMATS}, but {fmt!r} was passed.")
    text = check_timestamps(timestamps, default="typed" if fmt == "parquet" else "text") == "text"
    if not text and fmt != "parquet":
        raise ValueError(f"CSV holds timestamps as text: `timestamps='typed'` needs fmt='parquet', not {fmt!r}.")
    n_users, seed, t0, days = check_arguments(n_users, seed, start, days)
    sim = simulate(n_users=n_users, seed=seed, t0=t0, days=days, dirty=bool(dirty))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, batches in (
        ("users", users_batches(sim, text=text)),
        ("events", events_batches(sim, text=text)),
        ("conversions", conversions_batches(sim, text=text)),
    ):
        path = out / f"{name}.{fmt}"
        schema = table_schema(name, text=text)
        if fmt == "parquet":
            with pq.ParquetWriter(path, schema, compression="zstd") as writer:
                for batch in batches:
                    writer.write_batch(batch)
        else:
            sink = pa.CompressedOutputStream(str(path), "gzip") if fmt == "csv.gz" else pa.OSFile(str(path), "wb")
            options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
            with sink, pa_csv.CSVWriter(sink, schema, write_options=options) as writer:
                sink.write((",".join(schema.names) + "\n").encode("ascii"))  # unquoted header
                for batch in batches:
                    writer.write_batch(batch)
        paths[name] = path
    return paths
