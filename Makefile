# The two commands in the README: `make run` and `make test`. Both create or
# refresh the virtual environment first, from requirements.lock.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test drill lint bench lock clean system-packages runtime-packages

run: runtime-packages $(STAMP)
	$(BIN)/ehcp up

# Two processes (pytest-xdist): the tests that start real services in order on one, the
# fault drill and the quick tests on the other (tests/conftest.py). PYTEST_ARGS adds to it.
test: system-packages $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The fault drill (tests/production/test_fault_drill.py): 50 cases through worker kills,
# Prefect and PostgreSQL restarts, the relay down, alone. About 11 minutes on a quiet machine.
drill: system-packages $(STAMP)
	$(BIN)/python -m pytest -m drill -s $(PYTEST_ARGS)

system-packages:
	@scripts/system-packages.sh

runtime-packages:
	@scripts/system-packages.sh --runtime

# ruff, then mypy (what it checks, and how strictly, is [tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check ehcp flows tasks tests migrations benchmarks
	$(BIN)/mypy

# Benchmarks (never in CI: they measure, tests check). Figures and how to read them:
# benchmarks/README.md.
bench: runtime-packages $(STAMP)
	$(BIN)/python benchmarks/documents.py --repeat 5
	$(BIN)/python benchmarks/ombudsman.py
	$(BIN)/python benchmarks/intake.py --requests 200
	$(BIN)/python benchmarks/reports.py --cases 100000 --repeat 1
	$(BIN)/python benchmarks/import.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/prefect_runs.py --databases postgresql
	$(BIN)/python benchmarks/catch_up.py --cases 80
	$(BIN)/python benchmarks/case_cost.py --cases 3
	$(BIN)/python benchmarks/escalation_latency.py --cases 5

# Installs exactly what the lock says, then the project itself without
# resolving again; `pip check` fails if the lock misses a dependency.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

# Re-resolve after changing dependencies in pyproject.toml (needs network to PyPI).
lock:
	test -x $(VENV)-lock/bin/uv || ($(PYTHON) -m venv $(VENV)-lock && $(VENV)-lock/bin/pip install --quiet uv)
	$(VENV)-lock/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --quiet -o requirements.lock

clean:
	rm -rf $(VENV) $(VENV)-lock
