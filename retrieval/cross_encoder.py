"""Loading medcite's trained cross-encoders (judge, reranker) from their model folders, offline.

A model folder holds either int8 ONNX (`model.onnx`, run with onnxruntime: the fast path)
or fp16 safetensors (run with sentence-transformers/torch in fp32). Both load behind one
small `PairScorer` protocol, so the judge and the reranker do not care which.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from medcite.core.errors import ModelNotFoundError
from medcite.core.protocols import PairScorer
from medcite.retrieval.embedder import onnx_feeds

ONNX_FILE = "model.onnx"
EXPORT_FILE = "export.json"  # written by medcite.training.onnx_export beside model.onnx


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class OnnxCrossEncoder:
    """A one-logit cross-encoder exported by `medcite.onnx_export.export_cross_encoder_int8`.

    Pairs are scored in length-sorted batches so short pairs are not padded to long ones.
    """

    def __init__(self, path: Path, batch_size: int = 32) -> None:
        from medcite.retrieval.onnx_session import onnx_session
        from medcite.retrieval.tokenizer import FastTokenizer

        # the truncation length the model was trained with, recorded by the export
        self.max_length = int(_read_json(path / EXPORT_FILE).get("max_length", 128))  # type: ignore[call-overload]
        self.batch_size = batch_size
        self._tokenizer = FastTokenizer(path, self.max_length)
        self._session = onnx_session(path / ONNX_FILE)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        out = np.zeros(len(pairs), dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        with self._lock:
            for start in range(0, len(order), self.batch_size):
                ids = order[start : start + self.batch_size]
                batch = self._tokenizer.encode_pairs([pairs[i] for i in ids])
                logits = self._session.run(None, onnx_feeds(batch, self._inputs))[0].reshape(-1)
                out[ids] = _sigmoid(logits.astype(np.float32))
        return out


class TorchCrossEncoder:
    """A sentence-transformers CrossEncoder saved as (fp16) safetensors, run in fp32."""

    def __init__(self, path: Path, batch_size: int = 32) -> None:
        import torch
        from sentence_transformers import CrossEncoder
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        # weights ship as fp16; CPU inference runs in fp32
        self.model = CrossEncoder(str(path), device="cpu", model_kwargs={"dtype": torch.float32})
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        import torch

        with self._lock:
            out = self.model.predict(
                list(pairs),
                batch_size=self.batch_size,
                activation_fn=torch.nn.Sigmoid(),
                show_progress_bar=False,
            )
        return np.asarray(out, dtype=np.float32).reshape(-1)


def _read_json(file: Path) -> dict[str, object]:
    return json.loads(file.read_text()) if file.is_file() else {}


def read_meta(path: Path) -> dict[str, object]:
    """A model folder's training record (medcite.json), empty when absent."""
    return _read_json(path / "medcite.json")


def weights_format(path: Path) -> str | None:
    """What the folder's weight files are, read from the files themselves (for folders whose
    medcite.json does not record it): the ONNX file wins, as it does when loading."""
    if (path / ONNX_FILE).is_file():
        return "onnx"
    if any(path.glob("*.safetensors")):
        return "safetensors"
    return None


def is_installed(path: Path) -> bool:
    fmt = weights_format(path)
    return fmt == "onnx" or (fmt == "safetensors" and (path / "config.json").is_file())


def load_cross_encoder(
    path: Path, what: str, build: str, batch_size: int = 32
) -> tuple[PairScorer, dict[str, object]]:
    """The scorer at `path` (ONNX when present) plus its medcite.json; a clear error if missing
    or corrupt."""
    if not is_installed(path):
        raise ModelNotFoundError(f"{what} not found at {path}; build it with `{build}`")
    meta = read_meta(path)
    scorer: PairScorer
    try:
        if weights_format(path) == "onnx":
            scorer = OnnxCrossEncoder(path, batch_size)
        else:
            scorer = TorchCrossEncoder(path, batch_size)
    except Exception as exc:  # corrupt weights/config raise assorted types
        raise ModelNotFoundError(
            f"{what} at {path} cannot be loaded ({exc}); rebuild it with `{build}`"
        ) from exc
    return scorer, meta
