"""The checked dataset a report hands to its notebooks, so that the data is loaded and reduced once.

``pqlkit report`` loads, checks and reduces the input before any notebook runs. :func:`write_checked`
then stores what that produced in ``OUT/data/checked/<key>/``:

- ``users.parquet``, ``events.parquet``, ``conversions.parquet``: the clean tables, written by the
  engine that checked them (DuckDB writes one file each; Spark a folder of parts), and
  ``event_facts.parquet``, the per-user facts of the tagging pass (rows per outcome, step times);
- ``entities.parquet``: the per-entity table;
- ``context.json``: ``as_of``, the level, the spec's path, the segments, the ledger, the sources, the
  warnings the load raised, the engine's name, and the key.

The notebooks read the clean tables back with the same engine: a report checked on Spark gives each
notebook's kernel a Spark session of its own (the same ``PQLKIT_SPARK_MASTER`` or ``SPARK_REMOTE``),
so every aggregate a notebook takes over the events (catalogue, candidate steps, snapshots, payments,
current PQLs over time) runs on Spark, as it would on DuckDB for a DuckDB report.

The key (:func:`inputs_key`) is a hash of the inputs: the dataset's path and its files' sizes and
modification times, the spec's path and text, ``as_of``, the level and the events format. The report
sets :data:`CHECKED_ENV` for the notebooks' kernels; :func:`pqlkit.notebook_setup` calls
:func:`read_checked`, which gives the stored table and context when the key matches the notebook's
own parameters, and None otherwise (no variable, another dataset, a changed file), in which case the
notebook loads the raw data as it does when run by hand. Either way the numbers are the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pqlkit import __version__
from pqlkit.base.errors import PqlkitWarning
from pqlkit.base.sql import sql_string
from pqlkit.core.asof import parse_instant
from pqlkit.core.context import Context
from pqlkit.core.loading import Dataset
from pqlkit.io.engines import make_engine

__all__ = ["CHECKED_ENV", "inputs_key", "read_checked", "write_checked"]

#: The environment variable naming the checked folder a notebook may read (set by ``pqlkit report``).
CHECKED_ENV = "PQLKIT_CHECKED_DIR"
_TABLES = ("users", "events", "conversions")
_OPTIONAL = ("event_facts",)  # written when the engine holds it
_FORMAT = 3  # bumped when the folder's layout changes


def _files(data_dir: str) -> list[list]:
    """(name, size, modification time in ns) of every file under a dataset folder (or of the file itself)."""
    path = Path(data_dir)
    if "://" in data_dir or not path.exists():
        return []
    paths = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [[p.relative_to(path).as_posix() if p != path else p.name, p.stat().st_size, p.stat().st_mtime_ns]
            for p in paths]


def inputs_key(data_dir: str | os.PathLike, spec_path: str | os.PathLike, *, as_of: str | None, level: str | None,
               events_format: str | None) -> str:
    """A hash of what a per-entity table depends on.

    Parameters
    ----------
    data_dir, spec_path : path
        Absolute (as :func:`pqlkit.resolve_path` gives them), or a database source's URL.
    as_of, level, events_format
        The notebook parameters (``as_of`` as the report passes it, ISO 8601 or None).

    Returns
    -------
    str
        24 hexadecimal digits; a different dataset file, spec text or parameter gives a different key.
    """
    spec = Path(spec_path)
    described = {
        "format": _FORMAT, "pqlkit": __version__, "data_dir": str(data_dir), "files": _files(str(data_dir)),
        "spec_path": str(spec), "spec": spec.read_text(encoding="utf-8") if spec.is_file() else None,
        "as_of": as_of, "level": level, "events_format": events_format,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:24]


def write_checked(entities: pd.DataFrame, context, folder: Path, *, key: str,
                  caught: Sequence[warnings.WarningMessage] = ()) -> Path:
    """Store the clean tables, the per-entity table and the context in ``folder / key``.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context
        Its context; its dataset's engine (DuckDB or Spark) writes the Parquet files.
    folder : pathlib.Path
        The report's ``data/checked`` folder.
    key : str
        :func:`inputs_key` of the inputs.
    caught : sequence of warnings.WarningMessage
        The warnings the load and reduction raised, repeated by :func:`read_checked`.

    Returns
    -------
    pathlib.Path
        ``folder / key``, holding ``users.parquet``, ``events.parquet``, ``conversions.parquet``,
        ``entities.parquet`` and ``context.json`` (written last: a folder without it is incomplete).
    """
    dataset = context.dataset
    target = folder / key
    target.mkdir(parents=True, exist_ok=True)
    engine = dataset.engine
    for table in (*_TABLES, *(t for t in _OPTIONAL if engine.has_table(t))):
        engine.save(table, target / f"{table}.parquet")
    entities.to_parquet(target / "entities.parquet", index=False)
    meta = {
        "key": key,
        "engine": engine.name,
        "as_of": context.as_of.isoformat(timespec="microseconds"),
        "level": context.level,
        "spec_path": str(context.spec.path) if getattr(context.spec, "path", None) else None,
        "segments": list(context.segments),
        "sources": dict(dataset.sources),
        "conversion_columns": dataset.conversion_columns,
        "identity_merges": dataset.identity_merges,
        "event_facts": getattr(dataset, "event_facts", None),
        "ledger": dataset.ledger.to_dict(orient="records"),
        "warnings": [{"category": w.category.__name__, "message": str(w.message)} for w in caught],
    }
    (target / "context.json").write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
    return target


def read_checked(folder: str | os.PathLike, spec, *, key: str):
    """The per-entity table and context stored by :func:`write_checked`, when ``key`` matches.

    Parameters
    ----------
    folder : path
        ``OUT/data/checked/<key>`` (the value of :data:`CHECKED_ENV`).
    spec : ActivationSpec
        The notebook's spec, read from its ``spec_path``.
    key : str
        :func:`inputs_key` of the notebook's parameters.

    Returns
    -------
    (pandas.DataFrame, Context) or None
        None when the folder is missing or incomplete, or was written for other inputs. The warnings
        the original load raised are raised again, so a notebook prints the same notes either way.
    """
    folder = Path(folder)
    meta_path = folder / "context.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("key") != key or not all((folder / f"{t}.parquet").exists() for t in (*_TABLES, "entities")):
        return None
    engine = make_engine(meta.get("engine", "duckdb"))  # the engine reads what it wrote (Spark: folders of parts)
    for table in ("users", "conversions"):
        engine.table(table, f"SELECT * FROM {engine.parquet(folder / f'{table}.parquet')}")
    engine.view("events", f"SELECT * FROM {engine.parquet(folder / 'events.parquet')}")
    for table in _OPTIONAL:
        if (folder / f"{table}.parquet").exists():
            engine.table(table, f"SELECT * FROM {engine.parquet(folder / f'{table}.parquet')}")
    extra = {"event_facts": meta.get("event_facts")} if "event_facts" in Dataset.__dataclass_fields__ else {}
    dataset = Dataset(engine=engine, as_of_datetime=parse_instant(meta["as_of"]), level=meta["level"],
                      ledger_records=meta["ledger"],
                      sources=meta["sources"], segments=list(meta["segments"]),
                      conversion_columns=meta["conversion_columns"], identity_merges=meta["identity_merges"], **extra)
    for warning in meta.get("warnings", []):
        category = PqlkitWarning if warning["category"] == "PqlkitWarning" else UserWarning
        warnings.warn(warning["message"], category, stacklevel=2)
    entities = pd.read_parquet(folder / "entities.parquet")
    return entities, Context.from_dataset(dataset, spec)
