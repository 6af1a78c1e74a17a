"""Tests of the synthetic data generator, :mod:`pqlkit.synthetic`.

The expected numbers come from three places, named in each test: the generator's own
contract (the docstrings and ``data/README.md``), :data:`TRUE_PARAMETERS`, and an
independent recount in plain pandas of what is in the frames. Nothing here uses the
rest of pqlkit, so these tests stand alone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from pqlkit.synthetic import TRUE_PARAMETERS, Sample, expected_data_quality, generate_sample, write_sample

DATA = Path(__file__).resolve().parents[2] / "data"
TABLES = ("users", "events", "conversions")
TIMESTAMP_COLUMNS = {"users": "signup_at", "events": "timestamp", "conversions": "paid_at"}


@pytest.fixture(scope="module")
def dirty() -> Sample:
    return generate_sample(n_users=400, seed=3)


@pytest.fixture(scope="module")
def clean() -> Sample:
    return generate_sample(n_users=400, seed=3, dirty=False)


@pytest.fixture(scope="module")
def large() -> Sample:
    """20,000 clean users with the generator's latent activation, for statistical checks."""
    return generate_sample(n_users=20_000, seed=2, dirty=False, with_truth=True)


def parse(text: pd.Series) -> pd.Series:
    """Timestamps as a loader reads them (docs/metrics.md#data-quality): offsets to UTC, naive =
    UTC, bad = NaT."""
    return pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")


def read_back(path: Path, fmt: str, like: pd.DataFrame) -> pd.DataFrame:
    """A written table as a frame with the dtypes of ``like`` (ids as strings, mrr float)."""
    if fmt == "parquet":
        return pd.read_parquet(path)
    dtypes = {column: "str" for column in like.columns if column != "mrr"}
    frame = pd.read_csv(path, dtype=dtypes)
    if "mrr" in frame:
        frame["mrr"] = frame["mrr"].astype(float)
    for column in like.columns:
        if isinstance(like[column].dtype, pd.DatetimeTZDtype):
            frame[column] = parse(frame[column]).astype(like[column].dtype)
    return frame


