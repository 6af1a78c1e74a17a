"""The PQL report: every notebook run with papermill, then rendered to HTML by :mod:`pqlkit.report.pages`.

``pqlkit report DATASET --spec SPEC.yaml --out DIR`` (or :func:`run_report`) writes::

    DIR/index.html                the north star, the headline numbers with their trends, a link to every page
                                  (and, with ``--previous``, what changed since an earlier report)
    DIR/NN_name.html              one page per notebook: outputs only, figures embedded
    DIR/notebooks/NN_name.ipynb   the executed notebooks, for inspection
    DIR/data/                     what the notebooks record (``NN_name.json``) and export (CSV), and
                                  ``comparison.json``, what a later report's ``--previous`` compares with

Every notebook in the repository's ``notebooks/`` folder runs in a kernel named ``pqlkit`` (registered
on first use if missing), in that folder, with eight parameters: ``data_dir``, ``spec_path``, ``as_of``,
``level``, ``events_format``, ``output_dir``, ``currency`` (the ISO 4217 code every amount is shown in) and
``interactive`` (False: what only JupyterLab shows, such as notebook 01's explorer, is not built, since the
pages show no widgets); a notebook whose ``parameters`` cell lacks one of the last two still runs,
papermill injecting it beside the others. Two run at once on a machine with two cores or more,
each in its own kernel, the slowest started first (``jobs`` of :func:`run_report`). The input is
checked once before any notebook starts, so a wrong path
or a bad spec costs a second, not a minute; and it is reduced only then: the clean tables, the per-entity
table and its context go to ``DIR/data/checked/<key>/`` (:mod:`pqlkit.report.checked`), which every notebook's
:func:`pqlkit.notebook_setup` reads instead of loading the data again. The folder is removed when the
notebooks are done.

``python -m pqlkit.report --regenerate`` (:mod:`pqlkit.report.regenerate`) re-executes the committed
notebooks in place on their default parameters, with the same machinery.

This module runs the notebooks (checking the input first, naming the failing cell when one
raises); :mod:`pqlkit.report.previous` gives the front page's trends and the comparison with a
previous report; :func:`pqlkit.report.pages.write_pages` writes the pages and the index, escaping every string
from the data and sanitising the notebooks' HTML and Markdown outputs with nh3. Every file either
module writes is checked to lie inside ``out``.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import runpy
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from pqlkit.base.errors import PqlkitError
from pqlkit.base.paths import repo_root
from pqlkit.core.asof import parse_as_of
from pqlkit.core.entities import entity_table
from pqlkit.core.spec import ActivationSpec
from pqlkit.io.database import database_source, kernel_environment, notebook_source
from pqlkit.metrics import summary as summarise
from pqlkit.present.formatting import DEFAULT_CURRENCY
from pqlkit.report.browser import find_chromium, print_pdfs
from pqlkit.report.checked import CHECKED_ENV, inputs_key, write_checked
from pqlkit.report.pages import INJECTED_TAG, inside, one_line, write_pages
from pqlkit.report.previous import (
    WINDOW_DAYS,
    compare_with_previous,
    headline_trends,
    read_previous,
    write_comparison_record,
)

__all__ = [
    "KERNEL_NAME",
    "OPTIONAL_PARAMETERS",
    "PARAMETERS",
    "NotebookFailed",
    "find_notebooks",
    "kernel_name",
    "notebooks_dir",
    "run_report",
]

#: The Jupyter kernel the notebooks run in (``make`` registers it; :func:`kernel_name` does on demand).
KERNEL_NAME = "pqlkit"

#: The parameters every notebook's ``parameters`` cell defines, and the report passes.
PARAMETERS = ("data_dir", "spec_path", "as_of", "level", "events_format", "output_dir", "currency", "interactive")
#: Parameters the report passes that a notebook may leave out of its ``parameters`` cell (papermill injects
#: them all the same; a notebook without amounts has no use for the currency, one without widgets none
#: for ``interactive``).
OPTIONAL_PARAMETERS = ("currency", "interactive")
_CURRENCY = re.compile(r"[A-Z]{3}")

_ERROR_MARKER_TAG = "papermill-error-cell-tag"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class NotebookFailed(Exception):
    """A notebook raised while the report (or the regeneration) executed it.

    The message is one line: the notebook, the failing cell and the error's last line, and where
    the executed notebook was kept for inspection.

    Attributes
    ----------
    notebook : str
        The notebook's file name (``02_pql_metrics.ipynb``).
    cell : int or None
        The failing cell's position in the source notebook, counting every cell from 1.
    execution_count : int or None
        The failing cell's ``In [N]`` number in the executed notebook.
    error : str
        The error's last line (``KeyError: 'plan'``).
    executed : pathlib.Path or None
        The executed notebook, with the error in it.
    """

    def __init__(self, notebook: str, *, cell: int | None, execution_count: int | None, error: str,
                 executed: Path | None):
        self.notebook = notebook
        self.cell = cell
        self.execution_count = execution_count
        self.error = error
        self.executed = executed
        where = "a cell" if cell is None else f"cell {cell}"
        if execution_count is not None:
            where += f" (In [{execution_count}])"
        kept = f"; the executed notebook is kept at {executed}" if executed is not None else ""
        super().__init__(f"notebook {notebook} failed in {where}: {error}{kept}")


# --- where things are --------------------------------------------------------------------------


def notebooks_dir() -> Path:
    """The repository's ``notebooks/`` folder, found by walking up from the package to the ``pyproject.toml``
    of the ``pqlkit`` project.

    Raises
    ------
    PqlkitError
        When pqlkit is installed without its source tree (the notebooks are not packaged).
    """
    package = Path(__file__).resolve().parent
    root = repo_root(package)
    if root is not None and (root / "notebooks").is_dir():
        return root / "notebooks"
    raise PqlkitError(
        f"cannot find the notebooks folder: pqlkit is installed at {package} without the repository around it; "
        "install it from a clone with `pip install -e .` (the report runs the clone's notebooks/)"
    )


def find_notebooks(source: str | os.PathLike | Iterable[str | os.PathLike] | None = None) -> list[Path]:
    """The notebooks to run, in file-name order.

    Parameters
    ----------
    source : folder, notebook paths, or None
        A folder (its ``*.ipynb`` files), an iterable of notebook files, or None for
        :func:`notebooks_dir`.

    Returns
    -------
    list of pathlib.Path
        Absolute paths.
    """
    if source is None:
        source = notebooks_dir()
    if isinstance(source, (str, os.PathLike)):
        folder = Path(source).resolve()
        if not folder.is_dir():
            raise PqlkitError(f"{folder}: no such notebooks folder")
        paths = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
        if not paths:
            raise PqlkitError(f"{folder}: no notebooks (*.ipynb) to run")
        return paths
    paths = [Path(p).resolve() for p in source]
    for path in paths:
        if not path.is_file() or path.suffix != ".ipynb":
            raise PqlkitError(f"{path}: not a notebook file (*.ipynb)")
    if not paths:
        raise PqlkitError("no notebooks to run")
    if len({p.name for p in paths}) != len(paths):
        raise PqlkitError("two notebooks with the same file name would overwrite each other's pages")
    return paths


def kernel_name() -> str:
    """The kernel to run notebooks in: ``pqlkit``, registered into ``sys.prefix`` if missing.

    Falls back to ``python3`` (the current interpreter's native kernel) when ``pqlkit`` cannot be
    registered or points at an interpreter that no longer exists.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def usable(manager: KernelSpecManager) -> bool:
        try:
            spec = manager.get_kernel_spec(KERNEL_NAME)
        except NoSuchKernel:
            return False
        program = spec.argv[0] if spec.argv else ""
        return not os.path.isabs(program) or os.path.exists(program)

    if usable(KernelSpecManager()):
        return KERNEL_NAME
    display = f"pqlkit (Python {sys.version_info.major}.{sys.version_info.minor})"
    done = subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME, "--display-name", display],
        capture_output=True, text=True, check=False,
    )
    if done.returncode == 0 and usable(KernelSpecManager()):
        return KERNEL_NAME
    return "python3"


