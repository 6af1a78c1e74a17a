"""The ``pqlkit`` command line: ``metrics``, ``validate``, ``sample``, ``report``, ``export``, ``users`` and ``discover``.

A dataset is a folder, a database URL (``postgresql://user@host:5432/db``, with ``--schema`` or one
query per table: ``--users-sql``, ``--events-sql``, ``--conversions-sql``) or a YAML source file
(:mod:`pqlkit.io.database`). ``export`` writes the per-entity table and the current PQLs to database tables.

Problems with the input (a missing file or column, a bad spec, strict-mode drops) print one line on
stderr starting with ``pqlkit: error:`` and exit with status 2, without a traceback. A notebook that
fails during ``report`` prints one such line naming the notebook and the cell, and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence

from pqlkit import __version__
from pqlkit.base.errors import PqlkitError, PqlkitWarning

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="pqlkit", description="Product Qualified Lead metrics from product events.")
    parser.add_argument("--version", action="version", version=f"pqlkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    metrics = commands.add_parser("metrics", help="compute every PQL metric for a dataset")
    metrics.add_argument("dataset", help="dataset folder, database URL (postgresql://...) or YAML source file")
    metrics.add_argument("--spec", required=True, help="activation spec (YAML)")
    _add_analysis_options(metrics)
    metrics.add_argument("--format", choices=("json", "table"), default="table", help="output format (default: table)")

    validate = commands.add_parser("validate", help="check a dataset (and a spec): the data-quality ledger")
    validate.add_argument("dataset", help="dataset folder, database URL (postgresql://...) or YAML source file")
    validate.add_argument("--spec", help="activation spec (YAML) to check against the data")
    _add_analysis_options(validate)
    validate.add_argument("--format", choices=("json", "table"), default="table")

    sample = commands.add_parser("sample", help="write a synthetic B2B SaaS dataset")
    sample.add_argument("out_dir", help="folder to write users, events and conversions to")
    sample.add_argument("--users", type=int, default=3000, help="number of users (default: 3000)")
    sample.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    sample.add_argument("--format", choices=("parquet", "csv", "csv.gz"), default="parquet")
    sample.add_argument(
        "--timestamps", choices=("typed", "text"),
        help="Parquet timestamps: typed (TIMESTAMP WITH TIME ZONE, the default) or ISO 8601 text; CSV is text",
    )

    report = commands.add_parser("report", help="run every notebook and write the HTML report")
    report.add_argument("dataset", help="dataset folder, database URL (postgresql://...) or YAML source file")
    report.add_argument("--spec", required=True, help="activation spec (YAML)")
    _add_selection_options(report)
    report.add_argument("--out", required=True, help="report folder (index.html, one page per notebook, notebooks/, data/)")
    report.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bars")
    report.add_argument("--pdf", action="store_true", help="also print every page to a PDF beside it (headless Chromium)")
    report.add_argument("--previous", metavar="DIR",
                        help="an earlier report folder of the same level, spec and dataset: add what changed since "
                             "then (flows and fixed-age rates judged against noise, totals shown)")
    report.add_argument("--jobs", type=_positive_int, metavar="N",
                        help="notebooks run at once, each in its own kernel (default: 2, or 1 on a one-core machine)")
    report.add_argument("--currency", metavar="CODE",
                        help="the ISO 4217 code every amount is shown in, e.g. EUR (default: USD)")
    _add_engine_option(report, "where the checks, the reduction and every notebook's queries over the events run")

    export = commands.add_parser("export", help="write the per-entity table and the current PQLs to database tables")
    export.add_argument("dataset", help=DATASET_HELP)
    export.add_argument("--spec", required=True, help="activation spec (YAML)")
    _add_analysis_options(export)
    export.add_argument("--to", required=True, metavar="URL", help="database to write to (postgresql://...)")
    export.add_argument("--to-schema", dest="to_schema", help="schema to write to (created when missing)")
    export.add_argument("--entities-table", default="pqlkit_entities", help="default: pqlkit_entities")
    export.add_argument("--pqls-table", default="pqlkit_current_pqls",
                        help="the lead list of the report's CRM CSV, same leads, same order; default: pqlkit_current_pqls")
    export.add_argument("--no-score", dest="score", action="store_false",
                        help="do not fit the conversion score: the list in the rule's order, without pay_probability")

    discover = commands.add_parser("discover", help="find the activation definition that announces paying (or another target)")
    discover.add_argument("dataset", help=DATASET_HELP)
    discover.add_argument("--spec", help="the current activation spec (YAML): its numbers beside the proposal's, its settings kept")
    discover.add_argument("--target", default="paid", metavar="paid|retained|EVENT",
                          help="paid (within --target-days of signup, the default), retained (active in --week) or an event name")
    discover.add_argument("--within-days", dest="within_days", type=_positive_int, metavar="N",
                          help="the longest step window tried, in days (default: the spec's trial length, else 14)")
    discover.add_argument("--target-days", dest="target_days", type=_positive_int, default=30, metavar="D",
                          help="the target's window after signup for paid or an event (default: 30)")
    discover.add_argument("--week", type=_positive_int, default=4, metavar="W",
                          help="the retention week for --target retained (week 0 is the signup week; default: 4)")
    discover.add_argument("--include-flow", dest="include_flow", action="store_true",
                          help="keep the events of the purchase flow (pricing page, upgrade click) among the candidates")
    discover.add_argument("--spec-out", dest="spec_out", metavar="FILE.yaml", help="write the proposed spec here, ready for --spec")
    _add_analysis_options(discover)

    users = commands.add_parser(
        "users", help="derive the users table (user_id, signup_at, and account_id with the account traits when the "
        "export has group calls) from an export, when the export is all there is"
    )
    users.add_argument("export", help="the export: an events file, events.zip, a folder of parts, or a dataset folder")
    users.add_argument("--out", required=True, help="file to write: .csv, .csv.gz or .parquet")
    _add_export_options(users)
    return parser


DATASET_HELP = "dataset folder, database URL (postgresql://...) or YAML source file"


def _add_database_options(parser: argparse.ArgumentParser) -> None:
    """Where in a database the tables are: the schema, or one SQL query per table."""
    group = parser.add_argument_group("database sources (a postgresql:// URL as the dataset)")
    group.add_argument("--schema", help="schema holding users, events and conversions (default: the current schema)")
    for table in ("users", "events", "conversions"):
        group.add_argument(f"--{table}-sql", dest=f"{table}_sql", metavar="SQL",
                           help=f"a query giving the {table} rows, instead of the {table} table")


def _dataset(args: argparse.Namespace):
    """The dataset argument, as a database source when it is one (with --schema and the queries)."""
    from pqlkit.io.database import database_source

    sql = {table: getattr(args, f"{table}_sql", None) for table in ("users", "events", "conversions")}
    database = database_source(args.dataset, schema=args.schema, sql={k: v for k, v in sql.items() if v})
    options = {"stitch_identities": getattr(args, "stitch_identities", False),
               "source_timezone": getattr(args, "source_timezone", None),
               "account_group": getattr(args, "account_group", None)}
    if any(options.values()):
        from pqlkit.io.exports import ExportSource

        return ExportSource(database if database is not None else args.dataset, **options)
    return database if database is not None else args.dataset


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    """What to read and as of when: the options every command that reads a dataset takes."""
    from pqlkit.io.formats import EVENTS_FORMAT_CHOICES

    parser.add_argument("--as-of", dest="as_of", metavar="ISO_8601",
                        help="analysis instant in ISO 8601: 2026-06-30 (the end of that day, UTC), "
                        "2026-06-30T12:00:00 (UTC) or 2026-06-30T12:00:00+02:00; other forms are refused")
    parser.add_argument("--level", choices=("user", "account"), help="overrides the spec's level")
    parser.add_argument(
        "--events-format",
        dest="events_format",
        choices=EVENTS_FORMAT_CHOICES,
        default="auto",
        help="shape of the events file: canonical, or an export from Segment, Amplitude, Mixpanel or PostHog "
        "(default: auto, detected from the file's name and columns)",
    )
    _add_export_options(parser)
    _add_database_options(parser)


def _add_export_options(parser: argparse.ArgumentParser) -> None:
    """How a vendor's export is read: the events format, identity merges, the source's time zone."""
    from pqlkit.io.formats import EVENTS_FORMAT_CHOICES

    if not any("--events-format" in action.option_strings for action in parser._actions):
        parser.add_argument("--events-format", dest="events_format", choices=EVENTS_FORMAT_CHOICES, default="auto",
                            help="shape of the events file (default: auto)")
    parser.add_argument(
        "--stitch-identities",
        dest="stitch_identities",
        action="store_true",
        help="count events tracked before a user was identified for the user the vendor merged them into "
        "(Segment identify/alias, PostHog $identify and person_id, Mixpanel $device_id/$user_id, Amplitude "
        "device_id/user_id); without it such events stay unknown_user or missing_value",
    )
    parser.add_argument(
        "--account-group",
        dest="account_group",
        metavar="TYPE",
        help="when the users table has no account_id: the group type the accounts come from (PostHog "
        "organization or project; Mixpanel: the group key property; canonical events: the column); "
        "with one type in the data it is found alone",
    )
    parser.add_argument(
        "--source-timezone",
        dest="source_timezone",
        metavar="ZONE",
        help="Mixpanel projects created before 2023 export times in the project's time zone: its IANA name "
        "(e.g. America/Los_Angeles)",
    )


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    _add_selection_options(parser)
    parser.add_argument("--strict", action="store_true", help="fail instead of dropping any row")
    _add_engine_option(parser, "where the checks and the reduction run")


def _add_engine_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help=f"{what}: DuckDB in process (default), or Apache Spark (SPARK_REMOTE or PQLKIT_SPARK_MASTER; see the README)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    A reader that stops early (``pqlkit validate ... --format json | head -1``) closes the pipe: the
    output stops there, quietly, with status 1 and no traceback (as the Python documentation
    advises for ``SIGPIPE``).
    """
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PqlkitWarning)
        try:
            status = _COMMANDS[args.command](args)
            sys.stdout.flush()  # here, so that a closed pipe is met inside the try, not at exit
        except PqlkitError as error:
            print(f"pqlkit: error: {error}", file=sys.stderr)
            status = 2
        except BrokenPipeError:
            _silence_stdout()
            status = 1
        for warning in caught:
            if issubclass(warning.category, PqlkitWarning):
                print(f"pqlkit: warning: {warning.message}", file=sys.stderr)
    return status


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's flush at exit does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a file (captured in a test): nothing to flush
        pass


