"""The conversion score of today's PQL list (:func:`pay_score`), and the list ordered by it."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pqlkit.analyses.leads import RULE_ORDER, order_by_score, prioritise_pqls
from pqlkit.core.context import Context, check_columns, context_value
from pqlkit.scoring.features import ExtraFeatures, feature_table
from pqlkit.scoring.importance import importance_model, importance_table
from pqlkit.scoring.leakage import check_no_leakage
from pqlkit.scoring.models import MODELS, BackgroundThread, design, fit_calibrated
from pqlkit.scoring.snapshots import snapshot_rows
from pqlkit.scoring.validation import (
    calibration_table,
    lift_table,
    part_counts,
    scores_table,
    signup_weeks,
    within_snapshot_deciles,
)

__all__ = ["PayScore", "pay_score", "order_pql_list"]


@dataclass(frozen=True, eq=False)  # compared by identity: its tables have no single truth value
class PayScore:
    """The conversion score, its validation numbers, and the scores of today's PQL list.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per lead on today's list (:func:`pqlkit.analyses.leads.prioritise_pqls` order):
        ``entity_id``, ``priority`` (today's order), ``pay_probability`` (NaN without a model),
        ``assumed_mrr`` (the price used), ``expected_mrr`` (probability x price).
    reason : str or None
        Why there is no model, in one sentence; None when there is one.
    model_name : str or None
        ``"logistic_regression"`` or ``"gradient_boosting"``: the one chosen on validation.
    within_days, feature_days, every_days : float
        The outcome window, the early-activity window and the snapshot spacing used.
    split_at : pandas.Timestamp or None
        The first signup of the validation cohorts.
    rows : pandas.DataFrame
        Counts per part: ``part`` (``"training"``, ``"validation"``, ``"final fit"``), ``rows``,
        ``entities``, ``payers`` (rows with outcome 1), ``snapshots``, ``signup_weeks``.
    models : pandas.DataFrame
        Validation scores per ordering: ``model`` (the two models and ``"today's order"``),
        ``roc_auc``, ``average_precision``, ``brier`` (NaN for today's order, which gives no
        probability), ``chosen`` (bool).
    calibration : pandas.DataFrame
        The chosen model on validation, by bin of predicted probability: ``bin``,
        ``predicted_mean``, ``observed_rate``, ``count``.
    lift : pandas.DataFrame
        By decile of the validation lists (1 = top): ``decile``, ``ordering`` (``"score"`` or
        ``"today"``), ``rows`` (snapshot rows), ``leads`` and ``payers`` (people: distinct
        entities, a lead listed on several snapshots counted once), ``payer_rate`` (payers /
        leads), ``lift`` (payer rate / the paying share of all validation leads),
        ``cumulative_payers`` (distinct paying entities in the deciles up to this one).
    importance : pandas.DataFrame
        Permutation importance of the chosen model on validation (drop in ROC AUC):
        ``feature``, ``importance_mean``, ``importance_std``, most important first.
    top_decile_extra_payers : int or None
        Payers (distinct entities) in the score's top validation decile minus those in today's
        order's top decile.
    validation_rows : pandas.DataFrame
        The validation leads: ``entity_id``, ``cutoff_at`` (the snapshot), ``signup_at``,
        ``paid`` (0/1), ``today_priority`` (among the validation leads of that snapshot),
        ``pay_probability`` (the chosen model fitted on the training cohorts).
    feature_names : tuple of str
        The model's input columns (segments one-hot as ``segment=value``).
    model : sklearn estimator or None
        The chosen kind refitted on every labelled row (calibrated), which scored today's list.
    """

    scores: pd.DataFrame
    reason: str | None
    model_name: str | None
    within_days: float
    feature_days: float
    every_days: float
    split_at: pd.Timestamp | None = None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    models: pd.DataFrame = field(default_factory=pd.DataFrame)
    calibration: pd.DataFrame = field(default_factory=pd.DataFrame)
    lift: pd.DataFrame = field(default_factory=pd.DataFrame)
    importance: pd.DataFrame = field(default_factory=pd.DataFrame)
    top_decile_extra_payers: int | None = None
    validation_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    feature_names: tuple[str, ...] = ()
    model: Any = field(default=None, compare=False, repr=False)

    def __repr__(self) -> str:
        if not self.has_model:
            return f"PayScore(no model: {self.reason!r})"
        numbers = self.validation()
        return (f"PayScore(model_name={self.model_name!r}, roc_auc={numbers['roc_auc']:.3f}, "
                f"top_decile_extra_payers={self.top_decile_extra_payers}, leads={len(self.scores)})")

    @property
    def has_model(self) -> bool:
        """Whether a model was fitted (else :attr:`reason` says why)."""
        return self.model is not None

    def validation(self) -> dict[str, float | None]:
        """The chosen model's validation numbers as a flat mapping.

        Returns
        -------
        dict
            ``roc_auc``, ``average_precision``, ``brier``, ``today_roc_auc``,
            ``top_decile_payers_score``, ``top_decile_payers_today``, ``top_decile_extra_payers``;
            None for each without a model.
        """
        keys = ("roc_auc", "average_precision", "brier", "today_roc_auc", "top_decile_payers_score",
                "top_decile_payers_today", "top_decile_extra_payers")
        if not self.has_model:
            return dict.fromkeys(keys)
        chosen = self.models[self.models["chosen"]].iloc[0]
        today = self.models[self.models["model"] == "today's order"].iloc[0]
        top = self.lift[self.lift["decile"] == 1].set_index("ordering")["payers"]
        return {
            "roc_auc": float(chosen["roc_auc"]),
            "average_precision": float(chosen["average_precision"]),
            "brier": float(chosen["brier"]),
            "today_roc_auc": float(today["roc_auc"]),
            "top_decile_payers_score": int(top["score"]),
            "top_decile_payers_today": int(top["today"]),
            "top_decile_extra_payers": self.top_decile_extra_payers,
        }


def _prices(entities: pd.DataFrame, *, context: Context, price_by: str | None) -> tuple[pd.Series, float]:
    """The price each entity would likely pay: mean first-payment ``mrr`` of payers (per ``price_by``)."""
    dataset = context.dataset
    if not dataset.has_conversions or "mrr" not in dataset.conversion_columns:
        return pd.Series(np.nan, index=entities["entity_id"]), math.nan
    first = dataset.sql(
        "SELECT entity_id, arg_min(TRY_CAST(mrr AS DOUBLE), paid_at) AS mrr FROM conversions "
        "WHERE entity_id IS NOT NULL GROUP BY 1"
    ).set_index("entity_id")["mrr"]
    overall = float(first.mean()) if first.notna().any() else math.nan
    if price_by is None:
        return pd.Series(overall, index=entities["entity_id"]), overall
    check_columns(entities, price_by, argument="price_by")
    segment = entities.set_index("entity_id")[price_by]
    paid = pd.DataFrame({"segment": segment.reindex(first.index), "mrr": first})
    stats = paid.groupby("segment", dropna=True)["mrr"].agg(["mean", "count"])
    means = stats["mean"].where(stats["count"] >= 5)  # fewer than 5 payers: the overall mean
    return segment.map(means).fillna(overall), overall


def _no_model(reason: str, base: dict[str, Any], listed: pd.DataFrame, rows: pd.DataFrame | None = None) -> PayScore:
    scores = listed[["entity_id", "priority"]].assign(pay_probability=np.nan, assumed_mrr=np.nan, expected_mrr=np.nan)
    return PayScore(scores=scores, reason=reason, model_name=None,
                    rows=rows if rows is not None else pd.DataFrame(), **base)


def pay_score(
    entities: pd.DataFrame,
    *,
    context: Context,
    # the question
    within_days: float = 30,
    feature_days: float | None = None,
    every_days: float = 7,
    # the out-of-time validation
    validation_share: float = 0.3,
    min_payers: int = 25,
    min_validation_payers: int = 10,
    min_cohorts: int = 4,
    # the models
    calibration: str = "sigmoid",
    logistic_c: float = 0.5,
    prefer_readable_by: float = 0.01,
    random_state: int = 0,
    importance_repeats: int = 5,
    importance_rows: int | None = 20_000,
    # the list
    price_by: str | None = None,
    extra_features: ExtraFeatures | None = None,
    check_leakage: bool = True,
    leakage_rows: int | None = 2_000,
    threads: int | None = 1,
) -> PayScore:
    """Score today's PQL list by the chance that each lead pays within ``within_days`` days.

    The method is in the module docstring: snapshots of past lists, features known at each, an
    out-of-time choice between a calibrated logistic regression and a gradient-boosted model.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context
        Its context (with the dataset: DuckDB engine).
    within_days : float
        The outcome: pays within this many days of the moment the lead is on the list.
    feature_days : float, optional
        Events are counted in the first this-many days after signup; default ``trial_days``.
    every_days : float
        Days between past snapshots of the list.
    validation_share : float
        The share of entities (latest signups) kept for validation, in (0, 1).
    min_payers, min_validation_payers : int
        Fewest paying rows in the fitting rows and in the validation rows; fewer: no model. 25
        keep about 10 payers per degree of freedom that matters (steps, activity, recency;
        Peduzzi et al. 1996); 10 is the least that gives a top decile any payer to count.
    min_cohorts : int
        Fewest signup weeks whose leads have a known outcome; fewer: no model.
    calibration : {"sigmoid", "isotonic"}
        How the probabilities are calibrated (sigmoid: Platt, safer with few payers).
    logistic_c : float
        Inverse L2 regularisation strength of the logistic regression.
    prefer_readable_by : float
        The gradient-boosted model is chosen only when its validation average precision beats the
        logistic regression's by more than this.
    random_state : int
        Seed of the boosted model, of the permutation importance and of the samples below.
    importance_repeats, importance_rows : int
        Shuffles per feature for the permutation importance, and the most validation rows it uses
        (a seeded sample; None: all; docs/metrics.md#conversion-score says why 20,000).
    price_by : str, optional
        A segment column: the assumed price is the mean first-payment ``mrr`` of payers with the
        same value (5 payers at least, else the overall mean). None: the overall mean.
    extra_features : callable, optional
        More features (:data:`ExtraFeatures`), checked for leaks like the built-in ones.
    check_leakage, leakage_rows : bool, int
        Run :func:`check_no_leakage` at the validation split and at the latest snapshot, on at
        most ``leakage_rows`` entities per moment (a seeded sample; None: all).
    threads : int or None
        OpenMP/BLAS threads for the models (None: the libraries' default). One by default: on a
        busy machine more threads only wait on each other (a 700-row boosted fit took 6.6 s with
        two threads and 0.7 s with one on the 2-core CI box). The final fit runs in a second
        Python thread, under the same limit, while the permutation importance is computed.

    Returns
    -------
    PayScore
        The scores of today's list, the validation tables, the reason when there is no model.

    Raises
    ------
    LeakageError
        A feature reads data from after its cut-off.

    Examples
    --------
    >>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")   # doctest: +SKIP
    >>> score = pk.pay_score(entities, context=ctx)                              # doctest: +SKIP
    >>> score.validation()["roc_auc"], score.top_decile_extra_payers            # doctest: +SKIP
    """
    arguments = {name: value for name, value in locals().items() if name not in ("entities", "context")}
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime first, so the limit reaches it)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        return _pay_score(entities, context=context, **arguments)


def _pay_score(entities: pd.DataFrame, *, context: Context, within_days: float, feature_days: float | None,
               every_days: float, validation_share: float, min_payers: int, min_validation_payers: int,
               min_cohorts: int, calibration: str, logistic_c: float, prefer_readable_by: float, random_state: int,
               importance_repeats: int, importance_rows: int | None, price_by: str | None,
               extra_features: ExtraFeatures | None, check_leakage: bool, leakage_rows: int | None,
               threads: int | None) -> PayScore:
    """:func:`pay_score` under its thread limit: the checks that leave no model, then the fit."""
    if calibration not in ("sigmoid", "isotonic"):
        raise ValueError(f"The value for `calibration` must be one of ['sigmoid', 'isotonic'], but {calibration!r} was passed.")
    if not 0 < validation_share < 1:
        raise ValueError(f"`validation_share` must be in (0, 1), but {validation_share!r} was passed.")
    feature_days = float(context_value("feature_days", feature_days, context, caller="pay_score", attribute="trial_days"))
    base = {"within_days": float(within_days), "feature_days": feature_days, "every_days": float(every_days)}
    listed = prioritise_pqls(entities, context=context, segments=[])
    if not context.has_conversions:
        return _no_model("There is no payments table, so nothing says who paid and no score can be fitted.",
                         base, listed)
    rows = snapshot_rows(entities, context=context, within_days=within_days, every_days=every_days)
    if rows.empty:
        return _no_model(f"No lead was on the PQL list {within_days:g} days or more before {context.as_of:%Y-%m-%d}, "
                         "so no outcome is known yet.", base, listed)
    weeks = signup_weeks(rows["signup_at"])
    if weeks < min_cohorts:
        return _no_model(f"Only {weeks} signup week(s) have leads whose {within_days:g}-day outcome is known "
                         f"(at least {min_cohorts} are needed), so the score could not be checked on later cohorts.",
                         base, listed)
    signups = rows.drop_duplicates("entity_id")["signup_at"].sort_values()
    split_at = signups.iloc[int(len(signups) * (1 - validation_share))]
    validation = rows[rows["signup_at"] >= split_at]
    training = rows[(rows["signup_at"] < split_at) &
                    (rows["cutoff_at"] + pd.Timedelta(days=within_days) <= split_at)]
    counts = pd.DataFrame([part_counts("training", training), part_counts("validation", validation), part_counts("final fit", rows)])
    base["split_at"] = split_at
    reason = _too_few_payers(training, validation, within_days=within_days, min_payers=min_payers,
                             min_validation_payers=min_validation_payers)
    if reason is not None:
        return _no_model(reason, base, listed, counts)

    names = context.dataset.event_names()
    if check_leakage:
        for moment in sorted({split_at, rows["cutoff_at"].max()}):
            check_no_leakage(entities, context=context, at=moment, feature_days=feature_days,
                             extra_features=extra_features,
                             cutoffs=at_most(rows[rows["cutoff_at"] <= moment].drop_duplicates("entity_id"),
                                             leakage_rows, random_state=random_state))
    features = feature_table(rows, entities=entities, context=context, feature_days=feature_days, event_names=names,
                             extra_features=extra_features)
    fit = functools.partial(fit_calibrated, calibration=calibration, random_state=random_state, logistic_c=logistic_c)
    segments = [s for s in context.segments if s in entities.columns]
    X_train, levels = design(features.loc[training.index.to_numpy()], segments=segments)
    X_valid, _ = design(features.loc[validation.index.to_numpy()], segments=segments, levels=levels)
    y_valid = validation["paid"].to_numpy()
    today_priority, snapshot, today_score = _today_order(validation)
    models, model, p_valid = _compare_models(fit, X_train, training["paid"].to_numpy(), training["cutoff_at"],
                                             X_valid, y_valid, today_score=today_score,
                                             prefer_readable_by=prefer_readable_by)
    chosen = models.loc[models["chosen"], "model"].iloc[0]

    # Lift: deciles of each snapshot's list (1 = the first tenth called), by the score and in
    # today's order; payers are people, each counted once per decile over the validation snapshots.
    lift = lift_table(y_valid, within_snapshot_deciles(p_valid, today_priority, snapshot),
                      within_snapshot_deciles(-today_priority.astype(float), today_priority, snapshot),
                      entity=validation["entity_id"].to_numpy())
    top = lift[lift["decile"] == 1].set_index("ordering")["payers"]

    # The final model: the chosen kind on every labelled row, scoring today's list at as_of. It is
    # fitted in a second thread while this one computes the importance and today's features: the
    # two share no data, so the numbers are those of one after the other.
    X_all, levels_all = design(features, segments=segments)
    with BackgroundThread(threads=threads) as background:
        final_fit = background.submit(fit, chosen, X_all, rows["paid"].to_numpy(), rows["cutoff_at"])
        shuffled = at_most(pd.RangeIndex(len(X_valid)).to_series(), importance_rows, random_state=random_state)
        X_shuffled, y_shuffled = X_valid.iloc[shuffled.to_numpy()], y_valid[shuffled.to_numpy()]
        importance = importance_table(importance_model(model, X_shuffled), X_shuffled, y_shuffled,
                                      repeats=importance_repeats, random_state=random_state)
        now = pd.DataFrame({"entity_id": listed["entity_id"], "cutoff_at": context.as_of})
        now_features = feature_table(now, entities=entities, context=context, feature_days=feature_days,
                                     event_names=names, extra_features=extra_features)
        final = final_fit.result()
    X_now, _ = design(now_features, segments=segments, levels=levels_all)
    return PayScore(
        scores=_scores(final, X_now, listed, entities=entities, context=context, price_by=price_by),
        reason=None, model_name=chosen, rows=counts, models=models,
        calibration=calibration_table(y_valid, p_valid), lift=lift, importance=importance,
        top_decile_extra_payers=int(top["score"] - top["today"]),
        validation_rows=validation[["entity_id", "cutoff_at", "signup_at", "paid"]].assign(
            today_priority=today_priority.astype("int64"), pay_probability=p_valid).reset_index(drop=True),
        feature_names=tuple(X_all.columns), model=final,
        **base,
    )


def at_most(rows: pd.DataFrame | pd.Series, limit: int | None, *, random_state: int) -> pd.DataFrame | pd.Series:
    """``rows`` when there are at most ``limit`` of them (or no limit), else ``limit`` rows drawn without
    replacement with ``random_state``, kept in their order (a seeded sample, the same on every run)."""
    if limit is None or len(rows) <= limit:
        return rows
    chosen = np.random.default_rng(random_state).choice(len(rows), size=limit, replace=False)
    return rows.iloc[np.sort(chosen)]


def _too_few_payers(training: pd.DataFrame, validation: pd.DataFrame, *, within_days: float, min_payers: int,
                    min_validation_payers: int) -> str | None:
    """Why the fitting or the validation rows cannot carry a model (one class, too few payers); None when they can."""
    for part, frame, least in (("fitting", training, min_payers), ("validation", validation, min_validation_payers)):
        payers = int(frame["paid"].sum())
        if payers in (0, len(frame)):
            kind = "paid" if payers else "did not pay"
            return (f"Every one of the {len(frame)} {part} leads {kind} within {within_days:g} days, so "
                    "there is only one class to learn from.")
        if payers < least:
            return (f"Only {payers} {part} leads paid within {within_days:g} days (at least {least} are "
                    "needed), too few payers for a score to be trusted.")
    return None


def _today_order(validation: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's order on the validation rows: the priority, the snapshot, and the order as a score.

    The score is the share of its snapshot's list a lead is ahead of; the validation cohorts' leads
    keep their order among themselves on each snapshot's list.
    """
    snapshot = validation["cutoff_at"].to_numpy()
    today_priority = validation.groupby("cutoff_at")["today_priority"].rank(method="first").to_numpy()
    list_size = pd.Series(snapshot).map(pd.Series(snapshot).value_counts()).to_numpy()
    today_score = 1.0 - (today_priority - 1) / list_size
    return today_priority, snapshot, today_score


def _compare_models(fit: Callable, X_train: pd.DataFrame, y_train: np.ndarray, train_cutoffs: pd.Series,
                    X_valid: pd.DataFrame, y_valid: np.ndarray, *, today_score: np.ndarray,
                    prefer_readable_by: float) -> tuple[pd.DataFrame, Any, np.ndarray]:
    """Both kinds fitted on the training rows and scored on validation, beside today's order; the choice.

    Returns
    -------
    (models, model, p_valid)
        The table of :attr:`PayScore.models`, the chosen model and its validation probabilities.
    """
    fitted, table = {}, []
    for kind in MODELS:
        model = fit(kind, X_train, y_train, train_cutoffs)
        p = model.predict_proba(X_valid)[:, 1]
        fitted[kind] = (model, p)
        table.append({"model": kind, **scores_table(y_valid, p)})
    table.append({"model": "today's order", **scores_table(y_valid, today_score), "brier": math.nan})
    models = pd.DataFrame(table)
    ap = models.set_index("model")["average_precision"]
    chosen = "gradient_boosting" if ap["gradient_boosting"] > ap["logistic_regression"] + prefer_readable_by \
        else "logistic_regression"
    models["chosen"] = models["model"] == chosen
    model, p_valid = fitted[chosen]
    return models, model, p_valid


def _scores(final: Any, X_now: pd.DataFrame, listed: pd.DataFrame, *, entities: pd.DataFrame, context: Context,
            price_by: str | None) -> pd.DataFrame:
    """The scores of today's list (:attr:`PayScore.scores`) by the final model."""
    probability = final.predict_proba(X_now)[:, 1] if len(X_now) else np.array([], dtype=float)
    price, _ = _prices(entities, context=context, price_by=price_by)
    assumed = listed["entity_id"].map(price).to_numpy(dtype=float)
    return pd.DataFrame({"entity_id": listed["entity_id"].to_numpy(), "priority": listed["priority"].to_numpy(),
                         "pay_probability": probability, "assumed_mrr": assumed,
                         "expected_mrr": probability * assumed})


def order_pql_list(table: pd.DataFrame, score: PayScore, *, by: str | None = "pay_probability",
                   min_auc_gain: float = 0.0) -> pd.DataFrame:
    """Today's PQL list with the score's columns, in the score's order when the score is trusted.

    The score orders the list when it is trusted: a model was fitted (:func:`pay_score` fits none
    with too few payers or cohorts, and says why in :attr:`PayScore.reason`) and, on the later
    signup cohorts held out from fitting, its ROC AUC beats the rule's order by more than
    ``min_auc_gain``. Otherwise the rule's order is kept. Either way ``order_reason`` says which
    order it is and why (docs/metrics.md#one-lead-list).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`pqlkit.analyses.leads.prioritise_pqls` output (the rule's order in ``priority``).
    score : PayScore
        :func:`pay_score` of the same entities and context.
    by : {"pay_probability", "expected_mrr"} or None
        The score's order (highest first; ties keep the rule's order); None keeps the rule's.
    min_auc_gain : float
        How much the score's validation ROC AUC must beat the rule's order's for the score to order
        the list. Default 0: a score that ranks later cohorts' payers no better than the rule does
        not reorder the list.

    Returns
    -------
    pandas.DataFrame
        ``table``'s columns plus ``pay_probability`` and ``expected_mrr`` (NaN without a model),
        ``order_reason`` last, ``priority`` renumbered 1.. in the order used.
    """
    if by not in (None, "pay_probability", "expected_mrr"):
        raise ValueError(f"The value for `by` must be one of ['pay_probability', 'expected_mrr', None], but {by!r} was passed.")
    numbers = score.validation()
    if not score.has_model:
        by, reason = None, f"{RULE_ORDER} (no score: {score.reason.rstrip('.')})"
    elif numbers["roc_auc"] - numbers["today_roc_auc"] <= min_auc_gain:
        by, reason = None, (f"{RULE_ORDER} (the score did not beat it on later cohorts: ROC AUC "
                            f"{numbers['roc_auc']:.2f} against {numbers['today_roc_auc']:.2f})")
    elif by is None:
        reason = RULE_ORDER
    else:
        what = {"pay_probability": f"the chance of paying within {score.within_days:g} days",
                "expected_mrr": f"expected MRR (the chance of paying within {score.within_days:g} days times the price)"}
        reason = (f"score: {what[by]}, highest first (calibrated; ROC AUC {numbers['roc_auc']:.2f} on later cohorts, "
                  f"against {numbers['today_roc_auc']:.2f} for the rule)")
    return order_by_score(table, scores=score.scores, by=by, reason=reason)
