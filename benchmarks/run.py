"""Benchmark: ``pqlkit metrics`` against the DuckDB floor and an analyst's plain pandas script.

Run by hand (it is not a test)::

    .venv/bin/python benchmarks/run.py --quick            # 1M events, 3 rounds: checks it works (~1 min)
    .venv/bin/python benchmarks/run.py                    # 1M, 10M, 50M; the sample; the report on 10M
    .venv/bin/python benchmarks/run.py --with-100m        # also 100M events (long: ~1 h to generate)
    .venv/bin/python benchmarks/run.py --events 1e6 2e6 --rounds 7 --no-report

Workloads, each command a fresh process, measured whole (wall time, and the peak resident memory
of the process and its children from ``os.wait4``'s rusage):

- ``pqlkit metrics DATASET --spec data/activation.yaml --format json`` on Parquet with typed
  timestamps (``TIMESTAMP WITH TIME ZONE``, as a warehouse unload writes them: the default of
  ``pqlkit sample --format parquet``) and, at the ``--text-events`` sizes, on the same sample with
  ISO 8601 text timestamps (``--timestamps text``);
- the floor: DuckDB alone scanning the typed events file and grouping by user and event
  (``min(timestamp)``, ``count(*)``); every ratio is to this floor;
- the user's alternative: a plain pandas script computing the same summary (read the files with
  pandas, de-duplicate, merge, groupby: what an analyst without pqlkit writes), at the
  ``--pandas-events`` sizes; its answers are checked against pqlkit's;
- ``pqlkit discover DATASET --spec data/activation.yaml`` at the ``--discover-events`` sizes (10M
  by default), whose target is at most 3× ``pqlkit metrics`` on the same data;
- ``pqlkit metrics`` on the bundled sample (data/sample);
- ``pqlkit report`` on the ``--report-events`` dataset (10M events by default).

The commands of one size run in alternation (A B C A B C ...), ``--rounds`` times, so a slow
spell of the shared machine hits them alike; the table quotes medians. Datasets are generated once
with ``pqlkit sample`` and cached in ``benchmarks/.data`` (``--data-dir``; gitignored). The output
is a Markdown table, with the machine it ran on, to paste into the README. pqlkit's bytecode is
compiled first, as ``pip install`` does: an editable install under ``PYTHONDONTWRITEBYTECODE``
would compile every module again in every measured run.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EVENTS_PER_USER = 44.8  # 1,000,000 users give 44,791,972 events (data/README.md, "Larger samples")
SPEC = ROOT / "data" / "activation.yaml"

# The floor: one scan of the events, grouped by user and event.
FLOOR = """
import sys, duckdb
con = duckdb.connect()
n = con.execute(
    "SELECT count(*) FROM (SELECT user_id, event, min(timestamp) AS first_seen, count(*) AS n "
    "FROM read_parquet(?) GROUP BY user_id, event)", [sys.argv[1]]).fetchone()[0]
print(n)
"""

# What an analyst without pqlkit writes: user level, the rules of docs/metrics.md#data-quality
# and #definitions in plain pandas (drop empties and bad times, de-duplicate, merge on the users,
# drop events before signup; k-th qualifying event per step; k-th step time is the PQL time).
PANDAS_SCRIPT = """
import json, math, sys
import numpy as np
import pandas as pd
import yaml

folder, spec = sys.argv[1], yaml.safe_load(open(sys.argv[2]))

def instants(column):
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column
    return pd.to_datetime(column, utc=True, format="ISO8601", errors="coerce")

users = pd.read_parquet(f"{folder}/users.parquet", columns=["user_id", "signup_at"])
events = pd.read_parquet(f"{folder}/events.parquet", columns=["event_id", "user_id", "event", "timestamp"])
payments = pd.read_parquet(f"{folder}/conversions.parquet", columns=["user_id", "paid_at"])
users["signup_at"] = instants(users["signup_at"])
events["timestamp"] = instants(events["timestamp"])
payments["paid_at"] = instants(payments["paid_at"])

users = users.dropna().drop_duplicates("user_id")
events = events.dropna().drop_duplicates("event_id")
as_of = max(users["signup_at"].max(), events["timestamp"].max(), payments["paid_at"].max())
events = events.merge(users, on="user_id")                      # unknown users drop out
events = events[events["timestamp"] >= events["signup_at"]]

