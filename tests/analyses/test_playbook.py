"""pqlkit.analyses.playbook: the prioritised PQL list and its CRM export (the KPI tables: tests/present/test_narrative.py)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from helpers import DAY, T0, analyze, events, spec, users
from pqlkit import playbook

HOUR = pd.Timedelta(hours=1)
AS_OF = T0 + 10 * DAY
TWO_STEPS = spec([{"name": "did_a", "event": "a"}, {"name": "did_b", "event": "b"}], threshold=0.5, active_days=14)


def frames() -> dict:
    """Four PQLs and three users who did nothing; everyone signed up at T0, as_of = T0 + 10 days.

    ====  =======  ============  ===========  ===================
    user  account  steps         last seen     days since seen
    ====  =======  ============  ===========  ===================
    p1    A (3)    a             9d            1.0
    p2    B (1)    a, b          5d            5.0
    p3    C (2)    a             9d - 2h       1.08
    p4    D (1)    a             9d + 12h      0.5
    x1-2  A                                     -
    x3    C                                     -
    ====  =======  ============  ===========  ===================

    Ranking: p2 (100 % activated) first; then the 50 % ones by whole days since seen: p4 (day 0),
    then p1 and p3 (day 1), told apart by account size: p1 (3 users) before p3 (2).
    """
    rows = [("p1", T0, "A"), ("p2", T0, "B"), ("p3", T0, "C"), ("p4", T0, "D"),
            ("x1", T0, "A"), ("x2", T0, "A"), ("x3", T0, "C")]
    return {
        "users": users(rows, columns=("user_id", "signup_at", "account_id")),
        "events": events([
            ("p1", "a", T0 + DAY), ("p1", "login", T0 + 9 * DAY),
            ("p2", "a", T0 + DAY), ("p2", "b", T0 + 2 * DAY), ("p2", "login", T0 + 5 * DAY),
            ("p3", "a", T0 + DAY), ("p3", "login", T0 + 9 * DAY - 2 * HOUR),
            ("p4", "a", T0 + DAY), ("p4", "login", T0 + 9 * DAY + 12 * HOUR),
        ]),
    }


def test_prioritise_pqls_by_hand():
    entities, ctx = analyze(frames(), TWO_STEPS, as_of=AS_OF)
    table = playbook.prioritise_pqls(entities, context=ctx)
    assert table["entity_id"].tolist() == ["p2", "p4", "p1", "p3"]
    assert table["priority"].tolist() == [1, 2, 3, 4]
    assert table["account_size"].tolist() == [1, 1, 3, 2]
    assert table["missing_steps"].tolist() == ["", "did_b", "did_b", "did_b"]
    assert table["steps_total"].eq(2).all()
    assert list(table.columns[:4]) == ["priority", "entity_id", "account_id", "account_size"]


def test_prioritise_pqls_at_account_level_uses_the_number_of_users():
    """Accounts A (p1, x1, x2), B (p2), C (p3, x3), D (p4): the same order, sizes from n_users."""
    entities, ctx = analyze(frames(), TWO_STEPS, as_of=AS_OF, level="account")
    table = playbook.prioritise_pqls(entities, context=ctx)
    assert table["entity_id"].tolist() == ["B", "D", "A", "C"]
    assert table["account_size"].tolist() == [1, 1, 3, 2]


def test_prioritise_pqls_with_no_current_pql():
    entities, ctx = analyze(frames(), TWO_STEPS, as_of=T0 + 40 * DAY)
    table = playbook.prioritise_pqls(entities, context=ctx)
    assert table.empty and list(table.columns[:2]) == ["priority", "entity_id"]


def test_export_for_crm_writes_an_importable_csv(tmp_path):
    entities, ctx = analyze(frames(), TWO_STEPS, as_of=AS_OF)
    table = playbook.prioritise_pqls(entities, context=ctx)
    path = playbook.export_for_crm(table, tmp_path / "out" / "leads.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["entity_id"] for r in rows] == ["p2", "p4", "p1", "p3"]
    assert rows[0]["last_seen_at"] == "2026-01-10T00:00:00Z"
    assert rows[1]["days_since_seen"] == "0.5"
    assert list(rows[0]) == list(table.columns)
    assert path.read_bytes() == playbook.export_for_crm(table, tmp_path / "again.csv").read_bytes()


def test_export_for_crm_of_an_empty_list_writes_the_header(tmp_path):
    entities, ctx = analyze(frames(), TWO_STEPS, as_of=T0 + 40 * DAY)
    path = playbook.export_for_crm(playbook.prioritise_pqls(entities, context=ctx), tmp_path / "leads.csv")
    assert path.read_text(encoding="utf-8").splitlines()[0].startswith("priority,entity_id")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1


# --- no formulas in the CSV (OWASP, "CSV Injection") --------------------------------------------

HOSTILE_CELLS = {
    "account_id": '=HYPERLINK("http://evil.example","click")',
    "channel": "+1",
    "plan": "@SUM(1)",
    "note": "\tcmd",
    "formula": "-2+3",
    "carriage": "\rcmd",
}


def write_hostile_dataset(folder):
    """users.csv where p1's id-like and segment cells begin with each formula trigger, and p2's are plain;
    ``seats`` is a number column holding -3 and 4. Both sign up at T0; p1 does step a (1 of 2, a PQL at
    threshold 0.5), p2 does a and b; as_of T0 + 3 days, so both are current PQLs, p2 (100 %) first."""
    folder.mkdir()
    with open(folder / "users.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "signup_at", *HOSTILE_CELLS, "seats"])
        writer.writerow(["p1", "2026-01-05T00:00:00Z", *HOSTILE_CELLS.values(), "-3"])
        writer.writerow(["p2", "2026-01-05T00:00:00Z", "A", "organic", "pro", "fine", "x", "y", "4"])
    events([("p1", "a", T0 + DAY), ("p2", "a", T0 + DAY), ("p2", "b", T0 + DAY)]).to_csv(folder / "events.csv", index=False)
    return folder


def test_export_for_crm_writes_no_formula(tmp_path):
    """Read back with the csv module: every hostile text cell starts with an apostrophe followed by the
    value as it was; plain cells and numbers (seats -3, read from users.csv as the text "-3"; days since
    seen T0 + 3d - (T0 + 1d) = 2.0) are untouched."""
    dataset = write_hostile_dataset(tmp_path / "dataset")
    entities, ctx = analyze(str(dataset), TWO_STEPS, as_of=T0 + 3 * DAY)
    path = playbook.export_for_crm(playbook.prioritise_pqls(entities, context=ctx), tmp_path / "leads.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["entity_id"] for r in rows] == ["p2", "p1"]
    hostile, plain = rows[1], rows[0]
    for column, value in HOSTILE_CELLS.items():
        assert hostile[column] == "'" + value, column
    assert (plain["account_id"], plain["channel"], plain["plan"]) == ("A", "organic", "pro")
    assert (hostile["seats"], plain["seats"]) == ("-3", "4")
    assert hostile["days_since_seen"] == "2.0" and hostile["missing_steps"] == "did_b"
    # no written cell, nor a header, begins with a formula trigger
    with open(path, newline="", encoding="utf-8") as handle:
        cells = [cell for line in csv.reader(handle) for cell in line]
    assert not [cell for cell in cells if cell.startswith(playbook.FORMULA_TRIGGERS) and cell != "-3"]
    assert len(cells) == 3 * len(rows[0])  # the carriage return stayed inside its quoted cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        pytest.param("=1+1", "'=1+1", id="equals"),
        pytest.param("+1", "'+1", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(1)", "'@SUM(1)", id="at"),
        pytest.param("\tcmd", "'\tcmd", id="tab"),
        pytest.param("\rcmd", "'\rcmd", id="carriage-return"),
        pytest.param("a=b", "a=b", id="inside"),
        pytest.param("", "", id="empty"),
        pytest.param(-3, -3, id="negative-number"),
        pytest.param("-3", "-3", id="negative-number-as-text"),
        pytest.param("-0.25", "-0.25", id="negative-decimal-as-text"),
        pytest.param("-A1", "'-A1", id="minus-reference"),
        pytest.param(None, None, id="missing"),
    ],
)
def test_defuse_formulas_follows_owasp(value, written):
    """OWASP's rule: prefix ``'`` to a text cell beginning with = + - @ tab or CR; leave other cells, and (as
    the defusedcsv package does) a text cell that is a plain negative number."""
    frame = pd.DataFrame({"text": pd.Series([value], dtype="object"), "number": [-3.5]})
    out = playbook.defuse_formulas(frame)
    assert out["text"].iloc[0] == written
    assert out["number"].iloc[0] == -3.5 and out["number"].dtype == "float64"


def test_defuse_formulas_covers_headers_and_categories():
    frame = pd.DataFrame({"=cmd": pd.Categorical(["@x", "y"]), "n": [-1, 2]})
    out = playbook.defuse_formulas(frame)
    assert list(out.columns) == ["'=cmd", "n"]
    assert out["'=cmd"].tolist() == ["'@x", "y"] and out["n"].tolist() == [-1, 2]
    assert frame.columns[0] == "=cmd"  # the caller's frame is left as it was
