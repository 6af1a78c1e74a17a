"""Is a change between two reports beyond noise: a rate, a count, and several judged together."""

from __future__ import annotations

import math

import pytest

from pqlkit.stats.changes import adjust_for_several, change_beyond_noise, count_change_beyond_noise


def test_count_change_by_hand():
    """1 then 9, equal windows: given n = 10, "now" is Binomial(10, 1/2) when nothing changed.
    P(X >= 9) = (C(10,9) + C(10,10)) / 2^10 = 11/1024; two-sided, 22/1024 = 0.021484375 < 0.05."""
    check = count_change_beyond_noise(1, 9)
    assert check.p_value == pytest.approx(22 / 1024, rel=1e-12)
    assert check.beyond_noise and check.difference == 8
    assert math.isnan(check.ci_low) and math.isnan(check.ci_high)


def test_count_change_with_unequal_exposure_by_hand():
    """2 in one week then 6 in three weeks: the same weekly rate. Given n = 8, "now" is Binomial(8, 3/4),
    and 6 is its most likely value, so the exact two-sided p-value is 1 (sum of every outcome no likelier)."""
    assert count_change_beyond_noise(2, 6, before_exposure=1, after_exposure=3).p_value == pytest.approx(1.0)


def test_rate_change_by_hand():
    """40 of 200 then 60 of 200: pooled p = 100/400 = 0.25, se = sqrt(0.25 · 0.75 · (1/200 + 1/200)) =
    0.0433, z = 0.10 / 0.0433 = 2.309, two-sided p = 2 · (1 − Φ(2.309)) = 0.0209."""
    check = change_beyond_noise(40, 200, 60, 200)
    assert (check.before, check.after) == (0.2, 0.3)
    assert check.p_value == pytest.approx(0.0209, abs=1e-4) and check.beyond_noise
    assert check.ci_low < check.difference < check.ci_high


def test_holm_by_hand():
    """Holm on 0.01, 0.04, 0.03 (and one untested): sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04;
    running maximum 0.03, 0.06, 0.06. At 0.05 only the first is beyond noise; NaN stays NaN, not beyond."""
    result = adjust_for_several([0.01, 0.04, 0.03, math.nan])
    assert [p for p, _ in result[:3]] == pytest.approx([0.03, 0.06, 0.06])
    assert [beyond for _, beyond in result] == [True, False, False, False]
    assert math.isnan(result[3][0])


def test_nothing_to_adjust():
    assert adjust_for_several([]) == []
    assert adjust_for_several([math.nan])[0][1] is False


@pytest.mark.parametrize(("call", "match"), [
    pytest.param(lambda: count_change_beyond_noise(-1, 3), r"counts must be >= 0", id="negative-count"),
    pytest.param(lambda: count_change_beyond_noise(1, 3, after_exposure=0), r"exposures must be > 0", id="exposure"),
    pytest.param(lambda: change_beyond_noise(5, 3, 1, 3), r"0 <= hits <= total, but 5 of 3", id="hits-over-total"),
    pytest.param(lambda: adjust_for_several([0.1], alpha=1.5), r"`alpha` must be between 0 and 1", id="alpha"),
])
def test_wrong_arguments_say_what_was_passed(call, match):
    with pytest.raises(ValueError, match=match):
        call()
