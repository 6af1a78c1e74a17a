"""Accounts from the vendors' group calls (pqlkit.io.groups): account_id and traits from an export alone.

The ``*_groups`` folders of tests/data/exports hold rows copied from the vendors' documentation and
repositories (its README names each source) plus rows of ours; none of their ``users.csv`` has an
``account_id``. The rule (docs/metrics.md, "Accounts from group calls"): a user's account is the group
of their earliest group call of the chosen type, by time, then file order, then group key.

segment_groups (7 rows; spec: ``Signed Up`` and ``Invite Sent`` make an account PQL):

====  =======================================================  ===============================================
row   call                                                     outcome
====  =======================================================  ===============================================
1     identify: anonymousId 507f... -> userId 97980cfea0067    missing_value (no event); links 507f... to 9798...
2     group: 97980cfea0067 in 0e8c78ea... (Initech,            missing_value; 9798... -> account 0e8c...,
      Technology, 329 employees, plan enterprise)              traits Initech / enterprise / Technology / 201-1000
3     Signed Up by 019mr8mf4r, context.groupId acct_123        used; 019mr8mf4r -> acct_123
4     Invite Sent by 019mr8mf4r, context.groupId acct_123      used
5     Signed Up by anonymousId 507f... (no userId, no group)   missing_value; with stitching: 9798..., used
6     Invite Sent by 97980cfea0067 (no group)                  used, for 0e8c...
7     Signed Up by AiUGstSDIg (no group anywhere)              no_account
====  =======================================================  ===============================================

So at account level: accounts 0e8c... and acct_123 (entities 2), AiUGstSDIg's users row no_account;
acct_123 has both steps (PQL); 0e8c... has Invite Sent, and Signed Up only through the stitched row 5:
1 PQL without stitching, 2 with. Events: used 3 (rows 3, 4, 6), missing_value 3, no_account 1; with
stitching used 4, missing_value 2. Events without a group: 5 event rows (3-7), 2 carry context.groupId: 3.

posthog_groups (12 rows; spec: ``$opt_in`` and ``query completed`` make an account PQL): posthog-js rows of
the capture request dump, user pWAk... (anonymous 018a981f-4b2d... before ``$identify``), with
``$groups`` {project} on row 4, {project, organization 018a981e-f55c...} on rows 5-7 and {project,
organization, instance} on row 8 (``query completed``); ``$opt_in`` is row 1, sent anonymously.
posthog-node rows: ``this event`` by id1 (no group), ``user signed up`` by distinct_id_of_the_user
with organization org_own_2 (ours), a server ``$groupidentify`` by ``$organization_org_own_2`` (not a
user: unknown_user), and a ``$pageview`` by distinct_id_of_the_user in organization 018a... a day later.
With ``--account-group organization``: pWAk... -> 018a981e-f55c... (row 5 is its earliest organization
call); distinct_id_of_the_user -> org_own_2 (2024-04-17, before the 018a... call of 2024-04-18: one user
in several groups); id1 -> none. Entities 2; used events 8 (pWAk...'s 6, distinct_id_of_the_user's 2),
unknown_user 3 (the two anonymous rows, the group's own id), no_account 1 (id1). PQLs: 0, since
``$opt_in`` is anonymous; with stitching rows 1-2 count for pWAk... (used 10, unknown_user 1) and its
organization is a PQL: 1. With ``--account-group project``: only pWAk... has a project (entities 1, PQL 1
stitched; users no_account 2, events no_account 3: id1's 1 and distinct_id_of_the_user's 2). Events
without an organization: rows 1-4, ``this event`` and the server ``$groupidentify``: 6 of 12.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.base.errors import DataError
from pqlkit.cli import main
from pqlkit.io.exports import ExportSource
from pqlkit.io.groups import AccountNotes, account_notes
from pqlkit.io.users import derive_users

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
SEGMENT = EXPORTS / "segment_groups"
POSTHOG = EXPORTS / "posthog_groups"
U1 = "pWAkITyQ3CN7332UqQxnH6p3FV8VJd7pY647EdNkxWc"
O1 = "018a981e-f55c-0000-a85d-25c15e555d5d"


def dropped(dataset: pk.Dataset, table: str) -> dict:
    quality = dataset.data_quality()[table]
    return {"used": quality["used"], **{k: v for k, v in quality["dropped"].items() if v}}


@pytest.mark.parametrize(
    ("stitched", "pqls", "events"),
    [
        pytest.param(False, 1, {"used": 3, "missing_value": 3, "no_account": 1}, id="as-sent"),
        pytest.param(True, 2, {"used": 4, "missing_value": 2, "no_account": 1}, id="stitched"),
    ],
)
def test_segment_group_calls_give_the_accounts_and_pqls_counted_by_hand(stitched, pqls, events):
    """The module docstring's Segment table: accounts 0e8c... and acct_123, PQLs 1 as sent and 2 stitched."""
    entities, context = pk.entity_table(ExportSource(SEGMENT, stitch_identities=stitched), SEGMENT / "spec.yaml")
    assert sorted(entities["entity_id"]) == ["0e8c78ea9d97a7b8185e8632", "acct_123"]
    assert int(entities["is_pql"].sum()) == pqls
    assert dict(zip(entities["entity_id"], entities["is_pql"]))["acct_123"]
    assert dropped(context.dataset, "users") == {"used": 2, "no_account": 1}
    assert dropped(context.dataset, "events") == events
    assert account_notes(context.dataset.engine) == AccountNotes("group", 2, 2, 0, 3)


