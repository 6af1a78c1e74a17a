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


def lift_table(y: np.ndarray, score_decile: np.ndarray, today_decile: np.ndarray) -> pd.DataFrame:
    base = y.mean() if len(y) else math.nan
    frames = []
    for ordering, decile in (("score", score_decile), ("today", today_decile)):
        table = pd.DataFrame({"decile": decile, "paid": y}).groupby("decile").agg(rows=("paid", "size"),
                                                                                 payers=("paid", "sum"))
        table = table.reindex(range(1, 11), fill_value=0).reset_index()
        table.insert(1, "ordering", ordering)
        table["payer_rate"] = table["payers"] / table["rows"].where(table["rows"] > 0)
        table["lift"] = table["payer_rate"] / base
        table["cumulative_payers"] = table["payers"].cumsum()
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out["payers"] = out["payers"].astype("int64")
    out["cumulative_payers"] = out["cumulative_payers"].astype("int64")
    return out


def signup_weeks(signup_at: pd.Series) -> int:
    """The number of distinct signup weeks (Monday 00:00 UTC)."""
    return int(signup_at.dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W").nunique())


def part_counts(part: str, rows: pd.DataFrame) -> dict[str, Any]:
    return {"part": part, "rows": len(rows), "entities": rows["entity_id"].nunique(), "payers": int(rows["paid"].sum()),
            "snapshots": rows["cutoff_at"].nunique(), "signup_weeks": signup_weeks(rows["signup_at"])
            if len(rows) else 0}
