# The two set-up commands of the README: `make ui` and `make test`.
# Both create .venv on first use; torch comes first as the CPU build from the local wheel store.
VENV ?= .venv
PY := $(VENV)/bin/python
# the browser tests drive Debian's Chromium at this path; `make test` installs it when missing
CHROMIUM ?= /usr/bin/chromium
APT_GET ?= apt-get
PYTEST_ARGS ?=

.PHONY: install ui test lint chromium mutants

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# what a first run of the chat window needs: the UI and the one-time model export
$(VENV)/.installed-ui: pyproject.toml | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[ui,export]'
	touch $@

# everything, with the test and lint tools
STAMP := $(VENV)/.installed-dev
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed-ui

install: $(STAMP)

ui: $(VENV)/.installed-ui
	$(VENV)/bin/se-assistant ui

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Chromium for the browser tests: installed with apt-get when missing (as root), else one line
# saying what to run, before any test starts.
chromium:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$$(id -u)" = 0 ] && command -v $(APT_GET) >/dev/null 2>&1; then \
		echo "make test: installing Debian chromium for the browser tests"; \
		{ $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium >/dev/null; } \
			|| echo "make test: apt-get could not install chromium" >&2; \
	fi
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "make test: the browser tests need Chromium at $(CHROMIUM); run: sudo apt-get install -y chromium" >&2; \
		exit 1; \
	fi

# pytest's own exit codes fail the target, 5 (no tests collected) included
test: chromium lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Plants known bugs one at a time (tests/mutants.py) and fails if the tests miss one (~2-3 min).
mutants: $(STAMP)
	$(PY) tests/mutants.py
