# Linli — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev browser messages demo-reset clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## make run: set up, migrate SQLite, load the demo world once, start worker + scheduler + web on http://127.0.0.1:8000
run: install
	DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 HOST=$(HOST) PORT=$(PORT) PY=$(PY) bash scripts/serve.sh

## make test: set up and run every test (unit, API, PostgreSQL-only ones when DATABASE_URL is postgres, browser)
## Two workers, each given whole test files (--dist loadfile), so data a module builds once
## (the demo world, the matrices, the hand-counted street) is built once per run, not once per worker.
test: install-dev browser
	$(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

## Debian's chromium and a CJK font for the browser tests (root only; otherwise they are skipped with a reason).
browser:
	@bash scripts/ensure_browser.sh

## Re-extract and compile the Chinese catalogue after changing UI text (needs GNU gettext).
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=bench
	DEBUG=1 $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

demo-reset:
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm

clean: demo-reset
	rm -rf $(VENV) staticfiles media test-artifacts
