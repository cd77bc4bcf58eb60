# Two commands on a fresh machine:  `make demo` (main job)  and  `make test` (the whole suite).
# Both create ./.venv and install the package with every extra; torch is pinned by constraints.txt.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m qlstm_optimizer demo

# The full suite, slow integration tests included (this is what .ci/run calls).
test: $(STAMP)
	$(PY) -m ruff check qlstm_optimizer benchmarks tests examples
	$(PY) -m pytest -q -n 2 -m "slow or not slow"

# The default quick suite for development (slow tests skipped).
test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2

lint: $(STAMP)
	$(PY) -m ruff check qlstm_optimizer benchmarks tests examples

bench: $(STAMP)
	$(PY) -m benchmarks.sim_speed

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
