# gridsvc: the two commands are `make run` and `make test`; the rest are conveniences.
# The work is done by scripts/*.sh (see docs/SETUP.md), which also run without make.

SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
RUFF_PATHS := gridsvc tests bench

# Passed through to the scripts: make test PYTEST_ARGS='-x -k locate'
export PYTEST_ARGS

.PHONY: help run test setup db lint format bench stop clean distclean

help:
	@echo "make run        set up what is missing, migrate, load the demo county, serve on :$${PORT:-8000}"
	@echo "make test       same set-up against gridsvc_test, then ruff and pytest (PYTEST_ARGS=...)"
	@echo "make setup      only the venv (pip install -e '.[dev]' when setup.cfg changed)"
	@echo "make db         only the database: find or start a server, create gridsvc, enable PostGIS"
	@echo "make lint       ruff check + ruff format --check + import contracts (lint-imports)"
	@echo "make format     ruff format + ruff check --fix"
	@echo "make bench      every bench/*.py against gridsvc_bench"
	@echo "make stop       stop the private PostgreSQL cluster and the Redis started by make run"
	@echo "make clean      remove .venv and caches (keeps var/: database, media, .env)"
	@echo "make distclean  clean, stop, remove var/ (the private cluster's data!) and .env"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

setup:
	@scripts/bootstrap.sh

db:
	@scripts/database.sh ensure

lint: setup
	$(VENV)/bin/ruff check $(RUFF_PATHS)
	$(VENV)/bin/ruff format --check $(RUFF_PATHS)
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff format $(RUFF_PATHS)
	$(VENV)/bin/ruff check --fix $(RUFF_PATHS)

bench:
	@scripts/bench.sh

stop:
	@scripts/database.sh stop
	@scripts/redis.sh stop

clean:
	rm -rf $(VENV) var/venv.stamp .pytest_cache .ruff_cache *.egg-info build dist
	find . -name __pycache__ -type d -prune -not -path './var/*' -exec rm -rf {} +

# Back to a fresh clone. .env goes too: its DATABASE_URL would name the deleted private cluster.
# var/pg may be a symlink to the cluster's real home (see scripts/database.sh): remove both.
distclean: stop clean
	@if [ -L var/pg ]; then rm -rf "$$(readlink -f var/pg)"; fi
	rm -rf var .env
