"""The validation numbers: scores, calibration bins, lift by decile, and the counts per part."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []


def scores_table(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    return {"roc_auc": float(roc_auc_score(y, p)), "average_precision": float(average_precision_score(y, p)),
            "brier": float(brier_score_loss(y, p))}


def calibration_table(y: np.ndarray, p: np.ndarray, *, bins: int = 10) -> pd.DataFrame:
    """Equal-count bins of the predicted probability (ties kept together)."""
    frame = pd.DataFrame({"p": p, "y": y})
    codes = pd.qcut(frame["p"].rank(method="first"), q=min(bins, len(frame)), labels=False)
    table = frame.groupby(codes).agg(predicted_mean=("p", "mean"), observed_rate=("y", "mean"), count=("y", "size"))
    table = table.reset_index(drop=True)
    table.insert(0, "bin", np.arange(1, len(table) + 1))
    return table


def within_snapshot_deciles(score: np.ndarray, priority: np.ndarray, snapshot: np.ndarray) -> np.ndarray:
    """Decile 1..10 of each row within its snapshot's list, highest ``score`` first (ties: today's
    priority), as equal in size as the list allows."""
    frame = pd.DataFrame({"score": -score, "priority": priority, "snapshot": snapshot})
    rank = frame.sort_values(["snapshot", "score", "priority"]).groupby("snapshot").cumcount()
    size = frame.groupby("snapshot")["score"].transform("size")
    return (np.floor(rank.reindex(frame.index) * 10 / size) + 1).astype(int).to_numpy()


def lift_table(y: np.ndarray, score_decile: np.ndarray, today_decile: np.ndarray, *,
               entity: np.ndarray) -> pd.DataFrame:
    """Leads and payers per decile of the validation lists, in people, by the score and in today's order.

    A lead stays on the list for several weekly snapshots, so one person is several rows; a decile
    counts each person once: ``leads`` are the distinct entities with a row in it, ``payers`` those
    among them with a row whose outcome is 1.

    Parameters
    ----------
    y : numpy.ndarray
        Each validation row's outcome (0/1).
    score_decile, today_decile : numpy.ndarray
        Each row's decile (1 = top) in its snapshot's list, by the score and in today's order.
    entity : numpy.ndarray
        Each row's ``entity_id``.

    Returns
    -------
    pandas.DataFrame
        Per ordering (``"score"``, ``"today"``) and decile 1..10: ``decile``, ``ordering``, ``rows``
        (snapshot rows), ``leads`` (distinct entities), ``payers`` (distinct entities that paid
        within the window after a snapshot where they were in this decile), ``payer_rate``
        (payers / leads, NaN for an empty decile), ``lift`` (payer rate / the share of all the
        validation leads that paid), ``cumulative_payers`` (distinct paying entities in deciles 1
        to this one).
    """
    rows = pd.DataFrame({"entity": entity, "paid": np.asarray(y).astype(bool)})
    base = rows.loc[rows["paid"], "entity"].nunique() / rows["entity"].nunique() if len(rows) else math.nan
    frames = []
    for ordering, decile in (("score", score_decile), ("today", today_decile)):
        frame = rows.assign(decile=decile)
        paying = frame[frame["paid"]]
        table = pd.DataFrame({
            "rows": frame.groupby("decile").size(),
            "leads": frame.groupby("decile")["entity"].nunique(),
            "payers": paying.groupby("decile")["entity"].nunique(),
        }).reindex(range(1, 11)).fillna(0).astype("int64").rename_axis("decile").reset_index()
        table.insert(1, "ordering", ordering)
        table["payer_rate"] = table["payers"] / table["leads"].where(table["leads"] > 0)
        table["lift"] = table["payer_rate"] / base
        first_decile = paying.groupby("entity")["decile"].min()  # a payer counts from its best decile on
        table["cumulative_payers"] = [int((first_decile <= d).sum()) for d in table["decile"]]
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out["cumulative_payers"] = out["cumulative_payers"].astype("int64")
    return out


def signup_weeks(signup_at: pd.Series) -> int:
    """The number of distinct signup weeks (Monday 00:00 UTC)."""
    return int(signup_at.dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W").nunique())


def part_counts(part: str, rows: pd.DataFrame) -> dict[str, Any]:
    return {"part": part, "rows": len(rows), "entities": rows["entity_id"].nunique(), "payers": int(rows["paid"].sum()),
            "snapshots": rows["cutoff_at"].nunique(), "signup_weeks": signup_weeks(rows["signup_at"])
            if len(rows) else 0}
