# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= index
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint index bench clean

run: $(VENV)/.installed
	@$(PY) -c "import sys, searcher; sys.exit(0 if searcher.index_exists('$(INDEX)') else 1)" \
		|| $(PY) -m searcher index corpus/ --index $(INDEX)
	$(PY) -m searcher serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(PY) -m ruff check searcher web tests benchmarks
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check searcher web tests benchmarks
	$(PY) -m ruff format --check searcher web tests benchmarks

index: $(VENV)/.installed
	$(PY) -m searcher index corpus/ --index $(INDEX)

bench: $(VENV)/.installed
	$(PY) -m benchmarks.run

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[web,test]"
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
