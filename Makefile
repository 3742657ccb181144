# Two commands on a fresh machine: `make demo` and `make test`. Both create the
# virtualenv and install the project (pinned by constraints.txt) when needed.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin

export DAGSTER_HOME := $(CURDIR)
export PATH := $(BIN):$(PATH)

.PHONY: install demo docs lint test test-postgres dev sandbox intake bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The world: JOURNEY_WORLD_SIZE, JOURNEY_WORLD_SEED, JOURNEY_WORLD_LAST_DAY (e.g. `make demo JOURNEY_WORLD_SEED=8`).
demo: $(VENV)/.installed  ## the world's whole history into data/journey.duckdb (later runs: one day), then dbt
	$(BIN)/journey demo

# The catalog (column types) comes from the warehouse, so run `make demo` first for a full one.
docs: $(VENV)/.installed  ## dbt docs (every model and column described) at http://127.0.0.1:8081
	cd dbt_project && $(BIN)/dbt docs generate && $(BIN)/dbt docs serve --port 8081 --no-browser

# sqlfluff renders the models through dbt on the local target, with an in-memory DuckDB and a
# target folder of its own, so linting never touches the warehouse or the code location's manifest.
lint: $(VENV)/.installed  ## ruff (lint and format), mypy on the domain and connectors, sqlfluff on the dbt models
	$(BIN)/ruff check journey_assets tests bench
	$(BIN)/ruff format --check journey_assets tests bench
	$(BIN)/mypy
	cd dbt_project && JOURNEY_DUCKDB_PATH=:memory: DBT_TARGET_PATH=target/sqlfluff $(BIN)/sqlfluff lint models

test: lint  ## lint, then the test suite
	$(BIN)/pytest

test-postgres: $(VENV)/.installed  ## the suite with the Postgres store and ledger contracts (starts a server in /tmp)
	pg_env=$$(.ci/postgres) && eval "$$pg_env" && $(BIN)/pytest

dev: $(VENV)/.installed  ## the local stack: sandbox, intake (dev secret printed), responder, Dagster UI at http://127.0.0.1:3000 and daemon
	$(BIN)/journey dev

sandbox: $(VENV)/.installed  ## the vendor fakes alone, at http://127.0.0.1:8765
	$(BIN)/journey sandbox

intake: $(VENV)/.installed  ## the webhook intake at http://127.0.0.1:8080
	$(BIN)/journey intake

bench: $(VENV)/.installed  ## benchmarks; they print figures, they assert nothing
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
