# The two set-up commands of the README. Each installs what is missing (system packages, the
# virtual environment with hilbench and its dependencies) and then does its job.
#   make run    -> `bench run` on the emulated lab (leaves reports/<run>/ with report.pdf)
#   make test   -> the test suite (what CI runs)

VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.hilbench-installed
ARGS    ?=

.PHONY: run test setup system-packages test-packages lint clean-reports

run: setup
	$(VENV)/bin/bench run $(ARGS)

test: setup test-packages
	$(VENV)/bin/pytest -m "not nightly" $(ARGS)

setup: system-packages $(STAMP)

system-packages:
	@bash .ci/system-packages

test-packages:
	@bash .ci/system-packages --tests

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check .

clean-reports:
	find reports -mindepth 1 -maxdepth 1 ! -name README.md ! -name .gitignore -exec rm -rf {} +
