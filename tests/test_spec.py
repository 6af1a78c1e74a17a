"""SPEC §2: the activation spec's validation, table-driven so the wording users see is tested too."""

from __future__ import annotations

import pytest

import pqlkit as pk

STEP = {"name": "a", "event": "x"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"steps": [STEP], "treshold": 0.5}, r"unknown key 'treshold' \(did you mean 'threshold'\?\)", id="unknown-key"),
        pytest.param({"steps": [{**STEP, "count": 2}]}, r"unknown key steps\[0\]\.'count'", id="unknown-step-key"),
        pytest.param({"steps": [STEP], "threshold": 0}, r"`threshold` must be in \(0, 1\], but 0 was passed", id="threshold-zero"),
        pytest.param({"steps": [STEP], "threshold": 1.5}, r"`threshold` must be in \(0, 1\], but 1.5", id="threshold-above-one"),
        pytest.param({"steps": [STEP], "threshold": "high"}, r"`threshold` must be a number, but 'high'", id="threshold-text"),
        pytest.param({"steps": [STEP, dict(STEP)]}, r"step names must be unique, but 'a' repeat", id="duplicate-names"),
        pytest.param({"steps": [{**STEP, "min_count": 0}]}, r"min_count` must be a whole number >= 1, but 0", id="min-count-zero"),
        pytest.param({"steps": [{**STEP, "min_count": 1.5}]}, r"min_count` must be a whole number", id="min-count-float"),
        pytest.param({"steps": [{"name": "a"}]}, r"step 'a' has neither `event` nor `min_users`", id="no-event"),
        pytest.param({"steps": [{"name": "a", "min_users": 3}]}, r"uses `min_users`, which needs level: account", id="min-users-user-level"),
        pytest.param({"steps": [STEP], "level": "team"}, r"`level` must be one of \['user', 'account'\], but 'team'", id="bad-level"),
        pytest.param({"steps": []}, r"`steps` must be a list of 1 to 20 steps", id="no-steps"),
        pytest.param({"steps": [{"name": f"s{i}", "event": "x"} for i in range(21)]}, r"1 to 20 steps", id="too-many-steps"),
        pytest.param({"steps": [STEP], "window_days": -1}, r"`window_days` must be greater than 0", id="negative-window"),
        pytest.param({"steps": [STEP], "active_days": None}, r"`active_days` must be a number, but None", id="null-active-days"),
        pytest.param(["a", "b"], r"a spec must be a mapping", id="not-a-mapping"),
    ],
)
def test_invalid_specs_name_the_key_and_the_allowed_values(raw, message):
    with pytest.raises(pk.SpecError, match=message):
        pk.ActivationSpec.from_dict(raw)


def test_defaults_follow_spec_section_2():
    """Unset keys take SPEC §2's defaults: user level, threshold 1.0, no window, 14/14/12 days, min_count 1."""
    spec = pk.ActivationSpec.from_dict({"steps": [STEP]})
    assert (spec.level, spec.threshold, spec.window_days) == ("user", 1.0, None)
    assert (spec.active_days, spec.trial_days, spec.stall_day) == (14, 14, 12)
    assert spec.steps[0].min_count == 1 and spec.steps_required == 1


def test_yaml_file_round_trip_and_account_steps(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(
        "level: account\nthreshold: 0.75\nwindow_days: 14\nsteps:\n"
        "  - {name: invited_teammate, event: teammate_invited}\n"
        "  - {name: core_workflow, event: report_created, min_count: 3, within_days: 7}\n"
        "  - {name: team_of_three, min_users: 3}\n"
    )
    spec = pk.ActivationSpec.from_yaml(path)
    assert spec.step_names == ["invited_teammate", "core_workflow", "team_of_three"]
    assert spec.window_for(spec.steps[1]) == 7 and spec.window_for(spec.steps[0]) == 14
    assert spec.steps_required == 3  # ceil(0.75 * 3 - 1e-9) = ceil(2.25) = 3
    with pytest.raises(pk.SpecError, match="needs level: account"):
        spec.with_level("user")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("steps: [\n", r"not valid YAML", id="broken-yaml"),
        pytest.param("!!python/object/apply:os.system ['echo hi']\n", r"YAML tag not allowed at line 1", id="unsafe-tag"),
    ],
)
def test_yaml_errors_are_spec_errors(tmp_path, text, message):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(pk.SpecError, match=message):
        pk.ActivationSpec.from_yaml(path)


def test_missing_spec_file():
    with pytest.raises(pk.SpecError, match="spec file not found"):
        pk.ActivationSpec.from_yaml("/nonexistent/spec.yaml")


def test_step_event_missing_from_data_warns_with_closest_names():
    spec = pk.ActivationSpec.from_dict({"steps": [{"name": "invite", "event": "teammate_invite"}]})
    with pytest.warns(pk.PqlkitWarning, match=r"closest event names: 'teammate_invited'"):
        messages = spec.check_events(["teammate_invited", "login", "page_viewed"])
    assert len(messages) == 1
