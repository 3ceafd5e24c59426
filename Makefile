# The two set-up commands of the README: `make ui` and `make test`.
# Both create .venv on first use; torch comes first as the CPU build from the local wheel store.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install ui test lint mutants

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

ui: $(STAMP)
	$(VENV)/bin/se-assistant ui

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest

# Plants known bugs one at a time (tests/mutants.py) and fails if the tests miss one (~2-3 min).
mutants: $(STAMP)
	$(PY) tests/mutants.py