def _metrics(args: argparse.Namespace) -> int:
    # The reduction's numpy columns straight to the summary: no pandas on this path (pk.summary is the same numbers).
    from pqlkit.core.reduction import entity_columns
    from pqlkit.core.spec import ActivationSpec
    from pqlkit.metrics.headline import headline, headline_columns

    spec = ActivationSpec.coerce(args.spec)
    columns, dataset, spec = entity_columns(
        _dataset(args), spec, as_of=args.as_of, level=args.level, strict=args.strict,
        events_format=args.events_format, engine=args.engine, names=headline_columns(spec),
    )
    result = headline(columns, spec=spec, as_of=dataset.as_of_datetime, has_conversions=dataset.has_conversions,
                      data_quality=dataset.data_quality())
    if args.format == "json":
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        print(format_summary(result))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from pqlkit.core.loading import load
    from pqlkit.core.spec import ActivationSpec

    spec = ActivationSpec.from_yaml(args.spec) if args.spec else None
    level = args.level or (spec.level if spec else "user")
    dataset = load(_dataset(args), level=level, as_of=args.as_of, strict=args.strict, events_format=args.events_format,
                   engine=args.engine, active_days=spec.active_days if spec else 14)
    problems = (spec.with_level(level).check_events(dataset.event_names(), dropped=dataset.dropped_event_reasons(spec.step_events))
                if spec else [])
    quality = dataset.data_quality()
    from pqlkit.io.groups import account_notes

    accounts = account_notes(dataset.engine)
    if args.format == "json":
        report = {"as_of": dataset.as_of_datetime.isoformat(timespec="microseconds"), "level": level,
                  "data_quality": quality, "spec_warnings": problems}
        if dataset.identity_merges is not None:
            report["identity_merges"] = {"events": dataset.identity_merges}
        if accounts is not None:
            report["accounts_from_groups"] = accounts.to_dict()
        print(json.dumps(report, indent=2))
    else:
        print(f"as of {dataset.as_of_datetime.isoformat(timespec='seconds')}, level {level}")
        print(format_ledger(quality))
        if dataset.identity_merges is not None:
            print(f"events: {dataset.identity_merges} rows attributed to a user through an identity merge "
                  "(--stitch-identities)")
        if accounts is not None:
            print(f"users: account_id from the {accounts.group_type!r} group calls: {accounts.users} users in "
                  f"{accounts.accounts} accounts; {accounts.users_in_several_groups} users seen in more than one group "
                  f"(the earliest counts); {accounts.events_without_group} events carry no group themselves")
        for table, counts in quality.items():
            if counts.get("notes", {}).get("id_form"):
                print(f"{table}: {counts['notes']['id_form']} of the unknown_user rows name a user whose user_id "
                      "is written another way (1001.0 for 1001, 0042 for 42); see the warning")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from pqlkit.synthetic import write_sample

    if args.users < 1:
        raise PqlkitError(f"--users must be at least 1, but {args.users} was passed")
    if args.timestamps == "typed" and args.format != "parquet":
        raise PqlkitError(f"--timestamps typed needs --format parquet: {args.format} holds timestamps as text")
    paths = write_sample(args.out_dir, n_users=args.users, seed=args.seed, fmt=args.format, timestamps=args.timestamps)
    for table, path in paths.items():
        print(f"{table}: {path}")
    return 0


