"""The PQL report: every notebook run with papermill, rendered to HTML, and an index page.

``pqlkit report DATASET --spec SPEC.yaml --out DIR`` (or :func:`run_report`) writes::

    DIR/index.html                the headline numbers and a link to every page
    DIR/NN_name.html              one page per notebook: outputs only, figures embedded
    DIR/notebooks/NN_name.ipynb   the executed notebooks, for inspection
    DIR/data/                     what the notebooks record (``NN_name.json``) and export (CSV)

Every notebook in the repository's ``notebooks/`` folder runs in a kernel named ``pqlkit`` (registered
on first use if missing), in that folder, with six parameters: ``data_dir``, ``spec_path``, ``as_of``,
``level``, ``events_format`` and ``output_dir``. The input is checked once before any notebook starts, so a wrong path
or a bad spec costs a second, not a minute.

``python -m pqlkit.report --regenerate`` re-executes the committed notebooks in place on their default
parameters (the bundled sample), keeping outputs and execution counts and dropping the per-cell
timestamps and papermill metadata, so that ``pytest --nbval`` can compare against them.

Safety: every string in ``index.html`` that comes from the data or the spec is escaped, HTML and
Markdown outputs of the notebooks are sanitised (no script, no event handlers) before they reach a
page, and every file this module writes is checked to lie inside ``out``.
"""

from __future__ import annotations

import copy
import functools
import html
import json
import logging
import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .errors import PqlkitError

__all__ = [
    "KERNEL_NAME",
    "PARAMETERS",
    "NotebookFailed",
    "find_notebooks",
    "kernel_name",
    "notebooks_dir",
    "regenerate",
    "run_report",
]

#: The Jupyter kernel the notebooks run in (``make`` registers it; :func:`kernel_name` does on demand).
KERNEL_NAME = "pqlkit"

#: The parameters every notebook's ``parameters`` cell defines, and the report passes.
PARAMETERS = ("data_dir", "spec_path", "as_of", "level", "events_format", "output_dir")

_INJECTED_TAG = "injected-parameters"
_ERROR_MARKER_TAG = "papermill-error-cell-tag"
#: Cells with one of these tags stay in the executed notebook but not on its HTML page.
_REMOVE_TAGS = {"remove-cell", "remove_cell", "hide-in-report"}
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
    from .paths import repo_root

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


