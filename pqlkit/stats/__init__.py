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

Nothing is imported until first used (PEP 562, as in :mod:`pqlkit`): the command line's summary
loads :mod:`~pqlkit.stats.kaplan_meier` alone, and no pandas with it.
"""

from pqlkit.base.lazy import lazy_exports

# Every public name, and the module (under pqlkit.stats) that defines it.
_NAMES = {
    "KM_TOLERANCE": "kaplan_meier",
    "km_table": "kaplan_meier",
    "km_median": "kaplan_meier",
    "km_time_to_share": "kaplan_meier",
    "km_share_by": "kaplan_meier",
    "GroupComparison": "groups",
    "compare_groups": "groups",
    "NoiseCheck": "changes",
    "change_beyond_noise": "changes",
    "count_change_beyond_noise": "changes",
}

__all__ = list(_NAMES)


__getattr__, __dir__ = lazy_exports(__name__, _NAMES, globals())
