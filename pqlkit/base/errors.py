"""Errors and warnings that pqlkit raises for problems in the user's data or spec.

Every message names the file (or spec key), the column, what was found and what to do, so that
the command line can print it as one line without a traceback.
"""

from __future__ import annotations

__all__ = ["PqlkitError", "DataError", "SpecError", "DataQualityError", "PqlkitWarning"]


class PqlkitError(Exception):
    """Base class for every problem caused by the input (data, spec or arguments)."""


class DataError(PqlkitError):
    """A dataset that cannot be analysed: a missing table, column or file, or an empty table.

    Attributes
    ----------
    path : str or None
        The file (or folder) concerned.
    column : str or None
        The column concerned, where there is one.
    """

    def __init__(self, message: str, *, path: str | None = None, column: str | None = None):
        super().__init__(message)
        self.path = path
        self.column = column


class SpecError(PqlkitError):
    """An activation spec that does not follow docs/metrics.md#activation-spec.

    Attributes
    ----------
    key : str or None
        The spec key at fault, as a dotted path (``steps[2].min_count``).
    """

    def __init__(self, message: str, *, key: str | None = None):
        super().__init__(message)
        self.key = key


class DataQualityError(PqlkitError):
    """Rows would be dropped under ``strict=True``.

    Attributes
    ----------
    failure_cases : pandas.DataFrame
        The ledger rows with ``rows > 0`` (columns ``table``, ``reason``, ``rows``).
    """

    def __init__(self, message: str, *, failure_cases):
        super().__init__(message)
        self.failure_cases = failure_cases


class PqlkitWarning(UserWarning):
    """Something in the data or spec that is probably a mistake but does not stop the analysis."""