def _positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _report(args: argparse.Namespace) -> int:
    from pqlkit.report.run import NotebookFailed, run_report

    try:
        index = run_report(_dataset(args), args.spec, out=args.out, as_of=args.as_of, level=args.level,
                           events_format=args.events_format, progress=args.progress, pdf=args.pdf,
                           previous=args.previous, jobs=args.jobs, engine=args.engine,
                           **({"currency": args.currency} if args.currency else {}))
    except NotebookFailed as failure:
        print(f"pqlkit: error: {failure}", file=sys.stderr)
        return 1
    print(index)
    return 0


def _export(args: argparse.Namespace) -> int:
    from pqlkit.io.database import mask_url
    from pqlkit.report.export import export_results
    from pqlkit.core.entities import entity_table

    entities, context = entity_table(
        _dataset(args), args.spec, as_of=args.as_of, level=args.level, strict=args.strict,
        events_format=args.events_format, engine=args.engine,
    )
    written = export_results(entities, args.to, context=context, score=args.score, schema=args.to_schema,
                             entities_table=args.entities_table, pqls_table=args.pqls_table)
    where = f"{args.to_schema}." if args.to_schema else ""
    for table, rows in written.items():
        print(f"{mask_url(args.to)}: {rows} rows written to {where}{table}")
    return 0


