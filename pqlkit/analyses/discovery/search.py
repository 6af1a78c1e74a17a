"""The search, in numpy on the day counts: every single step, then definitions of several steps by a beam.

A *step* is "at least k events of E within w days of signup (before the target)"; a *definition* is
"at least r of its steps". Every candidate is scored twice: its raw lift (reached share of the doers
over that of the others) and its lift within strata of overall activity (the Mantel–Haenszel pooled
ratio across groups of entities with the same number of active days), which is what the search
ranks by: an event that only marks being busy loses its lift once busy is compared with busy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pqlkit.analyses.discovery.counts import DayCounts
from pqlkit.stats.lift import lift_tests, mantel_haenszel_lift

__all__ = ["StepRule", "Definition", "activity_strata", "stratified_tables", "single_steps", "beam_search",
           "choose_definition", "refine", "qualifies", "purchase_flow"]


@dataclass(frozen=True)
class StepRule:
    """At least ``min_count`` ``event`` events within ``within_days`` days of signup."""

    event: str
    min_count: int
    within_days: int

    @property
    def label(self) -> str:
        """The step in words: ``report_created ×3 within 7 days``."""
        return f"{self.event} ×{self.min_count} within {self.within_days} days"


@dataclass(frozen=True)
class Definition:
    """At least ``required`` of ``steps``."""

    steps: tuple[StepRule, ...]
    required: int

    @property
    def label(self) -> str:
        """The definition in words."""
        steps = "; ".join(step.label for step in self.steps)
        return steps if len(self.steps) == 1 else f"{self.required} of {len(self.steps)}: {steps}"


def activity_strata(activity: np.ndarray, *, strata: int = 5) -> np.ndarray:
    """Group entities by their activity (:meth:`DayCounts.activity`): up to ``strata`` groups cut at the quantiles (codes 0..)."""
    if len(activity) == 0:
        return np.zeros(0, dtype=np.int64)
    edges = np.unique(np.quantile(activity, np.linspace(0, 1, strata + 1)[1:-1]))
    return np.searchsorted(edges, activity, side="right").astype(np.int64)


def stratified_tables(qualifies: np.ndarray, reached: np.ndarray, strata: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each row of ``qualifies`` (candidates × entities), per stratum: (a, n1, c, n0) of :func:`mantel_haenszel_lift`."""
    n_strata = int(strata.max()) + 1 if len(strata) else 1
    onehot = np.zeros((len(strata), 2 * n_strata), dtype=np.float32)
    onehot[np.arange(len(strata)), 2 * strata + reached.astype(np.int64)] = 1
    per = np.atleast_2d(qualifies).astype(np.float32) @ onehot
    total = onehot.sum(axis=0)
    a, doers_not = per[:, 1::2].astype(np.float64), per[:, 0::2].astype(np.float64)
    reached_all = total[1::2].astype(np.float64)
    n1 = a + doers_not
    return a, n1, reached_all - a, total[0::2] + reached_all - n1


#: The score columns of every candidate (single step or definition), in order.
SCORE_COLUMNS = ("entities", "doers", "reached_doers", "reach", "precision", "recall", "lift", "lift_ci_low",
                 "lift_ci_high", "adjusted_lift", "adjusted_ci_low", "adjusted_ci_high", "strength", "p_value")


def _scores(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n0: np.ndarray) -> dict[str, np.ndarray]:
    """Raw and activity-adjusted lift of candidates given their stratified tables."""
    doers, reached_doers = n1.sum(axis=1), a.sum(axis=1)
    n, n_reached = int(round((n1 + n0)[0].sum())), int(round((a + c)[0].sum()))
    raw = lift_tests(doers.round().astype(np.int64), reached_doers.round().astype(np.int64), n, n_reached,
                     p_values=False)
    adjusted = mantel_haenszel_lift(a, n1, c, n0)
    return {
        "entities": np.full(len(doers), n), "doers": doers.round().astype(np.int64),
        "reached_doers": reached_doers.round().astype(np.int64),
        "reach": doers / n if n else np.full(len(doers), np.nan),
        "precision": np.where(doers > 0, reached_doers / np.maximum(doers, 1), np.nan),
        "recall": reached_doers / n_reached if n_reached else np.full(len(doers), np.nan),
        "lift": raw["lift"], "lift_ci_low": raw["ci_low"], "lift_ci_high": raw["ci_high"],
        "adjusted_lift": adjusted["lift"], "adjusted_ci_low": adjusted["ci_low"],
        "adjusted_ci_high": adjusted["ci_high"], "strength": np.where(adjusted["lift"] > 1, adjusted["statistic"], 0.0),
        "p_value": adjusted["p_value"],
    }


