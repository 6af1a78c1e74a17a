"""What the notebooks say: the computed sentence under each chart, tidy tables for display, and the
headline record each notebook leaves for the tests and the report.

Every ``*_sentence`` function takes a result table from pqlkit and returns one or two sentences,
in Markdown, that read the numbers on *this* data ("Referral signups activate at 41% (95% CI
36–46%), paid social at 12%."); the notebooks show them with ``display(Markdown(...))``, never
``print``. Where there is not enough data to say anything, the sentence says so, and the notebook
shows it instead of drawing an empty chart. Every threshold or benchmark a sentence uses is an
argument with a documented default, which the notebooks pass from their parameters cell.

Output stays deterministic (the notebooks are checked by nbval): no run times, no absolute paths,
rounded numbers, sorted tables.

The sentences live in one module per notebook topic (:mod:`~pqlkit.present.narrative.activation`,
:mod:`~pqlkit.present.narrative.volume`, :mod:`~pqlkit.present.narrative.cohorts`,
:mod:`~pqlkit.present.narrative.payments`, :mod:`~pqlkit.present.narrative.leads`), beside
:mod:`~pqlkit.present.narrative.display` (Markdown, notes, tidy tables, the scope sentence) and
:mod:`~pqlkit.present.narrative.headlines` (the headline record). Numbers are formatted by
:mod:`pqlkit.present.formatting` and the data-quality ledger rendered by :mod:`pqlkit.present.ledger`;
this package gives every name the notebooks call as ``narrative.<name>``.
"""

from pqlkit.present.formatting import days, interval, pct
from pqlkit.present.ledger import ledger_sentence, ledger_table
from pqlkit.present.narrative.activation import (
    candidates_sentence,
    catalogue_sentence,
    curves_sentence,
    distribution_sentence,
    funnel_sentence,
    levels_sentence,
    thresholds_sentence,
)
from pqlkit.present.narrative.cohorts import (
    cohort_rates_sentence,
    cohort_time_sentence,
    heatmap_sentence,
    pql_cohort_sentence,
    seasonality_sentence,
)
from pqlkit.present.narrative.discovery import (
    definitions_table,
    discovery_text,
    flow_reasons,
    flow_sentence,
    proposal_markdown,
    singles_table,
    tradeoff_sentence,
)
from pqlkit.present.narrative.display import (
    bold,
    enough,
    notes_for_warnings,
    scope_sentence,
    show,
    tidy,
)
from pqlkit.present.narrative.headlines import HEADLINE_KEYS, record_headlines
from pqlkit.present.narrative.leads import crm_sentence, kpi_sentence, kpi_table, score_sentence, team_kpis
from pqlkit.present.narrative.payments import (
    backtest_sentence,
    benchmark_sentence,
    checks_sentence,
    free_to_paid_sentence,
    lag_sentence,
    paid_sentence,
    plan_sentence,
    revenue_sentence,
)
from pqlkit.present.narrative.volume import (
    current_trend_sentence,
    km_sentence,
    segment_sentence,
    stalled_sentence,
    time_to_pql_headline,
    time_to_pql_sentence,
    volume_sentence,
    weekly_sentence,
)

__all__ = [
    "HEADLINE_KEYS",
    "benchmark_sentence",
    "bold",
    "candidates_sentence",
    "catalogue_sentence",
    "checks_sentence",
    "cohort_rates_sentence",
    "cohort_time_sentence",
    "crm_sentence",
    "current_trend_sentence",
    "curves_sentence",
    "days",
    "definitions_table",
    "discovery_text",
    "flow_reasons",
    "flow_sentence",
    "proposal_markdown",
    "singles_table",
    "tradeoff_sentence",
    "distribution_sentence",
    "enough",
    "free_to_paid_sentence",
    "backtest_sentence",
    "funnel_sentence",
    "heatmap_sentence",
    "interval",
    "km_sentence",
    "kpi_sentence",
    "kpi_table",
    "lag_sentence",
    "ledger_sentence",
    "ledger_table",
    "levels_sentence",
    "notes_for_warnings",
    "paid_sentence",
    "pct",
    "plan_sentence",
    "pql_cohort_sentence",
    "record_headlines",
    "revenue_sentence",
    "scope_sentence",
    "score_sentence",
    "seasonality_sentence",
    "segment_sentence",
    "show",
    "stalled_sentence",
    "team_kpis",
    "thresholds_sentence",
    "tidy",
    "time_to_pql_headline",
    "time_to_pql_sentence",
    "volume_sentence",
    "weekly_sentence",
]
