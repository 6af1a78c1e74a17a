"""Find the moment of value: :func:`discover_activation` and what it returns (:class:`Discovery`).

The steps (docs/metrics.md#discovery):

1. One pass over the events counts, per judged entity, event and day since signup, the events
   before the target (:func:`~pqlkit.analyses.discovery.counts.day_counts`).
2. Events that cluster in the hours before the target (the purchase flow) are listed with their
   reason and left out unless ``include_flow``.
3. The judged entities are split by signup time: the earliest ``choose_share`` choose, the rest
   report (out of time).
4. Every event at 1..``max_count`` occurrences within 1..``within_days`` days is scored on the
   choosing cohort, raw and within strata of active days; then a beam grows definitions of up to
   ``max_steps`` steps from the strongest; the best is refined step by step.
5. Every candidate tried gets its p-value (Cochran–Mantel–Haenszel), adjusted together by
   Benjamini–Hochberg; a definition is admissible with the minimum support on both sides, an
   adjusted lift above 1 and an adjusted p-value below ``alpha``.
6. The proposal, the runners-up and the current spec are scored on the reporting cohort.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pqlkit.analyses.discovery.counts import DayCounts, Target, day_counts
from pqlkit.analyses.discovery.search import (
    Definition,
    StepRule,
    activity_strata,
    beam_search,
    choose_definition,
    purchase_flow,
    qualifies,
    refine,
    single_steps,
    stratified_tables,
)
from pqlkit.core.loading import Dataset
from pqlkit.core.spec import ActivationSpec
from pqlkit.stats.lift import benjamini_hochberg, lift_tests, mantel_haenszel_lift

__all__ = ["Discovery", "discover_activation", "definition_spec"]


@dataclass(frozen=True)
class Discovery:
    """What :func:`discover_activation` found.

    Attributes
    ----------
    target : Target
        What the definitions announce.
    proposal : Definition or None
        The proposed definition (None when no candidate is admissible).
    spec : ActivationSpec or None
        The proposal as a spec (:meth:`to_yaml` writes it).
    singles : pandas.DataFrame
        Every single step tried, on the choosing cohort: ``event``, ``min_count``, ``within_days``,
        ``entities``, ``doers``, ``reached_doers``, ``reach``, ``precision``, ``recall``, ``lift``,
        ``lift_ci_low``, ``lift_ci_high`` (raw, Katz), ``adjusted_lift``, ``adjusted_ci_low``,
        ``adjusted_ci_high`` (within activity strata), ``strength`` (the CMH statistic when the
        adjusted lift is above 1, else 0), ``p_value``, ``p_adjusted``, ``admissible``;
        strongest adjusted lift first among the admissible.
    definitions : pandas.DataFrame
        The best definitions (the proposal first), scored on the reporting cohort, with the
        current spec's row (``is_current``): ``label``, ``steps``, ``required``, the score columns
        above, ``strength_choose`` (on the choosing cohort), ``is_proposal``, ``is_current``.
    flow : pandas.DataFrame
        The purchase-flow check (:func:`~pqlkit.analyses.discovery.search.purchase_flow`).
    settings : dict
        The arguments used, the cohorts' sizes and signup ranges, and the tries counted.
    """

    target: Target
    proposal: Definition | None
    spec: ActivationSpec | None
    singles: pd.DataFrame
    definitions: pd.DataFrame
    flow: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def proposal_row(self) -> pd.Series | None:
        """The proposal's scores on the reporting cohort."""
        rows = self.definitions[self.definitions["is_proposal"]]
        return rows.iloc[0] if len(rows) else None

    @property
    def current_row(self) -> pd.Series | None:
        """The current spec's scores on the reporting cohort (None without a spec)."""
        rows = self.definitions[self.definitions["is_current"]]
        return rows.iloc[0] if len(rows) else None

    def to_yaml(self, *, source: str = "") -> str:
        """The proposed spec as YAML, in the layout of ``data/activation.yaml``, ready for ``--spec``."""
        if self.spec is None:
            raise ValueError("no definition was admissible, so there is no spec to write")
        return spec_yaml(self.spec, header=_yaml_header(self, source))


def _yaml_header(found: Discovery, source: str) -> list[str]:
    proposal = found.proposal
    where = f" on {source}" if source else ""
    return [
        f"Activation spec proposed by pqlkit discover{where} (docs/metrics.md#discovery).",
        f"Target: {found.target.label}. A user is a PQL when {proposal.required} of these "
        f"{len(proposal.steps)} steps are done, each within its own days of signup.",
    ]


