# The two commands in the README: `make run` and `make test`. Each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := webapp

.PHONY: run test install bench clean

run: $(VENV)/.installed node_modules/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed node_modules/.installed
	$(BIN)/python -m tests.browser_setup
	$(BIN)/pytest

bench: $(VENV)/.installed node_modules/.installed
	bench/run

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Front-end packages come from npm (package-lock.json) and are copied into static/dist.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	npm run build
	touch $@

clean:
	rm -rf $(VENV) node_modules static/dist instance