def _discover(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pqlkit.analyses.discovery import discover_activation
    from pqlkit.core.loading import load
    from pqlkit.core.spec import ActivationSpec
    from pqlkit.present.narrative.discovery import discovery_text

    spec = ActivationSpec.from_yaml(args.spec).with_level(args.level) if args.spec else None
    level = args.level or (spec.level if spec else "user")
    dataset = load(_dataset(args), level=level, as_of=args.as_of, strict=args.strict, events_format=args.events_format,
                   engine=args.engine, active_days=spec.active_days if spec else 14)
    if args.target not in ("paid", "retained") and args.target not in dataset.event_names():
        raise PqlkitError(f"--target {args.target!r}: no such event in the data; give paid, retained or an event name")
    try:
        found = discover_activation(dataset, spec=spec, target=args.target, target_days=args.target_days,
                                    retention_week=args.week, within_days=args.within_days, include_flow=args.include_flow)
    except ValueError as error:
        raise PqlkitError(str(error)) from None
    print(discovery_text(found))
    if args.spec_out:
        if found.spec is None:
            raise PqlkitError(f"--spec-out {args.spec_out}: no definition passed the checks, so no spec was written")
        try:
            Path(args.spec_out).write_text(found.to_yaml(source=Path(str(args.dataset)).name), encoding="utf-8")
        except OSError as error:
            raise PqlkitError(f"--spec-out {args.spec_out}: cannot write the spec ({error.strerror or error})") from None
        print(f"\nproposed spec written to {args.spec_out}")
    return 0


def _users(args: argparse.Namespace) -> int:
    from pqlkit.io.users import derive_users, write_users

    frame = derive_users(args.export, events_format=args.events_format, stitch_identities=args.stitch_identities,
                         source_timezone=args.source_timezone, account_group=args.account_group)
    out = write_users(frame, args.out)
    counts = frame["signup_source"].value_counts()
    sources = ", ".join(f"{name} {int(n)}" for name, n in counts.items()) or "none"
    accounts = f"; {frame['account_id'].nunique()} accounts from the group calls" if "account_id" in frame else ""
    print(f"{out}: {len(frame)} users; signup_at from {sources}{accounts}")
    return 0


_COMMANDS = {"metrics": _metrics, "validate": _validate, "sample": _sample, "report": _report, "export": _export,
             "users": _users, "discover": _discover}


def format_ledger(quality: dict) -> str:
    """The data-quality ledger as a small text table (:func:`pqlkit.present.ledger.format_ledger`)."""
    from pqlkit.present import ledger  # here, not at the top: `pqlkit --help` loads no pandas

    return ledger.format_ledger(quality)


def format_summary(result: dict) -> str:
    """The JSON summary as a page a person can read, each key named by its one label (``present.formatting.label``)."""
    from pqlkit.present.formatting import NOT_MEASURED, days, label, pct  # here, not at the top: `pqlkit --help` loads no pandas

    def count(key: str):
        return NOT_MEASURED if result[key] is None else result[key]

    def line(key: str, value) -> str:
        return f"   {label(key):<40}{value}"

    weeks = result["pqls_over_time"][-8:]
    lines = [
        f"PQL metrics as of {result['as_of']} ({result['level']} level, {result['entities']} entities)",
        "",
        "1. How many reach activation",
        line("raw_pqls", result["raw_pqls"]),
        line("current_pqls", result["current_pqls"]),
        f"   new PQLs, last {len(weeks)} weeks: " + ", ".join(f"{w['week']}: {w['new_pqls']}" for w in weeks),
        "2. PQL rate",
        line("pql_rate", pct(result["pql_rate"], digits=1)),
        line("activation_rate_mean", pct(result["activation_rate_mean"], digits=1)),
        "   steps completed     " + ", ".join(f"{k} {v}" for k, v in result["step_completion"].items()),
        "3. Time to PQL",
        line("time_to_pql_median_days", days(result["time_to_pql_median_days"])),
        line("time_to_pql_km_median_days", days(result["time_to_pql_km_median_days"])),
        line("stalled_in_trial", result["stalled_in_trial"]),
        "4. PQL to paid",
        line("pql_to_paid_rate", pct(result["pql_to_paid_rate"], digits=1, missing_text=NOT_MEASURED)),
        line("paid_pqls", count("paid_pqls")),
        line("paid_before_pql", count("paid_before_pql")),
        line("paid_without_pql", count("paid_without_pql")),
        "",
        "Data quality",
        format_ledger(result["data_quality"]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