def spec_yaml(spec: ActivationSpec, *, header: list[str]) -> str:
    """``spec`` as YAML text in the layout of ``data/activation.yaml`` (comment lines, settings, steps)."""
    lines = [f"# {line}" for line in header]
    data = spec.to_dict()
    for key in ("level", "threshold", "window_days", "active_days", "trial_days", "stall_day"):
        if key in data:
            value = data[key]
            lines.append(f"{key}: {_yaml_number(value) if not isinstance(value, str) else value}")
    lines.append("steps:")
    for step in data["steps"]:
        lines.append(f"  - name: {step['name']}")
        for key in ("event", "min_count", "within_days", "min_users"):
            if key in step and not (key == "min_count" and step[key] == 1):
                value = step[key]
                lines.append(f"    {key}: {_yaml_number(value) if not isinstance(value, str) else _yaml_text(value)}")
    return "\n".join(lines) + "\n"


def _yaml_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _yaml_text(value: str) -> str:
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True).strip()
    return text[:-4].strip() if text.endswith("\n...") or text.endswith(" ...") else text


def definition_spec(definition: Definition, *, base: ActivationSpec | None = None, window_days: float | None = None,
                    source: str = "proposal") -> ActivationSpec:
    """``definition`` as an :class:`~pqlkit.ActivationSpec` (other settings from ``base``).

    The threshold is r / n rounded down to 4 decimals, so that ``steps_required`` reads back as r.
    """
    n = len(definition.steps)
    threshold = math.floor(definition.required / n * 10_000) / 10_000
    names: dict[str, int] = {}
    steps = []
    for step in definition.steps:
        name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in step.event) or "step"
        names[name] = names.get(name, 0) + 1
        steps.append({"name": name if names[name] == 1 else f"{name}_{names[name]}", "event": step.event,
                      "min_count": step.min_count, "within_days": step.within_days})
    settings = {} if base is None else {key: value for key, value in base.to_dict().items() if key != "steps"}
    settings.update({"threshold": threshold, "window_days": window_days})
    spec = ActivationSpec.from_dict({**settings, "steps": steps}, source=source)
    assert spec.steps_required == definition.required
    return spec


def _current_definition(spec: ActivationSpec | None, horizon: int) -> tuple[Definition | None, str]:
    """The current spec as a definition over whole days, or None and why it cannot be measured that way."""
    if spec is None:
        return None, "no current spec"
    steps = []
    for step in spec.steps:
        if step.event is None or step.min_users is not None:
            return None, f"step {step.name!r} counts users (min_users), which day counts of events cannot measure"
        window = spec.window_for(step)
        days = horizon if window is None else int(math.ceil(window))
        steps.append(StepRule(step.event, int(step.min_count), min(days, horizon)))
    return Definition(tuple(steps), spec.steps_required), ""


def _check(value, name: str, low: float) -> None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= low:
        raise ValueError(f"The value for `{name}` must be a number >= {low:g}, but {value!r} was passed.")


