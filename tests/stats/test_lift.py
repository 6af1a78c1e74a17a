"""The lift tests: the Mantel–Haenszel pooled lift and the CMH test checked against statsmodels' StratifiedTable."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from pqlkit.stats.lift import benjamini_hochberg, lift_tests, mantel_haenszel_lift


def test_pooled_lift_hand_worked():
    """Two strata. Stratum 1: 10 of 20 doers and 5 of 20 others reach it; stratum 2: 4 of 10 and 2 of 10.

    Pooled ratio = (10·20/40 + 4·10/20) / (5·20/40 + 2·10/20) = (5 + 2) / (2.5 + 1) = 2.0 (each stratum's
    own ratio is 2, so the pooled one is 2 as well).
    """
    result = mantel_haenszel_lift([[10, 4]], [[20, 10]], [[5, 2]], [[20, 10]])
    assert result["lift"][0] == pytest.approx(2.0)
    assert result["ci_low"][0] < 2.0 < result["ci_high"][0]


def test_matches_statsmodels_stratified_table():
    """Random tables (seed 3): the pooled ratio equals StratifiedTable.riskratio_pooled and the CMH
    statistic and p-value equal test_null_odds(correction=False), row by row (an independent implementation)."""
    rng = np.random.default_rng(3)
    n1, n0 = rng.integers(5, 60, size=(6, 4)), rng.integers(5, 60, size=(6, 4))
    a, c = rng.binomial(n1, 0.4), rng.binomial(n0, 0.2)
    result = mantel_haenszel_lift(a, n1, c, n0)
    for i in range(6):
        table = StratifiedTable([np.array([[a[i, s], n1[i, s] - a[i, s]], [c[i, s], n0[i, s] - c[i, s]]]) for s in range(4)])
        test = table.test_null_odds(correction=False)
        assert result["lift"][i] == pytest.approx(table.riskratio_pooled)
        assert result["statistic"][i] == pytest.approx(test.statistic)
        assert result["p_value"][i] == pytest.approx(test.pvalue)


def test_raw_lift_and_katz_interval():
    """30 of 100 doers and 10 of 100 others: lift 0.3 / 0.1 = 3; Katz's interval is
    exp(log 3 ± 1.96·sqrt(1/30 − 1/100 + 1/10 − 1/100)) = exp(1.0986 ± 1.96·0.3606) = 1.48 to 6.08."""
    result = lift_tests([100], [30], 200, 40)
    assert result["lift"][0] == pytest.approx(3.0)
    assert result["ci_low"][0] == pytest.approx(np.exp(np.log(3) - 1.959964 * np.sqrt(1 / 30 - 1 / 100 + 1 / 10 - 1 / 100)), rel=1e-4)
    assert result["ci_high"][0] == pytest.approx(np.exp(np.log(3) + 1.959964 * np.sqrt(1 / 30 - 1 / 100 + 1 / 10 - 1 / 100)), rel=1e-4)


def test_benjamini_hochberg_hand_worked():
    """p = 0.01, 0.04, 0.03 and one untested (NaN): sorted 0.01, 0.03, 0.04 with m = 3 give
    0.01·3/1 = 0.03, 0.03·3/2 = 0.045, 0.04·3/3 = 0.04, then the running minimum from the top:
    0.03, 0.04, 0.04; the untested row stays NaN."""
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, np.nan])
    assert adjusted[:3] == pytest.approx([0.03, 0.04, 0.04])
    assert np.isnan(adjusted[3])
