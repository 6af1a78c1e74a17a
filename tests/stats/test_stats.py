"""Tests for pqlkit.stats: Kaplan–Meier against R and lifelines, proportion tests against hand-worked numbers.

Where the expected numbers come from:

- The Freireich et al. (1963) 6-MP / placebo remission times (weeks), as in Gehan (1965),
  Kalbfleisch & Prentice (1980, table 1.1) and R's ``MASS::gehan``, typed by hand below. The
  expected Kaplan–Meier table and log(-log) interval are R's, pasted from this session
  (R 4.2.2, survival 3.5.3, MASS)::

      > fit <- survfit(Surv(time, cens) ~ treat, data = gehan, conf.type = "log-log")
      > fit
                     n events median 0.95LCL 0.95UCL
      treat=6-MP    21      9     23      13      NA
      treat=control 21     21      8       4      11
      > s <- summary(fit)   # columns strata, time, n.risk, n.event, surv, lower, upper
      treat=6-MP    6  21 3 0.857143 0.619718 0.951552
      treat=6-MP    7  17 1 0.806723 0.563147 0.922809
      treat=6-MP   10  15 1 0.752941 0.503200 0.889362
      treat=6-MP   13  12 1 0.690196 0.431610 0.849066
      treat=6-MP   16  11 1 0.627451 0.367511 0.804912
      treat=6-MP   22   7 1 0.537815 0.267779 0.746791
      treat=6-MP   23   6 1 0.448179 0.188052 0.680143
      treat=control 1 21 2 0.904762 0.670046 0.975294
      treat=control 2 19 2 0.809524 0.568905 0.923889
      treat=control 3 17 1 0.761905 0.519391 0.893257
      treat=control 4 16 2 0.666667 0.425350 0.825044
      treat=control 5 14 2 0.571429 0.337977 0.749241
      treat=control 8 12 4 0.380952 0.183067 0.577789
      treat=control 11 8 2 0.285714 0.116561 0.481820
      treat=control 12 6 2 0.190476 0.059482 0.377435
      treat=control 15 4 1 0.142857 0.035657 0.321162
      treat=control 17 3 1 0.095238 0.016259 0.261250
      treat=control 22 2 1 0.047619 0.003324 0.197045
      treat=control 23 1 1 0.000000       NA       NA

  The published medians: 23 weeks for 6-MP, 8 weeks for placebo.
- lifelines' ``KaplanMeierFitter`` on random cases (hypothesis, under the "ci" profile of
  tests/conftest.py: the same examples every run), and an exact Kaplan–Meier in
  fractions written here for the time a curve reaches a level (lifelines compares floats exactly,
  so it can miss a curve that lands on 0.5: see ``test_km_median_exactly_half_where_lifelines_misses``).
- Proportion tests: numbers worked by hand in each docstring, checked against closed forms
  (Wilson, pooled z with ``math.erfc``, chi-square with 2 degrees of freedom, binomial sums with
  ``math.comb``), never against the code under test.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pqlkit.stats import (
    change_beyond_noise,
    compare_groups,
    count_change_beyond_noise,
    km_median,
    km_share_by,
    km_table,
    km_time_to_share,
)

# Freireich et al. (1963), remission times in weeks; "+" (False) = censored. MASS::gehan, cens column.
SIX_MP = [(6, True), (6, True), (6, True), (6, False), (7, True), (9, False), (10, True), (10, False), (11, False),
          (13, True), (16, True), (17, False), (19, False), (20, False), (22, True), (23, True), (25, False),
          (32, False), (32, False), (34, False), (35, False)]
PLACEBO = [(t, True) for t in (1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23)]

# R's summary(fit) rows at the event times: time, n.risk, n.event, surv, lower, upper (log-log).
R_SIX_MP = [
    (6, 21, 3, 0.857143, 0.619718, 0.951552),
    (7, 17, 1, 0.806723, 0.563147, 0.922809),
    (10, 15, 1, 0.752941, 0.503200, 0.889362),
    (13, 12, 1, 0.690196, 0.431610, 0.849066),
    (16, 11, 1, 0.627451, 0.367511, 0.804912),
    (22, 7, 1, 0.537815, 0.267779, 0.746791),
    (23, 6, 1, 0.448179, 0.188052, 0.680143),
]
R_PLACEBO = [
    (1, 21, 2, 0.904762, 0.670046, 0.975294),
    (2, 19, 2, 0.809524, 0.568905, 0.923889),
    (3, 17, 1, 0.761905, 0.519391, 0.893257),
    (4, 16, 2, 0.666667, 0.425350, 0.825044),
    (5, 14, 2, 0.571429, 0.337977, 0.749241),
    (8, 12, 4, 0.380952, 0.183067, 0.577789),
    (11, 8, 2, 0.285714, 0.116561, 0.481820),
    (12, 6, 2, 0.190476, 0.059482, 0.377435),
    (15, 4, 1, 0.142857, 0.035657, 0.321162),
    (17, 3, 1, 0.095238, 0.016259, 0.261250),
    (22, 2, 1, 0.047619, 0.003324, 0.197045),
    (23, 1, 1, 0.000000, 0.0, 0.0),  # R gives NA for the interval at S = 0; lifelines gives 0 to 0
]


def _split(cases):
    return [t for t, _ in cases], [o for _, o in cases]


def _lifelines(durations, observed):
    from lifelines import KaplanMeierFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KaplanMeierFitter().fit(durations, event_observed=observed)


def _exact_survival(durations, observed) -> list[tuple[float, Fraction]]:
    """The product-limit estimate in exact fractions at each distinct event time (independent of pqlkit)."""
    steps, survival = [], Fraction(1)
    for time in sorted({t for t, o in zip(durations, observed) if o}):
        at_risk = sum(1 for t in durations if t >= time)
        events = sum(1 for t, o in zip(durations, observed) if o and t == time)
        survival *= Fraction(at_risk - events, at_risk)
        steps.append((float(time), survival))
    return steps


def _exact_time_to_level(durations, observed, level: Fraction) -> float | None:
    return next((time for time, survival in _exact_survival(durations, observed) if survival <= level), None)


# --- Kaplan–Meier: published tables --------------------------------------------------------------


@pytest.mark.parametrize("cases, expected", [(SIX_MP, R_SIX_MP), (PLACEBO, R_PLACEBO)], ids=["6-MP", "placebo"])
def test_km_table_equals_r_on_freireich(cases, expected):
    """The event-time rows equal R's survfit(conf.type = "log-log") on MASS::gehan (module docstring)."""
    table = km_table(*_split(cases))
    events = table[table["events"] > 0]
    assert events["time"].tolist() == [row[0] for row in expected]
    assert events["at_risk"].tolist() == [row[1] for row in expected]
    assert events["events"].tolist() == [row[2] for row in expected]
    for column, position in (("survival", 3), ("ci_low", 4), ("ci_high", 5)):
        assert events[column].to_numpy() == pytest.approx([row[position] for row in expected], abs=5e-7)


