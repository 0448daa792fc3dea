# Açık Kapı — `make run` starts everything, `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: help setup prometheus run up down status test test-fast lint format bench clean dashboards

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install what is missing: uv, Python packages from uv.lock, the Kafka jars
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || { \
	  echo "installing uv from PyPI"; python3 -m pip install --quiet uv; }
	@command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
# Bytecode at install time: where PYTHONDONTWRITEBYTECODE is set (as on our machines) Python never caches
# it, and every `acikkapi` start would compile each imported module again (seconds; bench/cli_startup.py).
# Not a [tool.uv] setting: then every `uv run` would check the bytecode of the whole venv again (+0.35 s).
	$(UV) sync --frozen --all-packages --compile-bytecode
	bash deploy/kafka/kafka.sh fetch

run: setup prometheus ## start Kafka, the four services, the SMS simulator and Prometheus; Ctrl-C stops all
	$(UV) run acikkapi dev run

up: setup prometheus ## the same in the background; returns when every service is ready
	$(UV) run acikkapi dev up

# Debian's prometheus package, installed when missing (as root); without it the stack runs without one.
prometheus:
	@bash deploy/prometheus/ensure.sh >/dev/null || echo "Prometheus is not installed: the stack runs without it"

down: ## stop everything `make up` started
	$(UV) run acikkapi dev down

status: ## print where everything listens
	$(UV) run acikkapi dev status

test: setup ## unit, integration and end-to-end tests (starts Kafka and PostgreSQL for the session)
	@bash deploy/browser/browser.sh chromium >/dev/null || echo "no Chromium: the tracking page's browser test is skipped"
	bash deploy/browser/browser.sh axe >/dev/null
	$(UV) run pytest

test-fast: setup ## only the tests that need no Kafka and no PostgreSQL
	$(UV) run pytest -m "not kafka and not postgres"

lint: ## ruff (lint + format check) and mypy --strict
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared/src services/*/src cli/src simulators/*/src deploy/grafana

format: ## format the code
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

dashboards: ## generate the Grafana dashboards' JSON (deploy/grafana/dashboards) from deploy/grafana/*.py
	$(UV) run python deploy/grafana/generate.py

bench: ## end-to-end benchmark against a running stack (make up first)
	$(UV) run python bench/e2e_throughput.py

clean: down ## stop everything and delete local data under var/
	rm -rf var
