"""Shared fixtures: report runs made once per parameter set, in the background, in parallel.

A report run executes every notebook with papermill (10–30 s each), so each parameter set runs
once per session, as ``pqlkit report`` in a subprocess, and every test that needs it reads the same
output folder. Right after collection (and deselection) the runs the selected tests need are started on a small pool
(``PQLKIT_TEST_WORKERS``, default: the number of CPUs, at most 3), so they overlap with the rest of
the suite; a test that needs a run waits for that one only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# --- hypothesis profiles -----------------------------------------------------------------------------
# "ci" (the default: `make test`, CI=true, plain pytest): the same examples every run
# (derandomize), no deadline on a shared machine, no example database (a failure saved on one
# machine must not change the verdict on the next run), a fixed number of examples.
# "fuzz" (`make fuzz`, HYPOTHESIS_PROFILE=fuzz): a random seed and FUZZ_EXAMPLES examples per test
# (default 200); `make fuzz` runs rounds of it, each with a new --hypothesis-seed, until its time budget
# is spent, and prints the seed of a failure. A test asks for more or fewer examples than the
# profile's with `@examples(factor)` (max_examples = profile's * factor), never with a number of its own.
CI_EXAMPLES = 30
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=CI_EXAMPLES, print_blob=True, database=None,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "fuzz", derandomize=False, deadline=None, max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    print_blob=True, suppress_health_check=_QUIET,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(factor: float) -> settings:
    """Settings with ``factor`` times the loaded profile's ``max_examples`` (at least 1)."""
    return settings(max_examples=max(1, round(settings().max_examples * factor)))


# -------------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "data" / "sample"
SAMPLE_SPEC = ROOT / "data" / "activation.yaml"
TINY = DATA / "tiny"
TINY_SPEC = DATA / "tiny_spec.yaml"
OTHER_SPEC = DATA / "other_spec.yaml"
HOSTILE = "<script>alert(1)</script>"


@dataclass(frozen=True)
class ReportCase:
    """One parameter set for ``pqlkit report`` (a dataset of None is built by :func:`build_hostile`)."""

    name: str
    dataset: Path | None
    spec: Path | None
    as_of: str | None = None
    level: str | None = None
    events_format: str | None = None


CASES = {
    case.name: case
    for case in (
        ReportCase("sample", SAMPLE, SAMPLE_SPEC),
        ReportCase("account", SAMPLE, SAMPLE_SPEC, level="account"),
        ReportCase("other_spec", SAMPLE, OTHER_SPEC),
        ReportCase("past_as_of", SAMPLE, SAMPLE_SPEC, as_of="2026-04-30"),
        ReportCase("tiny", TINY, TINY_SPEC),
        # A Mixpanel export (tests/data/exports): the notebooks read it through --events-format.
        ReportCase("export", DATA / "exports" / "mixpanel", DATA / "exports" / "spec.yaml", events_format="mixpanel"),
        ReportCase("hostile", None, None),
    )
}


@dataclass
class ReportRun:
    """What one ``pqlkit report`` run left: its case (with the dataset actually used), folder and output."""

    case: ReportCase
    out: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    notebooks: list[Path] = field(default_factory=list)


def build_hostile(folder: Path) -> tuple[Path, Path]:
    """A small synthetic dataset where an event name, a segment value and a plan are ``HOSTILE``.

    Returns the dataset folder and a spec with a step named (and waiting for) that event.
    """
    from pqlkit.synthetic import generate_sample

    frames = generate_sample(n_users=150, seed=11, days=60, dirty=False)
    users, events = frames["users"].copy(), frames["events"].copy()
    conversions = frames["conversions"].copy()
    users["channel"] = users["channel"].astype("object")
    users.loc[users.index[::3], "channel"] = HOSTILE
    events["event"] = events["event"].astype("object").replace({"export_downloaded": HOSTILE})
    if "plan" in conversions:
        conversions["plan"] = conversions["plan"].astype("object")
        conversions.loc[conversions.index[::2], "plan"] = HOSTILE
    dataset = folder / "dataset"
    dataset.mkdir(parents=True)
    for name, frame in (("users", users), ("events", events), ("conversions", conversions)):
        frame.to_csv(dataset / f"{name}.csv", index=False)
    spec = folder / "hostile_spec.yaml"
    spec.write_text(
        "level: user\nthreshold: 0.75\nwindow_days: 14\nsteps:\n"
        "  - name: connected_integration\n    event: integration_connected\n"
        "  - name: created_reports\n    event: report_created\n    min_count: 3\n"
        "  - name: invited_teammate\n    event: teammate_invited\n"
        f"  - name: '{HOSTILE}'\n    event: '{HOSTILE}'\n",
        encoding="utf-8",
    )
    return dataset, spec