@pytest.mark.parametrize("cases", [SIX_MP, PLACEBO], ids=["6-MP", "placebo"])
def test_km_table_equals_lifelines_on_freireich(cases):
    """Every row (censoring times too) equals lifelines' survival_function_ and confidence_interval_."""
    durations, observed = _split(cases)
    fitter = _lifelines(durations, observed)
    table = km_table(durations, observed)
    timeline = fitter.survival_function_.index.to_numpy()
    assert timeline[0] == 0 and table["time"].tolist() == timeline[1:].tolist()  # lifelines adds a row at 0
    assert table["survival"].to_numpy() == pytest.approx(fitter.survival_function_.iloc[1:, 0].to_numpy(), rel=1e-12)
    assert table["ci_low"].to_numpy() == pytest.approx(fitter.confidence_interval_.iloc[1:, 0].to_numpy(), rel=1e-9, abs=1e-12)
    assert table["ci_high"].to_numpy() == pytest.approx(fitter.confidence_interval_.iloc[1:, 1].to_numpy(), rel=1e-9, abs=1e-12)
    assert table["at_risk"].tolist() == fitter.event_table["at_risk"].iloc[1:].tolist()
    assert table["censored"].tolist() == fitter.event_table["censored"].iloc[1:].tolist()


@pytest.mark.parametrize("cases, median", [(SIX_MP, 23.0), (PLACEBO, 8.0)], ids=["6-MP", "placebo"])
def test_km_median_published_freireich(cases, median):
    """Published KM medians (Freireich 1963 data; R's survfit and lifelines agree): 6-MP 23 weeks, placebo 8."""
    assert km_median(*_split(cases)) == median
    assert _lifelines(*_split(cases)).median_survival_time_ == median


