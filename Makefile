# Two entry points (see README): `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED_QUESTION := What would be a 4th line treatment option for a patient with treatment-resistant peripheral neuropathy who has already tried first-line treatments such as gabapentin (Neurontin), pregabalin (Lyrica), or duloxetine (Cymbalta), and second-line treatments like tramadol (Ultram) or tapentadol (Nucynta), and possibly third-line treatments including lidocaine (Xylocaine) patches or capsaicin cream?
# The editable install is `strict` (a link tree under build/, which mypy and import-linter can
# read); it must be redone when a file is added or removed, so the stamp names the file list.
PACKAGE_FILES := $(shell find src ingest retrieval generation api eval models corpus -type f -not -path '*/__pycache__/*' -not -path 'models/.*' 2>/dev/null | sort | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(PACKAGE_FILES)

.PHONY: install demo test lint serve bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the local CPU wheel; an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	rm -rf build/__editable__.*
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	# bytecode now, as a wheel install has it: each command would otherwise recompile medcite
	$(BIN)/python -m compileall -q src ingest retrieval generation api eval >/dev/null
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/medcite ingest
	$(BIN)/medcite ask "$(SEED_QUESTION)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

serve: install
	$(BIN)/medcite serve

bench: install
	$(BIN)/python -m medcite.eval.bench_foundation
