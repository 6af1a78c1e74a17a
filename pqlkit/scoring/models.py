"""The two models compared, their input matrix, and their fit with a calibration on the latest rows.

scikit-learn is imported only when a model is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from pqlkit.scoring.features import KEYS

__all__ = ["MODELS"]


#: The two model kinds compared, by the name :attr:`pqlkit.scoring.PayScore.model_name` reports.
MODELS = ("logistic_regression", "gradient_boosting")


def design(features: pd.DataFrame, *, segments: list[str], levels: Mapping[str, list[str]] | None = None,
            max_levels: int = 20) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The numeric matrix: segment columns one-hot (the ``max_levels`` commonest values of the
    fitting rows; others and unseen values are all zeros), everything else as numbers."""
    segments = [s for s in segments if s in features.columns]
    if levels is None:
        levels = {s: [str(v) for v in features[s].dropna().astype(str).value_counts().index[:max_levels]]
                  for s in segments}
    numeric = features.drop(columns=[*KEYS, *segments]).astype("float64")
    parts = [numeric]
    for segment in segments:
        values = features[segment].astype("object").where(features[segment].notna(), None)
        parts.append(pd.DataFrame({f"{segment}={level}": (values == level).astype("float64") for level in levels[segment]},
                                  index=features.index))
    return pd.concat(parts, axis=1), dict(levels)


def _signed_log(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


def _estimator(kind: str, *, random_state: int, logistic_c: float):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if kind == "logistic_regression":
        # Days and counts enter on a signed log scale (sign(x) log(1 + |x|)): a lead ten times older
        # than any fitted is not ten times further out on the logit, so no probability of 1e-18.
        return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                             FunctionTransformer(_signed_log, feature_names_out="one-to-one"), StandardScaler(),
                             LogisticRegression(C=logistic_c, max_iter=5000))
    return HistGradientBoostingClassifier(learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=40,
                                          l2_regularization=1.0, early_stopping=False, random_state=random_state)


class BackgroundThread:
    """One worker thread whose tasks run under the same OpenMP/BLAS limit as the caller's.

    OpenMP's thread count is set per thread, so a new thread would otherwise use every core and a
    boosted model fitted there could add its sums in another order than one fitted here.
    """

    def __init__(self, *, threads: int | None):
        self._threads = threads
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pqlkit-score")

    def _limited(self, function, *args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self._threads):
            return function(*args, **kwargs)

    def submit(self, function, *args, **kwargs):
        """Start ``function(*args, **kwargs)``; returns its :class:`concurrent.futures.Future`."""
        return self._pool.submit(self._limited, function, *args, **kwargs)

    def __enter__(self) -> BackgroundThread:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def fit_calibrated(kind: str, X: pd.DataFrame, y: np.ndarray, cutoff_at: pd.Series, *, calibration: str,
                    random_state: int, logistic_c: float):
    """Fit on the earlier snapshots, calibrate on the time-latest quarter of the rows."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    order = np.argsort(cutoff_at.to_numpy(), kind="stable")
    boundary = cutoff_at.to_numpy()[order[int(len(order) * 0.75)]]
    late = (cutoff_at.to_numpy() >= boundary)
    if late.all() or not late.any() or len(set(y[late])) < 2 or len(set(y[~late])) < 2:
        late = np.zeros(len(y), bool)
        late[order[int(len(order) * 0.75):]] = True
    model = _estimator(kind, random_state=random_state, logistic_c=logistic_c).fit(X[~late], y[~late])
    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method=calibration, ensemble=False).fit(X[late], y[late])
    return calibrated
