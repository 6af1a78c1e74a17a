"""The data-quality rules in SQL: each row's first reason, the ledger, and the clean tables.

The third stage of loading (docs/architecture.md, docs/metrics.md#data-quality). The events are never
copied: two light passes find the duplicates, and one tagging pass keeps the ledger, the latest event
time and the per-user step facts (``event_facts``) that the reduction reads.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pqlkit.base.columns import (
    REASONS,
    TABLE_REASONS,
    stage_sql,
    staged_value_sql,
    timestamp_literal,
)
from pqlkit.base.errors import DataQualityError, PqlkitWarning
from pqlkit.base.sql import quote_identifier, sql_string
from pqlkit.core.asof import utc_datetime

if TYPE_CHECKING:
    import pandas as pd

# Every name here is a step of pqlkit.load's checks, imported by the core modules; none is an analyst's.
__all__: list[str] = []


_FAR_FUTURE_DAYS = 90


def warn_far_future(engine, sources: Mapping[str, str], latest: Mapping[str, dt.datetime | None]) -> None:
    """Warn when the default ``as_of`` is pulled far past the other tables by a few events.

    docs/metrics.md#definitions makes the default ``as_of`` the latest parseable timestamp, so one event with a broken
    clock (2099-01-01) moves the whole analysis to 2099: every trial looks old, nobody is current.
    That stays the rule; this names the events that did it and what to do. ``latest`` holds each
    table's latest timestamp, so the events are only counted when there is something to count.
    """
    others = [stamp for table, stamp in latest.items() if table != "events" and stamp is not None]
    if not others or latest.get("events") is None:
        return
    reference = max(others)
    limit = reference + dt.timedelta(days=_FAR_FUTURE_DAYS)
    if latest["events"] <= limit:
        return
    count = engine.rows(f"SELECT count(*) FROM stage_events WHERE _ts > {timestamp_literal(limit)}")[0][0]
    if count:
        warnings.warn(
            f"{sources['events']}: {count} event(s) are more than {_FAR_FUTURE_DAYS} days after the latest signup or "
            f"payment ({reference.isoformat()}), the latest at {latest['events'].isoformat()}; the default as_of is that "
            "latest timestamp, so every trial looks old and no PQL is current. Pass --as-of (as_of=) with the "
            "date of the export, or fix those timestamps",
            PqlkitWarning,
            stacklevel=3,
        )


def warn_as_of_outside(engine, as_of: dt.datetime, *, active_days: float) -> None:
    """Warn when a given ``as_of`` lies outside the data: before the first signup, or more than
    ``active_days`` after the last event (docs/metrics.md#as-of-and-ids).

    Either way the run would report zeros (no entity signed up yet; no PQL seen within the active
    window) without anything being wrong with the data. The range is that of every row read with a
    parseable time (dropped rows included), from ``tagged_users`` and ``event_facts``.
    """
    first_signup = utc_datetime(engine.rows("SELECT min(_ts) FROM tagged_users")[0][0])
    last_event = utc_datetime(engine.rows("SELECT max(latest) FROM event_facts")[0][0])
    if first_signup is None or last_event is None:
        return
    span = f"the data runs from the first signup, {first_signup.isoformat()}, to the last event, {last_event.isoformat()}"
    if as_of < first_signup:
        warnings.warn(
            f"as_of {as_of.isoformat()} is before the first signup: no user had signed up by then, so every "
            f"number is zero; {span}. Pass an as_of (--as-of) in that range",
            PqlkitWarning, stacklevel=3,
        )
    elif as_of > last_event + dt.timedelta(days=active_days):
        gap = (as_of - last_event) / dt.timedelta(days=1)
        warnings.warn(
            f"as_of {as_of.isoformat()} is {gap:.0f} days after the last event, more than the active window "
            f"({active_days:g} days): no PQL can be current and every trial looks old; {span}. Pass the date "
            "of the export as --as-of (as_of=), or check that the events are complete",
            PqlkitWarning, stacklevel=3,
        )


def tag_users(engine, as_of: str, account: bool) -> None:
    engine.table(
        "tagged_users",
        f"""
        SELECT s.*,
            CASE
                WHEN s.user_id IS NULL OR NOT s._ts_present THEN 'missing_value'
                WHEN s._ts IS NULL THEN 'bad_timestamp'
                WHEN f._row IS NULL THEN 'duplicate'
                WHEN s._ts > {as_of} THEN 'after_as_of'
                WHEN {account} AND s.account_id IS NULL THEN 'no_account'
            END AS _reason
        FROM stage_users AS s
        LEFT JOIN (
            SELECT min(_row) AS _row FROM stage_users WHERE user_id IS NOT NULL AND _ts IS NOT NULL GROUP BY user_id
        ) AS f ON s._row = f._row
        """,
    )
    # The users an event or payment can belong to: those past the first three checks.
    engine.table(
        "known_users",
        """
        SELECT user_id, account_id, _ts AS signup_at FROM tagged_users
        WHERE _reason IS NULL OR _reason IN ('after_as_of', 'no_account')
        """,
    )


def _event_keys(columns: Mapping[str, str]) -> list[str]:
    """SQL expressions over ``stage_events`` that two duplicate events share.

    The same non-empty ``event_id``; rows without one (or tables without the column) are compared on
    every column, timestamps as instants.
    """
    others = [quote_identifier(name) for name in columns if name not in ("event_id", "timestamp")] + ["_ts"]
    if "event_id" in columns:
        return ["event_id"] + [f"CASE WHEN event_id IS NULL THEN {part} END" for part in others]
    return others


def _duplicate_hash_sql(columns: Mapping[str, str]) -> str:
    """SQL over ``raw_events``: a hash that two duplicate events without an ``event_id`` share.

    The hash of every other column as staged (timestamps as instants). Equal hashes of rows that
    are not duplicates only make candidates.
    """
    value = {name: staged_value_sql("events", name, columns) for name in columns}
    others = [value[name] for name in columns if name not in ("event_id", "timestamp")] + [value["timestamp"]]
    return f"hash({', '.join(others)})"


_VALID_EVENT = "user_id IS NOT NULL AND event IS NOT NULL AND _ts IS NOT NULL"
_VALID_COLUMNS = ("user_id", "event", "timestamp")  # what _VALID_EVENT reads, as raw columns


def _repeated_ids_sql(columns: Mapping[str, str]) -> str:
    """SQL over ``raw_events``: the hashes of the ``event_id`` values, as read, that may have a duplicate.

    One aggregate over a 64-bit hash of the ids as they are (a fixed-width key groups faster than
    the text: 0.8 s against 2.0 s for 10M distinct ids), no trimming per row. A hash is kept when
    it is read more than once (a shared id, or rarely two ids with one hash: extra candidates,
    which the exact check drops) or when an id with it is ``_special``: missing, empty or holding a
    space, so that it may be blank or need trimming.
    """
    text = "CAST(event_id AS VARCHAR)"
    special = f"event_id IS NULL OR {text} = '' OR contains({text}, ' ')"
    return f"""
        SELECT hash(event_id) AS _h, bool_or({special}) AS _special
        FROM raw_events GROUP BY 1
        HAVING count(*) > 1 OR bool_or({special})
    """


def _trimmed_ids_sql(columns: Mapping[str, str]) -> str:
    """SQL to add to the candidates' condition: ids equal to the trimmed form of an id that holds a space
    (``'e1'`` for ``' e1'``), so that every id shared after trimming is found; nothing for ids that are
    not text."""
    if not _is_text_type(columns["event_id"]):
        return ""
    text = "CAST(event_id AS VARCHAR)"
    return f" OR event_id IN (SELECT trim({text}) FROM raw_events WHERE contains({text}, ' '))"


def _is_text_type(dtype: str) -> bool:
    return dtype.upper() == "VARCHAR"


def find_event_duplicates(engine, columns: Mapping[str, str], *, row: str) -> None:
    """``event_duplicates``: the ``_row`` of every duplicate event, found without copying the events.

    Duplicates are rare, so two light passes find them: one aggregate over a hash of the
    ``event_id`` values as read keeps those that may be shared (:func:`_repeated_ids_sql`), and a
    semi-join takes the rows behind them. Rows with a blank ``event_id`` (or a table without the column) are compared on
    every column: a hash aggregate over those rows keeps the hashes seen more than once
    (:func:`_duplicate_hash_sql`). Only the candidate rows are then staged, checked and numbered by
    their exact keys (:func:`_event_keys`) in file order; every checked row but the first of an
    exact group is a duplicate. ``row`` is the raw table's file-order column (``_row`` or ``rowid``).

    The id aggregate is the one step whose memory grows with the events (one entry per distinct
    id); past the memory limit DuckDB spills it to disk.
    """
    hashed = _duplicate_hash_sql(columns)
    if "event_id" in columns:
        engine.table("event_ids", _repeated_ids_sql(columns))
        chosen = "hash(event_id) IN (SELECT _h FROM event_ids)"
        if engine.rows("SELECT count(*) FROM event_ids WHERE _special")[0][0]:
            # Rare: ids that are blank or need trimming. A blank id's rows are compared on every
            # column (through the hash of those), and a spaced id's trimmed form is a candidate too.
            blank = f"{staged_value_sql('events', 'event_id', columns)} IS NULL"
            engine.table("event_hashes", f"SELECT {hashed} AS _h FROM raw_events WHERE {blank} GROUP BY 1 HAVING count(*) > 1")
            chosen = (f"(({chosen}{_trimmed_ids_sql(columns)}) AND NOT ({blank})) "
                      f"OR ({blank} AND {hashed} IN (SELECT _h FROM event_hashes))")
        else:  # every candidate has an id: its other columns are not compared, so not read
            columns = {name: kind for name, kind in columns.items() if name in ("event_id", *_VALID_COLUMNS)}
    else:
        engine.table("event_hashes", f"SELECT {hashed} AS _h FROM raw_events GROUP BY 1 HAVING count(*) > 1")
        chosen = f"{hashed} IN (SELECT _h FROM event_hashes)"
    # The candidates are taken raw, in a statement of their own: checks pushed down into this scan
    # would stage every row.
    listed = ", ".join(quote_identifier(name) for name in columns)
    engine.table("event_candidates", f"SELECT {listed}, {row} AS _file_row FROM raw_events WHERE {chosen}")
    staged = stage_sql("events", columns, row="_file_row", source="event_candidates")
    engine.table(
        "event_duplicates",
        f"""
        SELECT _row FROM (
            SELECT _row, row_number() OVER (PARTITION BY {', '.join(_event_keys(columns))} ORDER BY _row) AS copy
            FROM ({staged}) AS staged
            WHERE {_VALID_EVENT}
        ) AS candidates
        WHERE copy > 1
        """,
    )
    engine.drop("event_ids", "event_hashes", "event_candidates")


def _event_reasons(as_of: str, account: bool) -> list[tuple[str, str]]:
    """The events' checks, in the contract's order: ``(SQL condition, reason)``; the first that holds applies."""
    return [
        ("e.user_id IS NULL OR e.event IS NULL OR NOT e._ts_present", "missing_value"),
        ("e._ts IS NULL", "bad_timestamp"),
        ("d._row IS NOT NULL", "duplicate"),
        ("u.user_id IS NULL", "unknown_user"),
        ("e._ts < u.signup_at", "before_signup"),
        (f"e._ts > {as_of}", "after_as_of"),
        (f"{account} AND u.account_id IS NULL", "no_account"),
    ]


def _tagged_sql(as_of: str, account: bool, columns: str, *, coded: bool) -> str:
    """SQL: every staged event with ``columns`` and its first reason (NULL: used): the reason's name, or
    with ``coded`` its number (its place in :data:`~pqlkit.base.columns.REASONS`, from 1)."""
    ladder = "\n".join(
        f"WHEN {condition} THEN {REASONS.index(reason) + 1 if coded else sql_string(reason)}"
        for condition, reason in _event_reasons(as_of, account)
    )
    return f"""
        SELECT {columns}, CASE {ladder} END AS {'_code' if coded else '_reason'}
        FROM stage_events AS e
        LEFT JOIN event_duplicates AS d ON e._row = d._row
        LEFT JOIN known_users AS u ON e.user_id = u.user_id
    """


def tagged_events_sql(as_of: str, account: bool, columns: Mapping[str, str]) -> str:
    """SQL: every staged event with its entity and the first reason that applies (NULL: used).

    Read as a view by queries of the clean events; the facts pass reads :func:`coded_events_sql`,
    the same checks with the reason as a number.
    """
    return _tagged_sql(as_of, account, f"e.user_id, u.{entity_column(account)} AS entity_id, e.event, e._ts AS ts", coded=False)


def entity_column(account: bool) -> str:
    """The ``known_users`` column that names a user's entity: ``account_id`` at account level, else ``user_id``."""
    return "account_id" if account else "user_id"


def coded_events_sql(as_of: str, account: bool) -> str:
    """SQL: every staged event's ``user_id``, ``event``, ``ts`` and its first reason as a number
    (``_code``, NULL: used), for the facts pass: a small number groups faster than the reason's name."""
    return _tagged_sql(as_of, account, "e.user_id, e.event, e._ts AS ts", coded=True)


def event_facts(engine, *, step_events: Mapping[str, int] | None = None, entity: str = "user_id") -> dict[str, int]:
    """The tagging pass: ``event_facts``, everything later steps need, in one scan of the events.

    One row per ``_reason`` (NULL: used), ``entity_id`` and ``user_id`` of the tagged events: the
    rows (``n``), the latest time (``latest``: of any row, so the latest event time read, and for
    used rows the user's last activity) and, per step event ``i`` (in sorted order,
    :func:`fact_column`), its rows (``n_i``) and its ``k`` earliest times (``first_i``, a sorted
    list), ``k`` being the largest ``min_count`` of the steps that count it. The k-th qualifying
    event of an account is among its users' k earliest, so the reduction reads this table of about
    one row per user, not the events; summed over a reason, it is the ledger.

    The scan (``coded_events``) groups by the reason's number and ``user_id`` only: a user's entity
    (``entity``: ``user_id``, or ``account_id`` at account level) is looked up in ``known_users``
    on the grouped rows, and the number turned into the reason's name there.

    Returns the step events covered, with their ``k``, sorted (the :attr:`Dataset.event_facts`).
    """
    step_events = dict(sorted((step_events or {}).items()))
    per_step = []
    for index, (event, depth) in enumerate(step_events.items()):
        is_step = f"event = {sql_string(event)}"
        per_step.append(f"count(*) FILTER (WHERE {is_step}) AS n_{index}")
        per_step.append(f"{engine.smallest('ts', depth, where=is_step)} AS first_{index}")
    names = "".join(f" WHEN {REASONS.index(reason) + 1} THEN {sql_string(reason)}" for reason in REASONS)
    columns = "".join(f", f.n_{index}, f.first_{index}" for index in range(len(step_events)))
    engine.table(
        "event_facts",
        f"""
        SELECT CASE f._code{names} END AS _reason, u.{entity} AS entity_id, f.user_id, f.n, f.latest{columns}
        FROM (
            SELECT _code, user_id, count(*) AS n, max(ts) AS latest{''.join(', ' + part for part in per_step)}
            FROM coded_events
            GROUP BY _code, user_id
        ) AS f
        LEFT JOIN known_users AS u ON f.user_id = u.user_id
        """,
    )
    return step_events


def fact_column(step_events: Mapping[str, int], event: str, kind: str = "first") -> str:
    """The ``event_facts`` column of a step event: ``first_i`` (its earliest times) or ``n_i`` (its rows)."""
    return f"{kind}_{list(step_events).index(event)}"


def tag_conversions(engine, as_of: str, account: bool, columns: Mapping[str, str]) -> None:
    if account:
        missing = "c.user_id IS NULL AND c.account_id IS NULL"
        known = "(a.account_id IS NOT NULL OR u.user_id IS NOT NULL)"
        entity = "COALESCE(a.account_id, u.account_id)"
    else:
        missing = "c.user_id IS NULL"
        known = "u.user_id IS NOT NULL"
        entity = "u.user_id"
    extras = [f"c.{quote_identifier(name)}" for name in ("plan", "mrr") if name in columns]
    engine.table(
        "tagged_conversions",
        f"""
        SELECT c.user_id, c.account_id, {entity} AS entity_id, c._ts AS paid_at{''.join(', ' + x for x in extras)},
            CASE
                WHEN {missing} OR NOT c._ts_present THEN 'missing_value'
                WHEN c._ts IS NULL THEN 'bad_timestamp'
                WHEN NOT {known} THEN 'unknown_user'
                WHEN c._ts > {as_of} THEN 'after_as_of'
                WHEN {account} AND {entity} IS NULL THEN 'no_account'
            END AS _reason
        FROM stage_conversions AS c
        LEFT JOIN known_users AS u ON c.user_id = u.user_id
        LEFT JOIN (SELECT DISTINCT account_id FROM known_users WHERE account_id IS NOT NULL) AS a
            ON c.account_id = a.account_id
        """,
    )


def count_read(engine, sources: Mapping[str, str]) -> dict[str, int]:
    """The rows of each raw table as read from its source (one ``count(*)`` each, in one query).

    Counted before any check, so the ledger's ``read`` is a count of its own, not the sum of the
    outcomes: :func:`ledger_records` then checks that read = used + dropped.
    """
    union = " UNION ALL ".join(f"SELECT '{table}' AS table_name, count(*) AS n FROM raw_{table}" for table in sources)
    return {table: int(n) for table, n in engine.rows(union)}


def ledger_records(engine, sources: Mapping[str, str], level: str, read_counts: Mapping[str, int]) -> list[dict]:
    """The ledger as records, after checking that every row read is used or dropped exactly once.

    One record per table and outcome, ``{"table", "reason", "rows", "read"}`` (the columns of
    :attr:`pqlkit.Dataset.ledger` but ``id_form``, which :func:`with_id_form` adds), plain Python values:
    the command line builds no pandas frame.

    Raises
    ------
    RuntimeError
        When the tagged rows of a table do not add up to the rows read: a row was lost or made
        between reading and tagging. That is a bug in pqlkit, never in the data.
    """
    rows = []
    counted = {
        "users": "SELECT COALESCE(_reason, 'used') AS outcome, count(*) AS n FROM tagged_users GROUP BY 1",
        "events": "SELECT COALESCE(_reason, 'used') AS outcome, sum(n) AS n FROM event_facts GROUP BY 1",
        "conversions": "SELECT COALESCE(_reason, 'used') AS outcome, count(*) AS n FROM tagged_conversions GROUP BY 1",
    }
    for table in sources:
        counts = {outcome: int(n) for outcome, n in engine.rows(counted[table])}
        tagged = int(sum(counts.values()))
        if tagged != read_counts[table]:
            raise RuntimeError(
                f"internal error: {sources[table]}: {read_counts[table]} rows were read but {tagged} were tagged "
                f"as used or dropped ({counts}); the data-quality ledger would not add up. Please report this "
                "as a pqlkit bug"
            )
        reasons = [r for r in TABLE_REASONS[table] if level == "account" or r != "no_account"]
        read = read_counts[table]
        rows.append({"table": table, "reason": "used", "rows": counts.get("used", 0), "read": read})
        rows.extend({"table": table, "reason": reason, "rows": counts.get(reason, 0), "read": read} for reason in reasons)
    return rows


def ledger_frame(records: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Ledger records (:func:`ledger_records`, :func:`with_id_form`) as the pandas frame
    :attr:`pqlkit.Dataset.ledger` is: one row per record, in order, the counts as ``int64``."""
    import pandas as pd  # the Python API's frame; the checks and the command line use the records

    frame = pd.DataFrame([dict(record) for record in records])
    counts = [name for name in ("rows", "read", "id_form") if name in frame]
    return frame.astype(dict.fromkeys(counts, "int64"))


def raise_if_dropped(records: Sequence[Mapping[str, object]]) -> None:
    failures = [record for record in records if record["reason"] != "used" and record["rows"] > 0]
    if not failures:
        return
    listed = ", ".join(f"{r['table']}.{r['reason']}={r['rows']}" for r in failures)
    raise DataQualityError(
        f"strict mode: {sum(int(r['rows']) for r in failures)} rows would be dropped ({listed}); "
        "run `pqlkit validate` for the ledger, fix the data or run without --strict",
        failure_cases=ledger_frame(failures),
    )


def publish_clean_tables(engine, level: str, sources: Mapping[str, str]) -> None:
    entity = "user_id" if level == "user" else "account_id"
    user_columns = [
        name for name in engine.columns("tagged_users")
        if not name.startswith("_") and name not in ("user_id", "account_id")
    ]
    segment_list = "".join(f", {quote_identifier(name)}" for name in user_columns)
    engine.table(
        "users",
        f"""
        SELECT user_id, {entity} AS entity_id, _ts AS signup_at, account_id{segment_list}
        FROM tagged_users WHERE _reason IS NULL
        """,
    )
    engine.view("events", "SELECT user_id, entity_id, event, ts FROM tagged_events WHERE _reason IS NULL")  # read on demand
    if "conversions" in sources:
        kept = [name for name in engine.columns("tagged_conversions") if name != "_reason"]
        engine.table("conversions", f"SELECT {', '.join(quote_identifier(n) for n in kept)} FROM tagged_conversions WHERE _reason IS NULL")
    else:
        engine.table(
            "conversions",
            "SELECT CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS VARCHAR) AS account_id, "
            "CAST(NULL AS VARCHAR) AS entity_id, CAST(NULL AS TIMESTAMPTZ) AS paid_at WHERE FALSE",
        )
    # The events view reads stage_events, event_duplicates and known_users: they stay.
    engine.drop("stage_users", "stage_conversions", "raw_users", "raw_conversions")


# --- ids written in another form -------------------------------------------------------------------

#: The share of a table's rows dropped as ``unknown_user`` from which their ids are compared with the
#: users' in another form: below it, unknown users are ordinary (test accounts, deleted users).
ID_FORM_SHARE = 0.5

_UNKNOWN_IDS = {
    "events": "SELECT user_id, sum(n) AS n FROM event_facts WHERE _reason = 'unknown_user' GROUP BY 1",
    "conversions": "SELECT user_id, count(*) AS n FROM tagged_conversions "
                   "WHERE _reason = 'unknown_user' AND user_id IS NOT NULL GROUP BY 1",
}


def id_form_sql(column: str) -> str:
    """SQL: a digits-only id (with or without a decimal part) without padding zeros and without trailing
    zeros after the point, so ``'001001'``, ``'1001'`` and ``'1001.0'`` all give ``'1001'``; NULL for
    other ids. Only used to compare ids, never to rewrite them."""
    trimmed = (f"CASE WHEN contains({column}, '.') THEN TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM {column})) "
               f"ELSE {column} END")
    return (f"CASE WHEN regexp_matches({column}, '^[0-9]+([.][0-9]+)?$') "
            f"THEN COALESCE(NULLIF(TRIM(LEADING '0' FROM {trimmed}), ''), '0') END")


def id_form_mismatches(engine, sources: Mapping[str, str], ledger: Sequence[Mapping[str, object]]) -> dict[str, int]:
    """Rows dropped as ``unknown_user`` whose ``user_id`` names a user written another way, with a warning.

    ``1001.0`` (a spreadsheet's or pandas' float) in the events against ``1001`` in the users, or
    ``0042`` against ``42``, are different ids to the rules (docs/metrics.md#data-quality), and pqlkit
    does not rewrite them; but a run whose events are nearly all ``unknown_user`` then reports a PQL
    rate of zero without a hint. So when at least :data:`ID_FORM_SHARE` of a table's rows (events,
    conversions) were dropped as ``unknown_user``, their distinct ids are compared with the known
    users' in the form :func:`id_form_sql` gives; the matches are counted and named in a
    :class:`~pqlkit.base.errors.PqlkitWarning` that says what to fix.

    Returns
    -------
    dict of str to int
        Table name to the ``unknown_user`` rows whose id matched (tables not checked, or without a
        match, are left out).
    """
    found: dict[str, int] = {}
    for table, unknown_sql in _UNKNOWN_IDS.items():
        if table not in sources:
            continue
        rows = [record for record in ledger if record["table"] == table]
        unknown = sum(int(record["rows"]) for record in rows if record["reason"] == "unknown_user")
        read = int(rows[0]["read"])
        if not unknown or unknown < ID_FORM_SHARE * read:
            continue
        ids, matched, theirs, ours = engine.rows(f"""
            WITH unknown AS ({unknown_sql}),
            forms AS (
                SELECT {id_form_sql('user_id')} AS form, min(user_id) AS user_id FROM known_users
                WHERE {id_form_sql('user_id')} IS NOT NULL GROUP BY 1
            )
            SELECT count(*), sum(u.n), min(u.user_id), arg_min(f.user_id, u.user_id)
            FROM unknown AS u JOIN forms AS f ON {id_form_sql('u.user_id')} = f.form
        """)[0]
        if not ids:
            continue
        found[table] = int(matched)
        fix = ("a spreadsheet or pandas wrote whole numbers with a decimal part: save the column as text, or "
               "as whole numbers" if "." in theirs + ours else "keep the padding zeros in both tables, or in neither")
        warnings.warn(
            f"{sources[table]}: {unknown} of {read} {table} rows were dropped as unknown_user, and {int(matched)} "
            f"of them ({ids} distinct user_id value{'s' if ids != 1 else ''}) name a user of {sources['users']} written another way: "
            f"{theirs!r} in the {table} table, {ours!r} in the users table. pqlkit does not rewrite ids: write "
            f"user_id the same way in both tables ({fix})",
            PqlkitWarning, stacklevel=3,
        )
    return found


def with_id_form(ledger: Sequence[Mapping[str, object]], matches: Mapping[str, int]) -> list[dict]:
    """The ledger records with their ``id_form``: on each table's ``unknown_user`` record, the rows
    :func:`id_form_mismatches` matched; 0 elsewhere."""
    return [{**record, "id_form": matches.get(record["table"], 0) if record["reason"] == "unknown_user" else 0}
            for record in ledger]
