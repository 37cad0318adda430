"""Export a sentence-transformers encoder to ONNX with int8 weights, for the onnxruntime embedder.

Dynamic quantisation with per-channel int8 weights (activations quantised on the fly) keeps
all-MiniLM-L6-v2's vectors within cosine ~0.99 of the fp32 model and encodes about 1.5x faster
on this project's 2-core reference machine (figures in eval/README.md). Per-tensor weights
are faster still but drift to cosine ~0.95, which costs retrieval quality: do not use them.

Needs the optional `export` extra (onnx, onnxscript); running the result needs only onnxruntime.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

from retrieval.embedder import resolve_model_path

log = logging.getLogger(__name__)

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def export_int8(source: str, out_dir: Path, opset: int = 17) -> Path:
    """Write out_dir/model.onnx (int8) plus the tokenizer files; returns the model path."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    model_dir = resolve_model_path(source)
    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class _Body(torch.nn.Module):
        """Positional inputs and one output, as the onnxruntime embedder feeds it."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones(2, 16, dtype=torch.long)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model-fp32.onnx"
        torch.onnx.export(
            _Body(model),
            (example, example, torch.zeros_like(example)),
            str(fp32),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
            opset_version=opset,
            dynamo=False,
        )
        target = out_dir / "model.onnx"
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
    for name in TOKENIZER_FILES:
        if (model_dir / name).is_file():
            shutil.copy2(model_dir / name, out_dir / name)
    (out_dir / "export.json").write_text(
        json.dumps(
            {"source": source, "quantisation": "dynamic int8, per-channel weights", "opset": opset}, indent=2
        )
    )
    log.info("exported %s to %s", source, target)
    return target
