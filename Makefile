# Every target sets up .venv from pyproject.toml by itself (fast when nothing changed).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: check check-all manifest test lint gen mutants coverage-generated report review kernel-src quotes kernel-harness test-kernel clean help

help:            ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@bash gen/tools/pip_install.sh $(PY) --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

manifest: $(STAMP) ## validate spec/models.json against spec/models.schema.json (~1 s; check and check-all do it first)
	$(VENV)/bin/check-jsonschema --schemafile spec/models.schema.json spec/models.json

check: manifest  ## run TLC on every fast model and compare with spec/models.json (FRESH=1: ignore the result cache)
	$(PY) -m gen check $(if $(FRESH),--fresh)

check-all: manifest  ## the fast models and the deep ones (~13 min quiet)
	$(PY) -m gen check --tier all

lint: $(STAMP)   ## ruff (lint and format) and mypy, as configured in pyproject.toml (~30 s)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint       ## make lint, then the test suite: bridge, reference implementation, generated conformance tests
	$(PY) -m pytest

gen: $(STAMP)    ## regenerate conformance/generated/ from TLC's graphs and counterexamples (~2 min; ~3 s with TLC's results in build/cache/; FRESH=1: ignore the cache); CI: make gen && git diff --exit-code
	$(PY) -m gen gen $(if $(FRESH),--fresh)

mutants: $(STAMP) ## run the generated suite against bug switches, variant none and implementation mutants; print the table (~2 min)
	$(PY) -m gen.generators.mutants

coverage-generated: $(STAMP) ## branch coverage of the implementation by the generated tests alone (~40 s)
	$(PY) -m coverage run --branch --data-file=build/.coverage.generated --source=conformance --omit='conformance/tests/*,conformance/generated/*,conformance/benchmarks/*,conformance/simulate.py,conformance/schedule.py,conformance/config.py' -m pytest -q -p no:cacheprovider conformance/generated
	$(PY) -m coverage report --data-file=build/.coverage.generated -m

report: $(STAMP) ## build/report.md from build/check.json: models table, counterexamples as diagrams (~30 s; run make check first)
	$(PY) -m gen report

review: $(STAMP) ## behaviour diff of the spec against BASE (default origin/main) -> build/review.md (~2x make check)
	$(PY) -m gen diff $(or $(BASE),origin/main)

test-kernel: $(STAMP) ## the kernel's own C under test: its scenarios, and the generated rotate, swapoff and SWP_SYNCHRONOUS_IO suites against it (~3-6 min)
	$(PY) -m pytest -q conformance/kernel
	$(PY) -m pytest -q --impl=kernel conformance/generated/test_conf_rotate.py conformance/generated/test_conf_swapoff_rotate.py conformance/generated/test_conf_sync_io_rotate.py

kernel-harness: $(STAMP) ## build the real 6.12 zswap/swap-in C under ASan/UBSan into build/kernel-c/612/ (~25 s from the tarball, ~10 s once extracted)
	$(PY) -m conformance.kernel.build

kernel-src: $(STAMP) ## extract the kernel files the project cites from linux-source-6.12 into build/kernel/ (~16 s once, then instant)
	$(PY) -m gen kernel-src

quotes: $(STAMP) ## verify the tagged C quotes of spec/ and conformance/ against the kernel sources (~5 s after kernel-src)
	$(PY) -m gen quotes

clean:           ## remove build output (keeps .venv)
	rm -rf build
