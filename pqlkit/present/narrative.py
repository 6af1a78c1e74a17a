"""What the notebooks say: the computed sentence under each chart, tidy tables for display, and the
headline record each notebook leaves for the tests and the report.

Every ``*_sentence`` function takes a result table from pqlkit and returns one or two sentences,
in Markdown, that read the numbers on *this* data ("Referral signups activate at 41% (95% CI
36–46%), paid social at 12%."); the notebooks show them with ``display(Markdown(...))``, never
``print``. Where there is not enough data to say anything, the sentence says so, and the notebook
shows it instead of drawing an empty chart. Every threshold or benchmark a sentence uses is an
argument with a documented default, which the notebooks pass from their parameters cell.

Output stays deterministic (the notebooks are checked by nbval): no run times, no absolute paths,
rounded numbers, sorted tables.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pqlkit.core.context import Context, check_columns
from pqlkit.stats import compare_groups
from pqlkit.base.paths import shorten_paths

__all__ = [
    "pct",
    "score_sentence",
    "interval",
    "days",
    "enough",
    "notes_for_warnings",
    "show",
    "bold",
    "time_to_pql_headline",
    "scope_sentence",
    "ledger_table",
    "ledger_sentence",
    "tidy",
    "catalogue_sentence",
    "candidates_sentence",
    "funnel_sentence",
    "curves_sentence",
    "distribution_sentence",
    "thresholds_sentence",
    "levels_sentence",
    "volume_sentence",
    "weekly_sentence",
    "current_trend_sentence",
    "segment_sentence",
    "time_to_pql_sentence",
    "km_sentence",
    "stalled_sentence",
    "paid_sentence",
    "lag_sentence",
    "plan_sentence",
    "heatmap_sentence",
    "cohort_rates_sentence",
    "cohort_time_sentence",
    "pql_cohort_sentence",
    "seasonality_sentence",
    "benchmark_sentence",
    "checks_sentence",
    "free_to_paid_sentence",
    "revenue_sentence",
    "kpi_sentence",
    "crm_sentence",
    "record_headlines",
    "HEADLINE_KEYS",
]

#: The summary keys a notebook records by default.
HEADLINE_KEYS = (
    "as_of", "level", "entities", "raw_pqls", "current_pqls", "pql_rate", "activation_rate_mean",
    "time_to_pql_median_days", "time_to_pql_km_median_days", "stalled_in_trial", "paid_pqls",
    "paid_before_pql", "paid_without_pql", "pql_to_paid_rate", "step_completion",
    "time_to_pql_km_share_7d", "time_to_pql_km_share_trial", "time_to_pql_km_share_30d",
    "time_to_pql_km_p10_days", "time_to_pql_km_p25_days",
)


# --- formatting -----------------------------------------------------------------------------------


def _missing(value) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value))


def pct(value: float | None, *, digits: int | None = None) -> str:
    """A share as a percentage: whole percent from 10 % up, one decimal below; ``n/a`` for missing.

    >>> pct(0.4123), pct(0.034), pct(None)
    ('41%', '3.4%', 'n/a')

    Returns
    -------
    str
        ``41%``, ``3.4%`` or ``n/a``.
    """
    if _missing(value):
        return "n/a"
    value = float(value)
    if digits is None:
        digits = 0 if (abs(value) >= 0.095 or value == 0) else 1
    return f"{value * 100:.{digits}f}%"


def interval(low: float | None, high: float | None) -> str:
    """A 95 % interval of shares: ``95% CI 36–46%``.

    >>> interval(0.36, 0.462)
    '95% CI 36–46%'

    Returns
    -------
    str
        ``95% CI 36–46%``, or ``no interval`` when a bound is missing.
    """
    if _missing(low) or _missing(high):
        return "no interval"
    return f"95% CI {pct(low)[:-1]}–{pct(high)}"


def days(value: float | None, *, digits: int = 1) -> str:
    """Days with one decimal: ``3.1 days``; ``n/a`` for missing.

    Returns
    -------
    str
        ``3.1 days`` or ``n/a``.
    """
    if _missing(value):
        return "n/a"
    return f"{float(value):.{digits}f} days"


def bold(text: str) -> str:
    """``text`` in Markdown bold: the headline of a finding.

    >>> bold("41% of users activate")
    '**41% of users activate**'

    Returns
    -------
    str
    """
    return f"**{text}**"


def _points(value: float) -> str:
    """A difference of two shares in percentage points, signed: ``+12.3 points``."""
    return f"{'+' if value >= 0 else '−'}{abs(value) * 100:.1f} points"


def _p(value: float) -> str:
    """A p-value for prose: ``p = 0.021``, ``p < 0.001``."""
    if _missing(value):
        return "no p-value"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _signed(change) -> str:
    if _missing(change):
        return "n/a"
    return f"{'+' if change >= 0 else '−'}{pct(abs(change))}"


def enough(table: pd.DataFrame | None, *, column: str | None = None, min_rows: int = 1) -> bool:
    """Whether a result table has at least ``min_rows`` rows (with a value in ``column``).

    Returns
    -------
    bool
    """
    if table is None or len(table) == 0:
        return False
    if column is not None:
        return int(table[column].notna().sum()) >= min_rows
    return len(table) >= min_rows


def _single(table: pd.DataFrame, column: str) -> float | None:
    """The one value of a result table's fixed-setting column (``horizon_days``), None if none or several."""
    values = table[column].dropna().unique() if column in table else []
    return float(values[0]) if len(values) == 1 else None


def _rate_phrase(rate, low, high) -> str:
    return f"{pct(rate)} ({interval(low, high)})"


