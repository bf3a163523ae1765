PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
PRM_API_PORT ?= 8502

.PHONY: run cluster test test-fast install install-dev migrate seed lint bench bench-scale clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python -m db.migrate

seed: migrate
	$(BIN)/python -m seed --if-empty

# Starts the job runner and the API beside the app and stops them when the app stops.
run: seed
	@$(BIN)/python -m core.jobs --loop & JOBS=$$!; \
	$(BIN)/uvicorn api.app:app --host 127.0.0.1 --port $(PRM_API_PORT) & API=$$!; \
	trap "kill $$JOBS $$API 2>/dev/null" EXIT INT TERM; \
	$(BIN)/streamlit run Home.py --server.port $(PORT)

# Two replicas, the API and a job runner on the local PostgreSQL behind nginx (README:
# "Running a cluster"); Ctrl-C stops them.
cluster: install
	$(BIN)/python -m deploy.cluster up

test: install-dev
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The inner loop: SQLite only, no browser (PRM_TEST_BACKENDS is read by tests/databases.py).
test-fast: install-dev
	PRM_TEST_BACKENDS=sqlite PRM_REQUIRE_POSTGRES= $(BIN)/python -m pytest -n 2 --dist loadgroup \
		-m "not e2e" $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

bench: migrate
	$(BIN)/python -m bench

# Optional (not part of `make test`): the conflict check at the reference scale, each time on
# a fresh SQLite file under data/ and a fresh PostgreSQL database (dropped and created again),
# migrated and seeded as `python -m seed --scale` does, then probed by bench.conflicts.
PRM_BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/prm_bench
BENCH_SQLITE_URL ?= sqlite:///data/bench_scale.db

bench-scale: install
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.conflicts --fresh --database-url $(BENCH_SQLITE_URL)
	$(BIN)/python -m bench.conflicts --fresh --database-url $(PRM_BENCH_PG_URL)

clean:
	rm -rf $(VENV) data
