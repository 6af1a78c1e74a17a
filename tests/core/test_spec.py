"""docs/metrics.md#activation-spec: the activation spec's validation, table-driven so the wording users see is tested too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

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
    """Unset keys take the defaults of docs/metrics.md#activation-spec: user level, threshold 1.0, no window, 14/14/12 days, min_count 1."""
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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param("steps:\n  - name: caf\xe9\n    event: x\n".encode("latin-1"),
                     r"line 2: the text is not UTF-8 \(byte 0xE9 suggests Latin-1 \(ISO-8859-1\) or Windows-1252\)", id="latin-1"),
        pytest.param(b"steps:\n  - name: a\x00\n    event: x\n", r"the spec holds NUL bytes", id="nul-byte"),
        pytest.param(b"steps: " + b"[" * 5000 + b"]" * 5000 + b"\n", r"the YAML is nested too deeply", id="deep-list"),
        pytest.param(b"a: " + b"{b: " * 3000 + b"1" + b"}" * 3000 + b"\n", r"the YAML is nested too deeply", id="deep-mapping"),
        pytest.param(b"", r"a spec must be a mapping with a 'steps' list, but NoneType was found", id="empty-file"),
        pytest.param(b"steps:\n  - name: a\n    event: x\n    min_count: null\n", r"steps\[0\]\.min_count` must be a whole number >= 1, but None",
                     id="null-min-count"),
        pytest.param(b"window_days: 1.0e+300\nsteps:\n  - name: a\n    event: x\n",
                     r"`window_days` must be at most 36525 days \(100 years\), but 1e\+300 was passed; for no limit, write null", id="huge-window"),
        pytest.param(b"threshold: 2026-01-05\nsteps:\n  - name: a\n    event: x\n", r"`threshold` must be a number, but datetime\.date", id="date-threshold"),
        pytest.param(b"? [a, b]\n: 2\nsteps:\n  - name: a\n    event: x\n", r"YAML tag not allowed at line 1 \(found unhashable key\)", id="list-key"),
    ],
)
def test_hostile_spec_files_are_one_line_spec_errors(tmp_path, data, message):
    """Bytes a spec file may hold by mistake: each is a SpecError naming the file, never a traceback
    (the nesting and the huge window were a RecursionError and an OverflowError before)."""
    path = tmp_path / "spec.yaml"
    path.write_bytes(data)
    with pytest.raises(pk.SpecError, match=message) as caught:
        pk.ActivationSpec.from_yaml(path)
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("steps:\n  - name: a\n    event: x\n".encode("utf-16"), id="utf-16-with-bom"),
        pytest.param(b"\xef\xbb\xbfsteps:\n  - name: a\n    event: x\n", id="utf-8-bom"),
        pytest.param(b"steps:\r  - name: a\r    event: x\r", id="bare-cr-line-ends"),
    ],
)
def test_spec_in_other_encodings_and_line_ends_is_read(tmp_path, data):
    """YAML 1.1 allows UTF-8 and UTF-16 with a byte-order mark, and any of the three line ends: one step a/x."""
    path = tmp_path / "spec.yaml"
    path.write_bytes(data)
    assert pk.ActivationSpec.from_yaml(path).steps == (pk.Step(name="a", event="x"),)


def test_step_event_only_in_dropped_rows_says_so_with_the_reasons():
    """An event that occurs only in dropped rows is not "never occurs": the warning gives the rows and the
    reasons (3 rows: 2 unknown_user, 1 before_signup); an event in neither keeps the "never occurs" wording."""
    spec = pk.ActivationSpec.from_dict({"steps": [{"name": "invite", "event": "teammate_invited"},
                                                  {"name": "share", "event": "report_shared"}]})
    with pytest.warns(pk.PqlkitWarning) as caught:
        messages = spec.check_events(["login"], dropped={"teammate_invited": {"unknown_user": 2, "before_signup": 1}})
    assert messages == [str(w.message) for w in caught]
    assert messages[0] == (
        "spec: step 'invite' waits for event 'teammate_invited', which occurs only in dropped rows "
        "(3 rows: unknown_user 2, before_signup 1); see the data-quality ledger (docs/metrics.md#data-quality) "
        "(no similar event names)"
    )
    assert messages[1] == "spec: step 'share' waits for event 'report_shared', which never occurs in the data (no similar event names)"


# --- one spec argument everywhere (issue 22): a path, a dict or an ActivationSpec ---------------------

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny"
TINY_SPEC = ROOT / "tests" / "data" / "tiny_spec.yaml"
TINY_DICT = yaml.safe_load(TINY_SPEC.read_text())


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(TINY_SPEC, id="path"),
        pytest.param(str(TINY_SPEC), id="str"),
        pytest.param(TINY_DICT, id="dict"),
        pytest.param(pk.ActivationSpec.from_dict(TINY_DICT), id="activation-spec"),
    ],
)
def test_coerce_reads_every_form_to_the_same_spec(given):
    """The three forms of tests/data/tiny_spec.yaml are one spec: 3 steps, 2 make a PQL (0.66 of 3 rounds to 2)."""
    spec = pk.ActivationSpec.coerce(given)
    assert spec == pk.ActivationSpec.from_yaml(TINY_SPEC)
    assert (spec.step_names, spec.steps_required, spec.active_days) == (
        ["created_project", "invited_teammate", "shared_report"], 2, 7)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param(3, r"^spec: expected the path of an activation YAML, a dict or an ActivationSpec, but int was passed$", id="number"),
        pytest.param(["steps"], r"but list was passed", id="list"),
        pytest.param({"steps": "a"}, r"`steps` must be a list of 1 to 20 steps, but 'a' was found", id="bad-dict"),
    ],
)
def test_coerce_refuses_other_values_with_a_spec_error(given, message):
    with pytest.raises(pk.SpecError, match=message):
        pk.ActivationSpec.coerce(given)


def test_to_dict_reads_back_to_the_same_spec():
    """An account spec with every optional key set and one unset: from_dict(to_dict()) is equal, and the unset
    within_days of the second step is left out rather than written as null."""
    raw = {"level": "account", "threshold": 0.5, "window_days": 30, "active_days": 10, "trial_days": 21, "stall_day": 15,
           "steps": [{"name": "a", "event": "x", "min_count": 2, "within_days": 7},
                     {"name": "team", "min_users": 3}]}
    spec = pk.ActivationSpec.from_dict(raw)
    assert pk.ActivationSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict()["steps"][1] == {"name": "team", "min_count": 1, "min_users": 3}


@pytest.mark.parametrize("form", ["path", "dict", "activation-spec"])
def test_entity_table_and_reduce_take_every_form(form):
    """pk.entity_table and pk.reduce give the same table for the spec as a path, a dict and an ActivationSpec
    (the path's table is the reference: the forms differ only in how the spec is given)."""
    given = {"path": str(TINY_SPEC), "dict": TINY_DICT, "activation-spec": pk.ActivationSpec.from_dict(TINY_DICT)}[form]
    reference, _ = pk.entity_table(TINY, TINY_SPEC)
    entities, context = pk.entity_table(TINY, given)
    pd.testing.assert_frame_equal(entities, reference)
    assert context.spec == pk.ActivationSpec.from_yaml(TINY_SPEC)
    dataset = pk.load(TINY)
    pd.testing.assert_frame_equal(pk.reduce(dataset, given), reference)