def recount(frames: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """Drop reasons (docs/metrics.md#data-quality) recounted from the frames alone, first reason wins (user level
    plus ``no_account``), to compare with what the generator says it injected."""
    users, events, conversions = (frames[name] for name in TABLES)
    counts: dict[str, dict[str, int]] = {}

    user_duplicate = users["user_id"].duplicated()
    kept_users = users[~user_duplicate]
    signup = parse(kept_users["signup_at"]).set_axis(kept_users["user_id"])
    no_account = kept_users.loc[kept_users["account_id"].isna(), "user_id"]
    counts["users"] = {"duplicate": int(user_duplicate.sum()), "no_account": len(no_account)}

    missing = events[["user_id", "event", "timestamp"]].isna().any(axis=1)
    instant = parse(events["timestamp"])
    bad = ~missing & instant.isna()
    duplicate = ~missing & ~bad & events["event_id"].duplicated()
    left = ~missing & ~bad & ~duplicate
    unknown = left & ~events["user_id"].isin(signup.index)
    before = left & ~unknown & (instant < events["user_id"].map(signup))
    used = left & ~unknown & ~before
    counts["events"] = {
        "missing_value": int(missing.sum()),
        "bad_timestamp": int(bad.sum()),
        "duplicate": int(duplicate.sum()),
        "unknown_user": int(unknown.sum()),
        "before_signup": int(before.sum()),
        "no_account": int((used & events["user_id"].isin(no_account)).sum()),
    }
    unknown_payment = ~conversions["user_id"].isin(signup.index)
    counts["conversions"] = {
        "unknown_user": int(unknown_payment.sum()),
        "no_account": int((~unknown_payment & conversions["user_id"].isin(no_account)).sum()),
    }
    return counts


# --------------------------------------------------------------------------- #
# Determinism
# --------------------------------------------------------------------------- #


def test_same_seed_gives_identical_frames_and_another_seed_does_not():
    """Contract: the only randomness is ``default_rng(seed)``."""
    first = generate_sample(n_users=150, seed=5)
    second = generate_sample(n_users=150, seed=5)
    other = generate_sample(n_users=150, seed=6)
    for name in TABLES:
        pd.testing.assert_frame_equal(first[name], second[name])
    assert (first.injected, first.data_end, first.repeat_payments) == (
        second.injected, second.data_end, second.repeat_payments
    )
    assert not first["events"].equals(other["events"])
    assert not first["users"].equals(other["users"])


@pytest.mark.parametrize("fmt", ["csv", "csv.gz"])
def test_csv_files_are_byte_identical_for_identical_arguments(tmp_path, fmt):
    """Contract: CSV (and its gzip, which has no timestamp in its header) is byte-identical."""
    one = write_sample(tmp_path / "one", n_users=120, seed=9, fmt=fmt)
    two = write_sample(tmp_path / "two", n_users=120, seed=9, fmt=fmt)
    for name in TABLES:
        assert one[name].name == f"{name}.{fmt}"
        assert one[name].read_bytes() == two[name].read_bytes()


# --------------------------------------------------------------------------- #
# Shape and invariants
# --------------------------------------------------------------------------- #


def test_columns_and_dtypes(dirty, clean):
    """Contract: column names of the brief; text timestamps when dirty, UTC datetimes when clean."""
    assert dirty["users"].columns.tolist() == [
        "user_id", "signup_at", "account_id", "channel", "company_size", "country",
    ]  # fmt: skip
    assert dirty["events"].columns.tolist() == ["event_id", "user_id", "event", "timestamp", "platform"]
    assert dirty["conversions"].columns.tolist() == ["user_id", "account_id", "paid_at", "plan", "mrr"]
    for name, column in TIMESTAMP_COLUMNS.items():
        assert dirty[name][column].dtype == "str"
        assert clean[name][column].dtype == "datetime64[us, UTC]"
    assert dirty["conversions"]["mrr"].dtype == "float64"
    assert dirty["users"]["user_id"].str.fullmatch(r"u\d{7}").all()
    assert dirty["users"]["account_id"].dropna().str.fullmatch(r"a\d{6}").all()
    assert dirty["events"]["event_id"].str.fullmatch(r"e\d{9}").all()


def test_row_counts_and_ids(dirty):
    """Contract: n_users distinct users; ids unique except the injected duplicates."""
    users, events, conversions = (dirty[name] for name in TABLES)
    injected = dirty.injected
    assert users["user_id"].nunique() == 400
    assert len(users) == 400 + injected["users"]["duplicate"]
    assert users["user_id"].duplicated().sum() == injected["users"]["duplicate"]
    assert events["event_id"].duplicated().sum() == injected["events"]["duplicate"]
    # a duplicate event is an exact copy on the very next row
    repeated = events["event_id"].duplicated()
    position = np.flatnonzero(repeated)
    pd.testing.assert_frame_equal(
        events.iloc[position].reset_index(drop=True), events.iloc[position - 1].reset_index(drop=True)
    )
    # one first payment per paying account (or account-less payer), plus the kept upgrades
    known = conversions[conversions["user_id"].isin(users["user_id"])]
    payer_key = known["account_id"].fillna(known["user_id"])
    assert payer_key.duplicated().sum() == dirty.repeat_payments > 0


def test_dirty_false_is_the_same_sample_without_the_dirt(dirty, clean):
    """Contract: dirt is extra rows from its own random stream, so removing the injected
    rows from the dirty sample leaves the clean sample (same users, events, payments)."""
    assert all(count == 0 for name in TABLES for count in clean.injected[name].values())
    assert clean.repeat_payments == 0

    users = dirty["users"].drop_duplicates("user_id")
    pd.testing.assert_series_equal(users["user_id"], clean["users"]["user_id"])
    pd.testing.assert_series_equal(parse(users["signup_at"]), clean["users"]["signup_at"], check_names=False)
    assert (users["account_id"].isna() | (users["account_id"] == clean["users"]["account_id"])).all()

    counts = recount(dirty)["events"]
    dropped = sum(count for reason, count in counts.items() if reason != "no_account")
    assert len(dirty["events"]) - dropped == len(clean["events"])
    used = dirty["events"].assign(timestamp=parse(dirty["events"]["timestamp"]))
    used = used.dropna().drop_duplicates("event_id")
    used = used[used["user_id"].isin(clean["users"]["user_id"])]
    used = used.merge(clean["users"][["user_id", "signup_at"]], on="user_id")
    used = used[used["timestamp"] >= used["signup_at"]]
    columns = ["user_id", "event", "timestamp", "platform"]
    pd.testing.assert_frame_equal(
        used[columns].sort_values(columns, ignore_index=True),
        clean["events"][columns].sort_values(columns, ignore_index=True),
    )

    payments = dirty["conversions"]
    payments = payments[payments["user_id"].isin(clean["users"]["user_id"])]
    payments = payments.assign(paid_at=parse(payments["paid_at"])).sort_values("paid_at")
    payments = payments.drop_duplicates("user_id")  # the earliest payment of each payer
    pd.testing.assert_series_equal(
        payments["paid_at"].reset_index(drop=True), clean["conversions"]["paid_at"], check_names=False
    )


def test_clean_sample_has_no_dirty_rows(clean):
    """Contract of dirty=False: nothing for a loader to drop, every user has an account."""
    users, events, conversions = (clean[name] for name in TABLES)
    assert not users.isna().any().any() and not events.isna().any().any()
    assert not conversions.isna().any().any()
    assert users["user_id"].is_unique and events["event_id"].is_unique
    assert events["user_id"].isin(users["user_id"]).all()
    assert conversions["user_id"].isin(users["user_id"]).all()
    signup = events["user_id"].map(users.set_index("user_id")["signup_at"])
    assert (events["timestamp"] >= signup).all()
    assert recount(clean) == {
        "users": {"duplicate": 0, "no_account": 0},
        "events": dict.fromkeys(
            ["missing_value", "bad_timestamp", "duplicate", "unknown_user", "before_signup", "no_account"], 0
        ),
        "conversions": {"unknown_user": 0, "no_account": 0},
    }


def test_nothing_after_the_data_end(dirty):
    """Contract: no timestamp at or after start + days (the default as_of is the latest one)."""
    data_end = pd.Timestamp("2026-07-01", tz="UTC")
    assert dirty.data_end == "2026-07-01T00:00:00Z"
    for name, column in TIMESTAMP_COLUMNS.items():
        assert parse(dirty[name][column]).max() < data_end
    short = generate_sample(n_users=80, seed=1, start="2026-03-01", days=10, dirty=False)
    assert short["events"]["timestamp"].max() < pd.Timestamp("2026-03-11", tz="UTC")
    assert short["users"]["signup_at"].min() >= pd.Timestamp("2026-03-01", tz="UTC")


def test_every_event_user_is_known_or_counted_unknown(dirty):
    """Contract: an event's user is in users, empty (missing_value) or an injected unknown user."""
    events, users = dirty["events"], dirty["users"]
    stranger = events["user_id"].notna() & ~events["user_id"].isin(users["user_id"])
    unknown = dirty.injected["events"]["unknown_user"]
    assert stranger.sum() == unknown > 0
    assert dirty["conversions"]["user_id"].isin(users["user_id"]).sum() == len(dirty["conversions"]) - (
        dirty.injected["conversions"]["unknown_user"]
    )


def test_injected_counts_match_the_frames(dirty):
    """Expected numbers: the generator's ``Sample.injected``; checked against an independent
    pandas recount of every drop reason (first reason wins), and at least one row of each."""
    found = recount(dirty)
    for name in TABLES:
        injected = dirty.injected[name]
        assert injected["after_as_of"] == 0
        for reason, count in found[name].items():
            assert injected[reason] == count, (name, reason)
    assert all(count > 0 for count in found["events"].values())
    assert found["users"]["duplicate"] > 0 and found["users"]["no_account"] > 0
    assert found["conversions"]["unknown_user"] > 0


def test_expected_data_quality_ledger(dirty):
    """Expected numbers: the ledger arithmetic of docs/metrics.md#json-summary, read = used +
    sum(dropped); no_account only at account level."""
    user_level = expected_data_quality(dirty)
    account_level = expected_data_quality(dirty, level="account")
    for name in TABLES:
        for ledger in (user_level[name], account_level[name]):
            assert ledger["read"] == len(dirty[name])
            assert ledger["read"] == ledger["used"] + sum(ledger["dropped"].values())
        assert "no_account" not in user_level[name]["dropped"]
    assert account_level["users"]["dropped"]["no_account"] == dirty["users"]["account_id"].isna().sum()
    with pytest.raises(ValueError, match="`level` must be one of"):
        expected_data_quality(dirty, level="team")
    with pytest.raises(TypeError, match="must be the Sample that generate_sample returns"):
        expected_data_quality(dict(dirty))


def test_sample_is_a_frozen_mapping_of_its_tables(dirty, large):
    """Contract (Sample docstring): the tables by name, "truth" only when asked for; frozen, so the
    counts cannot be changed by a caller; nothing kept in DataFrame.attrs."""
    assert isinstance(dirty, Mapping) and list(dirty) == list(TABLES) and len(dirty) == 3
    assert list(large) == [*TABLES, "truth"] and large["truth"] is large.truth
    assert dirty["events"] is dirty.events
    with pytest.raises(KeyError):
        dirty["truth"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        dirty.data_end = "2030-01-01T00:00:00Z"  # type: ignore[misc]
    with pytest.raises(TypeError):
        dirty.injected["events"]["duplicate"] = 0  # type: ignore[index]
    assert all(dirty[name].attrs == {} for name in TABLES)
    assert dirty == dirty and dirty != large  # by identity: comparing frames has no single truth value


def test_typed_timestamps_hold_the_same_instants_and_bad_ones_are_missing(dirty):
    """Expected values: the instants of the text sample (same arguments) parsed by pandas; a bad
    timestamp has no place in a ``TIMESTAMP WITH TIME ZONE`` column, so it is null there and its
    row is a ``missing_value`` (counts checked by the independent recount)."""
    typed = generate_sample(n_users=400, seed=3, timestamps="typed")
    for name, column in TIMESTAMP_COLUMNS.items():
        assert typed[name][column].dtype == "datetime64[us, UTC]"
        pd.testing.assert_series_equal(typed[name][column], parse(dirty[name][column]))
        others = [c for c in dirty[name].columns if c != column]
        pd.testing.assert_frame_equal(typed[name][others], dirty[name][others])
    found = recount(typed)
    text_events = dirty.injected["events"]
    assert typed.injected["events"]["bad_timestamp"] == found["events"]["bad_timestamp"] == 0
    assert typed.injected["events"]["missing_value"] == found["events"]["missing_value"] == (
        text_events["missing_value"] + text_events["bad_timestamp"]
    )
    for name in TABLES:
        for reason, count in found[name].items():
            assert typed.injected[name][reason] == count, (name, reason)


def test_timestamp_text_formats(dirty):
    """Expected shares: TRUE_PARAMETERS["timestamp_format_mix"] (95% Z, 2.5% offset, 2.5% naive),
    within 4 binomial standard errors. (That an offset shows the same instant is checked by
    test_dirty_false_is_the_same_sample_without_the_dirt.)"""
    text = dirty["events"]["timestamp"].dropna()
    text = text[parse(text).notna()]
    share_z = text.str.endswith("Z").mean()
    share_offset = text.str.contains(r"[+-]\d\d:\d\d$").mean()
    share_naive = 1 - share_z - share_offset
    se = math.sqrt(0.025 * 0.975 / len(text))
    assert abs(share_offset - 0.025) < 4 * se and abs(share_naive - 0.025) < 4 * se


def test_accounts_share_their_attributes_and_join_after_the_first_user(clean):
    """Contract: channel, company size and country are account attributes; teammates join
    after the account's first user; no account has more than 20 users."""
    users = clean["users"]
    per_account = users.groupby("account_id")
    assert (per_account[["channel", "company_size", "country"]].nunique() == 1).all().all()
    assert per_account.size().max() <= 20
    first = per_account["signup_at"].transform("min")
    assert (users["signup_at"] >= first).all()


def test_payments_follow_the_plan_prices(clean):
    """Expected numbers: TRUE_PARAMETERS["plan_mrr"]; a payer pays after signing up."""
    conversions, users = clean["conversions"], clean["users"]
    prices = conversions["plan"].map(dict(TRUE_PARAMETERS["plan_mrr"]))
    pd.testing.assert_series_equal(conversions["mrr"], prices, check_names=False)
    signup = conversions["user_id"].map(users.set_index("user_id")["signup_at"])
    assert (conversions["paid_at"] > signup).all()
    account = conversions["user_id"].map(users.set_index("user_id")["account_id"])
    assert (account == conversions["account_id"]).all()


# --------------------------------------------------------------------------- #
# The true parameters
# --------------------------------------------------------------------------- #


def test_activated_users_are_exactly_the_pqls_of_the_bundled_spec():
    """Contract (module docstring, data/README.md): with data/activation.yaml, a user with 14
    days of data after signup completes >= 3 of the 4 steps in the window iff the generator
    activated them. Steps are recounted here in plain pandas from the spec file."""
    spec = yaml.safe_load((DATA / "activation.yaml").read_text())
    frames = generate_sample(n_users=700, seed=21, dirty=False, with_truth=True)
    users, events, truth = frames["users"], frames["events"], frames["truth"]
    window = pd.Timedelta(days=spec["window_days"])
    events = events.merge(users[["user_id", "signup_at"]], on="user_id")
    in_window = events[events["timestamp"] <= events["signup_at"] + window]
    counts = in_window.groupby(["user_id", "event"]).size().unstack(fill_value=0)
    done = pd.DataFrame(
        {
            step["name"]: counts.get(step["event"], pd.Series(0, index=counts.index)) >= step.get("min_count", 1)
            for step in spec["steps"]
        }
    ).reindex(users["user_id"], fill_value=False)
    needed = math.ceil(spec["threshold"] * len(spec["steps"]) - 1e-9)
    is_pql = done.sum(axis=1) >= needed
    observed = (users.set_index("user_id")["signup_at"] + window) < pd.Timestamp("2026-07-01", tz="UTC")
    activated = truth.set_index("user_id")["activated"]
    assert observed.sum() > 600
    pd.testing.assert_series_equal(is_pql[observed], activated[observed], check_names=False)
    # activated_at is when the third step was done, inside the window
    at = truth.set_index("user_id")["activated_at"][activated & observed]
    signup = users.set_index("user_id")["signup_at"][at.index]
    assert ((at > signup) & (at <= signup + window)).all()


def test_channel_activation_is_the_expected_share_of_each_channel(large):
    """Expected numbers: TRUE_PARAMETERS["channel_activation"], the mean over users of the
    activation probability in each channel (the size multipliers average 1 over users);
    20,000 users, tolerance 4 binomial standard errors per channel."""
    activated = large["truth"]["activated"].groupby(large["users"]["channel"].to_numpy()).agg(["mean", "size"])
    for channel, expected in TRUE_PARAMETERS["channel_activation"].items():
        share, size = activated.loc[channel]
        se = math.sqrt(expected * (1 - expected) / size)
        assert abs(share - expected) < 4 * se, (channel, share, expected)


def test_company_size_multipliers_average_one_over_users(large):
    """Expected number: 1, by construction (raw multipliers divided by their user-weighted mean,
    users per company size = size mix x mean users per account); checked on 20,000 users."""
    multipliers = TRUE_PARAMETERS["company_size_activation_multiplier"]
    sizes = large["users"]["company_size"]
    assert sizes.map(dict(multipliers)).mean() == pytest.approx(1.0, abs=0.01)


def test_true_parameters_are_read_only():
    """Contract: the generator reads TRUE_PARAMETERS, so it must not be changed by a caller."""
    with pytest.raises(TypeError):
        TRUE_PARAMETERS["channel_activation"]["referral"] = 0.9  # type: ignore[index]
    assert set(TRUE_PARAMETERS["channel_activation"]) == set(TRUE_PARAMETERS["channel_mix"])


# --------------------------------------------------------------------------- #
# Files
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("fmt", "timestamps"), [("parquet", "typed"), ("parquet", "text"), ("csv", "text"), ("csv.gz", "text")]
)
@pytest.mark.parametrize("is_dirty", [True, False], ids=["dirty", "clean"])
def test_written_files_round_trip(tmp_path, fmt, timestamps, is_dirty):
    """Expected frames: generate_sample with the same arguments."""
    paths = write_sample(tmp_path, n_users=200, seed=4, fmt=fmt, dirty=is_dirty, timestamps=timestamps)
    frames = generate_sample(n_users=200, seed=4, dirty=is_dirty, timestamps=timestamps)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(f"{name}.{fmt}" for name in TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(read_back(paths[name], fmt, frames[name]), frames[name])


@pytest.mark.parametrize("is_dirty", [True, False], ids=["dirty", "clean"])
def test_parquet_timestamps_are_typed_as_a_warehouse_unload_writes_them(tmp_path, is_dirty):
    """Expected types: Arrow ``timestamp[us, tz=UTC]`` (``TIMESTAMP WITH TIME ZONE``) by default for
    Parquet, strings with ``timestamps="text"``; read back with pyarrow."""
    typed = write_sample(tmp_path / "typed", n_users=60, seed=2, fmt="parquet", dirty=is_dirty)
    text = write_sample(tmp_path / "text", n_users=60, seed=2, fmt="parquet", dirty=is_dirty, timestamps="text")
    for name, column in TIMESTAMP_COLUMNS.items():
        assert pq.read_schema(typed[name]).field(column).type == pa.timestamp("us", tz="UTC")
        assert pq.read_schema(text[name]).field(column).type == pa.string()
        assert pq.read_schema(typed[name]).field("user_id").type == pa.string()


def test_typed_timestamps_need_parquet(tmp_path):
    """Contract (write_sample docstring): CSV always holds text."""
    with pytest.raises(ValueError, match="`timestamps='typed'` needs fmt='parquet', not 'csv'"):
        write_sample(tmp_path, n_users=10, fmt="csv", timestamps="typed")
    with pytest.raises(ValueError, match=r"`timestamps` must be one of \('typed', 'text'\), but 'native'"):
        generate_sample(n_users=10, timestamps="native")
    assert not any(tmp_path.iterdir())


def test_bundled_sample_is_reproducible(tmp_path):
    """Expected bytes: data/sample as committed. The command of data/README.md
    (``pqlkit sample data/sample --users 3000 --seed 7 --format csv.gz``, i.e. this call)
    must write exactly these files, and they must read back as generate_sample's frames."""
    paths = write_sample(tmp_path, n_users=3000, seed=7, fmt="csv.gz")
    for name in TABLES:
        assert paths[name].read_bytes() == (DATA / "sample" / f"{name}.csv.gz").read_bytes(), name
    frames = generate_sample(n_users=3000, seed=7)
    for name in TABLES:
        pd.testing.assert_frame_equal(read_back(DATA / "sample" / f"{name}.csv.gz", "csv.gz", frames[name]), frames[name])
    assert len(frames["users"]["user_id"].unique()) == 3000


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param({"fmt": "xlsx"}, r"`fmt` must be one of \('parquet', 'csv', 'csv.gz'\), but 'xlsx'", id="fmt"),
        pytest.param({"n_users": 0}, r"`n_users` must be at least 1, but 0 was passed", id="no-users"),
        pytest.param({"n_users": 2.5}, r"`n_users` must be an integer, but 2.5 was passed", id="float-users"),
        pytest.param({"n_users": True}, r"`n_users` must be an integer", id="bool-users"),
        pytest.param({"days": 0}, r"`days` must be at least 1", id="days"),
        pytest.param({"seed": -1}, r"`seed` must be at least 0", id="seed"),
        pytest.param({"start": "someday"}, r"`start` must be an ISO 8601 date", id="start"),
    ],
)
def test_bad_arguments_are_value_errors(tmp_path, arguments, message):
    """Wording in the style of STYLE.md: what was expected and what was passed."""
    with pytest.raises(ValueError, match=message):
        write_sample(tmp_path, **arguments)
    if "fmt" not in arguments:
        with pytest.raises(ValueError, match=message):
            generate_sample(**arguments)
    assert not any(tmp_path.iterdir())


def test_tiny_samples():
    """Edge cases: one user, one day; still one users row, events of that user only."""
    frames = generate_sample(n_users=1, seed=0, days=1, dirty=False)
    assert len(frames["users"]) == 1
    assert frames["events"]["user_id"].eq("u0000001").all()
    dirty_one = generate_sample(n_users=1, seed=0, days=1)
    assert dirty_one["users"]["user_id"].nunique() == 1
