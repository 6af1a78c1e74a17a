"""pqlkit.present.plots: every chart function draws on the given Axes (or a new one), returns it, and labels
it (title, both axes); empty tables are refused. Uses the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import pqlkit as pk  # noqa: E402
from pqlkit import cohorts, explore, plots, pricing  # noqa: E402
from pqlkit.synthetic import generate_sample  # noqa: E402

SPEC = pk.ActivationSpec.from_dict({
    "threshold": 0.75, "window_days": 14, "steps": [
        {"name": "connected", "event": "integration_connected"},
        {"name": "reports", "event": "report_created", "min_count": 3},
        {"name": "invited", "event": "teammate_invited"},
        {"name": "shared", "event": "dashboard_shared"}]})


@pytest.fixture(scope="module")
def analysed():
    """A small synthetic sample (300 users over 60 days, clean), so every chart has data."""
    frames = generate_sample(n_users=300, seed=3, days=60, dirty=False)
    return pk.entity_table(frames, SPEC)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def charts(entities, ctx):
    """(name, callable drawing on ax) for every chart, fed by the pqlkit function that makes its table."""
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_doers=1)
    return [
        ("event_catalogue", lambda ax: plots.plot_event_catalogue(explore.event_catalogue(ctx.dataset), noun="users", ax=ax)),
        ("candidate_steps", lambda ax: plots.plot_candidate_steps(ranking, ax=ax)),
        ("step_completion", lambda ax: plots.plot_step_completion(pk.activation_funnel(entities, context=ctx), noun="users", ax=ax)),
        ("completion_curves", lambda ax: plots.plot_completion_curves(explore.completion_curves(entities, context=ctx), trial_days=14, ax=ax)),
        ("activation_distribution", lambda ax: plots.plot_activation_distribution(
            pk.activation_distribution(entities, context=ctx), steps_required=3, ax=ax)),
        ("threshold_comparison", lambda ax: plots.plot_threshold_comparison(explore.compare_thresholds(entities, context=ctx), ax=ax)),
        ("pqls_over_time", lambda ax: plots.plot_pqls_over_time(cohorts.weekly_pqls(entities, context=ctx), ax=ax)),
        ("current_over_time", lambda ax: plots.plot_current_pqls_over_time(
            cohorts.current_pqls_over_time(entities, context=ctx), ax=ax)),
        ("rates", lambda ax: plots.plot_rates(pk.pql_rate(entities, by="channel"), label="channel", overall=0.3, ax=ax)),
        ("time_to_pql", lambda ax: plots.plot_time_to_pql_distribution(pk.pqls(entities), trial_days=14, ax=ax)),
        ("km_curve", lambda ax: plots.plot_km_curve(pk.time_to_pql_curve(entities), trial_days=14, ax=ax)),
        ("paid_lag", lambda ax: plots.plot_paid_lag(pk.paid_lag(entities), ax=ax)),
        ("cohort_heatmap", lambda ax: plots.plot_cohort_heatmap(cohorts.cohort_matrix(entities), freq="W", ax=ax)),
        ("cohort_rates", lambda ax: plots.plot_cohort_rates(cohorts.cohort_rates(entities, context=ctx), ax=ax)),
        ("cohort_time", lambda ax: plots.plot_cohort_time_to_pql(cohorts.cohort_time_to_pql(entities), ax=ax)),
        ("pql_cohort", lambda ax: plots.plot_pql_cohort_conversion(
            cohorts.pql_cohort_conversion(entities, context=ctx, freq="W", within_days=7), ax=ax)),
        ("seasonality", lambda ax: plots.plot_seasonality(cohorts.seasonality(entities, context=ctx), ax=ax)),
        ("benchmark", lambda ax: plots.plot_benchmark(pricing.benchmark_reading(entities, context=ctx), ax=ax)),
        ("revenue", lambda ax: plots.plot_revenue_at_stake(pricing.revenue_at_stake(entities, context=ctx), ax=ax)),
        # The conversion score's tables, in the shape pqlkit.scoring.PayScore gives them (fitting one here
        # would take seconds; tests/scoring/test_scoring.py checks the tables themselves).
        ("calibration", lambda ax: plots.plot_calibration(pd.DataFrame(
            {"predicted_mean": [0.05, 0.2, 0.4], "observed_rate": [0.04, 0.25, 0.35], "rows": [50, 30, 20]}), ax=ax)),
        ("lift", lambda ax: plots.plot_lift(pd.DataFrame(
            {"decile": [1, 1, 2, 2], "ordering": ["score", "today", "score", "today"], "payers": [9, 5, 4, 6]}), ax=ax)),
        ("importance", lambda ax: plots.plot_importance(pd.DataFrame(
            {"feature": ["age_days", "n_users"], "importance_mean": [0.08, 0.03], "importance_std": [0.01, 0.01]}), ax=ax)),
    ]


NAMES = ["event_catalogue", "candidate_steps", "step_completion", "completion_curves", "activation_distribution",
         "threshold_comparison", "pqls_over_time", "current_over_time", "rates", "time_to_pql", "km_curve",
         "paid_lag", "cohort_heatmap", "cohort_rates", "cohort_time", "pql_cohort", "seasonality", "benchmark",
         "revenue", "calibration", "lift", "importance"]


@pytest.mark.parametrize("name", NAMES)
def test_every_chart_draws_on_the_given_axes_with_title_and_axis_labels(analysed, name):
    entities, ctx = analysed
    draw = dict(charts(entities, ctx))[name]
    _, ax = plt.subplots()
    result = draw(ax)
    assert result is ax
    assert ax.get_title(loc="left") or ax.get_title()
    assert ax.get_xlabel(), f"{name}: no x label"
    assert ax.get_ylabel(), f"{name}: no y label"


def test_chart_names_cover_every_plot_function():
    drawn = {f"plot_{n}" for n in NAMES}
    public = {name for name in plots.__all__ if name.startswith("plot_")}
    aliases = {"plot_current_over_time": "plot_current_pqls_over_time", "plot_time_to_pql": "plot_time_to_pql_distribution",
               "plot_revenue": "plot_revenue_at_stake", "plot_cohort_time": "plot_cohort_time_to_pql",
               "plot_pql_cohort": "plot_pql_cohort_conversion"}
    drawn = {aliases.get(name, name) for name in drawn}
    # The discovery's charts take a Discovery, not this fixture's tables: tests/present/test_discovery_plots.py.
    assert public - drawn == {"plot_level_comparison", "plot_kpis", "plot_discovery_heatmap", "plot_discovery_frontier"}


def test_a_chart_without_ax_makes_its_own_figure(analysed):
    entities, ctx = analysed
    ax = plots.plot_step_completion(pk.activation_funnel(entities, context=ctx))
    assert ax.figure is not None and (ax.get_title(loc="left") or ax.get_title())


def test_level_comparison_and_kpis(analysed):
    entities, ctx = analysed
    frames = generate_sample(n_users=120, seed=5, days=30, dirty=False)
    ax = plots.plot_level_comparison(explore.compare_levels(frames, SPEC))
    assert (ax.get_title(loc="left") or ax.get_title()) and ax.get_xlabel() and ax.get_ylabel()
    axes = plots.plot_kpis(cohorts.weekly_pqls(entities, context=ctx),
                          monthly_rates=cohorts.cohort_rates(entities, context=ctx, freq="M"))
    assert len(axes) == 2 and all(a.get_title(loc="left") or a.get_title() for a in axes)


@pytest.mark.parametrize("plot", [
    plots.plot_step_completion, plots.plot_event_catalogue, plots.plot_pqls_over_time, plots.plot_cohort_rates,
    plots.plot_km_curve,
])
def test_empty_tables_are_refused(analysed, plot):
    entities, ctx = analysed
    tables = {
        plots.plot_step_completion: pk.activation_funnel(entities, context=ctx),
        plots.plot_event_catalogue: explore.event_catalogue(ctx.dataset),
        plots.plot_pqls_over_time: cohorts.weekly_pqls(entities, context=ctx),
        plots.plot_cohort_rates: cohorts.cohort_rates(entities, context=ctx),
        plots.plot_km_curve: pk.time_to_pql_curve(entities),
    }
    with pytest.raises(ValueError, match="No data to plot"):
        plot(tables[plot].iloc[:0])


def test_fixed_age_labels_come_from_the_result_rows(analysed):
    """cohort_rates at 7 days labels its axis "within 7 days" (from its horizon_days column), also after
    the analyst filters its rows; a concat of two horizons has no single horizon, so no label."""
    entities, ctx = analysed
    rates = cohorts.cohort_rates(entities, context=ctx, horizon_days=7)
    assert "within 7 days" in plots.plot_cohort_rates(rates[rates["entities"] > 0]).get_ylabel()
    mixed = pd.concat([rates, cohorts.cohort_rates(entities, context=ctx, horizon_days=14)], ignore_index=True)
    assert "within" not in plots.plot_cohort_rates(mixed).get_ylabel()


def test_set_style_fixes_size_and_svg_salt():
    plots.set_style()
    assert tuple(matplotlib.rcParams["figure.figsize"]) == plots.FIGSIZE
    assert matplotlib.rcParams["svg.hashsalt"] == "pqlkit"


# --- readers' rules (issue 14) ---------------------------------------------------------------------


def _overlap(a, b) -> bool:
    """Whether two display-space boxes overlap by more than a pixel."""
    return a.x0 < b.x1 - 1 and b.x0 < a.x1 - 1 and a.y0 < b.y1 - 1 and b.y0 < a.y1 - 1


@pytest.mark.parametrize("name", NAMES)
def test_no_legend_covers_the_plotting_area(analysed, name):
    """Every legend sits outside the axes' plotting area (so it covers no point, bar or interval): its
    rendered box and the axes' box do not overlap."""
    entities, ctx = analysed
    fig, ax = plt.subplots(figsize=plots.FIGSIZE, layout="constrained")
    dict(charts(entities, ctx))[name](ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for axes in fig.axes:
        legend = axes.get_legend()
        if legend is not None:
            assert not _overlap(legend.get_window_extent(renderer), ax.get_window_extent(renderer)), name


def test_size_bands_in_their_natural_order(analysed):
    """Issue 14: sizes were drawn in text order (1-10, 1000+, 11-50, 201-1000, 51-200). Top to bottom
    the chart reads 1-10, 11-50, 51-200, 201-1000, 1000+ (the y axis counts from the bottom)."""
    rates = pd.DataFrame({"company_size": ["1-10", "1000+", "11-50", "201-1000", "51-200"],
                          "pql_rate": [0.2, 0.3, 0.25, 0.3, 0.33], "ci_low": [0.1] * 5, "ci_high": [0.4] * 5})
    ax = plots.plot_rates(rates, label="company_size")
    labels = [t.get_text() for t in ax.get_yticklabels()][::-1]
    assert labels == ["1-10", "11-50", "51-200", "201-1000", "1000+"]
    channels = rates.assign(company_size=["referral", "organic", "paid", "partner", "events"])
    ax = plots.plot_rates(channels, label="company_size")
    assert [t.get_text() for t in ax.get_yticklabels()][::-1] == list(channels["company_size"])  # table order kept


def test_each_step_keeps_its_colour_in_every_chart(analysed):
    """The bar of a step in the completion chart and its line in the completion curves share one
    colour (from step_colours of the spec's steps); PQL is black."""
    entities, ctx = analysed
    colours = plots.step_colours(ctx.spec.step_names)
    bars = plots.plot_step_completion(pk.activation_funnel(entities, context=ctx), colours=colours)
    bar_colours = {t.get_text(): matplotlib.colors.to_hex(p.get_facecolor())
                   for t, p in zip(bars.get_xticklabels(), bars.patches)}
    lines = plots.plot_completion_curves(explore.completion_curves(entities, context=ctx), colours=colours)
    line_colours = {line.get_label(): matplotlib.colors.to_hex(line.get_color()) for line in lines.get_lines()
                    if not line.get_label().startswith("_")}
    assert set(bar_colours) == set(ctx.spec.step_names)
    for step in ctx.spec.step_names:
        assert bar_colours[step] == line_colours[step] == matplotlib.colors.to_hex(colours[step])
    assert line_colours["PQL"] == "#000000"
    assert len(set(bar_colours.values())) == len(bar_colours)  # one colour per step


def test_weekly_cohort_tick_labels_do_not_overlap():
    """Issue 14: the weekly cohort chart's labels crowded. 40 weekly cohorts: at most 8 labels are
    drawn (the newest always), rotated, and no two rendered labels overlap (even their upright boxes)."""
    starts = pd.date_range("2025-01-06", periods=40, freq="7D", tz="UTC")
    rates = pd.DataFrame({"signup_cohort": starts, "pql_rate": 0.3, "ci_low": 0.2, "ci_high": 0.4,
                          "mature": [True] * 38 + [False] * 2, "horizon_days": 14.0, "pql_rate_so_far": 0.3})
    fig, ax = plt.subplots(figsize=plots.FIGSIZE, layout="constrained")
    plots.plot_cohort_rates(rates, freq="W", ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown = [t for t in ax.get_xticklabels() if t.get_text()]
    assert 2 <= len(shown) <= 8 and shown[-1].get_text() == starts[-1].strftime("%Y-%m-%d")
    boxes = [t.get_window_extent(renderer) for t in shown]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