def single_steps(counts: DayCounts, cumulative: dict[str, np.ndarray], *, rows: np.ndarray, strata: np.ndarray,
                 within_days: int, max_count: int) -> pd.DataFrame:
    """Every (event, k, w) with k in 1..max_count and w in 1..within_days, scored on the entities ``rows`` (bool).

    Per event and window, one ``bincount`` gives how many entities (per stratum and outcome) have
    each capped count; the counts of "at least k" are its reverse running sums.
    """
    reached = counts.reached[rows]
    strata = strata[rows]
    n_strata = int(strata.max()) + 1 if len(strata) else 1
    cell = 2 * strata + reached.astype(np.int64)
    per_stratum = np.bincount(cell, minlength=2 * n_strata).reshape(n_strata, 2).astype(np.float64)
    parts, labels = [], []
    for event, cum in cumulative.items():
        values = cum[rows].astype(np.int64)
        for w in range(1, within_days + 1):
            hist = np.bincount(values[:, w - 1] * 2 * n_strata + cell, minlength=(max_count + 1) * 2 * n_strata)
            at_least = np.cumsum(hist.reshape(max_count + 1, n_strata, 2)[::-1], axis=0)[::-1][1:]
            parts.append(at_least)
            labels.extend((event, k, w) for k in range(1, max_count + 1))
    if not parts:
        return pd.DataFrame(columns=["event", "min_count", "within_days", *SCORE_COLUMNS])
    tables = np.concatenate(parts).astype(np.float64)
    a, n1 = tables[:, :, 1], tables.sum(axis=2)
    c, n0 = per_stratum[:, 1] - a, per_stratum.sum(axis=1) - n1
    table = pd.DataFrame(labels, columns=["event", "min_count", "within_days"])
    for name, values in _scores(a, n1, c, n0).items():
        table[name] = values
    return table


def _qualifies(definition: Definition, cumulative: dict[str, np.ndarray]) -> np.ndarray:
    done = sum((cumulative[s.event][:, s.within_days - 1] >= s.min_count).astype(np.int8) for s in definition.steps)
    return np.asarray(done) >= definition.required


def qualifies(definition: Definition, cumulative: dict[str, np.ndarray]) -> np.ndarray:
    """Per entity: does it meet ``definition`` (bool)."""
    return _qualifies(definition, cumulative)


def _evaluate(definitions: list[Definition], cumulative, *, rows, reached, strata) -> pd.DataFrame:
    matrix = np.stack([_qualifies(d, cumulative)[rows] for d in definitions])
    scores = _scores(*stratified_tables(matrix, reached, strata))
    table = pd.DataFrame(scores)
    table.insert(0, "definition", definitions)
    return table


def beam_search(singles: pd.DataFrame, cumulative: dict[str, np.ndarray], *, rows: np.ndarray, reached: np.ndarray,
                strata: np.ndarray, max_steps: int = 5, beam_width: int = 5, pool_events: int = 12,
                per_event: int = 3, min_support: int = 30) -> pd.DataFrame:
    """Greedy forward selection with a beam, from the strongest single steps.

    The pool is the ``per_event`` strongest (k, w) of each of the ``pool_events`` strongest events
    among ``singles`` (already filtered to the admissible ones). Each definition of the beam grows by
    one step of an event it does not hold, with every threshold r; the ``beam_width`` strongest
    (stratified association, the Cochran–Mantel–Haenszel statistic) stay. The search goes on to
    ``max_steps`` even when a round does not beat the last (2 of 3 steps can beat every pair);
    :func:`choose_definition` then picks among all sizes. Every definition tried is returned (the
    false-discovery control counts them all).
    """
    reached, strata = reached[rows], strata[rows]
    ranked = singles.sort_values("strength", ascending=False)
    events = list(dict.fromkeys(ranked["event"]))[:pool_events]
    pool = [StepRule(r.event, int(r.min_count), int(r.within_days))
            for event in events for r in ranked[ranked["event"] == event].head(per_event).itertuples()]
    beam = [Definition((step,), 1) for step in pool]
    tried = _evaluate(beam, cumulative, rows=rows, reached=reached, strata=strata) if beam else pd.DataFrame()
    if tried.empty:
        return tried
    supported = (tried["doers"] >= min_support) & (tried["entities"] - tried["doers"] >= min_support)
    best = tried[supported].sort_values("strength", ascending=False).head(beam_width)
    frames = [tried]
    for _ in range(1, max_steps):
        grown = {}
        for definition in best["definition"]:
            held = {s.event for s in definition.steps}
            for step in pool:
                if step.event in held:
                    continue
                steps = tuple(sorted((*definition.steps, step), key=lambda s: (s.event, s.min_count, s.within_days)))
                for required in range(1, len(steps) + 1):
                    grown.setdefault((steps, required), Definition(steps, required))
        if not grown:
            break
        scored = _evaluate(list(grown.values()), cumulative, rows=rows, reached=reached, strata=strata)
        frames.append(scored)
        admissible = scored[(scored["doers"] >= min_support) & (scored["entities"] - scored["doers"] >= min_support)]
        if admissible.empty:
            break
        best = admissible.sort_values("strength", ascending=False).head(beam_width)
    return pd.concat(frames, ignore_index=True)