def discover_activation(
    dataset: Dataset,
    *,
    spec: ActivationSpec | None = None,
    target: str = "paid",
    target_days: float = 30,
    retention_week: int = 4,
    within_days: int | None = None,
    max_count: int = 10,
    max_steps: int = 5,
    beam_width: int = 5,
    min_support: int = 30,
    alpha: float = 0.05,
    choose_share: float = 2 / 3,
    flow_hours: float = 24,
    flow_share: float = 0.5,
    include_flow: bool = False,
    strata: int = 5,
    min_gain: float = 0.02,
) -> Discovery:
    """Search the events for the activation definition that best announces the target.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (``context.dataset``).
    spec : ActivationSpec, optional
        The current spec: its numbers are reported beside the proposal's, its settings (level,
        active days, trial) carried into the proposal, and its trial length is the default window.
    target : str
        ``"paid"`` (paying within ``target_days`` of signup), ``"retained"`` (an event in week
        ``retention_week`` after signup) or an event name (done within ``target_days``).
    target_days : float
        The target's window for ``"paid"`` and an event (default 30 days).
    retention_week : int
        The week for ``"retained"`` (week 0 is the signup week; default 4).
    within_days : int, optional
        The longest step window tried, in whole days (default: the spec's trial length, else 14).
    max_count : int
        The largest count tried (default 10).
    max_steps : int
        The most steps in a definition (default 5).
    beam_width : int
        Definitions kept at each round of the search (default 5).
    min_support : int
        The fewest entities on each side (qualifying, not qualifying) for a candidate to count
        (default 30).
    alpha : float
        The false discovery rate across everything tried (Benjamini–Hochberg; default 0.05).
    choose_share : float
        The share of the judged entities, earliest signups first, that choose; the rest report.
    flow_hours, flow_share : float
        An event with at least ``flow_share`` of its pre-target events in the ``flow_hours`` before the
        target (and three times the share of all events) is purchase flow.
    include_flow : bool
        Keep purchase-flow events among the candidates.
    strata : int
        The most activity strata (quantile groups of active days in the window).
    min_gain : float
        A step is added only when it raises the strength by at least this share.

    Returns
    -------
    Discovery

    Examples
    --------
    >>> found = discover_activation(ctx.dataset, spec=ctx.spec)      # doctest: +SKIP
    >>> print(found.to_yaml())                                       # doctest: +SKIP
    """
    for value, name, low in ((target_days, "target_days", 1), (retention_week, "retention_week", 1),
                             (max_count, "max_count", 1), (max_steps, "max_steps", 1), (beam_width, "beam_width", 1),
                             (min_support, "min_support", 1), (flow_hours, "flow_hours", 0)):
        _check(value, name, low)
    if not 0 < alpha < 1 or not 0 < choose_share < 1:
        raise ValueError(f"`alpha` and `choose_share` must be between 0 and 1, but {alpha!r} and {choose_share!r} were passed.")
    goal = Target.parse(target, days=target_days, week=retention_week)
    if within_days is None:
        within_days = int(math.ceil(spec.trial_days)) if spec is not None else 14
    _check(within_days, "within_days", 1)
    within_days = int(within_days)
    if goal.kind == "retained" and within_days > 7 * goal.week:
        raise ValueError(f"`within_days` ({within_days}) must end before retention week {goal.week} starts "
                         f"(day {7 * goal.week}); pass a shorter window or a later week")
    spec_days = [spec.window_for(s) for s in spec.steps] if spec is not None else []
    horizon = max([within_days, *[int(math.ceil(d)) for d in spec_days if d is not None]])
    horizon = min(horizon, int(math.ceil(goal.age_days))) if goal.kind != "retained" else horizon
    horizon = max(horizon, within_days)
    counts = day_counts(dataset, goal, horizon=horizon, near_hours=flow_hours)
    return _search(counts, goal, spec=spec, within_days=within_days, max_count=max_count, max_steps=max_steps,
                   beam_width=beam_width, min_support=min_support, alpha=alpha, choose_share=choose_share,
                   flow_share=flow_share, include_flow=include_flow, strata=strata, min_gain=min_gain)


def _search(counts: DayCounts, goal: Target, *, spec, within_days, max_count, max_steps, beam_width, min_support,
            alpha, choose_share, flow_share, include_flow, strata, min_gain) -> Discovery:
    """The search on the day counts (see :func:`discover_activation`)."""
    flow = purchase_flow(counts, near_share=flow_share)
    left_out = set() if include_flow else set(flow.loc[flow["flow"], "event"])
    current, why_not = _current_definition(spec, counts.horizon)
    cap = max([max_count, *([s.min_count for s in current.steps] if current else [])])
    needed = set(counts.events) - left_out | ({s.event for s in current.steps} if current else set())
    cumulative = {event: counts.cumulative(code, cap=cap) for code, event in enumerate(counts.events) if event in needed}
    for event in needed - set(cumulative):  # a spec event nobody judged did before the target: zero everywhere
        cumulative[event] = np.zeros((len(counts.entities), counts.horizon), dtype=np.uint8)
    n = len(counts.entities)
    choose = np.arange(n) < int(round(n * choose_share))  # the entities are in signup order
    report = ~choose
    groups = activity_strata(counts.activity(within_days), strata=strata)
    reached = counts.reached
    candidates = {e: c for e, c in cumulative.items() if e not in left_out}
    singles = single_steps(counts, candidates, rows=choose, strata=groups, within_days=within_days, max_count=max_count)
    def supported(table: pd.DataFrame) -> pd.Series:
        return (table["doers"] >= min_support) & (table["entities"] - table["doers"] >= min_support)

    pool = singles[supported(singles) & (singles["adjusted_lift"] > 1)] if len(singles) else singles
    tried = beam_search(pool, candidates, rows=choose, reached=reached, strata=groups, max_steps=max_steps,
                        beam_width=beam_width, min_support=min_support) if len(pool) else pd.DataFrame()
    best, refined = None, pd.DataFrame()
    if len(tried):
        admissible = tried[supported(tried)]
        best = choose_definition(admissible, min_gain=min_gain)
        if best is not None:
            best, refined = refine(best, candidates, rows=choose, reached=reached, strata=groups,
                                   within_days=within_days, max_count=max_count)
    # One Benjamini–Hochberg correction across every single step and definition tried.
    everything = pd.concat([singles["p_value"], *(t["p_value"] for t in (tried, refined) if len(t))], ignore_index=True)
    adjusted = benjamini_hochberg(everything.to_numpy(), alpha=alpha)
    singles["p_adjusted"] = adjusted[: len(singles)]
    singles["admissible"] = supported(singles) & (singles["adjusted_lift"] > 1) & (singles["p_adjusted"] < alpha)
    singles = singles.sort_values(["admissible", "adjusted_lift", "strength"], ascending=False).reset_index(drop=True)
    offset = len(singles)
    tried_all = pd.concat([t for t in (tried, refined) if len(t)], ignore_index=True) if best is not None else pd.DataFrame()
    if len(tried_all):
        tried_all["p_adjusted"] = adjusted[offset: offset + len(tried_all)]
        tried_all["admissible"] = supported(tried_all) & (tried_all["adjusted_lift"] > 1) & (tried_all["p_adjusted"] < alpha)
        ok = tried_all[tried_all["admissible"]]
        best = best if (ok["definition"] == best).any() else (ok.loc[ok["strength"].idxmax(), "definition"] if len(ok) else None)
    definitions = _report(tried_all, best, current, cumulative, rows=report, reached=reached, strata=groups,
                          beam_width=beam_width)
    proposal_spec = definition_spec(best, base=spec, source="proposal") if best is not None else None
    settings = {
        "within_days": within_days, "max_count": max_count, "max_steps": max_steps, "beam_width": beam_width,
        "min_support": min_support, "alpha": alpha, "choose_share": choose_share, "include_flow": include_flow,
        "flow_hours": counts.near_hours,
        "entities": n, "reached": int(reached.sum()), "choose_entities": int(choose.sum()),
        "report_entities": int(report.sum()),
        "choose_signups": _range(counts.entities["signup_at"][choose]),
        "report_signups": _range(counts.entities["signup_at"][report]),
        "tried": int(len(everything)), "left_out": sorted(left_out), "current_note": why_not,
    }
    return Discovery(target=goal, proposal=best, spec=proposal_spec, singles=singles, definitions=definitions,
                     flow=flow, settings=settings)


