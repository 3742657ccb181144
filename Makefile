# Two commands on a fresh machine: `make demo` and `make test`. Both create the
# virtualenv and install the project (pinned by constraints.txt) when needed.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin

export DAGSTER_HOME := $(CURDIR)
export PATH := $(BIN):$(PATH)

.PHONY: install demo test dev sandbox intake bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The world: JOURNEY_WORLD_SIZE, JOURNEY_WORLD_SEED, JOURNEY_WORLD_LAST_DAY (e.g. `make demo JOURNEY_WORLD_SEED=8`).
demo: $(VENV)/.installed  ## the world's whole history into data/journey.duckdb (later runs: one day), then dbt
	$(BIN)/journey demo

test: $(VENV)/.installed  ## the test suite
	$(BIN)/pytest

dev: $(VENV)/.installed  ## Dagster UI at http://127.0.0.1:3000 with the sandbox beside it
	$(BIN)/journey dev

sandbox: $(VENV)/.installed  ## the vendor fakes alone, at http://127.0.0.1:8765
	$(BIN)/journey sandbox

intake: $(VENV)/.installed  ## the webhook intake at http://127.0.0.1:8080
	$(BIN)/journey intake

bench: $(VENV)/.installed  ## benchmarks; they print figures, they assert nothing
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