class ReportRuns:
    """Runs ``pqlkit report`` once per case on a thread pool; :meth:`get` waits for one."""

    def __init__(self, workers: int):
        from pqlkit.report.run import kernel_name

        kernel_name()  # register the kernel once, before parallel runs could race to do it
        self.base = Path(tempfile.mkdtemp(prefix="pqlkit-report-tests-"))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pqlkit-report")
        self._futures: dict[str, Future] = {}
        self._processes: list[subprocess.Popen] = []
        self._closed = False
        # The environment as the session started: the runs go on in the background while other
        # tests monkeypatch variables (PQLKIT_MEMORY_LIMIT=30MB in tests/io/test_engines.py), and a
        # run started at that moment must not inherit them.
        self._environment = dict(os.environ)

    def start(self, name: str) -> None:
        if name not in self._futures:
            self._futures[name] = self._pool.submit(self._run, CASES[name])

    def get(self, name: str) -> ReportRun:
        self.start(name)
        return self._futures[name].result()

    def _run(self, case: ReportCase) -> ReportRun:
        from pqlkit.report.run import find_notebooks

        folder = self.base / case.name
        folder.mkdir()
        if case.dataset is None:
            dataset, spec = build_hostile(folder)
            case = ReportCase(case.name, dataset, spec, case.as_of, case.level, case.events_format)
        out = folder / "report"
        command = [sys.executable, "-m", "pqlkit.cli", "report", str(case.dataset), "--spec", str(case.spec),
                   "--out", str(out), "--no-progress"]
        if case.as_of:
            command += ["--as-of", case.as_of]
        if case.level:
            command += ["--level", case.level]
        if case.events_format:
            command += ["--events-format", case.events_format]
        started = time.perf_counter()
        if self._closed:
            raise RuntimeError("the test session is over")
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=self._environment)
        self._processes.append(process)
        stdout, stderr = process.communicate(timeout=1200)
        return ReportRun(case, out, process.returncode, stdout, stderr, time.perf_counter() - started,
                         find_notebooks())

    def close(self, *, keep: bool) -> None:
        self._closed = True
        for future in self._futures.values():
            future.cancel()
        for process in self._processes:
            if process.poll() is None:
                process.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)


_RUNS = pytest.StashKey[ReportRuns]()


def _runs(config: pytest.Config) -> ReportRuns:
    if _RUNS not in config.stash:
        workers = int(os.environ.get("PQLKIT_TEST_WORKERS", min(3, os.cpu_count() or 1)))
        config.stash[_RUNS] = ReportRuns(max(1, workers))
    return config.stash[_RUNS]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start, in the background, the report runs that the selected tests will read."""
    config = session.config
    if config.option.collectonly:
        return
    needed = []
    for item in session.items:
        names = [name[: -len("_report")] for name in getattr(item, "fixturenames", ()) if name.endswith("_report")]
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "report_run" in callspec.params:
            names.append(callspec.params["report_run"])
        needed += [name for name in names if name in CASES and name not in needed]
    for name in needed:
        _runs(config).start(name)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """How long each report run took (they run in the background, so test durations hide it)."""
    if _RUNS not in config.stash:
        return
    done = []
    for name, future in config.stash[_RUNS]._futures.items():
        if future.done() and not future.cancelled() and future.exception() is None:
            run = future.result()
            done.append(f"{name} {run.seconds:.0f}s (exit {run.returncode})")
    if done:
        terminalreporter.write_line("pqlkit report runs: " + ", ".join(done))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _RUNS in session.config.stash:
        runs = session.config.stash[_RUNS]
        runs.close(keep=exitstatus not in (0, 5) or bool(os.environ.get("PQLKIT_KEEP_REPORTS")))


def _report_fixture(name: str):
    @pytest.fixture(scope="session")
    def fixture(pytestconfig: pytest.Config) -> ReportRun:
        return _runs(pytestconfig).get(name)

    fixture.__name__ = f"{name}_report"
    fixture.__doc__ = f"The ``pqlkit report`` run of case {name!r} (see ``CASES``), made once per session."
    return fixture


@pytest.fixture(scope="session")
def report_run(request: pytest.FixtureRequest) -> ReportRun:
    """The report run of the case named by indirect parametrization: ``parametrize("report_run", [...], indirect=True)``."""
    return _runs(request.config).get(request.param)


sample_report = _report_fixture("sample")
account_report = _report_fixture("account")
other_spec_report = _report_fixture("other_spec")
past_as_of_report = _report_fixture("past_as_of")
tiny_report = _report_fixture("tiny")
hostile_report = _report_fixture("hostile")


@pytest.fixture(scope="module")
def spark_engine():
    """A local Spark engine for one test module (``local[2]``, two shuffle partitions), stopped after it."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: `make test` installs Debian's default-jre-headless where it can")
    os.environ.setdefault("PQLKIT_SPARK_MASTER", "local[2]")
    os.environ.setdefault("PQLKIT_SPARK_PARTITIONS", "2")
    from pqlkit.io.engines import SparkEngine

    engine = SparkEngine()
    yield engine
    engine.spark.stop()
