# taskdesk — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TASKDESK_NO_DOTENV ?=
export FLASK_APP := api:create_app

.PHONY: run test test-mysql test-sqlite lint bench migrate seed clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

## run: serve taskdesk on http://127.0.0.1:5000 with SQLite and demo data
run: $(STAMP)
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask demo seed --if-empty
	@echo "taskdesk: http://127.0.0.1:5000/  (API docs: http://127.0.0.1:5000/api/v1/docs)"
	$(VENV)/bin/flask run --host 127.0.0.1 --port 5000

## test: ruff, then the whole suite on MariaDB and on SQLite
test: $(STAMP) lint test-mysql test-sqlite

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test-mysql: $(STAMP)
	url=$$(./scripts/ensure-mariadb.sh) && TEST_DATABASE_URL="$$url" $(VENV)/bin/pytest -q

test-sqlite: $(STAMP)
	TEST_DATABASE_URL= $(VENV)/bin/pytest -q

## bench: cold start, warm list latency and SQL statements per request (MariaDB)
bench: $(STAMP)
	url=$$(./scripts/ensure-mariadb.sh) && BENCH_DATABASE_URL="$$url" $(PY) -m bench

migrate: $(STAMP)
	$(VENV)/bin/flask db upgrade

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