def tidy(table: pd.DataFrame, *, percent: Sequence[str] = (), digits: int = 2) -> pd.DataFrame:
    """A copy ready to display: shares as ``41.2%``, floats rounded, timestamps as dates (or
    date and minute when they have a time of day), missing values blank.

    Returns
    -------
    pandas.DataFrame
        The same columns and rows, values formatted for display.
    """
    frame = table.copy()
    for column in frame.columns:
        series = frame[column]
        if column in percent:
            frame[column] = [("" if _missing(v) else f"{float(v) * 100:.1f}%") for v in series]
        elif isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
            naive = series.dt.tz_localize(None) if isinstance(series.dtype, pd.DatetimeTZDtype) else series
            fmt = "%Y-%m-%d" if (naive.dropna() == naive.dropna().dt.normalize()).all() else "%Y-%m-%d %H:%M"
            frame[column] = [("" if pd.isna(v) else v.strftime(fmt)) for v in naive]
        elif pd.api.types.is_integer_dtype(series) and series.isna().any():
            frame[column] = [("" if pd.isna(v) else int(v)) for v in series]
        elif pd.api.types.is_bool_dtype(series):
            frame[column] = series.map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(series):
            frame[column] = [("" if _missing(v) else round(float(v), digits)) for v in series]
    return frame


# --- scope and data quality -----------------------------------------------------------------------


