# ProfileGraph: `make run` serves the API with a real Neo4j and demo data; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG := $(BIN)/profilegraph

.PHONY: run stop test install install-train neo4j-start neo4j-stop migrate demo-data model train lint bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Serving dependencies only: the API never imports torch.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Training and GNN tests need torch and torch-geometric as well.
# torch's wheels are hundreds of MB: a download cut off midway is resumed, then retried.
$(VENV)/.installed-train: pyproject.toml $(VENV)/.installed
	for attempt in 1 2 3; do \
	  $(BIN)/pip install -q --resume-retries 10 -e '.[dev,train]' && break; \
	  [ $$attempt = 3 ] && exit 1; echo "pip install failed (attempt $$attempt); retrying"; \
	  sleep 10; \
	done
	touch $@

install: $(VENV)/.installed
install-train: $(VENV)/.installed-train

neo4j-start: install
	$(PG) neo4j start

neo4j-stop: install
	$(PG) neo4j stop

migrate: neo4j-start
	$(PG) migrate

demo-data: migrate
	$(PG) demo-data

## Train LightGCN on the development graph; the API hot-reloads a promoted model.
train: install-train migrate
	$(PG) train

## The training-free graph-filter model (numpy/scipy; seconds on the demo store, minutes on an
## imported year, README); `make train` replaces it when
## LightGCN or a blend wins on validation.
model: demo-data
	$(PG) build-model --if-missing

## One command on a fresh machine: install, start Neo4j, migrate, load demo data, build the
## instant model, serve on 127.0.0.1:8000 in the foreground. Ctrl-C stops the API, and stops
## Neo4j too when this run started it (one that was already running is left running); the
## data stays in .cache/neo4j either way. `make stop` stops a Neo4j left running.
## (The steps of `model` are spelled out so that one shell holds the trap.)
run: install
	@if $(PG) neo4j status >/dev/null; then :; else \
	  trap 'trap - EXIT; $(PG) neo4j stop' EXIT; fi; \
	set -e; $(PG) neo4j start; $(PG) migrate; $(PG) demo-data; \
	$(PG) build-model --if-missing; $(PG) serve

## Stop the development Neo4j (`make run` serves in the foreground: Ctrl-C stops the API).
stop:
	@if [ -x $(PG) ]; then $(PG) neo4j stop; else echo "nothing to stop (no $(VENV))"; fi

## One command for the tests: starts the test Neo4j when it is not running and stops what it started.
test: install-train
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check app recmodel trainer tests bench

bench: install-train
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/segments.py
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/console.py

clean:
	-$(PG) neo4j stop
	rm -rf $(VENV) .cache/neo4j/server .cache/neo4j/test-server
