"""Who acts (notebook 05): the KPIs and the north star, the CRM hand-over and what the conversion score is worth."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from pqlkit.analyses.playbook import KPIS, NORTH_STARS, TEAMS
from pqlkit.present.formatting import (
    NOT_MEASURED,
    days,
    kpi_value,
    label,
    pct,
    value_words,
)
from pqlkit.present.narrative.display import bold

__all__ = [
    "crm_sentence",
    "kpi_sentence",
    "kpi_table",
    "team_kpis",
    "score_sentence",
]


def _check_north_star(north_star: str) -> str:
    value = {"monetisation": "monetization"}.get(north_star, north_star)
    if value not in NORTH_STARS:
        raise ValueError(
            f"The value for `north_star` must be one of {list(NORTH_STARS)}, but {north_star!r} was passed."
        )
    return value


def _number(value) -> float:
    if isinstance(value, dict):  # a Kaplan–Meier reading: its share
        value = value.get("share")
    return np.nan if value is None else float(value)


def kpi_table(summary: dict, *, north_star: str = "activation", has_payments: bool = True) -> pd.DataFrame:
    """The headline KPIs, the north star's first.

    Parameters
    ----------
    summary : dict
        :func:`pqlkit.summary` of the per-entity table.
    north_star : {"growth", "activation", "speed", "monetization"}
        The team goal whose KPI leads.
    has_payments : bool
        Pass ``dataset.has_conversions``: without payments the PQL-to-paid figures are NaN and read
        ``not measured``, as they are None in the summary.

    Returns
    -------
    pandas.DataFrame
        One row per KPI of :data:`KPIS`: ``kpi`` (its :func:`~pqlkit.present.formatting.label`), ``key`` (summary key), ``value`` (number or
        NaN), ``shown`` (formatted), ``question``, ``north_star`` (bool). The north star first, the
        others in :data:`KPIS` order.
    """
    star = NORTH_STARS[_check_north_star(north_star)]
    order = [star, *[key for key in KPIS if key != star]]
    rows = []
    for key in order:
        _, unit, question = KPIS[key]
        value = summary.get(key)
        unmeasured = not has_payments and key in ("pql_to_paid_rate", "paid_without_pql")
        if unmeasured:
            value = None
        rows.append({
            "kpi": label(key),
            "key": key,
            "value": _number(value),
            "shown": NOT_MEASURED if unmeasured else kpi_value(value, unit),
            "question": question,
            "north_star": key == star,
        })
    return pd.DataFrame(rows)


def team_kpis(summary: dict, team: str, *, has_payments: bool = True) -> pd.DataFrame:
    """The KPIs one team acts on (see :data:`TEAMS`), with their values.

    Returns
    -------
    pandas.DataFrame
        ``kpi``, ``shown``, ``question``, in the team's order.
    """
    if team not in TEAMS:
        raise ValueError(f"The value for `team` must be one of {list(TEAMS)}, but {team!r} was passed.")
    table = kpi_table(summary, has_payments=has_payments).set_index("key")
    return table.loc[list(TEAMS[team]), ["kpi", "shown", "question"]].reset_index(drop=True)


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
    """How many leads were exported, in which order and why, and the first one.

    Parameters
    ----------
    table : pandas.DataFrame
        The lead list (:func:`pqlkit.lead_list`): ``entity_id``, ``activation_rate``,
        ``days_since_seen``, ``account_size``, ``order_reason``, and ``pay_probability`` when scored.
    path : path-like
        The CSV written; only its name is said.
    noun : str
        What is counted ("users", "accounts").

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    name = os.path.basename(os.fspath(path))
    if table.empty:
        return f"No current PQLs to hand over; {name} holds only the header row."
    top = table.iloc[0]
    chance = ""
    if "pay_probability" in table and pd.notna(top["pay_probability"]):
        chance = f"{pct(top['pay_probability'])} chance of paying, "
    # The order in words: the reason's first part (its parenthesis, the score's accuracy, is in the score's sentence).
    order = (f" The list is ordered by the {str(top['order_reason']).split(' (')[0]}; the CSV's order reason column "
             "says so too." if "order_reason" in table else "")
    return (f"{len(table):,} current PQL {noun} exported to {name}, in the order of the table above; priority 1 "
            f"is {top['entity_id']} ({chance}{pct(top['activation_rate'])} activated, last seen "
            f"{top['days_since_seen']:.1f} days ago, account of {int(top['account_size'])}).{order}")


def score_sentence(validation: dict | None, *, reason: str | None = None, model: str | None = None,
                   within_days: float = 30, noun: str = "entities") -> str:
    """What the conversion score is worth, on validation data: how often it ranks a payer first (the ROC AUC, in
    words) and the top decile against today.

    The top decile's payers are people (distinct entities), not snapshot rows: a lead on several
    weekly lists counts once.

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
    name = value_words(model or "model")
    return (
        f"**On later signup cohorts held out from fitting, the score's top tenth of the list held {more} payers than "
        f"today's order** ({int(validation['top_decile_payers_score']):,} against {int(validation['top_decile_payers_today']):,} "
        f"people paying within {days(within_days, digits=0)} of being on the list, each counted once however many "
        f"weekly lists they were on). There, of a payer and a non-payer, the score ranks the payer first in "
        f"{pct(validation['roc_auc'])} of pairs, against {pct(validation['today_roc_auc'])} for today's order "
        f"(50% would be chance; the model: {name}, calibrated; the probabilities are stated as measured on those "
        f"held-out {noun})."
    )
