"""A bounded cache of passage-sentence vectors for the extractive composer.

Every answer embeds each sentence of the passages it reads (about fifty); a guideline's
passages are the same from question to question, so their vectors are too. Keeping them
(least recently used out first; 100,000 sentences of MiniLM are about 150 MB) turns that
work, most of an answer's CPU on a busy server, into a lookup once a passage has been read.
The question itself is never cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from medcite.core.protocols import Embedder


class SentenceVectorCache:
    def __init__(self, embedder: Embedder, max_entries: int) -> None:
        self.embedder = embedder
        self.max_entries = max_entries
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.max_entries <= 0:
            return self.embedder.encode(list(texts))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:  # encoded outside the lock: other requests go on meanwhile
            for text, vector in zip(missing, self.embedder.encode(missing), strict=True):
                found[text] = vector
            with self._lock:
                for text in missing:
                    self._vectors[text] = found[text]
                while len(self._vectors) > self.max_entries:
                    self._vectors.popitem(last=False)
        with self._lock:
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])