# --- running notebooks -------------------------------------------------------------------------


def _failure(notebook: Path, executed: Path | None, error: BaseException) -> NotebookFailed:
    """A :class:`NotebookFailed` from papermill's error and the executed notebook it left."""
    import nbformat

    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    last = f"{ename}: {evalue}" if evalue else str(ename)
    traceback = getattr(error, "traceback", None) or []
    lines = [line for line in _ANSI.sub("", "\n".join(traceback)).splitlines() if line.strip()]
    if lines and ename in lines[-1]:
        last = lines[-1]
    cell = execution_count = None
    if executed is not None and executed.is_file():
        nb = nbformat.read(executed, as_version=4)
        position = 0
        for item in nb.cells:
            tags = item.get("metadata", {}).get("tags", [])
            if _ERROR_MARKER_TAG in tags or INJECTED_TAG in tags:
                continue
            position += 1
            failed = any(o.get("output_type") == "error" for o in item.get("outputs", []))
            if failed or item.get("metadata", {}).get("papermill", {}).get("exception"):
                cell, execution_count = position, item.get("execution_count")
                break
    if execution_count is None:
        execution_count = getattr(error, "exec_count", None)
    return NotebookFailed(notebook.name, cell=cell, execution_count=execution_count, error=one_line(last),
                          executed=executed if executed is not None and executed.is_file() else None)