def test_km_share_by_freireich_equals_r_summary_times():
    """R's summary(fit, times = c(7, 14, 30)) on gehan, 6-MP: survival 0.807, 0.690, 0.448 with log-log
    intervals (0.563, 0.923), (0.432, 0.849), (0.188, 0.680); so the share relapsed is 1 minus these,
    the interval flipped. Placebo: 0.571 (0.338, 0.749) at 7, 0.190 (0.0595, 0.377) at 14; R leaves 30
    out (past the last time, 23), where every placebo patient had relapsed, so the share there is 1."""
    six_mp = km_share_by(*_split(SIX_MP), days=(7, 14, 30))
    assert six_mp["day"].tolist() == [7, 14, 30]
    assert six_mp["share"].to_numpy() == pytest.approx([1 - 0.806723, 1 - 0.690196, 1 - 0.448179], abs=5e-7)
    assert six_mp["ci_low"].to_numpy() == pytest.approx([1 - 0.922809, 1 - 0.849066, 1 - 0.680143], abs=5e-7)
    assert six_mp["ci_high"].to_numpy() == pytest.approx([1 - 0.563147, 1 - 0.431610, 1 - 0.188052], abs=5e-7)
    placebo = km_share_by(*_split(PLACEBO), days=(7, 14, 30))
    assert placebo["share"].to_numpy() == pytest.approx([1 - 0.571429, 1 - 0.190476, 1.0], abs=5e-7)
    assert placebo["ci_low"].to_numpy() == pytest.approx([1 - 0.749241, 1 - 0.377435, 1.0], abs=5e-7)


def test_km_time_to_share_freireich():
    """From R's 6-MP table: 1 - S first reaches 10 % at week 6 (1 - 0.857 = 0.143) and 25 % at week 13
    (1 - 0.753 = 0.247 at 10 is short, 1 - 0.690 = 0.310 at 13); placebo reaches 25 % at week 4
    (1 - 0.762 = 0.238 at 3, 1 - 0.667 = 0.333 at 4) and 100 % at 23. 6-MP never reaches 60 %."""
    assert km_time_to_share(*_split(SIX_MP), share=0.10) == 6.0
    assert km_time_to_share(*_split(SIX_MP), share=0.25) == 13.0
    assert km_time_to_share(*_split(SIX_MP), share=0.60) is None
    assert km_time_to_share(*_split(PLACEBO), share=0.25) == 4.0
    assert km_time_to_share(*_split(PLACEBO), share=1.0) == 23.0


# --- Kaplan–Meier: curves that land on 0.5, small and empty cases ------------------------------


def test_km_median_exactly_half_where_lifelines_misses():
    """Six entities: an event at t=1 (S = 5/6), two at t=2 (S = 5/6 * 3/5 = 1/2 exactly), three censored
    at t=3. The median is 2 (R's survfit prints median 2). lifelines 0.30 computes S as
    exp(log(5/6) + log(3/5)) = 0.5000000000000001 and compares S <= 0.5 exactly, so it reports an
    infinite median; the contract's tolerance of 1e-9 makes it 2 however the product is rounded."""
    durations, observed = [1, 2, 2, 3, 3, 3], [True, True, True, False, False, False]
    assert km_median(durations, observed) == 2.0
    assert math.isinf(_lifelines(durations, observed).median_survival_time_)


def test_km_median_float_product_just_above_half():
    """Ten entities: events 1 at t=1, 2 at t=2, 2 at t=3, five censored at t=4. Exactly,
    S(3) = 9/10 * 7/9 * 5/7 = 1/2, so the median is 3 (R's survfit prints 3; its float product is
    0.50000000000000011, lifelines' 0.49999999999999983). The product of (1 - d/n) in floats is
    0.5000000000000001 here (numpy cumprod), so only the tolerance makes the curve count as landed."""
    durations, observed = [1, 2, 2, 3, 3, 4, 4, 4, 4, 4], [True] * 5 + [False] * 5
    assert km_median(durations, observed) == 3.0
    assert km_time_to_share(durations, observed, share=0.5) == 3.0


def test_km_median_two_entities_lands_on_half():
    """Two entities, one event at t=1 and one censored at t=4: S(1) = 1/2 exactly, so the median is 1;
    the 95 % interval at t=1 is lifelines' (0.005983, 0.910410) (its output for durations 1, 2)."""
    assert km_median([1, 4], [True, False]) == 1.0
    table = km_table([1, 4], [True, False])
    assert table["survival"].tolist() == [0.5, 0.5]
    assert table[["ci_low", "ci_high"]].iloc[0].to_numpy() == pytest.approx([0.005983, 0.910410], abs=5e-7)