def choose_definition(tried: pd.DataFrame, *, min_gain: float = 0.02) -> Definition | None:
    """The strongest definition, preferring fewer steps: a definition with more steps wins only when it is
    at least ``min_gain`` (a share) stronger than the best with fewer (``tried`` holds the admissible ones)."""
    if tried.empty:
        return None
    sizes = tried["definition"].map(lambda d: len(d.steps))
    best, strength = None, -np.inf
    for size in sorted(sizes.unique()):
        top = tried[sizes == size]
        top = top.loc[top["strength"].idxmax()]
        if best is None or top["strength"] >= strength * (1 + min_gain):
            best, strength = top["definition"], float(top["strength"])
    return best


def refine(definition: Definition, cumulative: dict[str, np.ndarray], *, rows: np.ndarray, reached: np.ndarray,
           strata: np.ndarray, within_days: int, max_count: int, rounds: int = 2) -> tuple[Definition, pd.DataFrame]:
    """Adjust each step's count and window in turn (every k and w, the others fixed), keeping the strongest."""
    tried = []
    for _ in range(rounds):
        changed = False
        for index in range(len(definition.steps)):
            step = definition.steps[index]
            options = [Definition(tuple(StepRule(step.event, k, w) if i == index else s
                                        for i, s in enumerate(definition.steps)), definition.required)
                       for k in range(1, max_count + 1) for w in range(1, within_days + 1)]
            scored = _evaluate(options, cumulative, rows=rows, reached=reached[rows], strata=strata[rows])
            tried.append(scored)
            top = scored.loc[scored["strength"].idxmax(), "definition"]
            if top != definition:
                definition, changed = top, True
        if not changed:
            break
    return definition, (pd.concat(tried, ignore_index=True) if tried else pd.DataFrame())


def purchase_flow(counts: DayCounts, *, near_share: float = 0.5, ratio: float = 3.0, min_entities: int = 10) -> pd.DataFrame:
    """Events that cluster in the hours before the target: the purchase flow, not value.

    For each event, among the entities that reached the target: the share of its events (before the
    target, within the counted days) that fall in the ``counts.near_hours`` before it, beside the same
    share for all events. An event is flagged when its share is at least ``near_share`` and at
    least ``ratio`` times that of all events, among at least ``min_entities`` entities that reached
    the target.

    Returns
    -------
    pandas.DataFrame
        One row per event, flagged first: ``event``, ``entities`` (that reached the target and did
        it), ``events``, ``near_target``, ``near_share``, ``all_events_share``, ``flow`` (bool),
        ``reason`` (in words; empty when not flagged).
    """
    reached = counts.reached[counts.entity]
    event, count, near = counts.event[reached], counts.count[reached], counts.near_target[reached]
    totals = np.bincount(event, weights=count, minlength=len(counts.events))
    nears = np.bincount(event, weights=near, minlength=len(counts.events))
    pairs = np.unique(counts.entity[reached] * len(counts.events) + event)
    doers = np.bincount(pairs % len(counts.events), minlength=len(counts.events))
    baseline = nears.sum() / totals.sum() if totals.sum() else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(totals > 0, nears / np.maximum(totals, 1), np.nan)
    flow = (doers >= min_entities) & (share >= near_share) & (share >= ratio * baseline)
    hours = f"{counts.near_hours:g}"
    reasons = [f"{s:.0%} of its events before the target come in the {hours} hours before it (all events: {baseline:.0%})"
               if f else "" for s, f in zip(share, flow)]
    table = pd.DataFrame({"event": list(counts.events), "entities": doers.astype(np.int64),
                          "events": totals.astype(np.int64), "near_target": nears.astype(np.int64),
                          "near_share": share, "all_events_share": baseline, "flow": flow, "reason": reasons})
    return table.sort_values(["flow", "near_share"], ascending=[False, False], na_position="last").reset_index(drop=True)
