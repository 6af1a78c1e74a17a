# Two commands do all set-up: `make report` (the report on the bundled sample) and `make test`.
# Both create the virtual environment under .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test notebooks metrics clean java benchmark fuzz chromium postgres

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: $(PYTHON) not found (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name pqlkit --display-name "pqlkit (Python 3.11)" >/dev/null
	@command -v java >/dev/null 2>&1 || $(MAKE) --no-print-directory java
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && command -v pdftotext >/dev/null 2>&1 || $(MAKE) --no-print-directory chromium
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || $(MAKE) --no-print-directory postgres
	touch $(STAMP)

## Spark (--engine spark, and its tests) needs a Java 17+ runtime: Debian's, where the machine has none.
java:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing a Java runtime for Spark (Debian's default-jre-headless)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	else \
		echo "No Java runtime found: install Java 17+ for --engine spark (its tests are skipped without it)"; \
	fi

## The browser test and `pqlkit report --pdf` need headless Chromium and chromedriver (Debian's), and
## poppler-utils (pdftotext) to read the PDFs back.
chromium:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing headless Chromium for the browser test and --pdf (Debian's chromium, chromium-driver, poppler-utils)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver poppler-utils >/dev/null; \
	else \
		echo "No Chromium found: apt-get install chromium chromium-driver poppler-utils (the browser test is skipped without them, and fails under CI)"; \
	fi

## Reading from PostgreSQL (tests/io/test_database.py) starts a throwaway server from Debian's postgresql package.
postgres:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing PostgreSQL for the database tests (Debian's postgresql)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "No PostgreSQL server found: apt-get install postgresql (the database tests are skipped without it, and fail under CI)"; \
	fi

## The main job: the PQL report on the bundled sample data, written to reports/sample/.
report: $(STAMP)
	$(BIN)/pqlkit report data/sample --spec data/activation.yaml --out reports/sample

## The metrics as JSON on the bundled sample (quick look, no notebooks).
metrics: $(STAMP)
	$(BIN)/pqlkit metrics data/sample --spec data/activation.yaml --format json

## The whole test suite: the layers contract (lint-imports, pyproject.toml), then unit, property, CLI,
## notebook (nbval) and papermill tests.
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## A long random fuzz campaign of the readers (not part of `make test`): rounds of tests/test_fuzz.py and the
## fuzz tests of tests/test_bad_input.py, each with a new random seed, until FUZZ_MINUTES have passed (a round
## runs FUZZ_EXAMPLES examples per test, so the budget may be overrun by one round). A failure prints its seed.
FUZZ_MINUTES ?= 10
FUZZ_EXAMPLES ?= 50
FUZZ_TESTS := tests/test_fuzz.py tests/test_bad_input.py -k fuzz
fuzz: $(STAMP)
	@end=$$(( $$(date +%s) + $(FUZZ_MINUTES) * 60 )); round=0; \
	while [ $$(date +%s) -lt $$end ]; do \
		round=$$((round + 1)); seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); \
		echo "fuzz round $$round, seed $$seed"; \
		HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:nbval -o addopts="" -q -x \
			--hypothesis-seed=$$seed --hypothesis-show-statistics $(FUZZ_TESTS) \
		|| { echo "fuzz: FAILED in round $$round with seed $$seed; reproduce with:"; \
		     echo "  HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:nbval -o addopts='' --hypothesis-seed=$$seed $(FUZZ_TESTS)"; exit 1; }; \
	done; echo "fuzz: $$round round(s), no failure"

## Re-execute the committed notebooks on the sample data (after a change or a version bump).
notebooks: $(STAMP)
	$(BIN)/python -m pqlkit.report --regenerate

## The scale benchmark (by hand, not a test): 1M, 10M and 50M events; prints a Markdown table.
benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports .pytest_cache .hypothesis
