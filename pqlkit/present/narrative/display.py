"""Showing things in a notebook: Markdown instead of ``print``, warnings as notes, tidy display tables,
and the scope sentence every notebook opens with.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence

import pandas as pd

from pqlkit.base.paths import shorten_paths
from pqlkit.core.context import Context
from pqlkit.present.formatting import date_format, missing, pct

__all__ = [
    "bold",
    "enough",
    "notes_for_warnings",
    "scope_sentence",
    "show",
    "tidy",
]


def bold(text: str) -> str:
    """``text`` in Markdown bold: the headline of a finding.

    >>> bold("41% of users activate")
    '**41% of users activate**'

    Returns
    -------
    str
    """
    return f"**{text}**"


def enough(table: pd.DataFrame | None, *, column: str | None = None, min_rows: int = 1) -> bool:
    """Whether a result table has at least ``min_rows`` rows (with a value in ``column``).

    Returns
    -------
    bool
    """
    if table is None or len(table) == 0:
        return False
    if column is not None:
        return int(table[column].notna().sum()) >= min_rows
    return len(table) >= min_rows


def tidy(table: pd.DataFrame, *, percent: Sequence[str] = (), digits: int = 2) -> pd.DataFrame:
    """A copy ready to display: shares as ``41.2%``, floats rounded, timestamps as dates (or
    date and minute when they have a time of day), missing values blank.

    Returns
    -------
    pandas.DataFrame
        The same columns and rows, values formatted for display.
    """
    frame = table.copy()
    for column in frame.columns:
        series = frame[column]
        if column in percent:
            frame[column] = [pct(v, digits=1, missing_text="") for v in series]
        elif isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
            naive = series.dt.tz_localize(None) if isinstance(series.dtype, pd.DatetimeTZDtype) else series
            fmt = date_format(series)
            frame[column] = [("" if pd.isna(v) else v.strftime(fmt)) for v in naive]
        elif pd.api.types.is_integer_dtype(series) and series.isna().any():
            frame[column] = [("" if pd.isna(v) else int(v)) for v in series]
        elif pd.api.types.is_bool_dtype(series):
            frame[column] = series.map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(series):
            frame[column] = [("" if missing(v) else round(float(v), digits)) for v in series]
    return frame


@contextlib.contextmanager
def notes_for_warnings(*paths: str | os.PathLike | None) -> Iterator[None]:
    """Show warnings raised inside the block as ``Note: ...`` lines.

    Warnings on stderr carry machine-specific paths and break nbval; these notes are stable. In a
    notebook (an IPython kernel) each note is displayed as Markdown, so that a report reader sees
    prose, not a monospace stdout block; elsewhere it is printed. The given paths (spec, data
    folder) are shortened to their last part in the messages.

    Returns
    -------
    contextlib context manager
        Yields nothing; shows the notes when the block ends.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = set()
    for warning in caught:
        text = shorten_paths(str(warning.message), paths)
        if text not in seen:
            seen.add(text)
            show(f"Note: {text}")


def show(text: str) -> None:
    """Display ``text`` as Markdown in a notebook (``IPython.display.Markdown``); print it elsewhere.

    Returns
    -------
    None
    """
    try:
        from IPython import get_ipython
    except ImportError:  # IPython is a notebook dependency, not a package one
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)


def scope_sentence(entities: pd.DataFrame, *, context: Context) -> str:
    """What is being analysed: as of when, at which level, how many entities, which spec.

    Returns
    -------
    str
        "As of 2026-06-30 23:59 UTC, at user level: 3,000 users in scope. A PQL has done 3 of the 4
        steps of activation.yaml (...)."
    """
    spec = context.spec
    as_of = context.as_of.strftime("%Y-%m-%d %H:%M UTC")
    n = len(entities)
    word = context.noun if n != 1 else context.noun[:-1]
    text = f"As of {as_of}, at {context.level} level: {n:,} {word} in scope."
    source = os.path.basename(spec.source)
    text += (f" A PQL has done {spec.steps_required} of the {len(spec.steps)} steps of {source} "
             f"({', '.join(spec.step_names)}).")
    if not context.has_conversions:
        text += " There is no conversions table, so nothing about payments can be measured."
    return text
