"""Text and Arrow columns: zero-padded ids, ISO 8601 timestamp text and labels, built from numpy arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pqlkit.synthetic.vocabulary import BAD_TIMESTAMPS, DAY, UTC_OFFSETS

__all__: list[str] = []


_SUFFIXES = ("Z", "", *UTC_OFFSETS)  # timestamp format code -> suffix
_SUFFIX_SECONDS = np.array(
    [0, 0] + [(1 if o[0] == "+" else -1) * (int(o[1:3]) * 3600 + int(o[4:6]) * 60) for o in UTC_OFFSETS],
    dtype=np.int64,
)
_TEXT_WIDTH = max(19 + max(len(s) for s in _SUFFIXES), max(len(s) for s in BAD_TIMESTAMPS))


def _text_matrix(texts: tuple[str, ...], width: int) -> tuple[np.ndarray, np.ndarray]:
    matrix = np.zeros((len(texts), width), dtype=np.uint8)
    for i, text in enumerate(texts):
        matrix[i, : len(text)] = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return matrix, np.array([len(text) for text in texts], dtype=np.int64)


_SUFFIX_MATRIX, _SUFFIX_LENGTH = _text_matrix(_SUFFIXES, _TEXT_WIDTH - 19)
_BAD_MATRIX, _BAD_LENGTH = _text_matrix(BAD_TIMESTAMPS, _TEXT_WIDTH)


_DIGIT_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero padded, shape (n, width).

    Two digits per step from a lookup table, dividing by a scalar (numpy's fast path).
    """
    remaining = values.astype(np.int64)
    out = np.empty((len(remaining), width), dtype=np.uint8)
    position = width
    while position >= 2:
        quotient = remaining // 100
        out[:, position - 2 : position] = _DIGIT_PAIRS[remaining - quotient * 100]
        remaining = quotient
        position -= 2
    if position == 1:
        out[:, 0] = 48 + remaining % 10
    return out


def _string_array(matrix: np.ndarray, lengths: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Arrow strings from the first ``lengths[i]`` bytes of each matrix row."""
    n, width = matrix.shape
    lengths = lengths.astype(np.int64, copy=True)
    if valid is not None:
        lengths[~valid] = 0
    if n and (lengths == width).all():
        data = matrix.reshape(-1)
    else:
        data = matrix[np.arange(width) < lengths[:, None]]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    bitmap, null_count = None, 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    return pa.Array.from_buffers(
        pa.string(), n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))], null_count
    )


def id_column(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + zero-padded number, e.g. ``u0000123``; null where not valid."""
    n = len(numbers)
    matrix = np.empty((n, len(prefix) + width), dtype=np.uint8)
    matrix[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    matrix[:, len(prefix) :] = _digits(np.maximum(numbers, 0), width)
    return _string_array(matrix, np.full(n, matrix.shape[1]), valid)


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proleptic Gregorian (year, month, day) of days since 1970-01-01.

    H. Hinnant's ``civil_from_days`` (https://howardhinnant.github.io/date_algorithms.html).
    """
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def timestamp_text(seconds: np.ndarray, fmt: np.ndarray, state: np.ndarray | None) -> pa.Array:
    """ISO 8601 text: ``2026-01-03T14:22:05`` + ``Z`` / nothing / ``+02:00`` ...

    ``fmt`` indexes ``_SUFFIXES``; an offset shows the same instant in local time.
    ``state`` -1 = normal, -2 = empty (null), k >= 0 = ``BAD_TIMESTAMPS[k]``.
    """
    local = seconds + _SUFFIX_SECONDS[fmt]
    n = len(local)
    days = local // DAY
    second_of_day = local - days * DAY
    matrix = np.empty((n, _TEXT_WIDTH), dtype=np.uint8)
    if n:
        # "YYYY-MM-DD" once per calendar day in the range, then a lookup per row
        first_day = int(days.min())
        calendar = np.arange(first_day, int(days.max()) + 1)
        year, month, day = _civil_from_days(calendar)
        date_text = np.empty((len(calendar), 10), dtype=np.uint8)
        date_text[:, 0:4] = _digits(year, 4)
        date_text[:, 5:7] = _digits(month, 2)
        date_text[:, 8:10] = _digits(day, 2)
        date_text[:, [4, 7]] = ord("-")
        matrix[:, :10] = date_text[days - first_day]
    hour = second_of_day // 3600
    minute_second = second_of_day - hour * 3600
    minute = minute_second // 60
    matrix[:, 11:13] = _DIGIT_PAIRS[hour]
    matrix[:, 14:16] = _DIGIT_PAIRS[minute]
    matrix[:, 17:19] = _DIGIT_PAIRS[minute_second - minute * 60]
    matrix[:, 10] = ord("T")
    matrix[:, [13, 16]] = ord(":")
    matrix[:, 19:] = _SUFFIX_MATRIX[fmt]
    lengths = 19 + _SUFFIX_LENGTH[fmt]
    valid = None
    if state is not None:
        bad = np.flatnonzero(state >= 0)
        matrix[bad] = _BAD_MATRIX[state[bad]]
        lengths[bad] = _BAD_LENGTH[state[bad]]
        valid = state != -2
    return _string_array(matrix, lengths, valid)


def timestamp_column(
    seconds: np.ndarray, fmt: np.ndarray, state: np.ndarray | None, *, text: bool
) -> pa.Array:
    """Text (:func:`timestamp_text`) or ``timestamp[us, tz=UTC]``; a typed column has no place
    for a bad timestamp, so an empty or bad one (``state != -1``) is null there, as when a
    warehouse casts such text to ``TIMESTAMP WITH TIME ZONE``."""
    if text:
        return timestamp_text(seconds, fmt, state)
    mask = None if state is None else state != -1
    return pa.array(seconds.astype(np.int64) * 1_000_000, mask=mask).cast(pa.timestamp("us", tz="UTC"))


def label_column(names: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Arrow strings ``names[code]``; null where the code is negative."""
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pc.take(pa.array(names, pa.string()), indices)
