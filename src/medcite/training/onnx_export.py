"""Export encoders to ONNX with int8 weights, for onnxruntime on the CPU.

Dynamic quantisation with per-channel int8 weights (activations quantised on the fly) keeps
all-MiniLM-L6-v2's vectors within cosine ~0.99 of the fp32 model and encodes about 1.5x faster
on this project's 2-core reference machine (figures in eval/README.md). Per-tensor weights
are faster still but drift to cosine ~0.95, which costs retrieval quality: do not use them.

Two exports: the embedding model's last hidden state (`export_int8`, mean-pooled by
`retrieval.embedder.OnnxEmbedder`), and a trained cross-encoder's logits
(`export_cross_encoder_int8`, run by `medcite.cross_encoder.OnnxCrossEncoder`).

Needs onnx (a core dependency: onnxruntime.quantization imports it); running the result needs
only onnxruntime.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from medcite.retrieval.embedder import resolve_model_path

if TYPE_CHECKING:
    import torch
    from sentence_transformers import CrossEncoder

log = logging.getLogger(__name__)

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def _export_quantised(module: torch.nn.Module, output: str, target: Path, opset: int) -> None:
    """Trace `module(input_ids, attention_mask, token_type_ids)` and write int8 ONNX to target."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    example = torch.ones(2, 16, dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model-fp32.onnx"
        torch.onnx.export(
            module,
            (example, example, torch.zeros_like(example)),
            str(fp32),
            input_names=INPUT_NAMES,
            output_names=[output],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*INPUT_NAMES, output]},
            opset_version=opset,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)


def _wrap(inner: torch.nn.Module, field: str) -> torch.nn.Module:
    """Positional inputs and one named output field, as onnxruntime callers feed and read it."""
    import torch

    class _Positional(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return getattr(out, field)

    return _Positional().eval()


def export_int8(source: str, out_dir: Path, opset: int = 17) -> Path:
    """Write out_dir/model.onnx (int8 embedding model) plus the tokenizer files."""
    from transformers import AutoModel

    model_dir = resolve_model_path(source)
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    target = out_dir / "model.onnx"
    _export_quantised(_wrap(model, "last_hidden_state"), "last_hidden_state", target, opset)
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


def export_cross_encoder_int8(model: CrossEncoder, out_dir: Path, opset: int = 17) -> Path:
    """Write out_dir/model.onnx (int8 cross-encoder, one logit per pair) plus its tokenizer."""
    import torch

    net = model.model
    if net is None:
        raise RuntimeError("CrossEncoder has no underlying model")
    net = net.float().eval()
    target = out_dir / "model.onnx"
    with torch.inference_mode(False):
        _export_quantised(_wrap(net, "logits"), "logits", target, opset)
    model.tokenizer.save_pretrained(str(out_dir))
    (out_dir / "export.json").write_text(
        json.dumps(
            {
                "quantisation": "dynamic int8, per-channel weights",
                "opset": opset,
                "max_length": model.max_length,  # OnnxCrossEncoder truncates pairs to this
                "layers": net.config.num_hidden_layers,
            },
            indent=2,
        )
    )
    log.info("exported cross-encoder to %s (%.1f MB)", target, target.stat().st_size / 1e6)
    return target
