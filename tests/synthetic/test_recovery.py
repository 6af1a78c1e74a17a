"""The metrics recover what the synthetic generator put in (pqlkit.synthetic.TRUE_PARAMETERS).

The generator activates a user with probability ``channel_activation[channel]`` (company-size
multipliers average to 1), and with ``data/activation.yaml`` a user whose first 14 days are in the
data is a PQL exactly when activated. So, among those mature users, each channel's PQL rate is a
binomial estimate of its true propensity: the true value should sit inside the 99.9 % Wilson
interval, and the channels should rank as the true propensities do. The loader's ledger must
match the dirty rows the generator says it injected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pqlkit as pk
from pqlkit.synthetic import TRUE_PARAMETERS, expected_data_quality, generate_sample

ROOT = Path(__file__).resolve().parents[2]
SPEC = pk.ActivationSpec.from_yaml(ROOT / "data" / "activation.yaml")


@pytest.fixture(scope="module")
def sample():
    frames = generate_sample(n_users=12_000, seed=11)
    entities, dataset = pk.entity_table(frames, SPEC)
    return frames, entities, dataset


def test_pql_rate_by_channel_recovers_true_propensity(sample):
    _, entities, _ = sample
    mature = entities[entities["age_days"] >= 14]
    by_channel = pk.pql_rate(mature, by="channel").set_index("channel")
    truth = dict(TRUE_PARAMETERS["channel_activation"])
    low, high = pk.wilson_interval(by_channel["pqls"], by_channel["entities"], confidence=0.999)
    for (channel, _), lo, hi in zip(by_channel.iterrows(), low, high):
        assert lo <= truth[channel] <= hi, (channel, truth[channel], lo, hi)
    best_true = max(truth, key=truth.get)
    assert by_channel["pql_rate"].idxmax() == best_true
    assert by_channel["pql_rate"].idxmin() == min(truth, key=truth.get)


@pytest.mark.parametrize("level", ["user", "account"])
def test_ledger_matches_the_injected_dirty_rows(sample, level):
    frames, _, _ = sample
    _, dataset = pk.entity_table(frames, SPEC, level=level)
    def nonzero(quality):
        return {table: {**counts, "dropped": {r: n for r, n in counts["dropped"].items() if n}}
                for table, counts in quality.items()}

    assert nonzero(dataset.data_quality()) == nonzero(expected_data_quality(frames, level=level))


def _metrics_json(capsys, folder: Path) -> dict:
    from pqlkit.cli import main

    capsys.readouterr()
    assert main(["metrics", str(folder), "--spec", str(ROOT / "data" / "activation.yaml"), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_typed_and_text_parquet_give_the_same_metrics(tmp_path, capsys):
    """Invariant: ``pqlkit sample --format parquet`` with typed and with text timestamps writes the
    same instants, so ``pqlkit metrics`` must give the same numbers on both. Only the ledger differs,
    as the generator says: a bad timestamp is null in a typed column, so a ``missing_value``."""
    from pqlkit.cli import main

    for timestamps in ("typed", "text"):
        assert main(["sample", str(tmp_path / timestamps), "--users", "800", "--seed", "5",
                     "--format", "parquet", "--timestamps", timestamps]) == 0
    typed, text = (_metrics_json(capsys, tmp_path / name) for name in ("typed", "text"))
    quality_typed, quality_text = typed.pop("data_quality"), text.pop("data_quality")
    assert typed == text
    assert typed["entities"] == 800 and typed["raw_pqls"] > 0
    for timestamps, quality in (("typed", quality_typed), ("text", quality_text)):
        expected = expected_data_quality(generate_sample(n_users=800, seed=5, timestamps=timestamps))
        got = {table: {**counts, "dropped": {r: n for r, n in counts["dropped"].items() if n}}
               for table, counts in quality.items()}
        assert got == expected, timestamps
    assert quality_typed["events"]["dropped"].get("bad_timestamp", 0) == 0 < quality_text["events"]["dropped"]["bad_timestamp"]


def test_sample_refuses_typed_csv(tmp_path, capsys):
    """Contract (pqlkit sample --help): CSV holds text; a user mistake is one line and exit 2."""
    from pqlkit.cli import main

    assert main(["sample", str(tmp_path / "out"), "--users", "10", "--format", "csv", "--timestamps", "typed"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["pqlkit: error: --timestamps typed needs --format parquet: csv holds timestamps as text"]
    assert not (tmp_path / "out").exists()
