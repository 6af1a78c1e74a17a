"""Permutation importance of the chosen model, with a faster copy of a boosted model that gives the same numbers.

scikit-learn is imported only when it is used.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pandas as pd

__all__: list[str] = []


@functools.cache
def _tree_cache_class() -> type:
    """The boosted model that re-runs only the trees a changed column reaches (sklearn loads on first use)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    class TreeCachedBoosting(HistGradientBoostingClassifier):
        """A fitted binary boosted model that remembers each tree's output on one table.

        On a table that differs from the remembered one in a few columns (a permutation importance
        shuffles one column at a time), only the trees that split on a changed column are run
        again; the others' outputs are reused, and the outputs are summed tree by tree in the same
        order as sklearn does, so the decision values are the same numbers.
        """

        def remember(self, X) -> None:
            self._remembered = None
            table = self._preprocess_X(X, reset=False)
            trees = [tree for iteration in self._predictors for tree in iteration]
            outputs = np.zeros((len(trees), len(table)))
            for position, tree in enumerate(trees):
                out = np.zeros((len(table), 1))
                super()._predict_iterations(table, [[tree]], out, False, _openmp_effective_n_threads())
                outputs[position] = out[:, 0]
            splits = np.zeros((len(trees), table.shape[1]), dtype=bool)
            for position, tree in enumerate(trees):
                splits[position, tree.nodes["feature_idx"][~tree.nodes["is_leaf"].astype(bool)]] = True
            self._remembered = (table, outputs, splits)

        def _predict_iterations(self, X, predictors, raw_predictions, is_binned, n_threads):
            remembered = getattr(self, "_remembered", None)
            if is_binned or remembered is None or predictors is not self._predictors or X.shape != remembered[0].shape:
                return super()._predict_iterations(X, predictors, raw_predictions, is_binned, n_threads)
            table, outputs, splits = remembered
            changed = ~((X == table) | (np.isnan(X) & np.isnan(table))).all(axis=0)
            rerun = splits[:, changed].any(axis=1)
            trees = [tree for iteration in predictors for tree in iteration]
            for position, tree in enumerate(trees):
                if rerun[position]:
                    out = np.zeros((len(X), 1))
                    super()._predict_iterations(X, [[tree]], out, False, n_threads)
                    raw_predictions[:, 0] += out[:, 0]
                else:
                    raw_predictions[:, 0] += outputs[position]

    return TreeCachedBoosting


def importance_model(model, X: pd.DataFrame):
    """``model`` to permute ``X``'s columns with: the same probabilities, computed faster when it can be.

    For the calibrated gradient-boosted model, a copy whose boosted model re-runs only the trees
    that split on the shuffled column (each tree splits on few of the features, so most of the
    prediction work of a permutation importance is repeated work). The copy is used only when
    its probabilities on ``X`` equal ``model``'s exactly; otherwise, and for the logistic
    regression, ``model`` itself.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator

    if len(getattr(model, "calibrated_classifiers_", ())) != 1:
        return model
    inner = model.calibrated_classifiers_[0]
    boosted = getattr(inner.estimator, "estimator", None)
    if type(boosted) is not HistGradientBoostingClassifier or boosted.n_trees_per_iteration_ != 1:
        return model
    cached = _tree_cache_class().__new__(_tree_cache_class())
    cached.__dict__.update(boosted.__dict__)
    fast_inner = copy.copy(inner)
    fast_inner.estimator = FrozenEstimator(cached)
    fast = copy.copy(model)
    fast.calibrated_classifiers_ = [fast_inner]
    try:  # the copy reads sklearn's private tree structures: another sklearn may lay them out otherwise
        cached.remember(X)
        same = np.array_equal(fast.predict_proba(X), model.predict_proba(X))
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        same = False
    return fast if same else model


def importance_table(model, X: pd.DataFrame, y: np.ndarray, *, repeats: int, random_state: int) -> pd.DataFrame:
    """Permutation importance on ``X`` (drop in ROC AUC), most important first (:attr:`pqlkit.scoring.PayScore.importance`).

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``importance_mean``, ``importance_std``.
    """
    from sklearn.inspection import permutation_importance

    result = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=repeats, random_state=random_state)
    importance = pd.DataFrame({"feature": X.columns, "importance_mean": result.importances_mean,
                               "importance_std": result.importances_std})
    return importance.sort_values(["importance_mean", "feature"], ascending=[False, True]).reset_index(drop=True)
