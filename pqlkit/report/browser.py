"""Headless Chromium: find it, and print report pages to PDF.

``pqlkit report --pdf`` prints every HTML page of the report to a PDF beside it with Chromium's own
``--print-to-pdf`` (no Python browser library needed at run time). The browser test
(``tests/report/test_browser.py``) drives the same Chromium, with the same flags, through chromedriver.

Chromium runs headless, as root where need be (``--no-sandbox``), with a new empty profile in a
temporary folder, and with its background services off: on a machine without a network, sync,
component updates and the like would otherwise try connections that are refused.

Where is Chromium? The ``PQLKIT_CHROMIUM`` environment variable when set, else the first of
:data:`CHROMIUM_NAMES` on the ``PATH``. On Debian: ``apt-get install chromium chromium-driver``
(``make`` does it when they are missing).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from pqlkit.base.errors import PqlkitError

__all__ = [
    "CHROMIUM_FLAGS",
    "CHROMIUM_NAMES",
    "ChromiumMissing",
    "chromium_arguments",
    "find_chromedriver",
    "find_chromium",
    "print_pdf",
    "print_pdfs",
]

#: Names a Chromium (or Chrome) executable goes by, tried in this order on the ``PATH``.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Headless, root-safe, and quiet on the network: Chromium's flags for every pqlkit use.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

_INSTALL_HINT = "install Debian's chromium: apt-get install chromium (or set PQLKIT_CHROMIUM to a Chromium executable)"


class ChromiumMissing(PqlkitError):
    """No Chromium (or chromedriver) executable was found; the message says how to install one."""


def _which(names: Iterable[str], *, variable: str, what: str, hint: str) -> Path:
    chosen = os.environ.get(variable)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise ChromiumMissing(f"{variable}={chosen}: no such executable; point it at the {what}, or unset it")
        return Path(found)
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return Path(found)
    raise ChromiumMissing(f"no {what} found on the PATH (looked for {', '.join(names)}): {hint}")


def find_chromium() -> Path:
    """The Chromium executable: ``PQLKIT_CHROMIUM`` when set, else the first of :data:`CHROMIUM_NAMES` on the ``PATH``.

    Returns
    -------
    pathlib.Path
        The executable.

    Raises
    ------
    ChromiumMissing
        When there is none (the message says how to install it).
    """
    return _which(CHROMIUM_NAMES, variable="PQLKIT_CHROMIUM", what="Chromium executable", hint=_INSTALL_HINT)


def find_chromedriver() -> Path:
    """The chromedriver executable (for Selenium): ``PQLKIT_CHROMEDRIVER`` when set, else ``chromedriver`` on the ``PATH``.

    Returns
    -------
    pathlib.Path
        The executable.

    Raises
    ------
    ChromiumMissing
        When there is none.
    """
    return _which(("chromedriver",), variable="PQLKIT_CHROMEDRIVER", what="chromedriver",
                  hint="install Debian's chromium-driver: apt-get install chromium-driver")


def chromium_arguments(*, user_data_dir: str | os.PathLike) -> list[str]:
    """Chromium's command-line flags: :data:`CHROMIUM_FLAGS` and a profile folder.

    Parameters
    ----------
    user_data_dir : path
        An empty folder for the browser profile (Chromium writes its state there).

    Returns
    -------
    list of str
        The flags, ready for a command line or ``ChromeOptions.add_argument``.
    """
    return [*CHROMIUM_FLAGS, f"--user-data-dir={os.fspath(user_data_dir)}"]


def _run_chromium(command: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess:
    """Run Chromium in its own process group, ended as a whole if it outlives ``timeout``."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"


def print_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *, timeout: float = 120) -> Path:
    """Print an HTML page to PDF with headless Chromium (``--print-to-pdf``, no header or footer).

    Parameters
    ----------
    html_path : path
        The page (a local file; its images and styles load as a browser would load them).
    pdf_path : path
        Where to write the PDF (its folder must exist); overwritten if present.
    timeout : float
        Seconds Chromium may take.

    Returns
    -------
    pathlib.Path
        The PDF (which starts with ``%PDF``).

    Raises
    ------
    ChromiumMissing
        When no Chromium is installed.
    PqlkitError
        When the page is missing, or Chromium does not write a PDF.

    Examples
    --------
    >>> print_pdf("reports/sample/index.html", "reports/sample/index.pdf")  # doctest: +SKIP
    PosixPath('reports/sample/index.pdf')
    """
    return print_pdfs([(html_path, pdf_path)], timeout=timeout)[0]


def print_pdfs(pages: Iterable[tuple[str | os.PathLike, str | os.PathLike]], *, timeout: float = 120) -> list[Path]:
    """Print several pages to PDF, one Chromium run each, sharing one fresh profile.

    Parameters
    ----------
    pages : iterable of (html_path, pdf_path)
        The pages and where their PDFs go.
    timeout : float
        Seconds Chromium may take for one page.

    Returns
    -------
    list of pathlib.Path
        The PDFs, in the order of ``pages``.

    Raises
    ------
    ChromiumMissing
        When no Chromium is installed (checked before any page).
    PqlkitError
        When a page is missing, or Chromium does not write its PDF.
    """
    pages = [(Path(html_path).resolve(), Path(pdf_path).resolve()) for html_path, pdf_path in pages]
    chromium = find_chromium()
    for html_path, _ in pages:
        if not html_path.is_file():
            raise PqlkitError(f"{html_path}: no such page to print to PDF")
    written = []
    with tempfile.TemporaryDirectory(prefix="pqlkit-chromium-") as profile:
        for html_path, pdf_path in pages:
            pdf_path.unlink(missing_ok=True)
            command = [str(chromium), *chromium_arguments(user_data_dir=profile), "--no-pdf-header-footer",
                       f"--print-to-pdf={pdf_path}", html_path.as_uri()]
            try:
                done = _run_chromium(command, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise PqlkitError(f"{html_path}: Chromium did not print it to PDF within {timeout:g} s") from None
            if not pdf_path.is_file() or pdf_path.read_bytes()[:4] != b"%PDF":
                raise PqlkitError(
                    f"{html_path}: Chromium ({chromium}) wrote no PDF (exit {done.returncode}): {_last_line(done.stderr)}"
                )
            written.append(pdf_path)
    return written