def test_segment_group_traits_become_account_segments():
    """Initech's traits from the Group spec's example: plan enterprise, Technology, 329 employees -> 201-1000;
    acct_123 sent no group call, so its traits are missing (a group of their own in segment tables)."""
    entities, context = pk.entity_table(SEGMENT, SEGMENT / "spec.yaml")
    assert {"account_name", "account_plan", "industry", "company_size"} <= set(context.segments)
    initech = entities.set_index("entity_id").loc["0e8c78ea9d97a7b8185e8632"]
    assert (initech["account_name"], initech["account_plan"], initech["industry"], initech["company_size"]) == (
        "Initech", "enterprise", "Technology", "201-1000")
    assert entities.set_index("entity_id").loc["acct_123", ["account_plan", "company_size"]].isna().all()
    rates = pk.pql_rate(entities, by="company_size")
    # 201-1000: Initech, not a PQL as sent (0 of 1); missing: acct_123, a PQL (1 of 1).
    by_size = {(None if pd.isna(size) else size): (int(n), int(p))
               for size, n, p in zip(rates["company_size"], rates["entities"], rates["pqls"])}
    assert by_size == {"201-1000": (1, 0), None: (1, 1)}


@pytest.mark.parametrize(
    ("group", "stitched", "entities_n", "pqls", "users", "events"),
    [
        pytest.param("organization", False, 2, 0, {"used": 2, "no_account": 1},
                     {"used": 8, "unknown_user": 3, "no_account": 1}, id="organization"),
        pytest.param("organization", True, 2, 1, {"used": 2, "no_account": 1},
                     {"used": 10, "unknown_user": 1, "no_account": 1}, id="organization-stitched"),
        pytest.param("project", True, 1, 1, {"used": 1, "no_account": 2},
                     {"used": 8, "unknown_user": 1, "no_account": 3}, id="project-stitched"),
    ],
)
def test_posthog_groups_give_the_accounts_and_pqls_counted_by_hand(group, stitched, entities_n, pqls, users, events):
    """The module docstring's PostHog rows: the chosen group type's accounts; an anonymous $opt_in stitched to
    pWAk... counts for pWAk...'s account."""
    source = ExportSource(POSTHOG, stitch_identities=stitched, account_group=group)
    entities, context = pk.entity_table(source, POSTHOG / "spec.yaml")
    assert len(entities) == entities_n
    assert int(entities["is_pql"].sum()) == pqls
    assert dropped(context.dataset, "users") == users
    assert dropped(context.dataset, "events") == events


def test_posthog_notes_and_traits_for_organizations():
    """Organizations: pWAk... in 018a...; distinct_id_of_the_user in org_own_2 first, then 018a... (1 user in
    several groups); 6 of the 12 events carry no organization. Traits: $group_set name X (posthog-js), and
    Own Org, scale, Software, 12 employees -> 11-50 (our posthog-node groupIdentify)."""
    dataset = pk.load(ExportSource(POSTHOG, account_group="organization"), level="account")
    assert account_notes(dataset.engine) == AccountNotes("organization", 2, 2, 1, 6)
    users = dataset.users().set_index("user_id")
    assert users.loc[U1, "account_id"] == O1 and users.loc[U1, "account_name"] == "X"
    assert tuple(users.loc["distinct_id_of_the_user", ["account_id", "account_name", "account_plan", "industry",
                                                       "company_size"]]) == ("org_own_2", "Own Org", "scale", "Software",
                                                                             "11-50")


