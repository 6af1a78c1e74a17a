"""The activation spec (docs/metrics.md#activation-spec): which steps make a user or account a PQL.

Read it from YAML with :meth:`ActivationSpec.from_yaml` or build it from a dict with
:meth:`ActivationSpec.from_dict`; both validate every key and raise :class:`~pqlkit.base.errors.SpecError`
with a message that names the key, what was found and what is allowed. Every function that takes a
spec (``pk.entity_table``, ``pk.reduce``, ``pk.notebook_setup``, ``run_report``) takes any of the
three, through :meth:`ActivationSpec.coerce`.
"""

from __future__ import annotations

import difflib
import math
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from pqlkit.base.errors import PqlkitWarning, SpecError

__all__ = ["ActivationSpec", "Step"]

_LEVELS = ("user", "account")
_MAX_STEPS = 20
# Day values (windows, active_days, trial_days, stall_day) beyond 100 years are refused: they are typing
# mistakes, and a window of 1e300 days cannot be turned into a time interval.
MAX_DAYS = 36_525

_SPEC_KEYS = ("level", "threshold", "window_days", "active_days", "trial_days", "stall_day", "steps")
_STEP_KEYS = ("name", "event", "min_count", "within_days", "min_users")


@dataclass(frozen=True)
class Step:
    """One activation step.

    Parameters
    ----------
    name : str
        Unique name, used as a column name (``{name}_at``) in the per-entity table.
    event : str or None
        Event name that completes the step.
    min_count : int
        The ``min_count``-th qualifying event completes the step.
    within_days : float or None
        Window after signup for this step; overrides the spec's ``window_days``.
    min_users : int or None
        Account level only: distinct users needed (with ``event``) or users signed up (without).
    """

    name: str
    event: str | None = None
    min_count: int = 1
    within_days: float | None = None
    min_users: int | None = None


