"""The front page's trends, and the comparison with a previous report.

:func:`headline_trends` gives the headline numbers at the end of each of the last weeks, for the
index's trend lines. Every report records :func:`comparison_record` in ``data/comparison.json``: flows
over a window and rates at a fixed age, with what says whether two reports can be compared.
``pqlkit report --previous`` reads an earlier report's (:func:`read_previous`), refuses one of another
level, spec or dataset, or one that is not earlier (:func:`check_comparable`), and
:func:`changes_since` judges the flows and fixed-age rates against noise with :mod:`pqlkit.stats`;
running totals are shown without a verdict (docs/metrics.md#comparing-two-reports).
:func:`pqlkit.report.pages.write_pages` renders the trends and the changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pqlkit.analyses.cohorts import current_pqls_over_time
from pqlkit.base.errors import PqlkitError
from pqlkit.core.asof import parse_as_of
from pqlkit.metrics import pql_rate, pql_to_paid
from pqlkit.present.formatting import human_date
from pqlkit.stats.changes import adjust_for_several, change_beyond_noise, count_change_beyond_noise

__all__ = [
    "COMPARISON_RECORD",
    "TOTALS",
    "WINDOW_DAYS",
    "ReportChanges",
    "changes_since",
    "check_comparable",
    "compare_with_previous",
    "comparison_record",
    "entities_digest",
    "headline_trends",
    "read_previous",
    "spec_rules",
    "write_comparison_record",
]


def headline_trends(entities, *, context, weeks: int = 12):
    """The headline numbers at the end of each of the last weeks, for the front page's trend lines.

    The weeks and the current PQLs are those of :func:`pqlkit.current_pqls_over_time` (each week ends
    on Sunday 23:59:59.999999 UTC; the last row is ``as_of``). The other numbers are read at the same
    instants ``W`` from the per-entity table's timestamps, as docs/metrics.md#metrics defines them:
    the entities that signed up by ``W``, the PQLs by ``W`` (``pql_at <= W``), their PQL rate and
    median time to PQL, and the PQL-to-paid rate of the PQLs by ``W`` not paying before their PQL
    (payments by ``W``; NaN without a payments table). The last row equals :func:`pqlkit.summary`'s numbers.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    context : Context
        Its context (``as_of``, ``active_days``, the dataset's events).
    weeks : int
        How many weeks before the last row to give (the front page compares with the fourth).

    Returns
    -------
    pandas.DataFrame
        At most ``weeks + 1`` rows, oldest first: ``week_end``, ``entities``, ``raw_pqls``,
        ``current_pqls``, ``pql_rate``, ``time_to_pql_median_days``, ``pql_to_paid_rate`` (NaN where
        there is nothing to divide or no PQL yet). Empty when there is no PQL.
    """
    weekly = current_pqls_over_time(entities, context=context).tail(weeks + 1).reset_index(drop=True)
    rows = []
    pql_at, paid_at = entities["pql_at"], entities["paid_at"]
    payments = context.has_conversions
    for end, current in zip(weekly["week_end"], weekly["current_pqls"]):
        signed = entities["signup_at"] <= end
        pql = entities["is_pql"].fillna(False).astype(bool) & (pql_at <= end)
        paid = paid_at <= end
        before = int((pql & paid & (paid_at < pql_at)).sum())
        converted = int((pql & paid & (pql_at <= paid_at)).sum())
        raw = int(pql.sum())
        rows.append({
            "week_end": end, "entities": int(signed.sum()), "raw_pqls": raw, "current_pqls": int(current),
            "pql_rate": raw / int(signed.sum()) if signed.any() else float("nan"),
            "time_to_pql_median_days": float(entities.loc[pql, "time_to_pql_days"].median()) if raw else float("nan"),
            "pql_to_paid_rate": converted / (raw - before) if raw - before and payments else float("nan"),
        })
    columns = ["week_end", "entities", "raw_pqls", "current_pqls", "pql_rate", "time_to_pql_median_days",
               "pql_to_paid_rate"]
    return pd.DataFrame(rows, columns=columns)


def read_previous(folder: str | os.PathLike) -> dict:
    """The headline numbers an earlier report recorded: its notebooks' JSON records in ``folder/data/``, merged,
    and its :func:`comparison_record` (``data/comparison.json``) under the key ``"comparison"``.

    Parameters
    ----------
    folder : path
        The ``--out`` folder of an earlier ``pqlkit report``.

    Returns
    -------
    dict
        Every scalar a record holds (docs/metrics.md#json-summary keys among them), the first
        notebook's value where two records hold one key, and ``"comparison"``.

    Raises
    ------
    PqlkitError
        When ``folder`` holds no ``data/`` folder with the records of a report (with at least
        ``as_of``, ``entities`` and ``raw_pqls``), or no ``data/comparison.json`` (a report written
        before pqlkit recorded it: run it again with its ``--as-of``).
    """
    path = Path(folder)
    records = []
    for record_path in sorted((path / "data").glob("*.json")) if (path / "data").is_dir() else []:
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, Mapping) and "notebook" in record:
            records.append(record)
    merged: dict = {}
    for record in records:
        for key, value in record.items():
            merged.setdefault(key, value)
    if not all(key in merged for key in ("as_of", "entities", "raw_pqls")):
        raise PqlkitError(
            f"--previous {folder}: not a report folder (no data/NN_name.json records with as_of, entities and "
            "raw_pqls); pass the --out folder of an earlier `pqlkit report`"
        )
    try:
        comparison = json.loads((path / "data" / COMPARISON_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        comparison = None
    if not isinstance(comparison, Mapping) or comparison.get("record") != "pqlkit comparison":
        raise PqlkitError(
            f"--previous {folder}: no data/{COMPARISON_RECORD} (written by an older pqlkit), so its totals cannot be "
            f"compared fairly; run that report again with --as-of {merged['as_of']} and pass the new folder"
        )
    merged["comparison"] = dict(comparison)
    return merged


# --- the comparison with a previous report (docs/metrics.md#comparing-two-reports) -----------------

#: The file, in a report's ``data/`` folder, holding what the next report compares with.
COMPARISON_RECORD = "comparison.json"

#: The default window of the flows, in days: new signups and new PQLs in the 4 weeks before each report.
WINDOW_DAYS = 28

#: The running totals and all-time rates shown beside the comparison, without a verdict: key, label, why.
TOTALS = (
    ("entities", "Entities in scope (all signups so far)", "a running total"),
    ("raw_pqls", "Raw PQLs (all so far)", "a running total"),
    ("paid_pqls", "Paid PQLs (all so far)", "a running total"),
    ("paid_without_pql", "Paid without PQL (all so far)", "a running total"),
    ("current_pqls", "Current PQLs", "a count at one instant, mostly the same leads"),
    ("pql_rate", "PQL rate (all signups, any age)", "all-time: moves with the signups' ages"),
    ("pql_to_paid_rate", "PQL-to-paid rate (all PQLs, any age)", "all-time: moves with the PQLs' ages"),
)


def spec_rules(spec) -> dict:
    """The activation rules of a spec as plain JSON: every field but the level and where it was read from.

    Two reports whose rules differ count different things as a PQL and are not compared.

    Returns
    -------
    dict
        :meth:`pqlkit.ActivationSpec.to_dict` without ``level``: ``steps`` (each step's fields that
        are set), ``threshold``, and the settings that are set (``window_days``, ``active_days``, ...).
    """
    return {key: value for key, value in spec.to_dict().items() if key != "level"}


def entities_digest(entity_ids) -> str:
    """A SHA-256 digest of a set of entity ids (order does not matter): the dataset's fingerprint."""
    text = "\n".join(sorted(str(value) for value in entity_ids))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _in_window(times: pd.Series, end: pd.Timestamp, window: pd.Timedelta) -> pd.Series:
    """Which ``times`` fall in ``(end - window, end]`` (missing times do not)."""
    return (times > end - window) & (times <= end)


def comparison_record(entities: pd.DataFrame, *, context, window_days: float = WINDOW_DAYS,
                      totals: Mapping | None = None, payments: bool | None = None) -> dict:
    """What the next report needs to compare with this one: flows over a window, rates at a fixed age.

    With ``T = as_of``, ``W = window_days`` and ``N`` the spec's ``trial_days``:

    - ``new_signups``: entities with ``signup_at`` in ``(T − W, T]``;
    - ``new_pqls``: entities with ``pql_at`` in ``(T − W, T]``;
    - ``pql_by_day``: among the signups that turned N days old in the window (``signup_at`` in
      ``(T − W − N, T − N]``), those that were PQLs by day N (:func:`pqlkit.pql_rate` with ``by_day=N``);
    - ``paid_by_day``: among the PQLs that turned N days past their PQL in the window (``pql_at`` in
      ``(T − W − N, T − N]``), those not paying before their PQL (``eligible``) and those that paid
      within N days of it (:func:`pqlkit.pql_to_paid` with ``by_day=N``); None without payments.

    Two reports at least W days apart thus count disjoint groups, which the tests of
    :func:`changes_since` need. The record also holds what says whether two reports can be
    compared: ``as_of``, ``level``, the spec's rules (:func:`spec_rules`) and a digest of the entity
    ids (:func:`entities_digest`).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    context : Context
        Its context (``as_of``, the spec, the level; whether there is a payments table).
    window_days : float
        The window W of the flows and of the fixed-age groups; 28 days (4 weeks) by default, so that
        monthly reports compare disjoint groups.
    totals : mapping, optional
        The report's summary (:func:`pqlkit.summary`): the keys of :data:`TOTALS` are copied.
    payments : bool, optional
        Whether payments are measured; default ``context.has_conversions``.

    Returns
    -------
    dict
        Plain JSON, as written to ``data/comparison.json``.
    """
    if not window_days > 0:
        raise ValueError(f"`window_days` must be > 0, but {window_days!r} was passed.")
    as_of, day = context.as_of, float(context.trial_days)
    payments = context.has_conversions if payments is None else payments
    window, fixed = pd.Timedelta(days=window_days), pd.Timedelta(days=day)
    cohort = pql_rate(entities[_in_window(entities["signup_at"], as_of - fixed, window)], by_day=day).iloc[0]
    record = {
        "record": "pqlkit comparison", "as_of": as_of.isoformat(), "level": context.level,
        "spec": spec_rules(context.spec), "entities_digest": entities_digest(entities["entity_id"]),
        "window_days": float(window_days), "by_day": day,
        "new_signups": int(_in_window(entities["signup_at"], as_of, window).sum()),
        "new_pqls": int(_in_window(entities["pql_at"], as_of, window).sum()),
        "pql_by_day": {"entities": int(cohort["entities"]), "pqls": int(cohort["pqls"])},
        "paid_by_day": None,
        "totals": {key: (totals or {}).get(key) for key, _, _ in TOTALS},
    }
    if payments:
        pqls = entities[entities["is_pql"].fillna(False).astype(bool)
                        & _in_window(entities["pql_at"], as_of - fixed, window)]
        paid = pql_to_paid(pqls, by_day=day).iloc[0]
        record["paid_by_day"] = {"eligible": int(paid["eligible"]), "paid_pqls": int(paid["paid_pqls"])}
    return record


def write_comparison_record(record: Mapping, data_dir: str | os.PathLike) -> Path:
    """Write :func:`comparison_record` to ``data_dir/comparison.json`` (sorted keys, no NaN) and return the path."""
    path = Path(data_dir) / COMPARISON_RECORD
    path.write_text(json.dumps(record, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")
    return path


def check_comparable(previous: Mapping, current: Mapping, entities: pd.DataFrame, *, folder: str) -> None:
    """Refuse a previous report that cannot be compared with this one (docs/metrics.md#comparing-two-reports).

    Parameters
    ----------
    previous, current : mapping
        The two reports' :func:`comparison_record`.
    entities : pandas.DataFrame
        This report's per-entity table: those signed up by the previous ``as_of`` must be the
        previous report's entities.
    folder : str
        The previous report's folder, as given, for the message.

    Raises
    ------
    PqlkitError
        One line saying what differs: the level, the spec's rules (the first that differs), an
        ``as_of`` that is not earlier, or the entities (another dataset, or a rewritten history).
    """
    start = f"--previous {folder}:"
    if previous["level"] != current["level"]:
        raise PqlkitError(f"{start} that report is at {previous['level']} level, this one at {current['level']} "
                          f"level; compare reports of one level (pass --level {previous['level']})")
    for key in sorted(set(previous["spec"]) | set(current["spec"])):
        then, now = previous["spec"].get(key), current["spec"].get(key)
        if then != now:
            raise PqlkitError(f"{start} that report used another activation spec ({key}: {then!r} then, {now!r} "
                              "now); a PQL meant something else, so the numbers are not compared")
    then, now = parse_as_of(previous["as_of"]), parse_as_of(current["as_of"])
    if then >= now:
        raise PqlkitError(f"{start} that report is as of {human_date(then)}, not earlier than this one "
                          f"(as of {human_date(now)}); pass the earlier report as --previous")
    signed = entities.loc[entities["signup_at"] <= then, "entity_id"]
    if entities_digest(signed) != previous["entities_digest"]:
        counted = previous.get("totals", {}).get("entities")
        raise PqlkitError(f"{start} that report's {f'{counted:,}' if counted is not None else 'recorded'} entities are not "
                          f"the {len(signed):,} of this dataset signed up by its as_of ({human_date(then)}): another "
                          "dataset, or its history changed")


@dataclasses.dataclass(frozen=True)
class ReportChanges:
    """What changed since a previous report, as :func:`changes_since` judges it.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per figure (see :func:`changes_since`).
    previous_as_of, as_of : pandas.Timestamp
        The two reports' instants.
    window_days, current_window_days : float
        The previous report's window, and this report's (shorter when the reports are less than a
        window apart, so that no entity is counted in both).
    by_day : float
        The fixed age N (the trial length).
    alpha : float
        The family-wise significance level.
    overlap : bool
        Whether this report's window reaches back before the previous ``as_of`` (then nothing is judged).
    """

    table: pd.DataFrame
    previous_as_of: pd.Timestamp
    as_of: pd.Timestamp
    window_days: float
    current_window_days: float
    by_day: float
    alpha: float
    overlap: bool


def _judged_rows(previous: Mapping, current: Mapping, *, alpha: float) -> list[dict]:
    """The flows and fixed-age rates of the two records, each with its test (p-values not yet adjusted)."""
    day, then_days, now_days = f"{previous['by_day']:g}", previous["window_days"], current["window_days"]
    same = f"{then_days:.1f}" == f"{now_days:.1f}"
    window = f"{then_days:g}" if same else f"{then_days:g} (then) and {now_days:.1f} (now)"
    rows = []
    for key in ("new_signups", "new_pqls"):
        then, now = previous[key], current[key]
        check = count_change_beyond_noise(then, now, before_exposure=then_days, after_exposure=now_days, alpha=alpha)
        what = "New signups" if key == "new_signups" else "New PQLs"
        rows.append({"key": key, "metric": f"{what}, last {window} days", "kind": "count", "before": float(then),
                     "after": float(now), "before_n": math.nan, "after_n": math.nan, "p_value": check.p_value,
                     "test": "exact test of two Poisson counts, per day of window"})
    rates = (("pql_rate_by_day", "pql_by_day", "pqls", "entities",
              f"PQL by day {day}, signups who turned {day} days old in the last {window} days"),
             ("pql_to_paid_rate_by_day", "paid_by_day", "paid_pqls", "eligible",
              f"Paid within {day} days of PQL, PQLs {day} days past it in the last {window} days"))
    for key, field, hits, total, label_text in rates:
        then, now = previous.get(field), current.get(field)
        row = {"key": key, "metric": label_text, "kind": "rate", "before": math.nan, "after": math.nan,
               "before_n": math.nan, "after_n": math.nan, "p_value": math.nan,
               "test": "none: payments not measured in both reports"}
        if then is not None and now is not None:
            check = change_beyond_noise(then[hits], then[total], now[hits], now[total], alpha=alpha)
            row.update(before=check.before, after=check.after, before_n=float(then[total]),
                       after_n=float(now[total]), p_value=check.p_value, test="two-proportion z-test")
        elif then is not None or now is not None:
            one = then if then is not None else now
            rate = one[hits] / one[total] if one[total] else math.nan
            row.update({"before" if then is not None else "after": rate})
        if field == "pql_by_day" or then is not None or now is not None:
            rows.append(row)
    return rows


def changes_since(previous: Mapping, current: Mapping, *, alpha: float = 0.05) -> ReportChanges:
    """What changed since a previous report: flows and fixed-age rates judged, running totals shown.

    The judged figures are those of :func:`comparison_record`: new signups and new PQLs
    (:func:`pqlkit.stats.count_change_beyond_noise`, per day of each report's window),
    the PQL rate by day N and the PQL-to-paid rate within N days (:func:`pqlkit.stats.change_beyond_noise`).
    Their p-values are adjusted together (Holm, :func:`pqlkit.stats.changes.adjust_for_several`), so
    that a steady product gets any "beyond noise" at most ``alpha`` of the time. When the current
    window reaches back before the previous ``as_of``, the groups overlap and nothing is judged
    (:func:`compare_with_previous` shortens the current window to avoid that). The running totals and the
    all-time rates (:data:`TOTALS`) are shown without a verdict.

    Parameters
    ----------
    previous, current : mapping
        The two reports' :func:`comparison_record` (checked by :func:`check_comparable`).
    alpha : float
        Family-wise significance level.

    Returns
    -------
    ReportChanges
        Its ``table`` has one row per figure: ``judged`` (a flow or fixed-age rate, False for a
        total), ``key``, ``metric`` (its label), ``kind`` ("count" or
        "rate"), ``before``, ``after``, ``difference``, ``before_n`` and ``after_n`` (a rate's
        denominators), ``p_value``, ``p_adjusted``, ``beyond_noise`` (True, False, or None where
        nothing is judged), ``test`` (the test, or why there is none); the judged rows first.
    """
    if previous["by_day"] != current["by_day"] or current["window_days"] > previous["window_days"]:
        raise ValueError("changes_since: the records must have the same by_day and the current window_days no longer "
                         f"than the previous, but {previous['window_days']:g} and {previous['by_day']:g} then, "
                         f"{current['window_days']:g} and {current['by_day']:g} now were passed")
    then, now = parse_as_of(previous["as_of"]), parse_as_of(current["as_of"])
    overlap = (now - then) < pd.Timedelta(days=current["window_days"])
    rows = _judged_rows(previous, current, alpha=alpha)
    if overlap:
        for row in rows:
            row.update(p_value=math.nan, test=f"none: the reports are less than {current['window_days']:g} days "
                                              "apart, so their windows overlap")
    for row, (adjusted, beyond) in zip(rows, adjust_for_several([row["p_value"] for row in rows], alpha=alpha)):
        row.update(p_adjusted=adjusted, beyond_noise=beyond if math.isfinite(row["p_value"]) else None)
    for row in rows:
        row["judged"] = True
    for key, label_text, why in TOTALS:
        before, after = previous.get("totals", {}).get(key), current.get("totals", {}).get(key)
        rows.append({"judged": False, "key": key, "metric": label_text, "kind": "rate" if "rate" in key else "count",
                     "before": math.nan if before is None else float(before),
                     "after": math.nan if after is None else float(after), "before_n": math.nan,
                     "after_n": math.nan, "p_value": math.nan, "p_adjusted": math.nan, "beyond_noise": None,
                     "test": f"none: {why}"})
    table = pd.DataFrame(rows, columns=["judged", "key", "metric", "kind", "before", "after", "before_n", "after_n",
                                        "p_value", "p_adjusted", "beyond_noise", "test"])
    table.insert(6, "difference", table["after"] - table["before"])
    return ReportChanges(table=table, previous_as_of=then, as_of=now, window_days=float(previous["window_days"]),
                         current_window_days=float(current["window_days"]), by_day=float(previous["by_day"]), alpha=alpha, overlap=bool(overlap))


def compare_with_previous(previous: Mapping | None, entities: pd.DataFrame, *, context, summary: Mapping,
                          window_days: float = WINDOW_DAYS, folder: str = "",
                          payments: bool | None = None) -> tuple[dict, ReportChanges | None]:
    """This report's :func:`comparison_record`, and what changed since a previous report when one is given.

    Parameters
    ----------
    previous : mapping or None
        :func:`read_previous` of the earlier report, or None.
    entities, context, summary
        This report's per-entity table, its context and :func:`pqlkit.summary`.
    window_days : float
        The window of this report's record. The comparison uses the previous report's window, or the
        time since the previous report when that is shorter (then no entity is in both windows).
    folder : str
        The previous report's folder, for messages.
    payments : bool, optional
        Whether payments are measured; default ``context.has_conversions``.

    Returns
    -------
    (dict, ReportChanges or None)
        The record to write to ``data/comparison.json``, and :func:`changes_since` (None without ``previous``).

    Raises
    ------
    PqlkitError
        From :func:`check_comparable`: the previous report cannot be compared with this one.
    """
    record = comparison_record(entities, context=context, window_days=window_days, totals=summary, payments=payments)
    if previous is None:
        return record, None
    then = previous["comparison"]
    check_comparable(then, record, entities, folder=folder)
    gap = (context.as_of - parse_as_of(then["as_of"])) / pd.Timedelta(days=1)
    window = min(then["window_days"], gap)  # no entity in both reports' windows
    now = record if window == record["window_days"] else comparison_record(
        entities, context=context, window_days=window, totals=summary, payments=payments)
    return record, changes_since(then, now)
