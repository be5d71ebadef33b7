# The two first commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= experiments/rare_earth_curb.toml

.PHONY: run test lint bench bench-sweep baseline lab clean

$(BIN)/sim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/sim
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

run: $(BIN)/sim
	$(BIN)/sim run $(SCENARIO)

test: $(VENV)/.dev
	$(BIN)/ruff check sim agents tests benchmarks scripts
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check sim agents tests benchmarks scripts

bench: $(BIN)/sim
	$(BIN)/python benchmarks/bench.py

$(VENV)/.notebook: $(BIN)/sim
	$(BIN)/python -m pip install --quiet -e ".[notebook]"
	touch $@

# JupyterLab from the project's venv, opened on notebooks/ (installs the `notebook` extra once).
lab: $(VENV)/.notebook
	$(BIN)/jupyter lab notebooks/

# Sweep speed and memory: outcomes-only replication, 1,000-run sweep on 2 workers, 2-worker
# speed-up, mesa.batch_run side by side, peak memory 10,000 vs 1,000 runs (~10 min).
bench-sweep: $(BIN)/sim
	$(BIN)/python benchmarks/bench_sweep.py

# Refresh the regression baseline (only when a change of outcomes is intended).
baseline: $(BIN)/sim
	$(BIN)/python scripts/refresh_baseline.py

clean:
	rm -rf $(VENV) runs .pytest_cache
