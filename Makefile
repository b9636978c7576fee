# Sargasso: `make run` serves the demo site, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 5000
# Two workers by default (one browser each); `make test PYTEST_ARGS=-x` runs serially.
PYTEST_ARGS ?= -n auto

.PHONY: run test test-sqlite test-postgres lint bench loadtest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP)
	FLASK_APP=wsgi.py FLASK_DEBUG=1 $(BIN)/flask setup-demo --url http://$(HOST):$(PORT)
	FLASK_APP=wsgi.py FLASK_DEBUG=1 $(BIN)/flask run --host $(HOST) --port $(PORT)

test: $(TEST_STAMP)
	$(BIN)/ruff check blog tests bench wsgi.py
	$(BIN)/ruff format --check blog tests bench wsgi.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(TEST_STAMP)
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check blog tests bench wsgi.py
	$(BIN)/ruff format --check blog tests bench wsgi.py

bench: $(TEST_STAMP)
	$(BIN)/python -m bench.bench
	$(BIN)/python -m bench.memory

loadtest: $(TEST_STAMP)
	$(BIN)/python -m bench.loadtest

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
