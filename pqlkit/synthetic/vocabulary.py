"""The generator's vocabulary: the labels it writes and the integer codes it draws them as.

The simulation works on integer codes (an index into one of these tuples); the labels are
made only when a table is built (:mod:`pqlkit.synthetic.arrow_columns`).
"""

from __future__ import annotations

__all__: list[str] = []


DAY = 86_400  # seconds

CHANNELS = ("organic", "paid_search", "paid_social", "referral", "partner", "outbound")
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
# No "NA" (Namibia): pandas.read_csv would read it as a missing value.
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "IN", "BR", "AU", "NL", "ES", "JP", "SE")
EVENTS = (
    "login",
    "page_viewed",
    "settings_viewed",
    "integration_connected",
    "report_created",
    "teammate_invited",
    "dashboard_shared",
    "export_downloaded",
)
LOGIN, PAGE, SETTINGS, INTEGRATION, REPORT, INVITE, DASHBOARD, EXPORT = range(8)
PLATFORMS = ("web", "desktop", "mobile")
WEB, DESKTOP, MOBILE = range(3)
PLANS = ("starter", "team", "business")
UTC_OFFSETS = ("+02:00", "-05:00", "+05:30", "-08:00", "+01:00", "+09:00")
BAD_TIMESTAMPS = ("not-a-date", "2026-13-45T99:00:00Z", "2026-02-30T08:15:00Z", "#VALUE!")
# Drop reason codes: 0 = used, then pqlkit.base.columns.REASONS (docs/metrics.md#data-quality),
# in the order a loader applies them.
USED, MISSING_VALUE, BAD_TIMESTAMP, DUPLICATE, UNKNOWN_USER, BEFORE_SIGNUP = range(6)
