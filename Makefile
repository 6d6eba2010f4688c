# Two commands on a fresh machine: `make run` and `make test`. Both create .venv
# and install the project on first use (pip + venv: pip finds the local torch wheels).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast bench lint bundle bundle-test clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/retouch $(ARGS)

# Every test, slow ones included; tests marked gpu skip themselves without CUDA.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	$(VENV)/bin/lint-imports --no-cache

test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check editor ml tests benchmarks

bundle:
	$(PYTHON) packaging/build.py $(BUNDLE_ARGS)

bundle-test: bundle
	$(PYTHON) packaging/check_bundle.py

clean:
	rm -rf build dist .pytest_cache
