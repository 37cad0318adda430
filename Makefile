# Two entry points (see README): `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED_QUESTION := What would be a 4th line treatment option for a patient with treatment-resistant peripheral neuropathy who has already tried first-line treatments such as gabapentin (Neurontin), pregabalin (Lyrica), or duloxetine (Cymbalta), and second-line treatments like tramadol (Ultram) or tapentadol (Nucynta), and possibly third-line treatments including lidocaine (Xylocaine) patches or capsaicin cream?

.PHONY: install demo test lint serve bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the local CPU wheel; an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/medcite ingest corpus
	$(BIN)/medcite ask "$(SEED_QUESTION)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

serve: install
	$(BIN)/medcite serve

bench: install
	$(BIN)/python -m eval.bench_foundation
