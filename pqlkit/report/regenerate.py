"""Regenerating the committed notebooks, so that ``pytest --nbval`` compares against current outputs.

``python -m pqlkit.report --regenerate`` (or ``make notebooks``; ``python -m pqlkit.report.run
--regenerate`` still works) re-executes the committed notebooks in place on their default
parameters (the bundled sample), keeping outputs and execution counts and dropping the per-cell
timestamps and papermill metadata. The notebooks run as the report runs them
(:func:`pqlkit.report.run.execute_notebook`).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from pqlkit.base.errors import PqlkitError
from pqlkit.report.run import (
    NotebookFailed,
    execute_notebook,
    find_notebooks,
    kernel_name,
)

__all__ = ["regenerate"]


def _clean_executed(executed, original):
    """The executed notebook with the original's metadata: outputs and execution counts kept,
    papermill's metadata and per-cell timestamps dropped."""
    executed = copy.deepcopy(executed)
    metadata = copy.deepcopy(original.metadata)
    if "language_info" in executed.metadata:
        metadata["language_info"] = executed.metadata["language_info"]
    metadata.pop("papermill", None)
    executed.metadata = metadata
    aligned = len(executed.cells) == len(original.cells) and all(
        a.cell_type == b.cell_type and a.source == b.source for a, b in zip(executed.cells, original.cells)
    )
    for position, cell in enumerate(executed.cells):
        if aligned:
            cell.metadata = copy.deepcopy(original.cells[position].metadata)
        else:
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
    return executed


def regenerate(notebooks: str | os.PathLike | Iterable[str | os.PathLike] | None = None, *,
               progress: bool = True) -> list[Path]:
    """Re-execute notebooks in place on their default parameters (the committed outputs).

    Each notebook runs in its own folder in the ``pqlkit`` kernel, without injected parameters.
    A notebook is rewritten only when it ran to the end; one that fails is left as it was and
    :class:`NotebookFailed` names it (its executed copy is kept in a temporary folder).

    Returns
    -------
    list of pathlib.Path
        The notebooks rewritten.
    """
    import nbformat

    paths = find_notebooks(notebooks)
    kernel = kernel_name()
    scratch = Path(tempfile.mkdtemp(prefix="pqlkit-regenerate-"))
    written = []
    for number, path in enumerate(paths, start=1):
        original = nbformat.read(path, as_version=4)
        executed = execute_notebook(path, scratch / path.name, parameters=None, kernel=kernel, cwd=path.parent,
                                    progress=progress, label=f"[{number}/{len(paths)}] {path.stem}")
        cleaned = _clean_executed(nbformat.from_dict(executed), original)
        nbformat.validate(cleaned)
        nbformat.write(cleaned, path)
        (scratch / path.name).unlink(missing_ok=True)
        written.append(path)
    try:
        scratch.rmdir()
    except OSError:
        pass
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pqlkit.report --regenerate [NOTEBOOK ...]``: re-execute the committed notebooks."""
    parser = argparse.ArgumentParser(
        prog="python -m pqlkit.report",
        description="Re-execute the committed notebooks in place on the bundled sample "
                    "(for the report itself, use `pqlkit report`).",
    )
    parser.add_argument("--regenerate", action="store_true", required=True,
                        help="re-execute the notebooks and store their outputs")
    parser.add_argument("notebooks", nargs="*", help="notebook files (default: every notebook in notebooks/)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bars")
    args = parser.parse_args(argv)
    try:
        written = regenerate(args.notebooks or None, progress=args.progress)
    except PqlkitError as error:
        print(f"pqlkit: error: {error}", file=sys.stderr)
        return 2
    except NotebookFailed as failure:
        print(f"pqlkit: error: {failure}", file=sys.stderr)
        return 1
    for path in written:
        print(f"regenerated {path}")
    return 0