def test_several_group_types_without_a_choice_are_listed_in_one_warning():
    """PostHog sends project, organization and instance: no account is guessed; one line lists the types."""
    with pytest.warns(pk.PqlkitWarning, match=r"several types \(instance, organization, project\); pass --account-group"):
        dataset = pk.load(POSTHOG, level="account")
    assert dropped(dataset, "users") == {"used": 0, "no_account": 3}
    assert account_notes(dataset.engine) is None


def test_an_account_group_that_is_not_in_the_events_is_an_error_naming_the_types_found():
    with pytest.raises(DataError, match=r"--account-group 'company': no group of that type .*types found: instance, "
                                        r"organization, project"):
        pk.load(ExportSource(POSTHOG, account_group="company"))


def test_the_users_tables_own_account_id_wins(tmp_path):
    """A users table with account_id keeps it: the group calls are not read into it."""
    folder = tmp_path / "segment"
    shutil.copytree(SEGMENT, folder)
    (folder / "users.csv").write_text("user_id,signup_at,account_id\n97980cfea0067,2015-02-23T22:00:00Z,own\n"
                                      "019mr8mf4r,2015-02-24T09:00:00Z,own\nAiUGstSDIg,2015-02-25T00:00:00Z,own\n")
    dataset = pk.load(folder, level="account")
    assert set(dataset.users()["account_id"]) == {"own"}
    assert "account_plan" not in dataset.users() and account_notes(dataset.engine) is None


def test_amplitude_groups_and_group_identify():
    """Amplitude's $groupidentify example puts datamonster@gmail.com in company_name [Amplitude, DataMonster]
    at one instant: the earliest call holds both, the key order breaks the tie (Amplitude), and the user counts
    in several groups. 203201202's earliest company_name is DataMonster, whose group identify sets plan
    Enterprise and 250 employees (201-1000). Every event carries a company_name: 0 without a group."""
    dataset = pk.load(ExportSource(EXPORTS / "amplitude_groups", account_group="company_name"), level="account")
    users = dataset.users().set_index("user_id")
    assert users.loc["datamonster@gmail.com", "account_id"] == "Amplitude"
    assert tuple(users.loc["203201202", ["account_id", "account_plan", "company_size"]]) == (
        "DataMonster", "Enterprise", "201-1000")
    assert account_notes(dataset.engine) == AccountNotes("company_name", 2, 2, 1, 0)


def test_mixpanel_group_key_is_the_property_named_by_the_user():
    """Mixpanel's Group Analytics example: company_id ["01234", "56789", "55555"] on u1's event; u2 sends
    "56789"; u3 none. u1 -> 01234 (first key of its earliest call; in several groups), u2 -> 56789, u3 no_account."""
    dataset = pk.load(ExportSource(EXPORTS / "mixpanel_groups", account_group="company_id"), level="account")
    assert dict(zip(dataset.users()["user_id"], dataset.users()["account_id"])) == {"u1": "01234", "u2": "56789"}
    assert dropped(dataset, "users") == {"used": 2, "no_account": 1}
    assert account_notes(dataset.engine) == AccountNotes("company_id", 2, 2, 1, 1)
    # Without the property's name Mixpanel events give no account.
    assert dropped(pk.load(EXPORTS / "mixpanel_groups", level="account"), "users") == {"used": 0, "no_account": 3}


def test_canonical_events_take_the_account_from_the_column_named(tmp_path):
    """Canonical events with a team_id column: a1 sends team T1 then T2 (earliest: T1), a2 T2, a3 none.
    Accounts T1 (a1) and T2 (a2); a3 and its event no_account; 1 user in several groups; 1 event without a team."""
    (tmp_path / "users.csv").write_text("user_id,signup_at\na1,2026-01-01T00:00:00Z\na2,2026-01-01T00:00:00Z\n"
                                        "a3,2026-01-01T00:00:00Z\n")
    (tmp_path / "events.csv").write_text(
        "user_id,event,timestamp,team_id\na1,login,2026-01-02T00:00:00Z,T1\na1,login,2026-01-03T00:00:00Z,T2\n"
        "a2,login,2026-01-02T00:00:00Z,T2\na3,login,2026-01-02T00:00:00Z,\n")
    dataset = pk.load(ExportSource(tmp_path, account_group="team_id"), level="account")
    assert dict(zip(dataset.users()["user_id"], dataset.users()["account_id"])) == {"a1": "T1", "a2": "T2"}
    assert dropped(dataset, "events") == {"used": 3, "no_account": 1}
    assert account_notes(dataset.engine) == AccountNotes("team_id", 2, 2, 1, 1)


