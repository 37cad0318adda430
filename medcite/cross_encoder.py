"""Loading medcite's trained cross-encoders (judge, reranker) from their model folders, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from medcite.errors import ModelNotFoundError

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder


def load_cross_encoder(path: Path, what: str, build: str) -> tuple[CrossEncoder, dict[str, object]]:
    """The CrossEncoder at `path` in fp32 plus its medcite.json; a clear error if missing or corrupt."""
    if not (path / "config.json").is_file() or not any(path.glob("*.safetensors")):
        raise ModelNotFoundError(f"{what} not found at {path}; build it with `{build}`")
    import torch
    from sentence_transformers import CrossEncoder
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        # weights ship as fp16; CPU inference runs in fp32
        model = CrossEncoder(str(path), device="cpu", model_kwargs={"dtype": torch.float32})
    except Exception as exc:  # corrupt safetensors/config raise assorted types
        raise ModelNotFoundError(
            f"{what} at {path} cannot be loaded ({exc}); rebuild it with `{build}`"
        ) from exc
    meta_file = path / "medcite.json"
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    return model, meta
