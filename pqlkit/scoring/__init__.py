"""The conversion score: which PQLs will pay, with the chance stated and checked on later cohorts.

:func:`pay_score` answers "which of the leads on today's PQL list will pay within ``within_days``
days?" It is fitted on the lists of the past, whose outcome is already known at ``as_of``:

- **Snapshots.** Every ``every_days`` days back from ``as_of - within_days``, the PQL list is
  rebuilt as it stood at that moment ``T`` (the entities :func:`pqlkit.analyses.leads.prioritise_pqls`
  would have listed as of ``T``: PQL by ``T``, not paying, seen within ``active_days``), and each
  lead on it is one row. Its outcome is 1 when the entity paid in ``(T, T + within_days]``.
- **Features known at T, and only those.** Each row carries its cut-off ``cutoff_at = T``
  explicitly, and :func:`feature_table` reads nothing later than it: which steps were done by
  ``T`` and on which day after signup, the count of every event name (spec step or not) in the
  first ``feature_days`` days after signup up to ``T``, days since last seen, age, account size and,
  at user level, whether the user founded the account, plus the segment columns (one-hot).
  :func:`check_no_leakage` rebuilds the features from the data cut at ``T`` and fails on any
  column that changes; :func:`pay_score` runs it before fitting.
- **Out-of-time choice.** Entities are split by signup: the latest ``validation_share`` of them
  (later signup cohorts) are validation only; the model is fitted on rows of earlier cohorts whose
  outcome was known before the first validation signup. A regularised logistic regression on
  standardised features (the readable baseline) and a histogram gradient-boosted model are each
  calibrated (Platt's sigmoid by default) on the time-latest quarter of their training rows, and
  compared on validation. The boosted model is chosen only when its average precision beats the
  baseline's by more than ``prefer_readable_by``.
- **The list sales gets.** The chosen kind is refitted on every labelled row and scores today's
  list: ``pay_probability``, and ``expected_mrr`` = probability x the price the entity would
  likely pay (the mean first-payment ``mrr`` of payers, per ``price_by`` segment where given).

With too few payers, too few mature signup cohorts, or one class only, there is no model:
:attr:`PayScore.reason` says why in one sentence, the scores are NaN (never a made-up 0.5) and
:func:`order_pql_list` keeps today's order. Method and choices: docs/metrics.md#metrics.

The modules: :mod:`~pqlkit.scoring.snapshots` (the past lists), :mod:`~pqlkit.scoring.features`
(features known at a cut-off), :mod:`~pqlkit.scoring.leakage` (the leak check),
:mod:`~pqlkit.scoring.models` (fit and calibration), :mod:`~pqlkit.scoring.validation` (the
validation numbers), :mod:`~pqlkit.scoring.importance` (permutation importance) and
:mod:`~pqlkit.scoring.score` (:func:`pay_score`, :class:`PayScore`, :func:`order_pql_list`),
:mod:`~pqlkit.scoring.leads` (:func:`lead_list`, the one prioritised list of current PQLs).
"""

from pqlkit.scoring.features import ExtraFeatures, feature_table
from pqlkit.scoring.leakage import LeakageError, check_no_leakage
from pqlkit.scoring.models import MODELS
from pqlkit.scoring.leads import lead_list
from pqlkit.scoring.score import PayScore, order_pql_list, pay_score
from pqlkit.scoring.snapshots import snapshot_rows

__all__ = [
    "LeakageError",
    "PayScore",
    "MODELS",
    "ExtraFeatures",
    "snapshot_rows",
    "feature_table",
    "check_no_leakage",
    "pay_score",
    "order_pql_list",
    "lead_list",
]