def test_km_censored_at_an_event_time_is_at_risk():
    """Durations 2 (event), 2 (censored), 3 (event): both are at risk at t=2, so S(2) = 1 - 1/2 = 0.5
    (counting the censored one as gone first would give 1 - 1/1 = 0); at t=3 one is at risk: S = 0."""
    table = km_table([2, 2, 3], [True, False, True])
    assert table["at_risk"].tolist() == [3, 1]
    assert table["events"].tolist() == [1, 1]
    assert table["censored"].tolist() == [1, 0]
    assert table["survival"].tolist() == [pytest.approx(2 / 3), 0.0]
    assert km_table([2, 2], [True, False])["survival"].tolist() == [0.5]
    assert km_median([2, 2], [True, False]) == 2.0


def test_km_no_events_and_empty():
    """No event: S stays 1, interval 1 to 1 (as lifelines), no median, share 0 by any followed day and
    NaN past the longest duration. No durations: an empty table, None, NaN shares."""
    table = km_table([3.0, 5.0], [False, False])
    assert table["survival"].tolist() == [1.0, 1.0]
    assert table["ci_low"].tolist() == [1.0, 1.0] and table["ci_high"].tolist() == [1.0, 1.0]
    assert km_median([3.0, 5.0], [False, False]) is None
    shares = km_share_by([3.0, 5.0], [False, False], days=(4, 9))
    assert shares["share"].iloc[0] == 0.0 and np.isnan(shares["share"].iloc[1])

    empty = km_table([], [])
    assert empty.empty and list(empty.columns) == ["time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"]
    assert km_median([], []) is None and km_time_to_share([], [], share=0.1) is None
    assert km_share_by([], [], days=(7,))["share"].isna().all()


def test_km_share_by_reads_the_step_at_the_day():
    """Durations 2 (event), 3 (censored), 9 (event), 40 (censored): S = 3/4 from day 2, 3/4 * 1/2 = 3/8
    from day 9. By day 1 nobody (0, interval 0 to 0), by day 2 a quarter (the event on day 2 counts),
    by day 9 5/8; day 40 is the last observed day (still 5/8), day 41 is past it: NaN."""
    shares = km_share_by([2, 3, 9, 40], [True, False, True, False], days=(1, 2, 9, 40, 41))
    assert shares["share"].tolist()[:4] == [0.0, 0.25, 0.625, 0.625]
    assert np.isnan(shares["share"].iloc[4]) and np.isnan(shares["ci_low"].iloc[4])
    assert shares[["ci_low", "ci_high"]].iloc[0].tolist() == [0.0, 0.0]
    assert (shares["ci_low"].iloc[1:4] < shares["share"].iloc[1:4]).all()
    assert (shares["share"].iloc[1:4] < shares["ci_high"].iloc[1:4]).all()


@pytest.mark.parametrize(
    "durations, observed, match",
    [
        pytest.param([1, 2], [True], "same length", id="lengths"),
        pytest.param([1, float("nan")], [True, False], "finite", id="missing duration"),
        pytest.param([-1, 2], [True, False], ">= 0", id="negative"),
        pytest.param([1, 2], [True, None], "booleans", id="missing flag"),
        pytest.param([1, 2], [1, 2], "booleans", id="not a flag"),
        pytest.param([1, 2], ["1", "0"], "booleans", id="text flags"),
        pytest.param([1, 2], pd.array([True, None], dtype="boolean"), "booleans", id="pandas NA flag"),
        pytest.param([[1, 2]], [[True, False]], "one-dimensional", id="2-D"),
    ],
)
def test_km_bad_input(durations, observed, match):
    with pytest.raises(ValueError, match=match):
        km_table(durations, observed)


def test_km_flags_given_as_numbers_read_as_booleans():
    """0/1 (int or float, or Python objects) mean censored/event: [1, 2] with an event at 1 only gives
    S(1) = 1 - 1/2 = 0.5, whatever the type of the flags."""
    for flags in ([1, 0], [1.0, 0.0], np.array([1, 0], dtype=object)):
        assert km_table([1, 2], flags)["survival"].tolist() == [0.5, 0.5]


def test_km_share_out_of_range():
    with pytest.raises(ValueError, match=r"`share` must be in \(0, 1\], but 0 was passed"):
        km_time_to_share([1], [True], share=0)


# --- Kaplan–Meier: random cases against lifelines and exact fractions -------------------------

# Small integer times make ties, censoring at event times and exact landings on 0.5 common.
_subjects = st.lists(st.tuples(st.integers(0, 8), st.booleans()), min_size=1, max_size=24)


