"""The notebooks' set-up: paths, chart style, display limits, and the checked per-entity table.

Every notebook's first code cell calls :func:`notebook_setup`. It is a workflow over several stages
(paths, plots, narrative, the reduction, the report's stored table), so it lives here at the top of
the stack and not in :mod:`pqlkit.core.context`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from pqlkit.base.paths import resolve_path
from pqlkit.core.context import AsOf, Context
from pqlkit.core.entities import entity_table
from pqlkit.core.spec import ActivationSpec
from pqlkit.present.narrative import notes_for_warnings
from pqlkit.present.plots import set_style
from pqlkit.report.checked import CHECKED_ENV, inputs_key, read_checked

__all__ = ["NotebookPaths", "notebook_setup"]


class NotebookPaths(NamedTuple):
    """The notebook's path parameters, resolved (see :func:`pqlkit.resolve_path`)."""

    data_dir: str
    spec_path: str | None  # None when the spec was given as a dict or an ActivationSpec
    output_dir: str


def notebook_setup(
    data_dir: str | os.PathLike,
    spec_path: str | os.PathLike | Mapping | ActivationSpec,
    *,
    output_dir: str | os.PathLike,
    as_of: AsOf = None,
    level: str | None = None,
    events_format: str | None = None,
) -> tuple[pd.DataFrame, Context, NotebookPaths]:
    """Everything a notebook does before its first analysis, in one call.

    Resolves the path parameters (:func:`pqlkit.resolve_path`: against the working folder when the
    path is there, else against the repository's ``notebooks/`` folder), sets the one chart style, sets pandas' display limits (40 rows,
    30 columns), then loads, checks and reduces the data. Inside ``pqlkit report`` the data was
    loaded and reduced once, before the notebooks ran: when the report's stored table was made from
    these same parameters and files (:mod:`pqlkit.report.checked`), it is used instead, with the same numbers. Warnings raised while loading (a step
    whose event never occurs) are printed as ``Note: ...`` lines with the paths shortened, so
    notebook output stays the same on every machine.

    Parameters
    ----------
    data_dir, output_dir : path
        The notebook's parameters; a relative path is taken from the working folder when it exists
        there, else from ``notebooks/``.
    spec_path : path, dict or ActivationSpec
        The spec's YAML file (resolved like the paths), or the spec itself
        (:meth:`pqlkit.ActivationSpec.coerce`).
    as_of, level, events_format
        As in :func:`pqlkit.entity_table`.

    Returns
    -------
    (pandas.DataFrame, Context, NotebookPaths)
        The per-entity table (columns as :func:`pqlkit.reduce`), its context, and the resolved
        ``data_dir``, ``spec_path`` (None for a spec given as a dict or an ActivationSpec) and
        ``output_dir``.

    Examples
    --------
    >>> entities, ctx, paths = pk.notebook_setup("../data/sample", "../data/activation.yaml",
    ...                                          output_dir="../build/notebook_outputs")   # doctest: +SKIP
    """
    spec_file = resolve_path(spec_path) if isinstance(spec_path, (str, os.PathLike)) else None
    paths = NotebookPaths(resolve_path(data_dir), spec_file, resolve_path(output_dir))
    spec = ActivationSpec.coerce(spec_file if spec_file is not None else spec_path, argument="spec_path")
    set_style()
    pd.set_option("display.max_rows", 40)
    pd.set_option("display.max_columns", 30)
    with notes_for_warnings(paths.spec_path, paths.data_dir):
        checked = _checked_table(paths, spec, as_of=as_of, level=level, events_format=events_format)
        if checked is not None:
            return (*checked, paths)
        entities, context = entity_table(paths.data_dir, spec, as_of=as_of, level=level, events_format=events_format)
    return entities, context, paths


def _checked_table(paths: NotebookPaths, spec: ActivationSpec, *, as_of: AsOf, level: str | None,
                   events_format: str | None) -> tuple[pd.DataFrame, Context] | None:
    """The table and context ``pqlkit report`` stored for these parameters (:mod:`pqlkit.report.checked`), or None."""
    folder = os.environ.get(CHECKED_ENV)
    if not folder or not isinstance(as_of, (str, type(None))) or paths.spec_path is None:
        return None  # the report passes the spec as a file: a spec given otherwise was not what it stored
    spec = spec.with_level(level)
    key = inputs_key(paths.data_dir, paths.spec_path, as_of=as_of, level=level, events_format=events_format)
    return read_checked(folder, spec, key=key)
