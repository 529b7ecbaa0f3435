# The commands of the README: `make run`, `make check` (the fast tests, for development)
# and `make test` (the whole suite, as CI runs it); `make lint` as CI runs it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= index
HOST ?= 127.0.0.1
PORT ?= 5000
LINTED := searcher web tests benchmarks

.PHONY: run check test lint format index bench lock clean

run: $(VENV)/.installed
	@$(PY) -c "import sys, searcher; sys.exit(0 if searcher.index_exists('$(INDEX)') else 1)" \
		|| $(PY) -m searcher index corpus/ --index $(INDEX)
	$(PY) -m searcher serve --index $(INDEX) --host $(HOST) --port $(PORT)

# The fast tests: no real indexer processes, big corpora, browser or searchd cluster
# (markers in setup.cfg). Under 2 minutes on 2 cores; `make test` runs them all.
CHECK_MARKERS := not slow and not browser and not manticore

check: $(VENV)/.installed
	$(PY) -m ruff check $(LINTED)
	$(PY) -m pytest -m "$(CHECK_MARKERS)" $(PYTEST_ARGS)

test: $(VENV)/.installed
	$(PY) -m ruff check $(LINTED)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)

format: $(VENV)/.installed
	$(PY) -m ruff format $(LINTED)

index: $(VENV)/.installed
	$(PY) -m searcher index corpus/ --index $(INDEX)

bench: $(VENV)/.installed
	$(PY) -m benchmarks.run

# constraints.txt pins every package `make` installs, so a new machine gets the
# versions the suite passed with (setup.cfg keeps ranges for library users).
$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[web,test,manticore]"
	touch $@

# Refresh constraints.txt: the newest versions setup.cfg allows, resolved in a
# fresh venv with pip's cache off (as a new machine sees them). Then `make test`.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --no-cache-dir -e ".[web,test,manticore]"
	{ echo "# Written by 'make lock' from setup.cfg's ranges; 'make' installs these versions."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