@given(_subjects)
def test_km_table_equals_lifelines_random(subjects):
    """Random small cases with ties: the estimate, its interval and the counts equal lifelines'."""
    durations, observed = _split(subjects)
    fitter = _lifelines(durations, observed)
    table = km_table(durations, observed)
    survival = fitter.survival_function_.iloc[:, 0]
    bounds = fitter.confidence_interval_
    if 0 not in durations:  # lifelines' timeline starts with a row at 0
        survival, bounds = survival.iloc[1:], bounds.iloc[1:]
    assert table["time"].tolist() == survival.index.tolist()
    assert table["survival"].to_numpy() == pytest.approx(survival.to_numpy(), rel=1e-12, abs=1e-15)
    assert table["ci_low"].to_numpy() == pytest.approx(bounds.iloc[:, 0].to_numpy(), rel=1e-9, abs=1e-12)
    assert table["ci_high"].to_numpy() == pytest.approx(bounds.iloc[:, 1].to_numpy(), rel=1e-9, abs=1e-12)
    # Counts add up: everyone is at risk at the first time, and each row removes its events and censored.
    assert table["at_risk"].iloc[0] == len(durations)
    assert (table["at_risk"].iloc[1:].to_numpy() == (table["at_risk"] - table["events"] - table["censored"]).iloc[:-1].to_numpy()).all()
    assert table["events"].sum() == sum(observed)


@given(_subjects)
def test_km_median_random(subjects):
    """The median equals the exact-fraction one; where no step lands exactly on 1/2 it also equals
    lifelines' (lifelines' float comparison is only unreliable on an exact landing)."""
    durations, observed = _split(subjects)
    expected = _exact_time_to_level(durations, observed, Fraction(1, 2))
    assert km_median(durations, observed) == expected
    if all(survival != Fraction(1, 2) for _, survival in _exact_survival(durations, observed)):
        lifelines_median = _lifelines(durations, observed).median_survival_time_
        assert (None if math.isinf(lifelines_median) else lifelines_median) == expected


