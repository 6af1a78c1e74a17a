"""Statistics behind the sentences: Kaplan–Meier estimates and tests for gaps and changes in rates.

Three modules:

- :mod:`~pqlkit.stats.kaplan_meier` (:func:`km_table`, :func:`km_median`, :func:`km_time_to_share`,
  :func:`km_share_by`), in numpy only so that the summary needs neither lifelines nor scipy. The
  estimate and its interval follow lifelines' ``KaplanMeierFitter`` (exponential Greenwood,
  "log(-log)" interval); a censored time equal to an event time is still at risk at that time, as in
  lifelines and R's survival. Durations are in whatever unit the caller uses (pqlkit: days since
  signup, see docs/metrics.md#metrics).
- :mod:`~pqlkit.stats.groups` (:func:`compare_groups`): gaps between groups.
- :mod:`~pqlkit.stats.changes` (:func:`change_beyond_noise`, :func:`count_change_beyond_noise`):
  changes between two reports.

The rate tests use scipy and statsmodels, imported only when one of these functions is called.
Overlapping confidence intervals are not a test (Schenker & Gentleman 2001): two 95 % intervals can
overlap while the difference is significant.
"""

from pqlkit.stats.changes import NoiseCheck, change_beyond_noise, count_change_beyond_noise
from pqlkit.stats.groups import GroupComparison, compare_groups
from pqlkit.stats.kaplan_meier import KM_TOLERANCE, km_median, km_share_by, km_table, km_time_to_share

__all__ = [
    "KM_TOLERANCE",
    "km_table",
    "km_median",
    "km_time_to_share",
    "km_share_by",
    "GroupComparison",
    "compare_groups",
    "NoiseCheck",
    "change_beyond_noise",
    "count_change_beyond_noise",
]