@contextlib.contextmanager
def notes_for_warnings(*paths: str | os.PathLike | None) -> Iterator[None]:
    """Show warnings raised inside the block as ``Note: ...`` lines.

    Warnings on stderr carry machine-specific paths and break nbval; these notes are stable. In a
    notebook (an IPython kernel) each note is displayed as Markdown, so that a report reader sees
    prose, not a monospace stdout block; elsewhere it is printed. The given paths (spec, data
    folder) are shortened to their last part in the messages.

    Returns
    -------
    contextlib context manager
        Yields nothing; shows the notes when the block ends.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = set()
    for warning in caught:
        text = shorten_paths(str(warning.message), paths)
        if text not in seen:
            seen.add(text)
            show(f"Note: {text}")


def show(text: str) -> None:
    """Display ``text`` as Markdown in a notebook (``IPython.display.Markdown``); print it elsewhere.

    Returns
    -------
    None
    """
    try:
        from IPython import get_ipython
    except ImportError:  # IPython is a notebook dependency, not a package one
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)


def scope_sentence(entities: pd.DataFrame, *, context: Context) -> str:
    """What is being analysed: as of when, at which level, how many entities, which spec.

    Returns
    -------
    str
        "As of 2026-06-30 23:59 UTC, at user level: 3,000 users in scope. A PQL has done 3 of the 4
        steps of activation.yaml (...)."
    """
    spec = context.spec
    as_of = context.as_of.strftime("%Y-%m-%d %H:%M UTC")
    n = len(entities)
    word = context.noun if n != 1 else context.noun[:-1]
    text = f"As of {as_of}, at {context.level} level: {n:,} {word} in scope."
    source = os.path.basename(spec.source)
    text += (f" A PQL has done {spec.steps_required} of the {len(spec.steps)} steps of {source} "
             f"({', '.join(spec.step_names)}).")
    if not context.has_conversions:
        text += " There is no conversions table, so nothing about payments can be measured."
    return text


def ledger_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """The data-quality ledger (``context.ledger``) as one row per table.

    Returns
    -------
    pandas.DataFrame
        ``table``, ``read``, ``used``, then one column per drop reason (zeros included, blank where
        a reason does not apply to the table; docs/metrics.md#data-quality).
    """
    wide = ledger.pivot_table(index="table", columns="reason", values="rows", aggfunc="sum", sort=False)
    reasons = [r for r in ledger["reason"].drop_duplicates() if r != "used"]
    wide = wide.reindex(columns=["used", *reasons])
    wide.insert(0, "read", wide.sum(axis=1, skipna=True).astype("int64"))
    order = [t for t in ("users", "events", "conversions") if t in wide.index]
    wide = wide.loc[order].reset_index()
    wide.columns.name = None
    for column in wide.columns[1:]:
        wide[column] = wide[column].astype("Int64")
    return wide


def ledger_sentence(ledger: pd.DataFrame) -> str:
    """How many rows of the ledger (``context.ledger``) were read and used, and the main reasons for
    dropping the rest.

    Returns
    -------
    str
        One or two sentences.
    """
    read = int(ledger["rows"].sum())
    used = int(ledger.loc[ledger["reason"] == "used", "rows"].sum())
    dropped = ledger[(ledger["reason"] != "used") & (ledger["rows"] > 0)]
    if dropped.empty:
        return f"All {read:,} rows read were used: no row was dropped."
    top = dropped.sort_values(["rows", "table", "reason"], ascending=[False, True, True]).head(3)
    parts = ", ".join(f"{int(r.rows):,} {r.table} rows ({r.reason.replace('_', ' ')})" for r in top.itertuples())
    return (f"Of {read:,} rows read, {used:,} ({pct(used / read, digits=1)}) are used; "
            f"{read - used:,} were dropped, mostly {parts}. Nothing is dropped silently.")


# --- what activation means: events, steps, threshold, level ---------------------------------------


def catalogue_sentence(catalogue: pd.DataFrame, *, noun: str = "entities") -> str:
    """The most widespread and the rarest events.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if catalogue.empty:
        return "No event was used, so there is no event catalogue."
    top = catalogue.iloc[0]
    text = (f"{len(catalogue)} distinct events. The most widespread is {top['event']} "
            f"({pct(top['share_of_entities'])} of {noun}, {top['events_per_entity']:.1f} times each)")
    if len(catalogue) > 1:
        low = catalogue.iloc[-1]
        text += f"; the rarest is {low['event']} ({pct(low['share_of_entities'])} of {noun})"
    return text + "."


def candidates_sentence(ranking: pd.DataFrame, *, has_payments: bool = True, common_coverage: float = 0.8) -> str:
    """The best separator of future payers, and how the near-universal (vanity) events fare.

    ``common_coverage``: an event done by at least this share of the entities counts as one that
    nearly everyone does.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if not has_payments:
        return "There are no payments in this dataset, so events cannot be ranked by how well they separate future payers."
    usable = ranking[ranking["enough_data"] & np.isfinite(ranking["lift"].astype(float))]
    if usable.empty:
        return ("Not enough data to rank candidate steps yet: too few entities have been observed for the whole "
                "window, or too few of them paid.")
    best = usable.iloc[0]
    window = f"{best['within_days']:g}"
    text = (bold(f"The strongest separator is doing {best['event']} at least {int(best['min_count'])}× in the first "
                 f"{window} days") + f": {pct(best['conversion_doers'])} of those who do it pay, against "
            f"{pct(best['conversion_others'])} of the others (lift {best['lift']:.1f}×).")
    common = ranking[(ranking["coverage"] >= common_coverage) & ~ranking["in_spec"]].copy()
    common["_finite"] = np.isfinite(common["lift"].astype(float))
    order = common.groupby("event")["coverage"].transform("max")
    common = common.assign(_reach=order).sort_values(
        ["_reach", "event", "_finite", "min_count"], ascending=[False, True, False, True])
    common = common.drop_duplicates("event")
    if len(common):
        parts = []
        for row in common.head(3).itertuples():
            if np.isfinite(row.lift):
                parts.append(f"{row.event} at least {row.min_count}× ({pct(row.coverage)} do it, lift {row.lift:.1f}×)")
            else:
                parts.append(f"{row.event} (done by everyone, so it separates no one)")
        text += (f" Events that at least {pct(common_coverage)} of them do separate little: "
                 + ", ".join(parts) + ".")
    return text


def funnel_sentence(funnel: pd.DataFrame, *, noun: str = "entities") -> str:
    """The easiest and the hardest step.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if funnel.empty or funnel["entities"].iloc[0] == 0:
        return f"No {noun} in scope, so no step completion to show."
    order = funnel.sort_values(["share", "step"], ascending=[False, True])
    easy, hard = order.iloc[0], order.iloc[-1]
    if len(funnel) == 1:
        return f"{pct(easy['share'])} of {noun} completed {easy['step']} ({interval(easy['ci_low'], easy['ci_high'])})."
    return (f"The most completed step is {easy['step']} ({pct(easy['share'])} of {noun}); the least is "
            f"{hard['step']} ({pct(hard['share'])}, {interval(hard['ci_low'], hard['ci_high'])}): that is where "
            "activation is lost.")


def curves_sentence(curves: pd.DataFrame, *, trial_days: float | None = None, noun: str = "entities") -> str:
    """How much of the PQL curve is reached by day 7 and by the end of the trial.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    pql = curves[(curves["step"] == "PQL") & curves["share"].notna()]
    if pql.empty:
        return f"No {noun} are old enough yet to draw completion curves."
    end = trial_days if trial_days is not None else float(pql["day"].max())
    at_end = pql[pql["day"] <= end].iloc[-1]
    week = pql[pql["day"] <= 7].iloc[-1]
    text = (f"By day {at_end['day']:g}, {pct(at_end['share'])} of the {noun} old enough to judge had reached PQL "
            f"({int(at_end['mature']):,} {noun})")
    if week["day"] < at_end["day"] and at_end["share"] > 0:
        text += f"; {pct(week['share'] / at_end['share'])} of that happened within the first {week['day']:g} days"
    return text + "."


def distribution_sentence(distribution: pd.DataFrame, *, steps_required: int | None = None, noun: str = "entities") -> str:
    """How many did nothing, how many got all the way, and how many are one step short.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    total = int(distribution["entities"].sum())
    if total == 0:
        return f"No {noun} in scope."
    n_steps = int(distribution["steps_done"].max())
    none = distribution.loc[distribution["steps_done"] == 0, "share"].iloc[0]
    full = distribution.loc[distribution["steps_done"] == n_steps, "share"].iloc[0]
    text = f"{pct(none)} of {noun} completed no step and {pct(full)} completed all {n_steps}"
    if steps_required is not None and steps_required >= 1:
        short = distribution.loc[distribution["steps_done"] == steps_required - 1, "entities"].sum()
        text += f"; {int(short):,} are one step short of the PQL threshold ({steps_required} of {n_steps})"
    return text + "."


def thresholds_sentence(table: pd.DataFrame, *, has_payments: bool = True) -> str:
    """What moving the threshold one step up or down does to volume and conversion.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    chosen = table[table["chosen"]]
    if chosen.empty or table["pqls"].sum() == 0:
        return "No entity reaches even one step, so the threshold cannot be compared yet."
    row = chosen.iloc[0]
    n_steps = int(round(row["steps_required"] / row["threshold"]))
    parts = [f"At the spec's {int(row['steps_required'])} of {n_steps} steps there are {int(row['pqls']):,} PQLs"]
    if has_payments and not _missing(row["pql_to_paid_rate"]):
        parts[0] += f", of whom {pct(row['pql_to_paid_rate'])} pay"
    for offset, word in ((1, "stricter"), (-1, "looser")):
        other = table[table["steps_required"] == row["steps_required"] + offset]
        if other.empty:
            continue
        o = other.iloc[0]
        change = (o["pqls"] / row["pqls"] - 1) if row["pqls"] else np.nan
        phrase = f"{int(o['steps_required'])} of {n_steps} ({word}) gives {int(o['pqls']):,} PQLs ({_signed(change)})"
        if has_payments and not _missing(o["pql_to_paid_rate"]):
            phrase += f" converting at {pct(o['pql_to_paid_rate'])}"
        parts.append(phrase)
    text = "; ".join(parts) + "."
    if not has_payments:
        text += " Without payments the effect on PQL-to-paid cannot be measured."
    return text


def levels_sentence(table: pd.DataFrame) -> str:
    """User-level against account-level PQL rate.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    rows = {row.level: row for row in table.itertuples()}
    missing = [row for row in table.itertuples() if not row.available]
    if missing:
        notes = "; ".join(f"{row.level} level is not available: {row.note}" for row in missing)
        return notes[0].upper() + notes[1:] + "."
    user, account = rows.get("user"), rows.get("account")
    if user is None or account is None:
        return "Only one level was computed."
    return (f"{pct(user.pql_rate)} of users ({user.raw_pqls:,} of {user.entities:,}) are PQLs, against "
            f"{pct(account.pql_rate)} of accounts ({account.raw_pqls:,} of {account.entities:,}): an account "
            "counts the steps of all its users together, so sales working accounts sees "
            f"{account.current_pqls:,} current leads instead of {user.current_pqls:,}.")


# --- how many PQLs, where and how fast ------------------------------------------------------------


def volume_sentence(summary: dict, *, active_days: float, noun: str = "entities") -> str:
    """Raw and current PQLs out of the entities in scope.

    ``active_days``: the window of "active recently" behind current PQLs (the spec's
    ``active_days``, ``context.active_days``).

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if summary["entities"] == 0:
        return f"No {noun} in scope."
    return (bold(f"{summary['raw_pqls']:,} of {summary['entities']:,} {noun} have reached activation")
            + f" (raw PQLs); {summary['current_pqls']:,} of them are current: not paying yet and active in the "
            f"last {active_days:g} days, ready for someone to act.")


def weekly_sentence(weekly: pd.DataFrame, *, window: int = 4) -> str:
    """The last complete weeks against the ones before.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    complete = weekly[weekly["complete"]] if "complete" in weekly else weekly
    if len(complete) < 2 * window:
        total = int(weekly["new_pqls"].sum()) if len(weekly) else 0
        return (f"{total:,} new PQLs over {len(weekly)} week(s): not enough complete weeks yet "
                f"({2 * window} needed) to call a trend.")
    recent = complete["new_pqls"].iloc[-window:].mean()
    before = complete["new_pqls"].iloc[-2 * window:-window].mean()
    change = recent / before - 1 if before else np.nan
    last = complete["period_start"].iloc[-1].strftime("%Y-%m-%d")
    return (f"Over the {window} complete weeks up to the week of {last}, {recent:.1f} new PQLs a week, against "
            f"{before:.1f} in the {window} weeks before ({_signed(change)}).")


def current_trend_sentence(table: pd.DataFrame) -> str:
    """Current PQLs now against four weeks earlier and the peak.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if table.empty:
        return "No weeks to show."
    now = int(table["current_pqls"].iloc[-1])
    text = f"{now:,} PQLs are current now"
    if len(table) > 4:
        before = int(table["current_pqls"].iloc[-5])
        text += f", against {before:,} four weeks earlier"
    peak = table.sort_values(["current_pqls", "week_end"], ascending=[False, True]).iloc[0]
    if int(peak["current_pqls"]) > now:
        text += f"; the peak was {int(peak['current_pqls']):,} in the week ending {peak['week_end'].strftime('%Y-%m-%d')}"
    return text + "."


def segment_sentence(rates: pd.DataFrame, *, by: str, rate: str = "pql_rate", hits: str = "pqls",
                     total: str = "entities", what: str = "activate", noun: str = "entities",
                     alpha: float = 0.05) -> str:
    """Do the groups' rates differ? The test across the groups, then each group against the rest.

    A chi-square test across the groups, then each group against all the others pooled, with a
    two-proportion z-test and Holm's correction (:func:`pqlkit.stats.compare_groups`). A gap is
    called significant only when the test says so; each significant group's difference from the
    rest is given with its 95 % (Newcombe) interval. Overlapping intervals of two groups are not a
    test: two groups can overlap and still differ significantly.

    Parameters
    ----------
    rates : pandas.DataFrame
        One row per group: ``by``, ``rate`` and the counts ``hits`` out of ``total``, with
        ``ci_low``, ``ci_high`` (as :func:`pqlkit.pql_rate` returns).
    alpha : float
        The significance level (0.05).

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    check_columns(rates, by, argument="by")
    check_columns(rates, rate, argument="rate")
    check_columns(rates, [hits, total], argument="hits/total")
    data = rates[rates[rate].notna()].reset_index(drop=True)
    if len(data) < 2:
        return f"Fewer than two {by} groups with data: nothing to compare."
    label = by.replace("_", " ")
    test = compare_groups(data.assign(**{by: data[by].astype("str")}), group=by, hits=hits, total=total, alpha=alpha)
    table = test.table.assign(ci_low=data["ci_low"].to_numpy(), ci_high=data["ci_high"].to_numpy())
    order = table.sort_values(["rate", by], ascending=[False, True])
    best, worst = order.iloc[0], order.iloc[-1]
    spread = (f"{best[by]} {noun} {what} at {_rate_phrase(best['rate'], best['ci_low'], best['ci_high'])}, "
              f"{worst[by]} at {_rate_phrase(worst['rate'], worst['ci_low'], worst['ci_high'])}").strip()
    across = f"chi-square across the {len(data)} groups, {_p(test.p_value)}"
    if not test.significant:
        return (f"{spread[0].upper()}{spread[1:]}, but the rates by {label} do not differ significantly "
                f"({across}): the gap may be noise.")
    standing = order[order["significant"]]
    if standing.empty:
        return (f"{bold(f'The rates by {label} differ')} ({across}), {spread}; but no single group differs "
                f"significantly from the rest after Holm's correction for {len(data)} comparisons.")
    parts = []
    for row in standing.itertuples(index=False):
        row = row._asdict() if hasattr(row, "_asdict") else dict(row)
        side = "above" if row["difference"] > 0 else "below"
        parts.append(f"{row[by]} at {pct(row['rate'])}, {_points(row['difference'])[1:]} {side} the rest "
                     f"(95% CI {_points(row['diff_ci_low'])[:-7]} to {_points(row['diff_ci_high'])}, "
                     f"Holm-adjusted {_p(row['p_adjusted'])})")
    others = len(data) - len(standing)
    text = (f"{bold(f'The rates by {label} differ significantly')} ({across}). Against the rest: "
            + "; ".join(parts) + ".")
    if others:
        text += (f" The other {others} groups do not differ significantly from the rest." if others > 1
                 else " The other group does not differ significantly from the rest.")
    return text


def time_to_pql_headline(summary: dict, *, noun: str = "entities") -> str:
    """The time-to-PQL headline from the summary's Kaplan–Meier readings: it always says something.

    The Kaplan–Meier share of the signups that reached PQL by day 7, by the end of the trial and by
    day 30 (each with its 95 % interval), the days by which 10 % and 25 % got there, and the median
    where there is one (docs/metrics.md#json-summary). When fewer than half ever become PQLs the
    median does not exist, and the sentence says so instead of writing "n/a".

    Returns
    -------
    str
        Markdown, the first sentence in bold.
    """
    if summary["raw_pqls"] == 0:
        return f"No {noun} have reached PQL yet, so there is no time to PQL to show."
    readings = [summary[key] for key in ("time_to_pql_km_share_7d", "time_to_pql_km_share_trial",
                                         "time_to_pql_km_share_30d") if key in summary]
    seen, phrases = set(), []
    for i, reading in enumerate(readings):
        if reading is None or reading.get("share") is None or reading["day"] in seen:
            continue
        seen.add(reading["day"])
        when = f"by the end of the {reading['day']:g}-day trial" if i == 1 else f"by day {reading['day']:g}"
        phrases.append((pct(reading["share"]), f"{when} ({interval(reading['ci_low'], reading['ci_high'])})"))
    if phrases:
        first = f"An estimated {phrases[0][0]} of {noun} reached PQL {phrases[0][1]}"
        rest = [f"{share} {when}" for share, when in phrases[1:]]
        if rest:
            first += f" and {rest[0]}" if len(rest) == 1 else ", " + ", ".join(rest[:-1]) + f", and {rest[-1]}"
        text = bold(first) + " (Kaplan–Meier, counting the trials still running)."
    else:
        text = f"No {noun} have been observed for 7 days yet, so no share by day can be read."
    times = [(share, summary.get(f"time_to_pql_km_p{share}_days")) for share in (10, 25)]
    times = [(share, value) for share, value in times if value is not None]
    if times:
        text += " " + " and ".join(f"{share}%{' got there' if i == 0 else ''} within {days(value)}"
                                   for i, (share, value) in enumerate(times))
    median = summary.get("time_to_pql_km_median_days")
    if median is not None:
        text += f"{';' if times else ''} half within {days(median)} (the Kaplan–Meier median)."
    else:
        text += ("; " if times else " ") + "fewer than half ever do, so there is no Kaplan–Meier median."
    return text


def time_to_pql_sentence(summary: dict, *, share_by_day: pd.DataFrame | None = None,
                         trial_days: float | None = None) -> str:
    """Median time to PQL among PQLs, and the share of mature signups that were PQLs by the end of the trial.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if summary["raw_pqls"] == 0:
        return "No PQLs yet, so there is no time to PQL to show."
    text = f"Half of the PQLs got there within {days(summary['time_to_pql_median_days'])} of signup"
    if share_by_day is not None and trial_days is not None:
        row = share_by_day[share_by_day["day"] == trial_days]
        if len(row) and not _missing(row.iloc[0]["share"]):
            r = row.iloc[0]
            text += (f"; of the signups at least {trial_days:g} days old, {pct(r['share'])} were PQLs by the end of "
                     f"the trial ({interval(r['ci_low'], r['ci_high'])})")
    return text + "."


def km_sentence(summary: dict, *, curve: pd.DataFrame, trial_days: float | None = None, noun: str = "entities") -> str:
    """The Kaplan–Meier reading: the share reaching PQL by the end of the trial and the median.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if curve.empty or summary["raw_pqls"] == 0:
        return "No PQLs yet, so the Kaplan–Meier curve has nothing to show."
    horizon = trial_days if trial_days is not None else float(curve["days"].max())
    upto = curve[curve["days"] <= horizon]
    share = float(upto["share_pql"].iloc[-1]) if len(upto) else 0.0
    text = (f"Counting the trials still running, an estimated {pct(share)} of {noun} reach PQL within "
            f"{horizon:g} days")
    median = summary.get("time_to_pql_km_median_days")
    if median is None:
        text += "; fewer than half ever do, so the Kaplan–Meier median is undefined (the median among PQLs is the figure to use)"
    else:
        text += f"; the Kaplan–Meier median is {days(median)}"
    return text + "."


def stalled_sentence(stalled: pd.DataFrame, *, trial_days: float | None = None, stall_day: float | None = None,
                     noun: str = "entities") -> str:
    """How many trials are stuck near their end, and the step they miss most.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if stalled.empty:
        return f"No trial is stalled: no {noun[:-1] if noun.endswith('s') else noun} between day {stall_day:g} and day {trial_days:g} without activation." \
            if trial_days is not None and stall_day is not None else "No trial is stalled."
    counts = pd.Series([s for text in stalled["missing_steps"] for s in text.split(", ") if s]).value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    text = f"{len(stalled):,} {noun} are past day {stall_day:g} of a {trial_days:g}-day trial without activation"
    if len(counts):
        text += f"; the step most of them miss is {counts.index[0]} ({int(counts.iloc[0]):,} of {len(stalled):,})"
    return text + ". Customer success can reach out before the trial ends."


# --- cohorts and seasonality ----------------------------------------------------------------------


def heatmap_sentence(matrix: pd.DataFrame) -> str:
    """The latest mature reading at the longest common day, oldest against newest cohort.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    data = matrix[matrix["pql_rate"].notna()]
    if data.empty:
        return "No cohort is old enough yet to fill a cell of the cohort heatmap."
    counts = data.groupby("day")["signup_cohort"].nunique()
    shared = counts[counts >= 2]
    if shared.empty:
        row = data.sort_values("day").iloc[-1]
        return (f"Only one cohort is old enough: {pct(row['pql_rate'])} of it reached PQL within "
                f"{row['day']:g} days.")
    day = float(shared.index.max())
    cells = data[data["day"] == day].sort_values("signup_cohort")
    first, last = cells.iloc[0], cells.iloc[-1]
    return (f"Within {day:g} days of signup, the oldest cohort ({first['signup_cohort'].strftime('%Y-%m-%d')}) "
            f"reached {pct(first['pql_rate'])} and the newest cohort old enough to judge "
            f"({last['signup_cohort'].strftime('%Y-%m-%d')}) {pct(last['pql_rate'])}.")


def cohort_rates_sentence(rates: pd.DataFrame, *, alpha: float = 0.05) -> str:
    """Mature cohorts: range, whether they differ (chi-square across them), the latest; how many are still too young.

    The mature cohorts are compared with :func:`pqlkit.stats.compare_groups` (chi-square across,
    significance level ``alpha``); the young ones are left out, their rates being floors.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if rates.empty:
        return "No signup cohorts."
    horizon = _single(rates, "horizon_days")
    mature = rates[rates["mature"]]
    young = int((~rates["mature"]).sum())
    within = f" within {horizon:g} days" if horizon else ""
    if mature.empty:
        return (f"No cohort is old enough yet to judge its PQL rate{within}: all {len(rates)} are still young, "
                "so their rates are floors, not drops.")
    low = mature.sort_values(["pql_rate", "signup_cohort"]).iloc[0]
    high = mature.sort_values(["pql_rate", "signup_cohort"], ascending=[False, True]).iloc[0]
    latest = mature.iloc[-1]
    text = (f"Mature cohorts reach PQL{within} at {pct(low['pql_rate'])} to {pct(high['pql_rate'])}; the latest "
            f"mature one ({latest['signup_cohort'].strftime('%Y-%m-%d')}) at "
            f"{_rate_phrase(latest['pql_rate'], latest['ci_low'], latest['ci_high'])}")
    if len(mature) >= 2:
        test = compare_groups(mature.assign(signup_cohort=mature["signup_cohort"].astype("str")),
                              group="signup_cohort", hits="pqls_within", total="entities", alpha=alpha)
        verdict = "differ significantly" if test.significant else "do not differ significantly"
        text += f". The {len(mature)} mature cohorts {verdict} (chi-square, {_p(test.p_value)})"
    if young:
        text += f". The {young} newest cohort(s) are too young to judge and are drawn hollow"
    return text + "."


def cohort_time_sentence(table: pd.DataFrame) -> str:
    """Median time to PQL: first against last cohort with PQLs.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    data = table[table["median_days"].notna()]
    if data.empty:
        return "No cohort has PQLs yet, so there is no time to PQL per cohort."
    first, last = data.iloc[0], data.iloc[-1]
    if len(data) == 1:
        return f"The one cohort with PQLs took a median {days(first['median_days'])} to get there."
    return (f"The median time to PQL went from {days(first['median_days'])} for the "
            f"{first['signup_cohort'].strftime('%Y-%m-%d')} cohort to {days(last['median_days'])} for the "
            f"{last['signup_cohort'].strftime('%Y-%m-%d')} cohort (the newest only counts its quick PQLs so far).")


def pql_cohort_sentence(table: pd.DataFrame, *, has_payments: bool = True) -> str:
    """PQL-to-paid per PQL cohort: range among mature cohorts.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if not has_payments:
        return "There is no conversions table, so PQL-to-paid per cohort cannot be measured."
    data = table[table["pql_to_paid_rate"].notna()] if len(table) else table
    if data.empty:
        return "No PQL cohort yet."
    within = _single(table, "within_days")
    label = f" within {within:g} days" if within else ""
    mature = data[data["mature"]]
    if mature.empty:
        return f"No PQL cohort is old enough yet to judge PQL-to-paid{label}."
    low = mature.sort_values(["pql_to_paid_rate", "pql_cohort"]).iloc[0]
    high = mature.sort_values(["pql_to_paid_rate", "pql_cohort"], ascending=[False, True]).iloc[0]
    return (f"Among mature PQL cohorts, PQL-to-paid{label} ranges from {pct(low['pql_to_paid_rate'])} "
            f"({low['pql_cohort'].strftime('%Y-%m-%d')}) to {pct(high['pql_to_paid_rate'])} "
            f"({high['pql_cohort'].strftime('%Y-%m-%d')}).")


def seasonality_sentence(table: pd.DataFrame, *, alpha: float = 0.05) -> str:
    """Whether weekdays (or months) of signup differ in PQL rate: :func:`segment_sentence`'s test.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    key = "weekday" if "weekday" in table else "month"
    data = table[table["pql_rate"].notna()]
    if len(data) < 2:
        return f"Not enough signups old enough to judge to compare PQL rates by {key}."
    return segment_sentence(data, by=key, hits="pqls_within", total="mature", what="signups activate",
                            noun="", alpha=alpha).replace("  ", " ").strip()


# --- payments and pricing -------------------------------------------------------------------------


def paid_sentence(conversion: pd.DataFrame, *, has_payments: bool = True) -> str:
    """PQL-to-paid with its interval.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if not has_payments:
        return "There is no conversions table, so PQL-to-paid cannot be measured."
    row = conversion.iloc[0]
    if row["eligible"] == 0:
        return "No PQL could convert yet (none that had not already paid)."
    return (f"{int(row['paid_pqls']):,} of {int(row['eligible']):,} PQLs went on to pay: "
            f"{bold('PQL-to-paid is ' + _rate_phrase(row['pql_to_paid_rate'], row['ci_low'], row['ci_high']))}; "
            f"{int(row['paid_before_pql']):,} paid before becoming PQLs and {int(row['paid_without_pql']):,} "
            "paid without ever reaching the threshold.")


def lag_sentence(lag: pd.DataFrame) -> str:
    """Median lag from PQL to payment and the share within 14 days.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    row = lag.iloc[0]
    if row["paid_pqls"] == 0:
        return "No PQL has paid yet, so there is no lag to payment to show."
    text = (f"Paying PQLs paid a median {days(row['median_days'])} after becoming PQLs "
            f"(middle half {row['p25_days']:.1f}–{row['p75_days']:.1f} days)")
    if "within_14d" in lag:
        text += f"; {pct(row['within_14d'])} paid within 14 days"
    return text + "."


def plan_sentence(by_plan: pd.DataFrame, *, key: str = "plan", what: str = "{}") -> str:
    """Which plan (or price point) the converted PQLs choose, and at what MRR.

    ``what`` formats a group's name, e.g. ``"the {} a month price point"``.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    data = by_plan[by_plan["converted_pqls"] > 0] if len(by_plan) else by_plan
    if data.empty:
        return "No PQL has paid yet, so there is no plan mix to show."
    top = data.sort_values(["converted_pqls", key], ascending=[False, True]).iloc[0]
    text = f"Most converted PQLs chose {what.format(top[key])} ({pct(top['share_of_paid_pqls'])} of them"
    if not _missing(top["mean_mrr"]):
        text += f", mean MRR {top['mean_mrr']:,.0f}"
    text += ")"
    if len(data) > 1:
        others = data[data[key] != top[key]].sort_values(["converted_pqls", key], ascending=[False, True])
        text += "; then " + ", ".join(f"{what.format(r[key])} ({pct(r['share_of_paid_pqls'])})" for _, r in others.iterrows())
    return text + "."


def benchmark_sentence(reading: pd.DataFrame) -> str:
    """The verdict in words, with the rate, its interval, the band and what to look at.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    row = reading.iloc[0]
    band = f"{pct(row['band_low'])}–{pct(row['band_high'])}"
    if row["verdict"] == "no_data":
        return f"No PQL-to-paid rate to compare with the {band} band: {row['action']}."
    rate = _rate_phrase(row["pql_to_paid_rate"], row["ci_low"], row["ci_high"])
    where = {"below": "below", "above": "above", "within": "inside", "inconclusive": "overlapping the edge of"}[row["verdict"]]
    return f"{bold(f'PQL-to-paid is {rate}')}, {where} the {band} band: {row['action']}."


def free_to_paid_sentence(table: pd.DataFrame, *, benchmark: float = 0.08,
                          source: str = "the 2026 Free-to-Paid Conversion Report") -> str:
    """Free-to-paid of all signups past the trial, against a published median.

    ``benchmark`` (0.08) is the median free-to-paid conversion of the 2026 *Free-to-Paid Conversion
    Report* (Growth Unhinged with ChartMogul and ProductLed); ``source`` names it in the sentence.
    "Above" or "below" only when the whole 95 % interval is.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    row = table.iloc[0]
    if _missing(row["free_to_paid_rate"]):
        return ("No free-to-paid rate: no payments table, or no signup has been around for "
                f"{row['min_age_days']:g} days yet.")
    where = "above" if row["ci_low"] > benchmark else "below" if row["ci_high"] < benchmark else "in line with"
    return (f"Of {int(row['entities']):,} signups at least {row['min_age_days']:g} days old, {int(row['paying']):,} "
            f"pay: {bold('free-to-paid is ' + _rate_phrase(row['free_to_paid_rate'], row['ci_low'], row['ci_high']))}, "
            f"{where} the {pct(benchmark)} median of {source}.")


def checks_sentence(checks: pd.DataFrame, *, revisit_share: float = 0.25) -> str:
    """What paid-before-PQL and paid-without-PQL say about the definition.

    ``revisit_share`` (0.25): when at least this share of payers paid without reaching the threshold
    (or did the steps only after paying), the sentence says to revisit the steps.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    total = int(checks["paying"].sum())
    if total == 0:
        return "No paying entities yet, so the definition cannot be checked against payments."
    rows = checks.set_index("path")
    before, without = rows.loc["paid_before_pql"], rows.loc["paid_without_pql"]
    text = (f"Of {total:,} paying, {pct(rows.loc['converted_pql', 'share'])} became PQLs before paying, "
            f"{pct(before['share'])} paid first and did the steps later, and {pct(without['share'])} paid "
            "without reaching the threshold")
    if without["share"] > revisit_share:
        text += f": more than {pct(revisit_share)} of buyers take a road the definition misses, so revisit the steps"
    elif before["share"] > revisit_share:
        text += ": many steps come after the purchase, so they measure onboarding rather than intent"
    else:
        text += ": the definition captures the usual road to paying"
    return text + "."


def revenue_sentence(table: pd.DataFrame, *, currency: str = "") -> str:
    """Expected new customers and MRR at stake, with the low-high range.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    rows = table.set_index("case")
    exp = rows.loc["expected"]
    if exp["current_pqls"] == 0:
        return "There are no current PQLs, so no revenue is at stake right now."
    if _missing(exp["mrr_at_stake"]):
        reason = ("no payments data" if _missing(exp["conversion"])
                  else "no MRR in the payments" if _missing(exp["average_mrr"]) else "no conversion rate")
        return f"{int(exp['current_pqls']):,} current PQLs, but the revenue at stake cannot be estimated ({reason})."
    low, high = rows.loc["low"], rows.loc["high"]
    return (f"{int(exp['current_pqls']):,} current PQLs × {pct(exp['conversion'])} expected conversion × "
            f"{currency}{exp['average_mrr']:,.0f} average MRR ≈ {exp['expected_customers']:.0f} new customers and "
            f"{currency}{exp['mrr_at_stake']:,.0f} of monthly recurring revenue at stake "
            f"(between {currency}{low['mrr_at_stake']:,.0f} and {currency}{high['mrr_at_stake']:,.0f}).")


# --- who acts: KPIs and the CRM hand-over ---------------------------------------------------------


def kpi_sentence(kpis: pd.DataFrame, *, north_star: str) -> str:
    """The north star KPI and its value.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    star = kpis[kpis["north_star"]].iloc[0]
    headline = bold(f"{star['kpi']} = {star['shown']}")
    return f"North star ({north_star}): {headline}. {star['question']}"


def crm_sentence(table: pd.DataFrame, *, path: str | os.PathLike, noun: str = "entities") -> str:
    """How many leads were exported, and the first one.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    name = os.path.basename(os.fspath(path))
    if table.empty:
        return f"No current PQLs to hand over; {name} holds only the header row."
    top = table.iloc[0]
    return (f"{len(table):,} current PQL {noun} exported to {name}, best first; priority 1 is {top['entity_id']} "
            f"({pct(top['activation_rate'])} activated, last seen {top['days_since_seen']:.1f} days ago, "
            f"account of {int(top['account_size'])}).")


# --- the headline record --------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) or math.isinf(float(value)) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def record_headlines(
    entities: pd.DataFrame,
    *,
    context: Context,
    output_dir: str | os.PathLike,
    notebook: str,
    keys: Sequence[str] = HEADLINE_KEYS,
    extra: dict | None = None,
) -> dict:
    """Write a notebook's headline numbers to ``{output_dir}/{notebook}.json`` and return them.

    The values are :func:`pqlkit.summary`'s (so a test can compare them with ``pqlkit metrics``
    for the same inputs), restricted to ``keys``, plus ``extra`` (the notebook's own numbers).
    Plain JSON: no NaN (None instead), keys sorted, two-space indent, trailing newline.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    context : Context
        Its analysis context (the second value returned by :func:`pqlkit.entity_table`).
    output_dir : path
        Created if missing.
    notebook : str
        The notebook's file stem, e.g. ``"02_pql_metrics"``.

    Returns
    -------
    dict
        What was written.
    """
    from pqlkit.metrics import summary

    result = summary(entities, context=context)
    unknown = [k for k in keys if k not in result]
    if unknown:
        raise ValueError(f"`keys` names values that pqlkit.summary does not have: {unknown}; it has {sorted(result)}")
    record = {key: result[key] for key in keys}
    record["notebook"] = notebook
    record.update(extra or {})
    record = _plain(record)
    folder = Path(os.fspath(output_dir))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")
    return record


# --- the conversion score ------------------------------------------------------------------------


def score_sentence(validation: dict | None, *, reason: str | None = None, model: str | None = None,
                   within_days: float = 30, noun: str = "entities") -> str:
    """What the conversion score is worth, on validation data: AUC and the top decile against today.

    Parameters
    ----------
    validation : dict or None
        :meth:`pqlkit.scoring.PayScore.validation` (``roc_auc``, ``today_roc_auc``,
        ``top_decile_payers_score``, ``top_decile_payers_today``, ``top_decile_extra_payers``); None
        when no model was fitted.
    reason : str, optional
        Why there is no model (:attr:`pqlkit.scoring.PayScore.reason`); said as it is.
    model : str, optional
        The chosen model's name, said in words.
    within_days : float
        The outcome's horizon: pays within this many days of being on the list.
    noun : str
        What is counted ("users", "accounts").

    Returns
    -------
    str
        One or two Markdown sentences, the headline in bold.
    """
    if not validation:
        return f"**No conversion score this time:** {reason or 'too little data to fit one'} The list keeps today's order (activation, then recency)."
    extra = int(validation["top_decile_extra_payers"])
    more = f"{extra:,} more" if extra > 0 else ("as many" if extra == 0 else f"{-extra:,} fewer")
    name = (model or "model").replace("_", " ")
    return (
        f"**On later signup cohorts held out from fitting, the score's top tenth of the list held {more} payers than "
        f"today's order** ({int(validation['top_decile_payers_score']):,} against {int(validation['top_decile_payers_today']):,}, "
        f"paying within {days(within_days, digits=0)} of being on the list). Its ROC AUC there is "
        f"{validation['roc_auc']:.2f}, against {validation['today_roc_auc']:.2f} for today's order ({name}, calibrated; "
        f"the probabilities are stated as measured on those held-out {noun})."
    )
