# undersigned: `make demo` to try it, `make test` to run the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
LOCALES := uk ru

.PHONY: install install-test messages vendor-js demo test test-sqlite test-postgres chaos lint bench bench-scale profile makemessages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[build]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[build,test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed messages
install-test: $(VENV)/.installed-test node_modules/.installed messages

# axe-core and the Nu HTML Checker for the browser tests, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser's sealing libraries (tweetnacl, blakejs), copied from the npm releases locked in
# package-lock.json into the static files, so a machine without npm serves them too.
vendor-js: node_modules/.installed
	$(BIN)/python -c "from tests.test_vendor_js import write; write()"

# Compile the gettext catalogues with Babel, so no system gettext is needed.
messages:
	@for po in undersigned/locale/*/LC_MESSAGES/*.po; do \
		$(BIN)/pybabel -q compile -i "$$po" -o "$${po%.po}.mo" || exit 1; \
	done

# Run from inside the package, so the data folder is named: settings refuse one in there.
makemessages: | $(BIN)/python
	cd undersigned && UNDERSIGNED_DATA_DIR=$(CURDIR)/data \
		../$(BIN)/python -m django makemessages --settings=undersigned.settings \
		$(foreach l,$(LOCALES),-l $(l)) --no-obsolete --no-location -e html,txt,py

# `make demo PORT=8101` serves on another port (SERVE_PORT=8101 works too).
demo: install
	$(BIN)/undersigned demo $(if $(PORT),--port $(PORT))

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy undersigned tests conftest.py
	$(BIN)/lint-imports --no-cache

test: install-test lint test-sqlite test-postgres

test-sqlite:
	$(BIN)/pytest -q

# Where PostgreSQL is up, the whole suite runs on it too.
test-postgres:
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not browser"; \
	else echo "PostgreSQL not reachable at $(PG_URL): skipping the PostgreSQL run"; fi

# Issue 14's crash suite at length: 500 kills -9 on SQLite, then on PostgreSQL where it is
# up; each run prints kills, acknowledged, lost and duplicated (`make test` runs it with 20).
chaos: install-test
	CHAOS_KILLS=500 $(BIN)/pytest -q -p no:cacheprovider tests/test_crash.py
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) CHAOS_KILLS=500 $(BIN)/pytest -q -p no:cacheprovider tests/test_crash.py; \
	else echo "PostgreSQL not reachable at $(PG_URL): skipping the PostgreSQL run"; fi

# The benchmark of the real server (wrk from Debian); results land in bench/results/.
bench: install-test
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py
	$(BIN)/python bench/pow_solve.py --loads 20

# The bench at 3,000, 100,000 and 1,000,000 signatures (issue 18): the same scenarios, the
# deepest list page, export, purge/reconcile stalls, query plans, and the curve as an SVG.
# SCALE_ARGS passes options, e.g. SCALE_ARGS="--sizes 3000,100000" or "--postgres URL".
bench-scale: install-test
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

# Where the time of a sign request goes (pyinstrument).
profile: install-test
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/profile_sign.py 1000

clean:
	rm -rf $(VENV) data build *.egg-info
