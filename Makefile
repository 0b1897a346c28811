# make demo  - set up .venv, build the demo client and run its five deliverables
# make test  - set up what is missing and run the whole test suite
# make lint  - ruff check and ruff format --check (CI runs it before the tests)
# make notebooks - sync each notebooks/*.ipynb with its jupytext .py source after editing either
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.esnkit-installed

.PHONY: demo test lint format notebooks setup system-deps lab bench clean-demo

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (esnkit)" >/dev/null
	@touch $(STAMP)

# Headless Chromium prints the PDFs; poppler's pdftotext checks them. Installed when missing and we
# may (root with apt-get); otherwise the deliverables are HTML only and the reason is printed.
system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and poppler-utils (apt-get) ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium poppler-utils fonts-dejavu-core >/dev/null; \
	else echo "note: chromium not found and cannot be installed here; PDFs will be skipped (HTML still written)"; fi
	@# Java runs Spark (engine: spark, and the test that holds Spark's reductions to DuckDB's)
	@if command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Java 17 for Spark (apt-get) ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; \
	else echo "note: java not found and cannot be installed here; the spark engine (and its test) need Java 17"; fi

demo: setup system-deps
	$(BIN)/esnkit demo

test: setup system-deps
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

notebooks: setup
	$(BIN)/jupytext --sync notebooks/*.py

lab: setup
	$(BIN)/esnkit lab demo

bench: setup
	$(BIN)/python benchmarks/run.py --size S

clean-demo:
	rm -rf data/demo
