"""Per-statement profile of ``pqlkit metrics --format json``: where the seconds of one run go.

Run by hand (it is not a test)::

    .venv/bin/python benchmarks/profile.py benchmarks/.data/users_223214_seed_7_typed   # 10M events
    .venv/bin/python benchmarks/profile.py data/sample --top 10

It runs the command once in this process and times: the imports (DuckDB alone, then the rest of
the command path), every SQL statement the DuckDB engine runs (``table``, ``view``, ``rows``,
``frame``: wall time of each call), and what is left (Python: reading the small tables' layout,
building the per-entity table in pandas, the summary). The statements are listed slowest first.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", help="the dataset folder")
    parser.add_argument("--spec", default=str(ROOT / "data" / "activation.yaml"))
    parser.add_argument("--top", type=int, default=15, help="statements listed (default 15)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    import duckdb  # noqa: F401  (timed on its own)

    after_duckdb = time.perf_counter()
    from pqlkit.io import engines

    statements: list[tuple[float, str, str]] = []
    for method in ("run", "table", "view", "rows", "frame"):
        original = getattr(engines.DuckDBEngine, method)

        def timed(self, *arguments, _original=original, _method=method, **keywords):
            began = time.perf_counter()
            result = _original(self, *arguments, **keywords)
            text = " ".join(" ".join(str(a) for a in arguments).split())
            statements.append((time.perf_counter() - began, _method, text))
            return result

        setattr(engines.DuckDBEngine, method, timed)
    from pqlkit import cli

    imported = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(["metrics", args.dataset, "--spec", args.spec, "--format", "json"])
    finished = time.perf_counter()
    sql = sum(seconds for seconds, _, _ in statements)
    print(f"imports: duckdb {after_duckdb - start:.2f} s, the rest of the command path {imported - after_duckdb:.2f} s "
          f"(pandas loaded: {'pandas' in sys.modules})")
    print(f"run: {finished - imported:.2f} s = SQL {sql:.2f} s over {len(statements)} statements "
          f"+ Python {finished - imported - sql:.2f} s; exit status {status}")
    print(f"total in process: {finished - start:.2f} s")
    for seconds, method, text in sorted(statements, reverse=True)[: args.top]:
        print(f"{seconds:7.3f} s  {method:<5} {text[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