@st.composite
def _lands_on_half(draw):
    """Entities whose estimate is exactly 1/2 at t=2: S(1) = a/b > 1/2, then (m - d2)/m = b/(2a).

    At t=1, n = b*k are at risk and (b - a)*k have the event; m = 2a*j stay at risk to t=2 (the other
    a*k - 2a*j >= 0 are censored at t=1, still at risk there), of whom d2 = (2a - b)*j have the event:
    S(2) = a/b * (b*j)/(2a*j) = 1/2. The b*j left end at t=3, censored or with the event.
    """
    b = draw(st.integers(2, 6))
    a = draw(st.integers(b // 2 + 1, b))
    j = draw(st.integers(1, 3))
    k = draw(st.integers(2 * j, 2 * j + 3))
    tail_observed = draw(st.booleans())
    subjects = ([(1, True)] * ((b - a) * k) + [(1, False)] * (a * k - 2 * a * j)
                + [(2, True)] * ((2 * a - b) * j) + [(3, tail_observed)] * (b * j))
    return draw(st.permutations(subjects))


@given(_lands_on_half())
def test_km_median_lands_on_half(subjects):
    """Curves built to land exactly on 1/2 at t=2 (checked in exact fractions): the median is 2, and
    the time to a 50 % share is 2, whatever the float rounding of the product."""
    durations, observed = _split(subjects)
    assert dict(_exact_survival(durations, observed))[2.0] == Fraction(1, 2)
    assert km_median(durations, observed) == 2.0
    assert km_time_to_share(durations, observed, share=0.5) == 2.0


@given(_subjects, st.sampled_from([Fraction(1, 10), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1)]))
def test_km_time_to_share_random(subjects, share):
    """The time to a share equals the exact-fraction one (first event time with 1 - S >= share)."""
    durations, observed = _split(subjects)
    assert km_time_to_share(durations, observed, share=float(share)) == _exact_time_to_level(durations, observed, 1 - share)


@given(_subjects, st.lists(st.integers(0, 10), min_size=1, max_size=4))
def test_km_share_by_random(subjects, days):
    """Within follow-up, the share is 1 - lifelines' S at the day with its interval flipped; past it,
    NaN unless the estimate reached 0."""
    durations, observed = _split(subjects)
    fitter = _lifelines(durations, observed)
    shares = km_share_by(durations, observed, days=days)
    survival = fitter.survival_function_.iloc[:, 0]
    for row in shares.itertuples():
        known = survival.index <= row.day
        s = survival[known].iloc[-1]
        if row.day > max(durations) and s > 0:
            assert np.isnan(row.share)
            continue
        low, high = fitter.confidence_interval_[known].iloc[-1]
        assert row.share == pytest.approx(1 - s, abs=1e-12)
        assert row.ci_low == pytest.approx(1 - high, abs=1e-9)
        assert row.ci_high == pytest.approx(1 - low, abs=1e-9)
        assert 0 <= row.ci_low <= row.share <= row.ci_high <= 1


# --- comparing groups ----------------------------------------------------------------------------


def _wilson(hits: int, total: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval, closed form (Wilson 1927)."""
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def _z_test_p(hits_a: int, total_a: int, hits_b: int, total_b: int) -> float:
    """Two-sided pooled two-proportion z-test, closed form: p = erfc(|z| / sqrt 2)."""
    pooled = (hits_a + hits_b) / (total_a + total_b)
    z = (hits_a / total_a - hits_b / total_b) / math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    return math.erfc(abs(z) / math.sqrt(2))


def test_overlapping_wilson_intervals_yet_significant():
    """60/200 (30 %) against 40/200 (20 %).

    Wilson 95 %: 60/200 -> (0.2407, 0.3668), 40/200 -> (0.1505, 0.2609): they overlap (0.2407 < 0.2609).
    Two-proportion z-test: pooled 100/400 = 0.25, SE = sqrt(0.25 * 0.75 * (1/200 + 1/200)) = 0.043301,
    z = 0.10 / 0.043301 = 2.3094, p = erfc(2.3094 / sqrt 2) = 0.02092 < 0.05. Chi-square without
    correction: expected 50 hits and 150 misses per group, (10^2/50) * 2 + (10^2/150) * 2 = 5.3333 = z^2,
    1 degree of freedom, the same p. With two groups, "partner against the rest" and "ads against the
    rest" are this one test: no Holm correction over two copies of it, both rows keep p = 0.02092.
    Newcombe's interval of the difference, from the Wilson bounds: 0.1 -/+ sqrt((0.3 - 0.2407)^2 +
    (0.2609 - 0.2)^2) and sqrt((0.3668 - 0.3)^2 + (0.2 - 0.1505)^2): (0.0151, 0.1832), excluding 0.
    """
    a_low, a_high = _wilson(60, 200)
    b_low, b_high = _wilson(40, 200)
    assert (a_low, a_high) == pytest.approx((0.2407, 0.3668), abs=1e-4)
    assert (b_low, b_high) == pytest.approx((0.1505, 0.2609), abs=1e-4)
    assert a_low < b_high  # the intervals overlap

    counts = pd.DataFrame({"channel": ["partner", "ads"], "pqls": [60, 40], "users": [200, 200]})
    result = compare_groups(counts, group="channel", hits="pqls", total="users")
    assert result.statistic == pytest.approx(16 / 3)
    assert result.dof == 1
    assert result.p_value == pytest.approx(_z_test_p(60, 200, 40, 200), rel=1e-9)
    assert result.p_value == pytest.approx(0.02092, abs=1e-5)
    assert result.significant
    table = result.table
    assert list(table.columns) == ["channel", "pqls", "users", "rate", "judged", "rest_rate", "difference",
                                   "diff_ci_low", "diff_ci_high", "test", "p_value", "p_adjusted", "significant"]
    assert result.test == "two-proportion z-test" and table["test"].tolist() == ["two-proportion z-test"] * 2
    assert table["rate"].tolist() == [0.3, 0.2] and table["rest_rate"].tolist() == [0.2, 0.3]
    assert table["difference"].to_numpy() == pytest.approx([0.1, -0.1])
    assert table["p_value"].to_numpy() == pytest.approx([0.020921, 0.020921], abs=1e-6)
    assert table["p_adjusted"].to_numpy() == pytest.approx([_z_test_p(60, 200, 40, 200)] * 2, rel=1e-9)
    assert table["significant"].tolist() == [True, True]
    newcombe_low = 0.1 - math.sqrt((0.3 - a_low) ** 2 + (b_high - 0.2) ** 2)
    newcombe_high = 0.1 + math.sqrt((a_high - 0.3) ** 2 + (0.2 - b_low) ** 2)
    assert table.loc[0, ["diff_ci_low", "diff_ci_high"]].tolist() == pytest.approx([newcombe_low, newcombe_high], rel=1e-9)
    assert table.loc[1, ["diff_ci_low", "diff_ci_high"]].tolist() == pytest.approx([-newcombe_high, -newcombe_low], rel=1e-9)
    assert counts.columns.tolist() == ["channel", "pqls", "users"]  # the input is not modified


def test_raw_p_below_alpha_but_nothing_after_holm():
    """Three groups: A 32/100, B 20/100, C 20/100.

    A against the rest (40/200 = 0.20): pooled 72/300 = 0.24, SE = sqrt(0.24 * 0.76 * (1/100 + 1/200))
    = 0.052307, z = 0.12 / 0.052307 = 2.2942, raw p = 0.0218 < 0.05. B (and C) against the rest
    (52/200 = 0.26): z = -0.06 / 0.052307 = -1.1471, p = 0.2513. Holm, 3 tests: 3 * 0.0218 = 0.0653 >
    0.05, so A is not significant, and neither are B and C (max(0.0653, 2 * 0.2513) = 0.5027).
    Chi-square: expected 24 hits and 76 misses per group; (8^2 + 4^2 + 4^2) / 24 + (8^2 + 4^2 + 4^2) / 76
    = 4 + 1.2632 = 5.2632 on 2 degrees of freedom, p = exp(-5.2632 / 2) = 0.0720: not significant either.
    """
    counts = pd.DataFrame({"plan": ["A", "B", "C"], "pqls": [32, 20, 20], "users": [100, 100, 100]})
    result = compare_groups(counts, group="plan", hits="pqls", total="users")
    assert result.statistic == pytest.approx(4 + 96 / 76)
    assert result.dof == 2
    assert result.p_value == pytest.approx(math.exp(-(4 + 96 / 76) / 2), rel=1e-9)
    assert not result.significant
    table = result.table
    raw = [_z_test_p(32, 100, 40, 200), _z_test_p(20, 100, 52, 200), _z_test_p(20, 100, 52, 200)]
    assert table["p_value"].to_numpy() == pytest.approx(raw, rel=1e-9)
    assert table["p_value"].iloc[0] < 0.05
    assert table["p_adjusted"].to_numpy() == pytest.approx([3 * raw[0], 2 * raw[1], 2 * raw[1]], rel=1e-9)
    assert table["significant"].tolist() == [False, False, False]


def test_single_group():
    """One group: no chi-square (NaN, 0 degrees of freedom) and no rest to compare with."""
    result = compare_groups(pd.DataFrame({"g": ["all"], "h": [5], "n": [20]}), group="g", hits="h", total="n")
    assert math.isnan(result.statistic) and math.isnan(result.p_value) and result.dof == 0
    assert not result.significant
    row = result.table.iloc[0]
    assert row["rate"] == 0.25
    assert all(math.isnan(row[c]) for c in ("rest_rate", "difference", "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted"))
    assert not row["significant"]


def test_group_with_zero_total_is_left_out():
    """60/200 and 40/200 plus a group with no entities: the empty group gets NaN figures and is left out
    of the chi-square (still 5.3333 on 1 degree of freedom); two groups are left, so one test, p = 0.02092."""
    counts = pd.DataFrame({"g": ["a", "b", "empty"], "h": [60, 40, 0], "n": [200, 200, 0]})
    result = compare_groups(counts, group="g", hits="h", total="n")
    assert result.statistic == pytest.approx(16 / 3) and result.dof == 1
    assert result.table["p_adjusted"].iloc[:2].to_numpy() == pytest.approx([_z_test_p(60, 200, 40, 200)] * 2, rel=1e-9)
    assert result.too_small == ()  # a group with no entities is not a small group to name
    empty = result.table.iloc[2]
    assert math.isnan(empty["rate"]) and math.isnan(empty["p_value"]) and math.isnan(empty["p_adjusted"])
    assert empty["rest_rate"] == 0.25 and not empty["significant"]


def test_every_entity_has_the_same_outcome():
    """0/50 and 0/70: nothing varies, so there is no test (NaN) and nothing is significant; the
    difference is 0 and Newcombe's interval is still defined around it."""
    result = compare_groups(pd.DataFrame({"g": ["a", "b"], "h": [0, 0], "n": [50, 70]}), group="g", hits="h", total="n")
    assert math.isnan(result.p_value) and not result.significant
    assert result.table["difference"].tolist() == [0.0, 0.0]
    assert result.table["p_value"].isna().all() and not result.table["significant"].any()
    assert (result.table["diff_ci_low"] < 0).all() and (result.table["diff_ci_high"] > 0).all()


@pytest.mark.parametrize(
    "table, match",
    [
        pytest.param(pd.DataFrame({"g": ["a"], "h": [1]}), "no column 'n' in the table; its columns are", id="missing column"),
        pytest.param(pd.DataFrame({"g": ["a", "a"], "h": [1, 2], "n": [5, 5]}), "group 'a' appears more than once", id="duplicate"),
        pytest.param(pd.DataFrame({"g": ["a"], "h": [6], "n": [5]}), "0 <= h <= n", id="hits above total"),
        pytest.param(pd.DataFrame({"g": ["a"], "h": [-1], "n": [5]}), "0 <= h <= n", id="negative"),
    ],
)
def test_compare_groups_bad_input(table, match):
    with pytest.raises(ValueError, match=match):
        compare_groups(table, group="g", hits="h", total="n")


# --- changes between two reports -----------------------------------------------------------------


def test_rate_change_beyond_noise():
    """PQL rate 40/200 then 60/200: +0.10, pooled z-test p = 0.02092 (worked in
    test_overlapping_wilson_intervals_yet_significant): beyond noise at 0.05, not at 0.01."""
    check = change_beyond_noise(40, 200, 60, 200)
    assert (check.before, check.after) == (0.2, 0.3)
    assert check.difference == pytest.approx(0.1)
    assert check.p_value == pytest.approx(_z_test_p(60, 200, 40, 200), rel=1e-9)
    assert check.beyond_noise
    assert check.ci_low > 0 and check.ci_high == pytest.approx(0.1 + math.sqrt((_wilson(60, 200)[1] - 0.3) ** 2 + (0.2 - _wilson(40, 200)[0]) ** 2))
    assert not change_beyond_noise(40, 200, 60, 200, alpha=0.01).beyond_noise


def test_rate_change_within_noise():
    """20/100 then 24/100: pooled 44/200 = 0.22, SE = sqrt(0.22 * 0.78 * 2/100) = 0.058583,
    z = 0.04 / 0.058583 = 0.6828, p = 0.4948: noise; the interval of the difference contains 0."""
    check = change_beyond_noise(20, 100, 24, 100)
    assert check.p_value == pytest.approx(0.4948, abs=1e-4)
    assert not check.beyond_noise and check.ci_low < 0 < check.ci_high


def test_rate_change_empty_report():
    """A report with no entities has no rate: nothing to test."""
    check = change_beyond_noise(0, 0, 5, 10)
    assert math.isnan(check.before) and math.isnan(check.p_value) and not check.beyond_noise
    with pytest.raises(ValueError, match="0 <= hits <= total, but 11 of 10"):
        change_beyond_noise(1, 10, 11, 10)


def test_count_change_conditional_binomial():
    """New PQLs 10 then 25 over equal periods: given 35 in all, the later count is Binomial(35, 1/2)
    under no change; P(X >= 25) = sum_{k=25}^{35} C(35, k) / 2^35 = 0.008337, two-sided 0.016674 < 0.05.
    10 then 20: P(X >= 20 | n = 30) = 0.049369, two-sided 0.098737: noise."""
    up = count_change_beyond_noise(10, 25)
    assert up.p_value == pytest.approx(2 * sum(math.comb(35, k) for k in range(25, 36)) / 2**35, rel=1e-12)
    assert up.beyond_noise and up.difference == 15 and math.isnan(up.ci_low)
    flat = count_change_beyond_noise(10, 20)
    assert flat.p_value == pytest.approx(2 * sum(math.comb(30, k) for k in range(20, 31)) / 2**30, rel=1e-12)
    assert not flat.beyond_noise


def test_count_change_with_exposure():
    """10 PQLs in 1 week, then 20 in 2 weeks: the same weekly rate. Under no change the later count is
    Binomial(30, 2/3), expected 20: observed exactly that, so p = 1 (the two-sided exact test sums the
    outcomes no more likely than the observed one, the most likely of all). And 0 then 0: no test."""
    check = count_change_beyond_noise(10, 20, before_exposure=1, after_exposure=2)
    assert check.p_value == pytest.approx(1.0) and not check.beyond_noise
    assert math.isnan(count_change_beyond_noise(0, 0).p_value)
    with pytest.raises(ValueError, match="exposures must be > 0"):
        count_change_beyond_noise(1, 2, before_exposure=0)


def test_docstring_examples():
    """The Examples in pqlkit.stats' docstrings print what they say (worked by hand there)."""
    import doctest

    from pqlkit.stats import changes, groups, kaplan_meier

    for module in (kaplan_meier, groups, changes):
        results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert results.attempted > 0 and results.failed == 0, module.__name__