def _range(moments: pd.Series) -> tuple:
    return (moments.min(), moments.max()) if len(moments) else (pd.NaT, pd.NaT)


def _shape(definition: Definition) -> tuple:
    return tuple(sorted(s.event for s in definition.steps)), definition.required


def _report(tried: pd.DataFrame, best: Definition | None, current: Definition | None, cumulative, *, rows, reached,
            strata, beam_width: int) -> pd.DataFrame:
    """The proposal, the runners-up and the current spec, scored on the reporting cohort."""
    chosen: list[Definition] = [] if best is None else [best]
    shapes = {_shape(d) for d in chosen}  # runners-up differ in their events or threshold, not only a window
    if len(tried):
        ranked = tried[tried["admissible"]].sort_values("strength", ascending=False)
        for definition in ranked["definition"]:
            if len(chosen) >= beam_width + 1:
                break
            if _shape(definition) not in shapes:
                chosen.append(definition)
                shapes.add(_shape(definition))
    strength = {} if not len(tried) else dict(zip(tried["definition"], tried["strength"]))
    shown = chosen + ([current] if current is not None else [])
    if not shown:
        return pd.DataFrame(columns=["label", "definition", "is_proposal", "is_current"])
    matrix = np.stack([qualifies(d, cumulative)[rows] for d in shown])
    a, n1, c, n0 = stratified_tables(matrix, reached[rows], strata[rows])
    table = pd.DataFrame({"label": [d.label for d in shown], "definition": shown,
                          "steps": [len(d.steps) for d in shown], "required": [d.required for d in shown]})
    doers, reached_doers = n1.sum(axis=1).round().astype(np.int64), a.sum(axis=1).round().astype(np.int64)
    n, n_reached = int(rows.sum()), int(reached[rows].sum())
    raw = lift_tests(doers, reached_doers, n, n_reached, p_values=False)
    adjusted = mantel_haenszel_lift(a, n1, c, n0)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["entities"], table["doers"], table["reached_doers"] = n, doers, reached_doers
        table["reach"] = doers / n if n else np.nan
        table["precision"] = np.where(doers > 0, reached_doers / np.maximum(doers, 1), np.nan)
        table["recall"] = reached_doers / n_reached if n_reached else np.nan
    table["lift"], table["lift_ci_low"], table["lift_ci_high"] = raw["lift"], raw["ci_low"], raw["ci_high"]
    table["adjusted_lift"] = adjusted["lift"]
    table["strength_choose"] = [strength.get(d, np.nan) for d in shown]
    table["is_proposal"] = [best is not None and i == 0 for i in range(len(shown))]
    table["is_current"] = [current is not None and i == len(shown) - 1 for i in range(len(shown))]
    return table
