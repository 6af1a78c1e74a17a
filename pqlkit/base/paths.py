"""Where things are: the repository root, and notebook path parameters resolved against it.

The notebooks and the report runner both need the clone's folders whatever the working directory
(papermill starts kernels where it was started, not in ``notebooks/``); this module is the one
place that finds them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["repo_root", "resolve_path", "shorten_paths"]


def _is_repo_root(folder: Path) -> bool:
    marker = folder / "pyproject.toml"
    if not marker.is_file():
        return False
    try:
        name = tomllib.loads(marker.read_text(encoding="utf-8")).get("project", {}).get("name")
    except (OSError, ValueError):
        return False
    return name == "pqlkit"


def repo_root(start: str | os.PathLike | None = None) -> Path | None:
    """The pqlkit repository holding ``start``: the nearest folder, walking up, whose
    ``pyproject.toml`` names the ``pqlkit`` project.

    Parameters
    ----------
    start : path, optional
        Where to start; default the installed package's folder (an editable install sits in its clone).

    Returns
    -------
    pathlib.Path or None
        The repository folder, or None when ``start`` is not inside one (pqlkit installed without
        its source tree).
    """
    folder = Path(os.fspath(start)).resolve() if start is not None else Path(__file__).resolve().parent
    for candidate in (folder, *folder.parents):
        if _is_repo_root(candidate):
            return candidate
    return None


def resolve_path(path: str | os.PathLike, *, base: str = "notebooks") -> str:
    """Resolve a notebook parameter path without relying on the working directory.

    Absolute paths are returned unchanged. A relative path is taken from the working folder when
    something exists there under that name (``data/activation.yaml`` when papermill runs from the
    repository's root); else relative to the ``notebooks/`` folder of the pqlkit repository, found
    with :func:`repo_root` from the current directory and, failing that, from the installed
    package's folder (``../data/sample``, the notebooks' defaults, whatever the working folder).
    Without any repository the path is resolved against the current directory.

    Parameters
    ----------
    path : str or path-like
        ``"data/sample"`` (from the working folder), ``"../data/sample"`` (from notebooks/) or an
        absolute path.
    base : str
        The folder, inside the repository, that relative paths are relative to.

    Returns
    -------
    str
        An absolute, normalised path (it need not exist).

    Examples
    --------
    >>> resolve_path("/tmp/data")
    '/tmp/data'
    """
    if "://" in str(path):
        return str(path)  # a database URL (pqlkit.io.database) or a cluster URI: not a local path
    given = Path(os.fspath(path)).expanduser()
    if given.is_absolute():
        return str(given)
    here = Path.cwd() / given
    if here.exists():
        return os.path.normpath(str(here))
    root = repo_root(Path.cwd()) or repo_root()
    anchor = (root / base) if root is not None else Path.cwd()
    return os.path.normpath(str(anchor / given))


def shorten_paths(message: str, paths: Iterable[str | os.PathLike | None]) -> str:
    """``message`` with each of ``paths`` cut to its last part, so notebook output is the same on every machine.

    Parameters
    ----------
    message : str
        A warning or error message.
    paths : iterable of path-like or None
        The paths to shorten (None and non-paths are skipped).

    Returns
    -------
    str
        The message with ``/home/me/data/sample`` written as ``sample``.

    Examples
    --------
    >>> shorten_paths("/tmp/x/spec.yaml: step 'a' ...", ["/tmp/x/spec.yaml"])
    "spec.yaml: step 'a' ..."
    """
    for path in paths:
        if isinstance(path, (str, os.PathLike)) and os.fspath(path):
            full = os.fspath(path)
            message = message.replace(full, os.path.basename(full.rstrip("/")) or full)
    return message
