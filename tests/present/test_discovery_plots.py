"""The discovery's charts and sentences, on the planted sample (seed 4, 1,500 users). Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import pqlkit as pk  # noqa: E402
from pqlkit import narrative, plots  # noqa: E402
from pqlkit.synthetic.planted import generate_planted_sample  # noqa: E402


@pytest.fixture(scope="module")
def found():
    sample = generate_planted_sample(n_users=1500, seed=4)
    dataset = pk.load({name: sample[name] for name in ("users", "events", "conversions")})
    return pk.discover_activation(dataset, within_days=14)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_heatmap_one_panel_per_top_event(found):
    """Three top events, one panel each, titled by the event, with both axes labelled on the first.

    The house style puts titles on the left (``axes.titlelocation``), so a title is read at every location.
    """
    ax = plots.plot_discovery_heatmap(found.singles, events=3)
    panels = [a for a in ax.figure.axes if any(a.get_title(loc) for loc in ("left", "center", "right"))]
    assert len(panels) == 3
    assert ax.get_xlabel() and ax.get_ylabel()


def test_frontier_marks_the_proposal(found):
    """The proposal is drawn as a star (one point) and labelled; axes are labelled."""
    ax = plots.plot_discovery_frontier(found.definitions)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "proposal" in labels and ax.get_xlabel() and ax.get_ylabel()


def test_sentence_and_flow_reasons(found):
    """Without a current spec the sentence gives the proposal's reach, precision and recall as the table
    does; the purchase-flow reason names pricing_viewed."""
    sentence = narrative.tradeoff_sentence(found)
    row = narrative.definitions_table(found).iloc[0]
    assert row["reach"] in sentence and row["precision"] in sentence and row["recall"] in sentence
    reasons = narrative.flow_reasons(found)
    assert reasons["event"].tolist() == ["pricing_viewed"] and "hours before" in reasons["reason"].iloc[0]


def test_empty_tables_are_refused():
    with pytest.raises(ValueError, match="No data to plot"):
        plots.plot_discovery_frontier(pd.DataFrame())
