"""Benchmark: ``pqlkit metrics`` against the DuckDB floor and a plain in-memory pandas path.

Run by hand (it is not a test)::

    .venv/bin/python benchmarks/run.py                       # 1M, 10M and 50M events
    .venv/bin/python benchmarks/run.py --events 1e6 2e6      # other sizes
    .venv/bin/python benchmarks/run.py --skip-pandas         # pandas path off (it is the slow one)

For each size it generates a Parquet dataset with ``pqlkit sample`` (kept under ``--workdir`` for
the next run), then measures, each in a fresh process, whole-process wall time and peak resident
memory (``wait4``'s ``ru_maxrss``) of:

- ``pqlkit metrics DATASET --spec data/activation.yaml --format json`` (the product);
- the floor: DuckDB alone scanning the same events file and grouping by user and event
  (``min(timestamp)``, ``count(*)``);
- the pandas path: the three tables read into pandas with ``pd.read_parquet``, then the same
  core through ``pk.entity_table(frames, spec)``.

It prints a Markdown table (paste it into the README with the machine it ran on).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EVENTS_PER_USER_GUESS = 45.0

FLOOR = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET memory_limit = '{memory}'")
n = con.execute(
    "SELECT count(*) FROM (SELECT user_id, event, min(timestamp) AS first_seen, count(*) AS n "
    "FROM read_parquet(?) GROUP BY user_id, event)", [sys.argv[1]]).fetchone()[0]
print(n)
"""

PANDAS_PATH = """
import sys, warnings
import pandas as pd
import pqlkit as pk
folder = sys.argv[1]
frames = {name: pd.read_parquet(f"{folder}/{name}.parquet") for name in ("users", "events", "conversions")}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    entities, dataset = pk.entity_table(frames, sys.argv[2])
print(pk.summary(entities, ledger=dataset.ledger)["raw_pqls"])
"""


def measure(command: list[str], *, env: dict | None = None) -> dict:
    """Run ``command``; return wall seconds, peak RSS in MiB, exit status and stdout."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = process.communicate()
    # communicate() reaped the child; its rusage is in RUSAGE_CHILDREN only cumulatively, so use
    # a wrapper that reports its own child's peak instead.
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "status": process.returncode, "stdout": out.decode(), "stderr": err.decode()}


def measure_peak(command: list[str], *, env: dict | None = None) -> dict:
    """Like :func:`measure`, with the peak RSS of that one process tree (via ``os.wait4``)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # Read the pipes before reaping, so a chatty child cannot block.
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
        "status": process.returncode,
        "stdout": out.decode(),
        "stderr": err.decode(),
    }


def dataset_for(events: float, workdir: Path, seed: int) -> tuple[Path, dict]:
    """Generate (once) a Parquet dataset with about ``events`` events."""
    users = max(100, int(events / EVENTS_PER_USER_GUESS))
    folder = workdir / f"events_{int(events):d}"
    info_file = folder / "bench.json"
    if info_file.exists():
        return folder, json.loads(info_file.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    run = measure_peak([str(BIN / "pqlkit"), "sample", str(folder), "--users", str(users), "--seed", str(seed),
                        "--format", "parquet"])
    if run["status"] != 0:
        sys.exit(f"pqlkit sample failed:\n{run['stderr']}")
    import duckdb

    rows = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(folder / "events.parquet")]).fetchone()[0]
    info = {"users": users, "events": rows, "generate_seconds": run["seconds"], "generate_peak_mib": run["peak_mib"],
            "events_mib": (folder / "events.parquet").stat().st_size / 2**20}
    info_file.write_text(json.dumps(info))
    return folder, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=float, nargs="+", default=[1e6, 1e7, 5e7], help="target event counts")
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--spec", type=Path, default=ROOT / "data" / "activation.yaml")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-limit", default=None, help="PQLKIT_MEMORY_LIMIT for pqlkit metrics (e.g. 3GB)")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--pandas-max-events", type=float, default=2e7,
                        help="skip the pandas path above this many events (default 2e7)")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    if args.memory_limit:
        env["PQLKIT_MEMORY_LIMIT"] = args.memory_limit
    floor_memory = args.memory_limit or "4GB"
    rows = []
    for target in args.events:
        folder, info = dataset_for(target, args.workdir, args.seed)
        print(f"# {info['events']:,} events, {info['users']:,} users, events.parquet {info['events_mib']:.0f} MiB "
              f"(generated in {info['generate_seconds']:.0f} s)", file=sys.stderr, flush=True)
        product = measure_peak([str(BIN / "pqlkit"), "metrics", str(folder), "--spec", str(args.spec), "--format", "json"],
                               env=env)
        if product["status"] != 0:
            print(product["stderr"], file=sys.stderr)
        floor = measure_peak([sys.executable, "-c", FLOOR.format(memory=floor_memory), str(folder / "events.parquet")])
        pandas_run = None
        if not args.skip_pandas and info["events"] <= args.pandas_max_events:
            pandas_run = measure_peak([sys.executable, "-c", PANDAS_PATH, str(folder), str(args.spec)])
        rows.append((info, product, floor, pandas_run))
        print(f"#   metrics {product['seconds']:.1f} s / {product['peak_mib']:.0f} MiB; floor {floor['seconds']:.1f} s / "
              f"{floor['peak_mib']:.0f} MiB" + (f"; pandas {pandas_run['seconds']:.1f} s / {pandas_run['peak_mib']:.0f} MiB"
                                                 if pandas_run else ""), file=sys.stderr, flush=True)

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python {platform.python_version()}"
          + (f", PQLKIT_MEMORY_LIMIT={args.memory_limit}" if args.memory_limit else ""))
    print()
    print("| events | users | events.parquet | `pqlkit metrics` | peak memory | DuckDB floor | floor memory | ratio to floor | pandas path | pandas memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for info, product, floor, pandas_run in rows:
        ok = "" if product["status"] == 0 else " (failed)"
        pandas_cells = (f"{pandas_run['seconds']:.1f} s | {pandas_run['peak_mib']:,.0f} MiB" if pandas_run
                        else "not run | ")
        print(f"| {info['events']:,} | {info['users']:,} | {info['events_mib']:,.0f} MiB | {product['seconds']:.1f} s{ok} | "
              f"{product['peak_mib']:,.0f} MiB | {floor['seconds']:.1f} s | {floor['peak_mib']:,.0f} MiB | "
              f"{product['seconds'] / floor['seconds']:.1f}× | {pandas_cells} |")
    print()
    print("Command: " + shlex.join([sys.executable, *sys.argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