table = users.set_index("user_id")
steps = [step["name"] for step in spec["steps"]]
for step in spec["steps"]:
    window = pd.Timedelta(days=step.get("within_days", spec["window_days"]))
    qualifying = events[(events["event"] == step["event"]) & (events["timestamp"] <= events["signup_at"] + window)]
    qualifying = qualifying.sort_values(["user_id", "timestamp"])
    nth = qualifying.groupby("user_id").nth(step.get("min_count", 1) - 1).set_index("user_id")["timestamp"]
    table[step["name"]] = nth
k = math.ceil(spec["threshold"] * len(steps) - 1e-9)
seconds = np.sort(np.column_stack([(table[s] - as_of).dt.total_seconds().to_numpy() for s in steps]), axis=1)
table["pql_at"] = as_of + pd.to_timedelta(seconds[:, k - 1], unit="s")
paid_at = payments.dropna().merge(users[["user_id"]], on="user_id").groupby("user_id")["paid_at"].min()
table["paid_at"] = paid_at

pql = table["pql_at"].notna()
paid = table["paid_at"].notna()
paid_pqls = int((pql & paid & (table["paid_at"] >= table["pql_at"])).sum())
paid_before = int((pql & paid & (table["paid_at"] < table["pql_at"])).sum())
days = (table.loc[pql, "pql_at"] - table.loc[pql, "signup_at"]).dt.total_seconds() / 86400
print(json.dumps({
    "entities": len(table),
    "raw_pqls": int(pql.sum()),
    "pql_rate": float(pql.mean()),
    "time_to_pql_median_days": float(days.median()),
    "paid_pqls": paid_pqls,
    "paid_before_pql": paid_before,
    "paid_without_pql": int((~pql & paid).sum()),
    "pql_to_paid_rate": paid_pqls / (int(pql.sum()) - paid_before),
}))
"""
COMPARED = ("entities", "raw_pqls", "paid_pqls", "paid_before_pql", "paid_without_pql", "time_to_pql_median_days")


@dataclass
class Run:
    """One whole-process run."""

    seconds: float
    peak_mib: float
    status: int
    stdout: str
    stderr: str


@dataclass
class Workload:
    """A command measured ``rounds`` times; ``group`` runs alternate with the rest of its group."""

    name: str
    events: int | None
    command: list[str]
    group: str
    floor: str | None = None  # name of the workload that is this one's floor
    target: str = ""
    runs: list[Run] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    @property
    def failed(self) -> bool:
        return any(run.status != 0 for run in self.runs)


def measure(command: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` in a fresh process; wall time and peak RSS of it and its children (KiB → MiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, process.returncode, out.read().decode(), err.read().decode())


def pqlkit(*arguments: str) -> list[str]:
    executable = BIN / "pqlkit"
    prefix = [str(executable)] if executable.exists() else [sys.executable, "-m", "pqlkit.cli"]
    return [*prefix, *arguments]


def dataset(events: float, timestamps: str, data_dir: Path, seed: int) -> tuple[Path, dict]:
    """Generate (once, cached in ``data_dir``) a Parquet sample of about ``events`` events."""
    users = max(100, round(events / EVENTS_PER_USER))
    folder = data_dir / f"users_{users}_seed_{seed}_{timestamps}"
    info_file = folder / "bench.json"
    if info_file.exists():
        return folder, json.loads(info_file.read_text())
    print(f"# generating {folder.name} ...", file=sys.stderr, flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    run = measure(pqlkit("sample", str(folder), "--users", str(users), "--seed", str(seed),
                         "--format", "parquet", "--timestamps", timestamps))
    if run.status != 0:
        sys.exit(f"pqlkit sample failed:\n{run.stderr}")
    import pyarrow.parquet as pq

    info = {"users": users, "events": pq.read_metadata(folder / "events.parquet").num_rows,
            "events_mib": (folder / "events.parquet").stat().st_size / 2**20,
            "generate_seconds": run.seconds, "generate_peak_mib": run.peak_mib}
    info_file.write_text(json.dumps(info))
    return folder, info


# Issue 25's targets: a careful single-process DuckDB implementation of the same rules took 2.50 s
# (3.5× the floor, 726 MB) on the 10M-event sample; pqlkit is to take at most that.
CAREFUL = {"seconds": 2.50, "times_floor": 3.5, "peak_mb": 726}


def _metrics_target(events: int) -> str:
    """The target of ``pqlkit metrics`` at this size (issue 25)."""
    target = f"≤ {CAREFUL['times_floor']}× floor"
    if 5e6 <= events <= 2e7:
        target += f", ≤ {CAREFUL['seconds']:.2f} s (the careful DuckDB script), ≤ 1 GB"
    return target


def build_workloads(args: argparse.Namespace) -> list[Workload]:
    """Every workload of the run, grouped for alternation."""
    spec = str(args.spec)
    workloads = []
    for target in args.events:
        typed, info = dataset(target, "typed", args.data_dir, args.seed)
        group = f"{info['events']:,} events"
        floor = f"floor, {group}"
        workloads.append(Workload(floor, info["events"], [sys.executable, "-c", FLOOR, str(typed / "events.parquet")],
                                  group))
        workloads.append(Workload(f"pqlkit metrics, typed Parquet, {group}", info["events"],
                                  pqlkit("metrics", str(typed), "--spec", spec, "--format", "json"), group, floor,
                                  _metrics_target(info["events"])))
        if target in args.text_events:
            text, _ = dataset(target, "text", args.data_dir, args.seed)
            workloads.append(Workload(f"pqlkit metrics, text Parquet, {group}", info["events"],
                                      pqlkit("metrics", str(text), "--spec", spec, "--format", "json"), group, floor))
        if target in args.discover_events:
            workloads.append(Workload(f"pqlkit discover, typed Parquet, {group}", info["events"],
                                      pqlkit("discover", str(typed), "--spec", spec), group, floor, "≤ 3× pqlkit metrics"))
        if target in args.pandas_events:
            workloads.append(Workload(f"pandas script, typed Parquet, {group}", info["events"],
                                      [sys.executable, "-c", PANDAS_SCRIPT, str(typed), spec], group, floor))
    if not args.no_sample:
        workloads.append(Workload("pqlkit metrics, bundled sample", None,
                                  pqlkit("metrics", str(ROOT / "data" / "sample"), "--spec", spec, "--format", "json"),
                                  "sample", target="≤ 0.5 s"))
    if args.report_events:
        typed, info = dataset(args.report_events, "typed", args.data_dir, args.seed)
        out = args.data_dir / "report"  # kept after the run, to look at
        shutil.rmtree(out, ignore_errors=True)
        workloads.append(Workload(f"pqlkit report, {info['events']:,} events", info["events"],
                                  pqlkit("report", str(typed), "--spec", spec, "--out", str(out), "--no-progress"),
                                  "report", target="≤ 45 s"))
    return workloads


def run_alternating(workloads: list[Workload], *, rounds: int, report_rounds: int, env: dict[str, str]) -> None:
    """A B C A B C ... within each group; a failed command is not run again."""
    groups: dict[str, list[Workload]] = {}
    for workload in workloads:
        groups.setdefault(workload.group, []).append(workload)
    for group, members in groups.items():
        for round_number in range(report_rounds if group == "report" else rounds):
            for workload in members:
                if workload.failed:
                    continue
                run = measure(workload.command, env=env)
                workload.runs.append(run)
                state = "" if run.status == 0 else f" FAILED ({run.status}): {run.stderr.strip()[-400:]}"
                print(f"# {round_number + 1}: {workload.name}: {run.seconds:.2f} s, {run.peak_mib:,.0f} MiB{state}",
                      file=sys.stderr, flush=True)


def answers(workload: Workload) -> dict | None:
    run = next((run for run in workload.runs if run.status == 0), None)
    if run is None:
        return None
    result = json.loads(run.stdout)
    return {key: round(result[key], 6) if isinstance(result[key], float) else result[key] for key in COMPARED}


def markdown(workloads: list[Workload]) -> list[str]:
    """The results table and the pandas comparison."""
    by_name = {workload.name: workload for workload in workloads}
    lines = ["| workload | runs | median time | median peak memory | vs floor | target |", "|---|---:|---:|---:|---:|---|"]
    for workload in workloads:
        if not workload.runs:
            continue
        ok = workload.runs and not workload.failed
        time_cell = f"{workload.median('seconds'):.2f} s" if ok else "failed"
        floor = by_name.get(workload.floor or "")
        ratio = (f"{workload.median('seconds') / floor.median('seconds'):.1f}×"
                 if ok and floor is not None and floor.runs and not floor.failed else "")
        target = workload.target
        metrics = by_name.get(workload.name.replace("pqlkit discover", "pqlkit metrics"))
        if workload.name.startswith("pqlkit discover") and ok and metrics is not None and metrics.runs and not metrics.failed:
            target += f" (now {workload.median('seconds') / metrics.median('seconds'):.1f}×)"
        lines.append(f"| {workload.name} | {len(workload.runs)} | {time_cell} | "
                     f"{workload.median('peak_mib'):,.0f} MiB | {ratio} | {target} |")
    lines += ["", "The user's alternative (an analyst's pandas script, same summary):", "",
              "| events | `pqlkit metrics` | pandas script | pandas / pqlkit | pandas peak memory | same answers |",
              "|---:|---:|---:|---:|---:|---|"]
    for workload in workloads:
        if not workload.name.startswith("pandas script") or not workload.runs:
            continue
        product = by_name[workload.name.replace("pandas script", "pqlkit metrics")]
        if workload.failed or product.failed:
            lines.append(f"| {workload.events:,} | | failed | | | |")
            continue
        same = answers(workload) == answers(product)
        lines.append(f"| {workload.events:,} | {product.median('seconds'):.2f} s | {workload.median('seconds'):.2f} s | "
                     f"{workload.median('seconds') / product.median('seconds'):.1f}× | "
                     f"{workload.median('peak_mib'):,.0f} MiB | {'yes' if same else 'NO: see stderr'} |")
        if not same:
            print(f"# answers differ: pandas {answers(workload)} vs pqlkit {answers(product)}", file=sys.stderr)
    return lines


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=float, nargs="+", default=[1e6, 1e7, 5e7], help="typed event counts")
    parser.add_argument("--with-100m", action="store_true", help="add 100M typed events (long)")
    parser.add_argument("--text-events", type=float, nargs="*", default=[1e6, 1e7],
                        help="sizes also measured on text-timestamp Parquet (default 1e6 1e7)")
    parser.add_argument("--pandas-events", type=float, nargs="*", default=[1e6, 1e7],
                        help="sizes at which the pandas script runs (default 1e6 1e7)")
    parser.add_argument("--discover-events", type=float, nargs="*", default=[1e7],
                        help="sizes at which `pqlkit discover` runs, against `pqlkit metrics` (default 1e7)")
    parser.add_argument("--report-events", type=float, default=1e7, help="dataset of the report run (0: none)")
    parser.add_argument("--no-report", dest="report_events", action="store_const", const=0.0)
    parser.add_argument("--no-sample", action="store_true", help="skip the bundled sample")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per size (default 5)")
    parser.add_argument("--report-rounds", type=int, default=1, help="rounds of the report (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="1M events (typed, text, pandas), the sample, 3 rounds, no report")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / ".data")
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-limit", help="PQLKIT_MEMORY_LIMIT for pqlkit (e.g. 2GB)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.text_events, args.pandas_events, args.discover_events = [1e6], [1e6], [1e6], [1e6]
        args.rounds, args.report_events = min(args.rounds, 3), 0.0
    if args.with_100m:
        args.events.append(1e8)
    env = dict(os.environ)
    if args.memory_limit:
        env["PQLKIT_MEMORY_LIMIT"] = args.memory_limit

    # As installed by pip, which compiles the bytecode: with PYTHONDONTWRITEBYTECODE set (as on some CI
    # machines) an editable install would otherwise compile every pqlkit module in every run (0.05 s).
    compileall.compile_dir(ROOT / "pqlkit", quiet=1)
    workloads = build_workloads(args)
    run_alternating(workloads, rounds=args.rounds, report_rounds=args.report_rounds, env=env)
    print(f"Machine: {machine()}" + (f"; PQLKIT_MEMORY_LIMIT={args.memory_limit}" if args.memory_limit else ""))
    print(f"Whole processes, medians of alternating runs; floor = DuckDB alone scanning the typed events and "
          f"grouping by user and event.")
    print()
    print("\n".join(markdown(workloads)))
    print()
    print("Command: " + shlex.join([Path(sys.executable).name, "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
