"""A package's public names imported on first use (PEP 562), so that importing the package loads none of its modules.

``pqlkit.metrics`` and ``pqlkit.stats`` each list their names (name to module) and take their
``__getattr__`` and ``__dir__`` from :func:`lazy_exports`, so ``pqlkit metrics`` pays only for the
modules it uses. ``pqlkit`` itself keeps its own ``__getattr__``: ``import pqlkit`` loads no pqlkit
module at all, this one included.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    names: Mapping[str, str],
    namespace: MutableMapping[str, object],
    *,
    modules: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names are imported on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping of str to str
        Each public name to the module (relative to the package, dotted) that defines it.
    namespace : dict
        The package's ``globals()``: a name, once imported, is kept there, so the next use is a plain
        attribute.
    modules : mapping of str to str, optional
        Public names that are whole modules (``pk.plots``), to their path relative to the package.

    Returns
    -------
    (callable, callable)
        ``__getattr__`` (an ``AttributeError`` for an unknown name, as a module gives) and ``__dir__``
        (the namespace and ``__all__``).
    """
    modules = modules or {}

    def __getattr__(name: str) -> object:
        if name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        elif name in modules:
            value = importlib.import_module(f"{package}.{modules[name]}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__
