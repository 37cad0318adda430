"""Word-piece tokenisation for the ONNX models with the `tokenizers` library alone.

The ONNX embedder and cross-encoders need only `tokenizer.json`; loading it through
transformers' AutoTokenizer imports torch (several seconds of start-up for a 20 ms search).
`FastTokenizer` reads the same file with the Rust library transformers itself uses and
returns the same arrays (checked against AutoTokenizer in tests/retrieval/test_tokenizer.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Encoding, Tokenizer


class FastTokenizer:
    """Batches of texts or text pairs -> padded int64 arrays, truncated to `max_length`."""

    def __init__(self, folder: Path, max_length: int) -> None:
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        pad_id = self._tokenizer.token_to_id("[PAD]")
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
        self._pad_id = 0 if pad_id is None else int(pad_id)
        self.max_length = max_length
        self._lock = threading.Lock()  # truncation settings live on the shared Rust object

    def _arrays(self, encodings: list[Encoding]) -> dict[str, np.ndarray]:
        width = max((len(e.ids) for e in encodings), default=0)
        n = len(encodings)
        ids = np.full((n, width), self._pad_id, dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        types = np.zeros((n, width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = e.attention_mask
            types[row, : len(e.ids)] = e.type_ids
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}

    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            return self._arrays(self._tokenizer.encode_batch(list(texts)))

    def encode_pairs(self, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
        with self._lock:
            return self._arrays(self._tokenizer.encode_batch([(a, b) for a, b in pairs]))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text without special tokens and without truncation (what the chunker budgets)."""
        if not texts:
            return []
        with self._lock:
            self._tokenizer.no_truncation()
            try:
                encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
            finally:
                self._tokenizer.enable_truncation(max_length=self.max_length, strategy="longest_first")
        return [len(e.ids) for e in encodings]
