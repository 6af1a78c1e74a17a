"""Moving code into subpackages changed no answer: what every report says is stored and compared.

The expected texts are not computed by the code under test: ``tests/data/before_layout/<case>.json``
was written by pqlkit at commit c8f99f9 (before the package was split into layers), from the same
report runs this module reads (``conftest.CASES``), with ``PQLKIT_STORE_SNAPSHOTS=1``. Each holds
the report's recorded JSON and CSV files and the visible text of every page (``snapshot.py``), plus
``pqlkit metrics --format json`` for the same dataset and options. A change that is meant to change
an answer stores the snapshot again, in the same commit, and says why. Stored again since: after
issue 21 (judgements at a fixed age, small-group tests, revenue from the leads' own odds, nulls for
what cannot be measured) and issue 22's one lead list changed what the pages say on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, ReportRun
from snapshot import STORED, snapshot

CASES = ["sample", "account", "other_spec", "past_as_of", "tiny", "export"]


def _metrics_json(run: ReportRun) -> str:
    case = run.case
    command = [sys.executable, "-m", "pqlkit.cli", "metrics", str(case.dataset), "--spec", str(case.spec),
               "--format", "json"]
    for flag, value in (("--as-of", case.as_of), ("--level", case.level), ("--events-format", case.events_format)):
        if value:
            command += [flag, value]
    done = subprocess.run(command, capture_output=True, text=True, cwd=run.out.parent, check=True)
    return done.stdout


def _what_it_says(run: ReportRun) -> dict[str, str]:
    replace = {str(run.out.parent): "<case>", str(ROOT): "<repo>"}
    said = snapshot(run.out, replace=replace)
    metrics = _metrics_json(run)
    for old, new in replace.items():
        metrics = metrics.replace(old, new)
    said["metrics.json"] = metrics
    return said


@pytest.mark.parametrize("report_run", CASES, indirect=True)
def test_every_recorded_file_and_page_says_what_it_said_before(report_run):
    assert report_run.returncode == 0, report_run.stderr
    said = _what_it_says(report_run)
    stored_file = STORED / f"{report_run.case.name}.json"
    if os.environ.get("PQLKIT_STORE_SNAPSHOTS"):
        STORED.mkdir(parents=True, exist_ok=True)
        stored_file.write_text(json.dumps(said, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    stored = json.loads(stored_file.read_text(encoding="utf-8"))
    assert sorted(said) == sorted(stored)
    for name, text in stored.items():
        assert said[name].splitlines() == text.splitlines(), name