@dataclass(frozen=True)
class ActivationSpec:
    """What activation means for a product: the steps, the PQL threshold and the time windows.

    Parameters
    ----------
    steps : tuple of Step
        1 to 20 steps with unique names.
    level : {"user", "account"}
        Whether users or accounts are the entities.
    threshold : float
        Share of steps, in (0, 1], that makes a PQL: 0.75 of 4 steps is 3.
    window_days : float or None
        Default window after signup in which a step's events count; None means no limit.
    active_days : float
        A PQL is current when its latest event is within this many days before ``as_of``.
    trial_days, stall_day : float
        Trial length, and the trial age from which a not-activated trial counts as stalled.

    Examples
    --------
    >>> spec = ActivationSpec.from_dict({"threshold": 0.75, "steps": [
    ...     {"name": "a", "event": "x"}, {"name": "b", "event": "y"},
    ...     {"name": "c", "event": "z"}, {"name": "d", "event": "w"}]})
    >>> spec.steps_required
    3
    """

    steps: tuple[Step, ...]
    level: str = "user"
    threshold: float = 1.0
    window_days: float | None = None
    active_days: float = 14
    trial_days: float = 14
    stall_day: float = 12
    source: str = field(default="spec", compare=False)

    @property
    def step_names(self) -> list[str]:
        """The step names, in spec order."""
        return [step.name for step in self.steps]

    @property
    def step_events(self) -> list[str]:
        """The event names the steps wait for, in spec order (steps with only ``min_users`` have none)."""
        return [step.event for step in self.steps if step.event is not None]

    @property
    def steps_required(self) -> int:
        """``ceil(threshold * n_steps - 1e-9)``: the steps an entity needs to be a PQL."""
        return math.ceil(self.threshold * len(self.steps) - 1e-9)

    def window_for(self, step: Step) -> float | None:
        """The window in days that applies to ``step`` (its own, else the spec's)."""
        return step.within_days if step.within_days is not None else self.window_days

    def with_level(self, level: str | None) -> ActivationSpec:
        """A copy at another level (None keeps this one), validated again."""
        if level is None or level == self.level:
            return self
        _check_choice("level", level, _LEVELS, self.source)
        spec = replace(self, level=level)
        spec._check_steps_for_level()
        return spec

    def check_events(
        self, event_names: Iterable[str], *, dropped: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[str]:
        """Warn about steps whose event no used row has.

        Parameters
        ----------
        event_names : iterable of str
            The event names of the used events (:meth:`pqlkit.Dataset.event_names`).
        dropped : mapping, optional
            ``{event name: {reason: rows}}`` for events that occur only in dropped rows
            (:meth:`pqlkit.Dataset.dropped_event_reasons`). Such a step is said to wait for an
            event that occurs only in dropped rows, with the reasons; a step whose event is in
            neither is said to wait for an event that never occurs in the data.

        Returns
        -------
        list of str
            The warning messages (also issued as :class:`PqlkitWarning`), each listing the
            closest event names found among the used events.
        """
        known = sorted(set(event_names))
        dropped = dropped or {}
        messages = []
        for step in self.steps:
            if step.event is None or step.event in known:
                continue
            close = difflib.get_close_matches(step.event, known, n=3, cutoff=0.4)
            hint = f"closest event names: {', '.join(map(repr, close))}" if close else "no similar event names"
            reasons = dropped.get(step.event)
            if reasons:
                total = sum(reasons.values())
                why = ", ".join(f"{reason} {n}" for reason, n in reasons.items())
                message = (
                    f"{self.source}: step {step.name!r} waits for event {step.event!r}, which occurs only in "
                    f"dropped rows ({total} row{'s' if total != 1 else ''}: {why}); see the data-quality ledger "
                    f"(docs/metrics.md#data-quality) ({hint})"
                )
            else:
                message = (
                    f"{self.source}: step {step.name!r} waits for event {step.event!r}, "
                    f"which never occurs in the data ({hint})"
                )
            warnings.warn(message, PqlkitWarning, stacklevel=2)
            messages.append(message)
        return messages

    @classmethod
    def coerce(cls, spec: ActivationSpec | Mapping | str | os.PathLike, *, argument: str = "spec") -> ActivationSpec:
        """The one reader of a spec argument: an ActivationSpec as it is, a dict, or the path of a YAML file.

        Parameters
        ----------
        spec : ActivationSpec, mapping, str or path-like
            The spec, its parsed YAML (:meth:`from_dict`), or its file (:meth:`from_yaml`).
        argument : str
            The argument's name, for the message when ``spec`` is none of these.

        Returns
        -------
        ActivationSpec

        Raises
        ------
        SpecError
            A spec that does not validate, or a value of another type.

        Examples
        --------
        >>> ActivationSpec.coerce({"steps": [{"name": "a", "event": "x"}]}).step_names
        ['a']
        """
        if isinstance(spec, ActivationSpec):
            return spec
        if isinstance(spec, Mapping):
            return cls.from_dict(spec)
        if isinstance(spec, (str, os.PathLike)):
            return cls.from_yaml(spec)
        raise SpecError(
            f"{argument}: expected the path of an activation YAML, a dict or an ActivationSpec, but "
            f"{type(spec).__name__} was passed"
        )

    def to_dict(self) -> dict:
        """The spec as the mapping :meth:`from_dict` reads back to an equal spec (unset optional keys left out).

        Examples
        --------
        >>> spec = ActivationSpec.coerce({"threshold": 0.5, "steps": [{"name": "a", "event": "x"}]})
        >>> ActivationSpec.from_dict(spec.to_dict()) == spec
        True
        """
        steps = [{key: value for key, value in (("name", step.name), ("event", step.event), ("min_count", step.min_count),
                                                ("within_days", step.within_days), ("min_users", step.min_users))
                  if value is not None} for step in self.steps]
        settings = {"level": self.level, "threshold": self.threshold, "window_days": self.window_days,
                    "active_days": self.active_days, "trial_days": self.trial_days, "stall_day": self.stall_day}
        return {**{key: value for key, value in settings.items() if value is not None}, "steps": steps}

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> ActivationSpec:
        """Read and validate a spec from a YAML file (safe loader only)."""
        source = os.fspath(path)
        try:
            with open(source, "rb") as handle:
                data = handle.read(MAX_SPEC_BYTES + 1)
        except FileNotFoundError:
            raise SpecError(f"{source}: spec file not found; pass the path of an activation YAML") from None
        except IsADirectoryError:
            raise SpecError(f"{source}: is a folder, not a spec file; pass the path of an activation YAML") from None
        except OSError as error:
            raise SpecError(f"{source}: cannot read the spec file ({error.strerror or error})") from None
        if len(data) > MAX_SPEC_BYTES:
            raise SpecError(f"{source}: the spec file is larger than {MAX_SPEC_BYTES // 1024} KB; is it the activation YAML?")
        text = _decode_spec(data, source)
        try:
            raw = yaml.safe_load(text)
        except RecursionError:
            raise SpecError(f"{source}: the YAML is nested too deeply to be a spec; a spec is a mapping with a 'steps' list") from None
        except yaml.constructor.ConstructorError as error:
            where = getattr(error, "problem_mark", None)
            line = f" at line {where.line + 1}" if where is not None else ""
            raise SpecError(
                f"{source}: YAML tag not allowed{line} ({error.problem}); a spec is plain YAML: "
                "mappings, lists, strings and numbers"
            ) from None
        except yaml.YAMLError as error:
            where = getattr(error, "problem_mark", None)
            line = f" at line {where.line + 1}" if where is not None else ""
            raise SpecError(f"{source}: not valid YAML{line}; check the indentation and quoting") from None
        return cls.from_dict(raw, source=source)

    @classmethod
    def from_dict(cls, raw: Any, *, source: str = "spec") -> ActivationSpec:
        """Validate a spec given as a dict (the parsed YAML)."""
        if not isinstance(raw, Mapping):
            raise SpecError(f"{source}: a spec must be a mapping with a 'steps' list, but {type(raw).__name__} was found")
        _check_keys(raw, _SPEC_KEYS, source, where="")
        raw_steps = raw.get("steps")
        if not isinstance(raw_steps, list) or not 1 <= len(raw_steps) <= _MAX_STEPS:
            raise SpecError(
                f"{source}: `steps` must be a list of 1 to {_MAX_STEPS} steps, but {raw_steps!r} was found",
                key="steps",
            )
        level = raw.get("level", "user")
        _check_choice("level", level, _LEVELS, source)
        threshold = _number(raw, "threshold", 1.0, source, allow_none=False)
        if not 0 < threshold <= 1:
            raise SpecError(
                f"{source}: the value for `threshold` must be in (0, 1], but {threshold!r} was passed "
                "(0.75 with 4 steps means 3 steps make a PQL)",
                key="threshold",
            )
        spec = cls(
            steps=tuple(_parse_step(item, index, source) for index, item in enumerate(raw_steps)),
            level=level,
            threshold=float(threshold),
            window_days=_number(raw, "window_days", None, source, positive=True),
            active_days=_number(raw, "active_days", 14, source, allow_none=False, positive=True),
            trial_days=_number(raw, "trial_days", 14, source, allow_none=False, positive=True),
            stall_day=_number(raw, "stall_day", 12, source, allow_none=False, positive=True),
            source=source,
        )
        names = spec.step_names
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise SpecError(f"{source}: step names must be unique, but {', '.join(map(repr, repeated))} repeat", key="steps")
        spec._check_steps_for_level()
        return spec

    def _check_steps_for_level(self) -> None:
        if self.level == "account":
            return
        for index, step in enumerate(self.steps):
            if step.min_users is not None:
                raise SpecError(
                    f"{self.source}: steps[{index}] ({step.name!r}) uses `min_users`, which needs level: account; "
                    "remove it or set `level: account`",
                    key=f"steps[{index}].min_users",
                )


MAX_SPEC_BYTES = 1 << 20


def _decode_spec(data: bytes, source: str) -> str:
    """The spec's text: UTF-8 (with or without a byte-order mark) or UTF-16 with its mark (YAML 1.1 allows
    both); other bytes are an error that names what they look like."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SpecError(f"{source}: the spec starts like UTF-16 text but is not; re-save it as UTF-8") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        line = data[: error.start].count(b"\n") + 1
        guess = "Windows-1252" if 0x80 <= byte <= 0x9F else "Latin-1 (ISO-8859-1) or Windows-1252"
        raise SpecError(
            f"{source}: line {line}: the text is not UTF-8 (byte 0x{byte:02X} suggests {guess}); re-save the spec as UTF-8"
        ) from None
    if "\x00" in text:
        raise SpecError(f"{source}: the spec holds NUL bytes (\\x00), so it is not a text file; re-save it as UTF-8 YAML")
    return text


def _check_keys(raw: Mapping, allowed: tuple[str, ...], source: str, *, where: str) -> None:
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(
                f"{source}: unknown key {where}{key!r}{hint}; allowed keys are {', '.join(allowed)}",
                key=f"{where}{key}",
            )


def _check_choice(key: str, value: Any, options: tuple[str, ...], source: str) -> None:
    if value not in options:
        raise SpecError(
            f"{source}: the value for `{key}` must be one of {list(options)}, but {value!r} was passed", key=key
        )


def _number(
    raw: Mapping, key: str, default: Any, source: str, *, allow_none: bool = True, positive: bool = False,
    label: str | None = None,
) -> Any:
    label = label or key
    value = raw.get(key, default)
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        kind = "a number or null" if allow_none else "a number"
        raise SpecError(f"{source}: the value for `{label}` must be {kind}, but {value!r} was passed", key=label)
    if positive and value <= 0:
        raise SpecError(f"{source}: the value for `{label}` must be greater than 0, but {value!r} was passed", key=label)
    if positive and value > MAX_DAYS:
        raise SpecError(
            f"{source}: the value for `{label}` must be at most {MAX_DAYS} days (100 years), but {value!r} was passed; "
            "for no limit, write null",
            key=label,
        )
    return value


def _integer(raw: Mapping, key: str, default: Any, source: str, *, label: str, allow_none: bool = True) -> Any:
    value = raw.get(key, default)
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{source}: the value for `{label}` must be a whole number >= 1, but {value!r} was passed", key=label)
    return value


def _parse_step(raw: Any, index: int, source: str) -> Step:
    where = f"steps[{index}]."
    if not isinstance(raw, Mapping):
        raise SpecError(f"{source}: steps[{index}] must be a mapping with `name` and `event`, but {raw!r} was found", key=f"steps[{index}]")
    _check_keys(raw, _STEP_KEYS, source, where=where)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SpecError(f"{source}: {where}name must be a non-empty string, but {name!r} was passed", key=f"{where}name")
    event = raw.get("event")
    if event is not None and (not isinstance(event, str) or not event):
        raise SpecError(f"{source}: {where}event must be an event name (a string), but {event!r} was passed", key=f"{where}event")
    min_users = _integer(raw, "min_users", None, source, label=f"{where}min_users")
    if event is None and min_users is None:
        raise SpecError(
            f"{source}: step {name!r} has neither `event` nor `min_users`; give the event that completes it",
            key=f"steps[{index}]",
        )
    return Step(
        name=name,
        event=event,
        min_count=_integer(raw, "min_count", 1, source, label=f"{where}min_count", allow_none=False),
        within_days=_number(raw, "within_days", None, source, positive=True, label=f"{where}within_days"),
        min_users=min_users,
    )