def _check_parameters(notebook: Path) -> None:
    """Refuse a notebook whose ``parameters`` cell lacks one of :data:`PARAMETERS`."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise PqlkitError(f"{notebook}: no code cell is tagged `parameters`; the report cannot pass it the data")
    source = "\n".join(c.source for c in cells)
    required = [name for name in PARAMETERS if name not in OPTIONAL_PARAMETERS]
    missing = [name for name in required if not re.search(rf"^\s*{name}\s*(:[^=]*)?=", source, re.MULTILINE)]
    if missing:
        raise PqlkitError(
            f"{notebook}: the `parameters` cell does not define {', '.join(missing)}; "
            f"every notebook takes {', '.join(required)}"
        )


@functools.cache
def _quiet_kernel_manager() -> type:
    """A kernel manager whose kernels do not write to our terminal (:func:`kernel_manager` without variables)."""
    return kernel_manager()


def kernel_manager(environment: Mapping[str, str] | None = None) -> type:
    """A kernel manager whose kernels do not write to our terminal, started with ``environment`` added to theirs.

    Cell output reaches the notebook over the kernel protocol either way; what the kernel process
    itself writes to its stdout and stderr (its start-up notices, the interrupt at shutdown, C
    extensions' messages at exit) would otherwise mix into the report's own stderr, where a failure
    must be one line. ``environment`` (a database password as ``PGPASSWORD``) goes to the kernel
    processes only: this process's ``os.environ`` is left as it is, so nothing started later
    inherits it.
    """
    from jupyter_client.manager import AsyncKernelManager

    extra = dict(environment or {})

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            if extra:
                kw["env"] = {**(kw.get("env") or os.environ), **extra}
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def execute_notebook(notebook: Path, output: Path, *, parameters: Mapping | None, kernel: str, cwd: Path,
                     progress: bool, label: str, position: int | None = None,
                     environment: Mapping[str, str] | None = None):
    """Run one notebook with papermill; returns the executed notebook node or raises NotebookFailed.

    ``environment`` is added to the kernel's environment only (:func:`kernel_manager`).
    """
    import papermill

    logging.getLogger("papermill").setLevel(logging.ERROR)
    bar = {"desc": label, "leave": True, "disable": None} if progress else False
    if bar and position is not None:
        bar["position"] = position  # several notebooks at once: one line each
    try:
        # The kernel starts in `cwd` (nbclient's resources path), without papermill's `cwd=`, which
        # changes this whole process's working folder while the notebook runs: several notebooks
        # run at once from threads of this process (see _execute_all).
        return papermill.execute_notebook(
            str(notebook), str(output), parameters=dict(parameters) if parameters else None,
            kernel_name=kernel, progress_bar=bar, log_output=False, resources={"metadata": {"path": str(cwd)}},
            kernel_manager_class=kernel_manager(environment) if environment else _quiet_kernel_manager(),
        )
    except Exception as error:  # noqa: BLE001 - papermill raises its own error, nbclient's, or a kernel's
        raise _failure(notebook, output, error) from error


#: Notebooks started first when several run at once, because they take longest (05 fits and checks
#: the conversion score); the others follow in file-name order.
SLOW_FIRST = ("05_gtm_playbook.ipynb",)


def _execute_all(paths: Sequence[Path], targets: Mapping[Path, Path], *, parameters: Mapping, kernel: str,
                 progress: bool, jobs: int, environment: Mapping[str, str] | None = None) -> list:
    """Run the notebooks, ``jobs`` at a time, and return the executed notebooks in ``paths`` order.

    Each notebook runs in its own kernel (a process of its own) and writes only its own outputs, so
    running several at once changes no number; the :data:`SLOW_FIRST` ones start first, so that the
    longest does not start last. The first failing notebook in ``paths`` order is raised as
    :class:`NotebookFailed` once the notebooks before it are done, as when they run one after the
    other; the ones not started by then are not run, the running ones finish.
    """
    import nbformat

    labels = {path: f"[{number}/{len(paths)}] {path.stem}" for number, path in enumerate(paths, start=1)}
    if jobs <= 1 or len(paths) <= 1:
        return [nbformat.from_dict(execute_notebook(path, targets[path], parameters=parameters, kernel=kernel,
                                                    cwd=path.parent, progress=progress, label=labels[path],
                                                    environment=environment))
                for path in paths]
    order = sorted(paths, key=lambda path: path.name not in SLOW_FIRST)  # stable: file-name order otherwise
    with ThreadPoolExecutor(max_workers=min(jobs, len(paths)), thread_name_prefix="pqlkit-notebook") as pool:
        futures = {path: pool.submit(execute_notebook, path, targets[path], parameters=parameters, kernel=kernel,
                                     cwd=path.parent, progress=progress, label=labels[path], position=position,
                                     environment=environment)
                   for position, path in enumerate(order)}
        try:
            return [nbformat.from_dict(futures[path].result()) for path in paths]
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    dataset: Path | str  # a local folder, resolved; a database's notebook source or a cluster URI as given
    spec: Path | None  # None for a spec given as a dict or an ActivationSpec, until it is written to the report
    as_of: str | None
    level: str | None
    events_format: str | None
    summary: dict
    title: str = ""  # the dataset as the index names it: a folder's path, a database's URL without its password
    currency: str = DEFAULT_CURRENCY
    entities: object = None  # the per-entity table, handed to the notebooks through pqlkit.report.checked
    context: object = None
    caught: tuple = ()  # the warnings the load raised
    activation: object = None  # the ActivationSpec
    environment: dict = field(default_factory=dict, repr=False)  # for the kernels only: a database password


def check_currency(currency: str) -> str:
    """The report's currency as an ISO 4217 code in capitals (``eur`` → ``EUR``).

    Raises
    ------
    PqlkitError
        When it is not three letters.
    """
    code = str(currency).strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise PqlkitError(f"The value for `currency` must be a three-letter ISO 4217 code such as USD, EUR or GBP, "
                          f"but {currency!r} was passed.")
    return code


def dataset_title(dataset, database=None) -> str:
    """The dataset as the report names it: a database by its URL with the password masked (and its schema), never
    a Python repr; a folder (or an export's folder) by its path as given.

    Parameters
    ----------
    dataset : path, URL, source file or DatabaseSource
        As :func:`run_report` was given it.
    database : DatabaseSource, optional
        :func:`pqlkit.io.database.database_source` of it, when it is a database.

    Returns
    -------
    str
        ``postgresql://analyst:***@db:5432/product (schema app)`` or ``data/sample``.
    """
    return database.display if database is not None else os.fspath(dataset)


def _resolved_dataset(dataset) -> Path | str:
    """A local dataset as an absolute path; a cluster URI (``s3a://``, ``hdfs://``, ``file://``: read by Spark)
    as it is, since resolving it as a local path would break it (``s3a:/bucket`` under the working folder)."""
    return str(dataset) if "://" in str(dataset) else Path(dataset).resolve()


def _check_inputs(dataset, spec, *, as_of, level, events_format=None, currency=DEFAULT_CURRENCY,
                  engine=None) -> _Inputs:
    """Load, check and summarise the input once, before any notebook runs (errors are PqlkitError)."""
    if level is not None and level not in ("user", "account"):
        raise PqlkitError(f"The value for `level` must be one of ['user', 'account'], but {level!r} was passed.")
    currency = check_currency(currency)
    database = database_source(dataset)  # a database URL, source file or DatabaseSource
    # The notebooks get the database as one string without its password (see notebook_source), and
    # the password in their kernels' environment only.
    dataset_path = notebook_source(database) if database is not None else _resolved_dataset(dataset)
    environment = kernel_environment(database) if database is not None else {}
    spec_path = Path(spec).resolve() if isinstance(spec, (str, os.PathLike)) else None
    as_of_iso = parse_as_of(as_of).isoformat(timespec="microseconds") if as_of is not None else None
    activation = ActivationSpec.coerce(spec_path if spec_path is not None else spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entities, context = entity_table(database or str(dataset_path), activation, as_of=as_of_iso, level=level,
                                        events_format=events_format, engine=engine)
    for warning in caught:  # shown as before; also kept for the notebooks, which print them as notes
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return _Inputs(dataset_path, spec_path, as_of_iso, level, events_format, summarise(entities, context=context),
                   title=dataset_title(dataset, database), currency=currency, entities=entities, context=context,
                   caught=tuple(caught), activation=activation, environment=environment)


def _spec_file(inputs: _Inputs, data_dir: Path) -> _Inputs:
    """``inputs`` with a spec file the notebooks can read: a spec given as a dict or an ActivationSpec
    is written to ``data_dir/activation.yaml`` (:meth:`ActivationSpec.to_dict`)."""
    if inputs.spec is not None:
        return inputs
    path = inside(data_dir, "activation.yaml")
    path.write_text(yaml.safe_dump(inputs.activation.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return replace(inputs, spec=path)


def _hand_over(inputs: _Inputs, data_dir: Path) -> Path | None:
    """Store the checked dataset and its per-entity table for the notebooks (:mod:`pqlkit.report.checked`).

    Returns the folder to name in :data:`pqlkit.report.checked.CHECKED_ENV`, or None without a dataset (the
    notebooks then load it themselves). The dataset's engine writes it, and the notebooks read it with the same.
    """
    if inputs.context is None or inputs.context.dataset is None:
        return None
    key = inputs_key(str(inputs.dataset), inputs.spec, as_of=inputs.as_of, level=inputs.level,
                     events_format=inputs.events_format)
    return write_checked(inputs.entities, inputs.context, inside(data_dir, "checked"), key=key, caught=inputs.caught)


def _report_folders(out: str | os.PathLike, paths: Sequence[Path], *,
                    dataset: Path | str) -> tuple[Path, Path, dict[Path, Path]]:
    """The report folder, its ``data/`` folder and where each executed notebook goes (``notebooks/``).

    Both folders are created once ``out`` is found to overwrite neither the notebooks it runs nor
    the dataset (errors are PqlkitError, naming ``out`` as given).
    """
    out_dir = Path(out).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise PqlkitError(f"--out {out}: exists and is not a folder")
    executed_dir = inside(out_dir, "notebooks")
    data_dir = inside(out_dir, "data")
    sources = {p.resolve() for p in paths}
    targets = {path: inside(out_dir, "notebooks", path.name) for path in paths}
    if sources & set(targets.values()):
        raise PqlkitError(f"--out {out}: the report would overwrite the notebooks it runs; choose another folder")
    if isinstance(dataset, Path) and (dataset == out_dir or dataset.is_relative_to(out_dir)):
        raise PqlkitError(f"--out {out}: the report folder holds the dataset; choose another folder")
    executed_dir.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    return out_dir, data_dir, targets


def _notebook_parameters(inputs: _Inputs, data_dir: Path) -> dict:
    """The values of :data:`PARAMETERS` every notebook gets."""
    return {
        "data_dir": str(inputs.dataset),
        "spec_path": str(inputs.spec),
        "as_of": inputs.as_of,
        "level": inputs.level,
        "events_format": inputs.events_format,
        "output_dir": str(data_dir),
        "currency": inputs.currency,
        "interactive": False,  # the pages show no widgets: what only JupyterLab shows is not built
    }


def _execute_with_checked(checked: Path | None, paths: Sequence[Path], targets: Mapping[Path, Path], *,
                          parameters: Mapping, kernel: str, progress: bool, jobs: int,
                          environment: Mapping[str, str] | None = None) -> list:
    """(notebook, executed notebook) pairs from :func:`_execute_all`, with :data:`CHECKED_ENV` naming the
    checked folder while they run; the variable is restored and the folder removed afterwards."""
    saved = os.environ.get(CHECKED_ENV)
    try:
        if checked is not None:
            os.environ[CHECKED_ENV] = str(checked)  # the kernels inherit it (pqlkit.notebook_setup reads it)
        return list(zip(paths, _execute_all(paths, targets, parameters=parameters, kernel=kernel,
                                            progress=progress, jobs=jobs, environment=environment)))
    finally:
        if saved is None:
            os.environ.pop(CHECKED_ENV, None)
        else:
            os.environ[CHECKED_ENV] = saved
        if checked is not None:
            shutil.rmtree(checked.parent, ignore_errors=True)  # the size of the events: not part of the report


def run_report(
    dataset: str | os.PathLike,
    spec: str | os.PathLike | Mapping | ActivationSpec,
    *,
    out: str | os.PathLike,
    # what to analyse
    as_of: str | None = None,
    level: str | None = None,
    events_format: str | None = None,
    # how
    notebooks: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    progress: bool = True,
    pdf: bool = False,
    previous: str | os.PathLike | None = None,
    window_days: float = WINDOW_DAYS,
    jobs: int | None = None,
    currency: str = DEFAULT_CURRENCY,
    engine: str | None = None,
) -> Path:
    """Run every notebook on a dataset and write the HTML report.

    Parameters
    ----------
    dataset : path
        Folder with ``users``, ``events`` and (optionally) ``conversions``.
    spec : path, dict or ActivationSpec
        Its YAML file, or the spec itself (:meth:`ActivationSpec.coerce`), then written to ``out/data/activation.yaml``.
    out : path
        The report folder; created if missing. Nothing is written outside it.
    as_of : str, optional
        The analysis instant (ISO 8601; a bare date means the end of that day, UTC).
    level : {"user", "account"}, optional
        Overrides the spec's level.
    events_format : str, optional
        The events file's format: canonical or an export (see :func:`pqlkit.load`); default detected.
    notebooks : folder or notebook paths, optional
        The notebooks to run; default every notebook in the repository's ``notebooks/`` folder.
    progress : bool
        Show a progress bar per notebook (when stderr is a terminal).
    pdf : bool
        Also print every page and the index to a PDF beside it (headless Chromium, :func:`print_pdfs`);
        a missing Chromium is reported before any notebook runs.
    previous : path, optional
        An earlier report's folder: the index gains "What changed since the previous report" (:func:`changes_since`);
        one of another level, spec or dataset, or not earlier, is refused first (:func:`check_comparable`).
    window_days : float
        The window of the flows in ``data/comparison.json`` (default 28 days; :func:`comparison_record`).
    jobs : int, optional
        Notebooks run at once, each in its own kernel (default 2, or 1 on one core); the pages are the same.
    currency : str
        The ISO 4217 code of every amount (``EUR``), on the index and as every notebook's ``currency``.
    engine : {"duckdb", "spark"}, optional
        Where the data is checked and reduced, and each notebook's queries over the events run (default DuckDB).

    Returns
    -------
    pathlib.Path
        The report's ``index.html``.

    Raises
    ------
    PqlkitError
        A problem with the input (dataset, spec, ``as_of``, ``level``, ``currency``, ``out``), before any notebook runs.
    NotebookFailed
        A notebook raised; its executed copy is kept in ``out/notebooks``.

    Examples
    --------
    >>> run_report("data/sample", "data/activation.yaml", out="reports/sample").name  # doctest: +SKIP
    'index.html'
    """
    before = read_previous(previous) if previous is not None else None
    inputs = _check_inputs(dataset, spec, as_of=as_of, level=level, events_format=events_format, currency=currency,
                           engine=engine)
    if pdf:
        find_chromium()
    paths = find_notebooks(notebooks)
    for path in paths:
        _check_parameters(path)
    record, changes = compare_with_previous(before, inputs.entities, context=inputs.context, summary=inputs.summary,
                                            window_days=window_days, folder=str(previous))
    out_dir, data_dir, targets = _report_folders(out, paths, dataset=inputs.dataset)
    inputs = _spec_file(inputs, data_dir)

    kernel, parameters = kernel_name(), _notebook_parameters(inputs, data_dir)
    trends = headline_trends(inputs.entities, context=inputs.context)
    checked = _hand_over(inputs, data_dir)
    inputs = replace(inputs, entities=None, context=None)  # the notebooks have it now; free the memory
    jobs = min(2, os.cpu_count() or 1) if jobs is None else jobs
    executed = _execute_with_checked(checked, paths, targets, parameters=parameters, kernel=kernel,
                                     progress=progress, jobs=jobs, environment=inputs.environment)

    spec_name = str(spec) if isinstance(spec, (str, os.PathLike)) else str(inputs.spec)
    written = write_pages(out_dir, executed, summary=inputs.summary, data_dir=data_dir, dataset=inputs.title,
                          spec=spec_name, trends=trends, changes=changes,
                          previous=None if previous is None else str(previous), currency=inputs.currency)
    write_comparison_record(record, data_dir)  # after the pages: it is the next report's, not an export to list
    if pdf:
        print_pdfs([(page, page.with_suffix(".pdf")) for page in written])
    return written[-1]


if __name__ == "__main__":
    # `python -m pqlkit.report.run --regenerate`, the older spelling of `python -m pqlkit.report --regenerate`
    runpy.run_module("pqlkit.report", run_name="__main__", alter_sys=True)
