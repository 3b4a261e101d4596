# The two commands a newcomer needs are `make demo` and `make test`; both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pywb gets an environment of its own: it pins redis 2.10.6 and Prefect needs redis >= 6 (pip
# would silently fall back to pywb 2.8 in .venv, which crashes). `archive replay` drives it.
VENV_PYWB  := .venv-pywb
STAMP_PYWB := $(VENV_PYWB)/.installed
PYWB_SPEC  ?= pywb==2.10.*

# Prefect state stays in the project folder, never in the home directory by surprise.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: install demo lint test bench clean

install: $(STAMP) $(STAMP_PYWB)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# A migrated empty Prefect database, copied into each new PREFECT_HOME (archive/orchestrator/template.py).
	$(BIN)/python -c 'from archive.orchestrator.template import ensure_template; ensure_template(600)'
	touch $(STAMP)

$(VENV_PYWB): $(STAMP_PYWB)

$(STAMP_PYWB):
	$(PYTHON) -m venv $(VENV_PYWB)
	$(VENV_PYWB)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_PYWB)/bin/python -m pip install --quiet '$(PYWB_SPEC)'
	touch $(STAMP_PYWB)

demo: install
	$(BIN)/archive demo

# Lint and types first: they take seconds and fail fast, before the minutes of pytest.
lint: install
	$(BIN)/ruff check archive archive_app flows bench tests
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q -ra

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@command -v wget >/dev/null || (apt-get update -qq && apt-get install -y -qq wget)
	$(BIN)/python bench/bench_capture.py

clean:
	-[ -x $(BIN)/archive ] && $(BIN)/archive server stop
	rm -rf $(VENV) $(VENV_PYWB) .prefect .pytest_cache build *.egg-info demo-output
