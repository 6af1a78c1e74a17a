"""The definition explorer, driven from Python: set the widgets, read the numbers, compare with pqlkit."""

from __future__ import annotations

import pytest

import pqlkit as pk
from pqlkit.present.explorer import DefinitionExplorer


@pytest.fixture(scope="module")
def sample():
    return pk.entity_table("data/sample", "data/activation.yaml")


def test_starts_on_the_spec(sample):
    """Untouched, the explorer shows the sample spec's own numbers: pk.pql_rate of the sample's table
    (832 PQLs of 3,000, the figure notebook 02 reports)."""
    entities, ctx = sample
    explorer = DefinitionExplorer(entities, context=ctx)
    assert explorer.result["pqls"] == int(pk.pql_rate(entities).iloc[0]["pqls"])
    assert explorer.result["pql_rate"] == pytest.approx(float(pk.pql_rate(entities).iloc[0]["pql_rate"]))


def test_changed_widgets_match_an_independent_reduction(sample, tmp_path):
    """Set: step 2 (report_created) to at least 2 within 7 days, step 4 off, a fifth step login ×5 within
    3 days, 2 steps needed. The explorer's PQL rate, median time to PQL and PQL-to-paid (30 days) equal
    those of pk.entity_table run from scratch on the sample with that spec (a separate SQL reduction),
    and the spec saved as YAML reads back as that spec."""
    entities, ctx = sample
    explorer = DefinitionExplorer(entities, context=ctx)
    explorer.steps[1]["min_count"].value = 2
    explorer.steps[1]["within_days"].value = 7
    explorer.steps[3]["use"].value = False
    explorer.steps[4]["use"].value = True
    explorer.steps[4]["event"].value = "login"
    explorer.steps[4]["min_count"].value = 5
    explorer.steps[4]["within_days"].value = 3
    explorer.required.value = 2
    spec = pk.ActivationSpec.from_dict({
        "threshold": 0.5, "window_days": 14, "active_days": 14, "trial_days": 14, "stall_day": 12, "steps": [
            {"name": "integration_connected", "event": "integration_connected", "within_days": 14},
            {"name": "report_created", "event": "report_created", "min_count": 2, "within_days": 7},
            {"name": "teammate_invited", "event": "teammate_invited", "within_days": 14},
            {"name": "login", "event": "login", "min_count": 5, "within_days": 3}]})
    table, context = pk.entity_table("data/sample", spec)
    assert explorer.spec() == spec
    assert explorer.result["pqls"] == int(table["is_pql"].sum())
    assert explorer.result["pql_rate"] == pytest.approx(float(pk.pql_rate(table).iloc[0]["pql_rate"]))
    assert explorer.result["time_to_pql_median_days"] == pytest.approx(float(table.loc[table["is_pql"], "time_to_pql_days"].median()))
    assert explorer.result["pql_to_paid_rate"] == pytest.approx(float(pk.pql_to_paid(table, by_day=30).iloc[0]["pql_to_paid_rate"]))
    assert "PQL rate" in explorer.numbers.value
    path = explorer.save(tmp_path / "tried.yaml")
    assert pk.ActivationSpec.from_yaml(path) == spec


def test_no_step_on_says_so(sample):
    entities, ctx = sample
    explorer = DefinitionExplorer(entities, context=ctx)
    for row in explorer.steps:
        row["use"].value = False
    assert explorer.result == {} and "no step" in explorer.numbers.value
