# Two set-up commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST := $(BIN)/python -m pytest
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS)

.PHONY: translations run test test-fast test-sqlite test-postgres test-e2e migrate demo bench bench-scale bench-tools coverage clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	@echo "Installing Steady Steps into $(VENV) (about a minute; details in $(VENV)/install.log)..."
	@$(BIN)/pip install -q -e . > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

## Serve on http://127.0.0.1:8000 with SQLite under data/ (creates a development key file if none).
run: $(VENV)/.run-installed
	$(BIN)/icbt serve

migrate: $(VENV)/.run-installed
	$(BIN)/icbt migrate

## The whole suite: unit, API, pages, security, browser journeys; on SQLite, then on PostgreSQL.
test: $(VENV)/.test-installed
	@echo "== SQLite half (unit, API, pages, security, browser journeys)"
	@ICBT_TEST_DB=sqlite $(PYTEST) $(XDIST) $(PYTEST_ARGS) --cov=app --cov-report=term:skip-covered; s1=$$?; \
	$(BIN)/python -m tools.untested; \
	echo "== PostgreSQL half (127.0.0.1:5432; skipped outside CI when unreachable)"; \
	ICBT_TEST_DB=postgres $(PYTEST) $(XDIST) $(PYTEST_ARGS) -m "not e2e"; s2=$$?; \
	echo "== SQLite half exit $$s1, PostgreSQL half exit $$s2"; \
	test $$s1 -eq 0 -a $$s2 -eq 0

## Inner loop: everything but the real-browser journeys, SQLite only.
test-fast: $(VENV)/.test-installed
	ICBT_TEST_DB=sqlite $(PYTEST) $(XDIST) $(PYTEST_ARGS) -m "not e2e and not slow"

test-postgres: $(VENV)/.test-installed
	ICBT_TEST_DB=postgres $(PYTEST) $(XDIST) $(PYTEST_ARGS)

test-e2e: $(VENV)/.test-installed
	ICBT_TEST_DB=sqlite $(PYTEST) $(XDIST) $(PYTEST_ARGS) -m e2e

## A demo clinician, admin and six patients with weeks of history (prints how to sign in).
demo: $(VENV)/.run-installed
	$(BIN)/icbt migrate && $(BIN)/icbt seed-demo

## Load benchmark (needs wrk; ~10 min): SQLite 1 and 2 workers, PostgreSQL 2 workers, bare stack.
## Extra options: make bench BENCH_ARGS="-d 5 --servers sqlite-2w,bare-2w"
bench: $(VENV)/.run-installed bench-tools
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Scale benchmark: 100 / 1,000 / 10,000 patients x 52 weeks (first run makes the datasets: ~20 min).
bench-scale: $(VENV)/.run-installed bench-tools
	$(BIN)/python -m bench.scale $(BENCH_ARGS)

# wrk, the load generator, from Debian's packages when it is missing (needs root, as in CI).
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { echo "== installing Debian's wrk"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

## Interface catalogues (app.i18n): extract every marked string into locale/messages.pot, merge
## it into each locale/<code>/LC_MESSAGES/messages.po, compile the .mo files (the server also
## compiles the .po files itself at start, so a fresh clone needs no build step).
translations: $(VENV)/.run-installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k _t -k N_ -k gettext -k ngettext:1,2 --no-location --sort-output \
	  --omit-header --project="Steady Steps" -o locale/messages.pot .
	$(BIN)/pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d locale --statistics

clean:
	rm -rf $(VENV) .pytest_cache .coverage htmlcov
