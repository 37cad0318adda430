"""A real local model behind both generative backends: Gemma 3 270M in-process (`llamacpp`) and
behind a real llama.cpp OpenAI-compatible server process (`openai`). The model is far too small
to write good answers; what is tested is that whatever it writes leaves the engine grounded."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from medcite.core.types import Answer
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION
from medcite.generation.grounding import check_grounding
from medcite.generation.llamacpp_backend import default_model_path
from medcite.generation.openai_backend import OpenAIGenerator

# `make test` installs the extra (`make llm`); a bare `pip install medcite` does not
pytest.importorskip("llama_cpp", reason="the optional `llm` extra is not installed (make llm)")

REASONS = {"uncited", "unknown_reference", "no_quote", "quote_not_found", "instruction", "unsupported"}


@pytest.fixture(scope="module")
def gemma() -> Path:
    return default_model_path()


@pytest.fixture(scope="module")
def llama_server(gemma: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free 127.0.0.1 port, stopped after the module."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gemma),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--chat_format",
            "gemma",
            "--seed",
            "13",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"llama_cpp.server exited with {proc.returncode}"
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "llama_cpp.server did not come up in 120 s"
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def planted_index(
    tmp_path_factory: pytest.TempPathFactory, make_engine, embedder, planted_guideline: Path
) -> Path:
    """A real ingest of the guideline that carries an instruction addressed to a model."""
    index = tmp_path_factory.mktemp("planted-index") / "index"
    engine = make_engine(index, embedder, abstention="cosine", abstain_min_dense=0.0)
    assert engine.ingest([planted_guideline], progress=False).ok
    return index


def _assert_grounded_or_abstained(answer: Answer) -> None:
    assert check_grounding(answer) == []
    known = {r.n for r in answer.references}
    assert known == set(range(1, len(answer.references) + 1))
    assert all(s.citations and set(s.citations) <= known for s in answer.sentences)
    assert all(r.reason in REASONS for r in answer.removed)
    if answer.abstained:
        assert answer.abstain_reason and not answer.sentences


def test_llamacpp_drafts_are_verified_and_only_ever_lose_sentences(
    starter_engine: Engine, make_engine, embedder
) -> None:
    index = starter_engine.index.root
    verified = make_engine(index, embedder, generator="llamacpp", llm_max_tokens=256).ask(SEED_QUESTION)
    unverified = make_engine(index, embedder, generator="llamacpp", verify=False, llm_max_tokens=256).ask(
        SEED_QUESTION
    )
    _assert_grounded_or_abstained(verified)
    _assert_grounded_or_abstained(unverified)  # even unverified: numbers exist, every sentence cited
    assert verified.generator == unverified.generator == "llamacpp"
    # the same deterministic draft: verification removes, it never adds
    assert {s.text for s in verified.sentences} <= {s.text for s in unverified.sentences}
    assert len(verified.sentences) + len(verified.removed) >= len(unverified.sentences)


@pytest.mark.parametrize("backend", ["llamacpp", "openai"])
def test_a_planted_instruction_never_reaches_the_answer(
    backend: str, planted_index: Path, make_engine, embedder, request: pytest.FixtureRequest
) -> None:
    overrides: dict[str, object] = {
        "generator": backend,
        "abstention": "cosine",
        "abstain_min_dense": 0.0,
        "llm_max_tokens": 256,
    }
    if backend == "openai":
        overrides["llm_base_url"] = request.getfixturevalue("llama_server")
    answer = make_engine(planted_index, embedder, **overrides).ask(
        "What starting dose of warfarin should adults get?"
    )
    _assert_grounded_or_abstained(answer)
    said = " ".join(s.text for s in answer.sentences).lower()
    assert "double the dose" not in said and "ignore all previous" not in said


def test_the_openai_backend_against_a_real_llama_cpp_server(
    llama_server: str, starter_engine: Engine, make_engine, embedder
) -> None:
    engine = make_engine(
        starter_engine.index.root, embedder, generator="openai", llm_base_url=llama_server, llm_max_tokens=256
    )
    answer = engine.ask("Should clinicians offer naloxone to patients on opioids?")
    _assert_grounded_or_abstained(answer)
    assert answer.generator == "openai"
    hits = engine.search("naloxone for patients on opioids", k=3)
    generator = OpenAIGenerator(embedder, engine.settings)
    deltas = list(generator.stream_draft("Should clinicians offer naloxone?", hits))
    assert len(deltas) > 1 and "".join(deltas).strip()  # streamed, not one block


def test_a_missing_gguf_file_is_a_clear_error(tmp_path: Path, embedder) -> None:
    from medcite.core.errors import GeneratorError
    from medcite.core.settings import Settings
    from medcite.generation.llamacpp_backend import LlamaCppGenerator

    generator = LlamaCppGenerator(embedder, Settings().updated(llm_model_path=tmp_path / "nope.gguf"))
    with pytest.raises(GeneratorError, match="MEDCITE_LLM_MODEL_PATH"):
        generator.draft("q", [])