def test_derive_users_writes_the_account_and_its_traits(tmp_path, capsys):
    """`pqlkit users` on the Segment rows: 9798... in Initech's account with its traits, 019mr8mf4r in
    acct_123 (no traits), AiUGstSDIg without an account."""
    frame = derive_users(SEGMENT)
    accounts = dict(zip(frame["user_id"], frame["account_id"]))
    assert accounts["97980cfea0067"] == "0e8c78ea9d97a7b8185e8632" and accounts["019mr8mf4r"] == "acct_123"
    assert pd.isna(accounts["AiUGstSDIg"])
    out = tmp_path / "users.csv"
    assert main(["users", str(SEGMENT), "--out", str(out)]) == 0
    written = pd.read_csv(out, dtype=str).set_index("user_id")
    assert list(written.columns) == ["signup_at", "signup_source", "account_id", "account_name", "account_plan",
                                     "industry", "company_size"]
    assert tuple(written.loc["97980cfea0067", ["account_plan", "company_size"]]) == ("enterprise", "201-1000")
    assert "2 accounts from the group calls" in capsys.readouterr().out


def test_validate_names_the_accounts_derived(capsys):
    """pqlkit validate: 2 users in 2 accounts, 0 in several groups, 3 events without a group (docstring)."""
    assert main(["validate", str(SEGMENT), "--level", "account", "--format", "json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["accounts_from_groups"] == {"group_type": "group", "users": 2, "accounts": 2,
                                              "users_in_several_groups": 0, "events_without_group": 3}


def test_cli_account_group_of_no_such_type_exits_2(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status = main(["validate", str(POSTHOG), "--account-group", "company"])
    assert status == 2
    err = capsys.readouterr().err
    assert "--account-group 'company'" in err and "Traceback" not in err


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
def test_spark_takes_the_account_from_the_column_as_duckdb_does(spark_engine, tmp_path):
    """The canonical team_id case above on Spark: the same users' accounts, the same ledger and notes
    (accounts T1 and T2; a3 no_account; 1 user in several groups; 1 event without a team)."""
    (tmp_path / "users.csv").write_text("user_id,signup_at\na1,2026-01-01T00:00:00Z\na2,2026-01-01T00:00:00Z\n"
                                        "a3,2026-01-01T00:00:00Z\n")
    (tmp_path / "events.csv").write_text(
        "user_id,event,timestamp,team_id\na1,login,2026-01-02T00:00:00Z,T1\na1,login,2026-01-03T00:00:00Z,T2\n"
        "a2,login,2026-01-02T00:00:00Z,T2\na3,login,2026-01-02T00:00:00Z,\n")
    source = ExportSource(tmp_path, account_group="team_id")
    spark = pk.load(source, level="account", engine=spark_engine)
    duck = pk.load(source, level="account")
    accounts = spark.users().set_index("user_id")["account_id"].to_dict()
    assert accounts == {"a1": "T1", "a2": "T2"} == duck.users().set_index("user_id")["account_id"].to_dict()
    pd.testing.assert_frame_equal(spark.ledger, duck.ledger)
    assert account_notes(spark.engine) == AccountNotes("team_id", 2, 2, 1, 1) == account_notes(duck.engine)


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
def test_spark_reads_a_converted_export_with_its_merges_and_accounts(spark_engine, tmp_path):
    """Spark reads canonical tables: pk.convert_events applies the merges and writes each row's account
    (column ``organization``); on Spark, --account-group organization then gives the module docstring's
    stitched PostHog answer: accounts 018a981e-f55c... and org_own_2, 1 PQL; events used 10, unknown_user 1
    (the server's group id), no_account 1 (id1)."""
    folder = tmp_path / "converted"
    folder.mkdir()
    shutil.copy(POSTHOG / "users.csv", folder / "users.csv")
    pk.convert_events(POSTHOG / "events.jsonl", folder / "events.csv", stitch_identities=True,
                      account_group="organization")
    spec = POSTHOG / "spec.yaml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        spark, context = pk.entity_table(ExportSource(folder, account_group="organization"), spec, engine=spark_engine)
        export, _ = pk.entity_table(ExportSource(POSTHOG, stitch_identities=True, account_group="organization"), spec)
    assert sorted(spark["entity_id"]) == sorted(export["entity_id"]) == sorted([O1, "org_own_2"])
    assert int(spark["is_pql"].sum()) == int(export["is_pql"].sum()) == 1
    assert dropped(context.dataset, "events") == {"used": 10, "unknown_user": 1, "no_account": 1}
