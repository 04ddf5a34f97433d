# Two commands set everything up on a fresh machine (Python 3.11+ and make):
#   make run    create .venv, install the project, run the full refresh
#   make test   create .venv, install the project and test tools, run the test suite
# Re-running skips the install while pyproject.toml is unchanged.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: run test browser sample dev lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else \"Python 3.11+ is needed (found \" + sys.version.split()[0] + \"); run: make PYTHON=python3.11 ...\")"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

$(DAGSTER_HOME):
	@mkdir -p $(DAGSTER_HOME)

run: $(STAMP) | $(DAGSTER_HOME)
	$(BIN)/intermediaries-refresh

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

# The browser test (tests/browser) drives the system Chromium. Nothing to do when it is on
# PATH; as root with apt-get it is installed (about 35 s); otherwise that test is skipped
# (on CI, where CI=true, it fails instead).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing chromium for the browser test (apt-get)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	      >/dev/null; } || echo "note: installing chromium failed: the browser test will be skipped"; \
	  else \
	    echo "note: chromium is not installed (apt-get as root installs it): the browser test will be skipped"; \
	  fi; }

sample: $(STAMP) | $(DAGSTER_HOME)
	$(BIN)/intermediaries-refresh --sample

dev: $(STAMP) | $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/python bench/refresh_replay.py

clean:
	rm -rf $(VENV) .dagster