def _inside(out: Path, *parts: str) -> Path:
    """``out / parts``, refused unless it resolves to a path inside ``out``."""
    target = out.joinpath(*parts).resolve()
    if target != out and not target.is_relative_to(out):
        raise PqlkitError(f"refusing to write {target}: it is outside the report folder {out}")
    return target


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(_ANSI.sub("", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


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
            if _ERROR_MARKER_TAG in tags or _INJECTED_TAG in tags:
                continue
            position += 1
            failed = any(o.get("output_type") == "error" for o in item.get("outputs", []))
            if failed or item.get("metadata", {}).get("papermill", {}).get("exception"):
                cell, execution_count = position, item.get("execution_count")
                break
    if execution_count is None:
        execution_count = getattr(error, "exec_count", None)
    return NotebookFailed(notebook.name, cell=cell, execution_count=execution_count, error=_one_line(last),
                          executed=executed if executed is not None and executed.is_file() else None)


def _check_parameters(notebook: Path) -> None:
    """Refuse a notebook whose ``parameters`` cell lacks one of :data:`PARAMETERS`."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise PqlkitError(f"{notebook}: no code cell is tagged `parameters`; the report cannot pass it the data")
    source = "\n".join(c.source for c in cells)
    missing = [name for name in PARAMETERS if not re.search(rf"^\s*{name}\s*(:[^=]*)?=", source, re.MULTILINE)]
    if missing:
        raise PqlkitError(
            f"{notebook}: the `parameters` cell does not define {', '.join(missing)}; "
            f"every notebook takes {', '.join(PARAMETERS)}"
        )


@functools.cache
def _quiet_kernel_manager() -> type:
    """A kernel manager whose kernels do not write to our terminal.

    Cell output reaches the notebook over the kernel protocol either way; what the kernel process
    itself writes to its stdout and stderr (its start-up notices, the interrupt at shutdown, C
    extensions' messages at exit) would otherwise mix into the report's own stderr, where a failure
    must be one line.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def _execute(notebook: Path, output: Path, *, parameters: Mapping | None, kernel: str, cwd: Path,
             progress: bool, label: str):
    """Run one notebook with papermill; returns the executed notebook node or raises NotebookFailed."""
    import papermill

    logging.getLogger("papermill").setLevel(logging.ERROR)
    bar = {"desc": label, "leave": True, "disable": None} if progress else False
    try:
        return papermill.execute_notebook(
            str(notebook), str(output), parameters=dict(parameters) if parameters else None,
            kernel_name=kernel, cwd=str(cwd), progress_bar=bar, log_output=False,
            kernel_manager_class=_quiet_kernel_manager(),
        )
    except Exception as error:  # noqa: BLE001 - papermill raises its own error, nbclient's, or a kernel's
        raise _failure(notebook, output, error) from error


# --- HTML --------------------------------------------------------------------------------------

# Tags and attributes a notebook's HTML or Markdown output may keep (pandas tables, styled tables,
# simple markup). Everything else is escaped, so data cannot inject markup into a page.
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "style", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "*": ["class", "id", "title", "style", "align"],
    "a": ["href", "title"],
    "img": ["src", "alt", "width", "height"],
    "table": ["border", "cellpadding", "cellspacing"],
    "td": ["colspan", "rowspan", "halign", "valign"],
    "th": ["colspan", "rowspan", "halign", "valign"],
    "style": ["type", "scoped"],
}
_SAFE_OUTPUTS = {"text/plain", "image/png", "image/jpeg", "image/svg+xml", "text/latex", "application/json"}
_SANITIZED_OUTPUTS = {"text/html", "text/markdown"}


def _sanitize(markup: str) -> str:
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    return bleach.clean(
        markup, tags=_TAGS, attributes=_ATTRIBUTES, protocols={"http", "https", "mailto", "data"},
        strip=False, strip_comments=True, css_sanitizer=CSSSanitizer(),
    )


def _page_notebook(nb):
    """A copy of an executed notebook ready for a page: outputs sanitised; stderr, parameter cells and cells
    tagged ``remove-cell`` (or ``remove_cell``, ``hide-in-report``) dropped.

    Text and images pass as they are (nbconvert escapes text; matplotlib escapes SVG text). HTML and
    Markdown outputs go through :func:`_sanitize`. Other output types (JavaScript, widgets) are
    dropped. stderr (warnings, progress bars) stays in the executed notebook but not on the page.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if _INJECTED_TAG in tags or "parameters" in tags or _REMOVE_TAGS & set(tags):
            continue
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    continue
                if "data" in output:
                    data = {}
                    for key, value in output["data"].items():
                        if key in _SAFE_OUTPUTS:
                            data[key] = value
                        elif key in _SANITIZED_OUTPUTS:
                            data[key] = _sanitize(value if isinstance(value, str) else "".join(value))
                    if not data:
                        continue
                    output["data"] = data
                outputs.append(output)
            cell.outputs = outputs
        cells.append(cell)
    nb.cells = cells
    return nb


def _title(nb, fallback: str) -> str:
    """The notebook's first Markdown heading, or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^\s*#{1,3}\s+(.+?)\s*#*\s*$", cell.source, re.MULTILINE)
            if match:
                return re.sub(r"[*_`]", "", match.group(1)).strip()
    return fallback


def _summary_line(nb) -> str:
    """The first paragraph of the notebook's first Markdown cell that is not a heading (plain text)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for paragraph in re.split(r"\n\s*\n", cell.source):
            text = paragraph.strip()
            if text and not text.startswith(("#", "|", "<", "!", "-", "*", ">", "```")):
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
                return _one_line(re.sub(r"[*`]", "", text), limit=320)
    return ""


def _nav(pages: Sequence[tuple[str, str]], current: int | None) -> str:
    links = ['<a href="index.html">Report index</a>']
    for index, (href, title) in enumerate(pages):
        label = html.escape(title)
        links.append(f"<strong>{label}</strong>" if index == current else f'<a href="{quote(href)}">{label}</a>')
    return (
        '<nav class="pqlkit-nav" style="font-family:sans-serif;font-size:14px;padding:8px 16px;'
        'border-bottom:1px solid #ddd;background:#f7f7f7">' + " · ".join(links) + "</nav>"
    )


def _render_page(nb, *, title: str, nav: str) -> str:
    """One notebook as a standalone HTML page: no code, figures embedded, a navigation bar on top."""
    from nbconvert import HTMLExporter

    page_nb = _page_notebook(nb)
    page_nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(page_nb)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)


# --- index page --------------------------------------------------------------------------------


def _format_value(key: str, value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        lowered = key.lower()
        if any(word in lowered for word in ("rate", "share", "pct", "benchmark")) and 0 <= value <= 1:
            return f"{value:.1%}"
        if "days" in lowered:
            return f"{value:.1f} days"
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _interval(successes: int, trials: int) -> str:
    from .metrics import wilson_interval

    if not trials:
        return ""
    low, high = wilson_interval(successes, trials)
    return f"95% CI {float(low):.1%}–{float(high):.1%}"


_HEADLINES = (
    ("How many reach activation", (("raw_pqls", "Raw PQLs"), ("current_pqls", "Current PQLs"))),
    ("PQL rate", (("pql_rate", "PQL rate"), ("activation_rate_mean", "Mean activation rate"))),
    ("Time to PQL", (("time_to_pql_median_days", "Median time to PQL (PQLs)"),
                     ("time_to_pql_km_median_days", "Median time to PQL (Kaplan–Meier)"),
                     ("stalled_in_trial", "Stalled in trial"))),
    ("PQL to paid", (("pql_to_paid_rate", "PQL-to-paid rate"), ("paid_pqls", "Paid PQLs"),
                     ("paid_before_pql", "Paid before PQL"), ("paid_without_pql", "Paid without PQL"))),
)

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px}
h1{margin:0 0 4px;font-size:28px} h2{margin:32px 0 12px;font-size:20px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#57606a;margin:0 0 8px} .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:12px 14px} .card h3{margin:0 0 8px;font-size:15px;color:#57606a}
.metric{display:flex;justify-content:space-between;gap:8px;padding:2px 0} .metric .v{font-weight:600;text-align:right}
.ci{display:block;color:#57606a;font-size:12px;font-weight:400}
table{border-collapse:collapse;font-size:14px} td,th{border-bottom:1px solid #eee;padding:4px 12px 4px 0;text-align:left}
td.n{text-align:right} .page{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:0 0 12px}
.page h3{margin:0 0 6px;font-size:17px} .page p{margin:0 0 8px;color:#57606a}
"""


def _recorded_numbers(record: Mapping, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The scalar entries of a notebook's JSON record, formatted; nested values and ``exclude`` are left out.

    The index shows the SPEC §4 numbers once, in its headline section; for each page it lists what that
    notebook adds (the best candidate event, the benchmark verdict, the CRM export's rows, ...).
    """
    skip = set(exclude) | {"notebook"}
    rows = []
    for key, value in record.items():
        if key in skip or isinstance(value, (Mapping, list, tuple)):
            continue
        rows.append((str(key), _format_value(str(key), value)))
    return rows


def _index_html(*, summary: Mapping, pages: Sequence[Mapping], dataset: str, spec: str,
                files: Sequence[str] = ()) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>PQL report</title>",
        f"<style>{_CSS}</style></head><body>",
        _nav([(p["href"], p["title"]) for p in pages], None),
        "<main>",
        "<h1>Product Qualified Leads: the report</h1>",
        f'<p class="meta">As of {esc(str(summary["as_of"]))} · {esc(str(summary["level"]))} level · '
        f'{esc(_format_value("entities", summary["entities"]))} entities in scope</p>',
        f'<p class="meta">Dataset <code>{esc(dataset)}</code> · spec <code>{esc(spec)}</code></p>',
        "<h2>Headline numbers</h2>",
        '<div class="grid">',
    ]
    eligible = summary["raw_pqls"] - summary["paid_before_pql"]
    intervals = {
        "pql_rate": _interval(summary["raw_pqls"], summary["entities"]),
        "pql_to_paid_rate": _interval(summary["paid_pqls"], eligible),
    }
    for heading, metrics in _HEADLINES:
        parts.append(f'<div class="card"><h3>{esc(heading)}</h3>')
        for key, label in metrics:
            value = esc(_format_value(key, summary.get(key)))
            ci = intervals.get(key, "")
            ci_html = f'<span class="ci">{esc(ci)}</span>' if ci else ""
            parts.append(f'<div class="metric"><span>{esc(label)}</span><span class="v">{value}{ci_html}</span></div>')
        parts.append("</div>")
    parts.append("</div>")

    steps = summary.get("step_completion") or {}
    if steps:
        total = summary["entities"]
        parts.append("<h2>Activation steps</h2><table><thead><tr><th>Step</th><th>Completed</th><th>Share</th></tr></thead><tbody>")
        for step, done in steps.items():
            share = f"{done / total:.1%}" if total else "n/a"
            parts.append(f'<tr><td>{esc(str(step))}</td><td class="n">{esc(_format_value("n", done))}</td>'
                         f'<td class="n">{esc(share)}</td></tr>')
        parts.append("</tbody></table>")

    parts.append("<h2>Pages</h2>")
    for page in pages:
        parts.append(f'<div class="page"><h3><a href="{quote(page["href"])}">{esc(page["title"])}</a></h3>')
        if page.get("summary"):
            parts.append(f"<p>{esc(page['summary'])}</p>")
        numbers = page.get("numbers") or []
        if numbers:
            parts.append("<table><tbody>")
            for key, value in numbers[:12]:
                parts.append(f'<tr><td>{esc(key.replace("_", " "))}</td><td class="n">{esc(value)}</td></tr>')
            parts.append("</tbody></table>")
        parts.append(
            f'<p><small>Executed notebook: <a href="{quote(page["notebook"])}">{esc(page["notebook"])}</a></small></p></div>'
        )
    if files:
        parts.append("<h2>Files</h2><p>Exported by the notebooks (CSV opens in a spreadsheet or imports into a CRM):</p><ul>")
        for name in files:
            parts.append(f'<li><a href="{quote(name)}">{esc(name)}</a></li>')
        parts.append("</ul>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    dataset: Path
    spec: Path
    as_of: str | None
    level: str | None
    events_format: str | None
    summary: dict


def _check_inputs(dataset, spec, *, as_of, level, events_format=None) -> _Inputs:
    """Load, check and summarise the input once, before any notebook runs (errors are PqlkitError)."""
    from .loading import parse_as_of
    from .metrics import summary as summarise
    from .reduction import entity_table
    from .spec import ActivationSpec

    if level is not None and level not in ("user", "account"):
        raise PqlkitError(f"The value for `level` must be one of ['user', 'account'], but {level!r} was passed.")
    from .database import database_source, notebook_source

    database = database_source(dataset)  # a database URL, source file or DatabaseSource
    # The notebooks get the database as one string without its password (see notebook_source).
    dataset_path = notebook_source(database) if database is not None else Path(dataset).resolve()
    spec_path = Path(spec).resolve()
    as_of_iso = parse_as_of(as_of).isoformat(timespec="microseconds") if as_of is not None else None
    activation = ActivationSpec.from_yaml(spec_path)
    entities, context = entity_table(database or str(dataset_path), activation, as_of=as_of_iso, level=level,
                                    events_format=events_format)
    return _Inputs(dataset_path, spec_path, as_of_iso, level, events_format, summarise(entities, context=context))


def run_report(
    dataset: str | os.PathLike,
    spec: str | os.PathLike,
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
) -> Path:
    """Run every notebook on a dataset and write the HTML report.

    Parameters
    ----------
    dataset : path
        Folder with ``users``, ``events`` and (optionally) ``conversions``.
    spec : path
        The activation spec (YAML).
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
        Also print every page (and the index) to a PDF beside its HTML, with headless Chromium
        (:func:`pqlkit.browser.print_pdfs`); a missing Chromium is reported before any notebook runs.

    Returns
    -------
    pathlib.Path
        The report's ``index.html``.

    Raises
    ------
    PqlkitError
        A problem with the input (dataset, spec, ``as_of``, ``level``, ``out``), found before any
        notebook runs.
    NotebookFailed
        A notebook raised; its executed copy is kept in ``out/notebooks``.

    Examples
    --------
    >>> index = run_report("data/sample", "data/activation.yaml", out="reports/sample")  # doctest: +SKIP
    >>> index.name                                                                          # doctest: +SKIP
    'index.html'
    """
    import nbformat

    inputs = _check_inputs(dataset, spec, as_of=as_of, level=level, events_format=events_format)
    if pdf:
        from .browser import find_chromium, print_pdfs

        find_chromium()
    paths = find_notebooks(notebooks)
    for path in paths:
        _check_parameters(path)
    out_dir = Path(out).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise PqlkitError(f"--out {out}: exists and is not a folder")
    executed_dir = _inside(out_dir, "notebooks")
    data_dir = _inside(out_dir, "data")
    sources = {p.resolve() for p in paths}
    targets = {path: _inside(out_dir, "notebooks", path.name) for path in paths}
    if sources & set(targets.values()):
        raise PqlkitError(f"--out {out}: the report would overwrite the notebooks it runs; choose another folder")
    if isinstance(inputs.dataset, Path) and (inputs.dataset == out_dir or inputs.dataset.is_relative_to(out_dir)):
        raise PqlkitError(f"--out {out}: the report folder holds the dataset; choose another folder")
    executed_dir.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)

    kernel = kernel_name()
    parameters = {
        "data_dir": str(inputs.dataset),
        "spec_path": str(inputs.spec),
        "as_of": inputs.as_of,
        "level": inputs.level,
        "events_format": inputs.events_format,
        "output_dir": str(data_dir),
    }
    executed = []
    for number, path in enumerate(paths, start=1):
        nb = _execute(path, targets[path], parameters=parameters, kernel=kernel, cwd=path.parent,
                      progress=progress, label=f"[{number}/{len(paths)}] {path.stem}")
        executed.append((path, nbformat.from_dict(nb)))

    pages = []
    for path, nb in executed:
        record_path = data_dir / f"{path.stem}.json"
        record = {}
        if record_path.is_file():
            try:
                record = json.loads(record_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = {}
        pages.append({
            "href": f"{path.stem}.html",
            "notebook": f"notebooks/{path.name}",
            "title": _title(nb, path.stem.replace("_", " ")),
            "summary": _summary_line(nb),
            "numbers": _recorded_numbers(record, exclude=inputs.summary) if isinstance(record, Mapping) else [],
            "nb": nb,
        })
    links = [(p["href"], p["title"]) for p in pages]
    for position, page in enumerate(pages):
        target = _inside(out_dir, page["href"])
        target.write_text(_render_page(page["nb"], title=page["title"], nav=_nav(links, position)), encoding="utf-8")
    records = {data_dir / f"{path.stem}.json" for path, _ in executed}
    files = sorted(
        path.relative_to(out_dir).as_posix() for path in data_dir.rglob("*")
        if path.is_file() and path not in records and path.resolve().is_relative_to(out_dir)
    )
    index = _inside(out_dir, "index.html")
    index.write_text(
        _index_html(summary=inputs.summary, pages=pages, dataset=str(dataset), spec=str(spec), files=files),
        encoding="utf-8",
    )
    if pdf:
        printed = [_inside(out_dir, page["href"]) for page in pages] + [index]
        print_pdfs([(page, page.with_suffix(".pdf")) for page in printed])
    return index


# --- regeneration of the committed notebooks ---------------------------------------------------


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
        executed = _execute(path, scratch / path.name, parameters=None, kernel=kernel, cwd=path.parent,
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
    import argparse

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


if __name__ == "__main__":
    sys.exit(main())
