"""The engine wires settings to the pipeline stages; the CLI and the API both use it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from generation.base import Generator
from generation.extractive import ExtractiveGenerator
from ingest.pipeline import Ingestor, IngestReport, remove_documents
from medcite.errors import MedciteError
from medcite.index import IndexDirectory, IndexInfo, IndexSnapshot, ensure_same_space
from medcite.settings import DuplicatePolicy, RetrieverMode, Settings
from medcite.types import Answer, Document, Hit
from retrieval.embedder import Embedder, load_embedder
from retrieval.priors import drop_weak_evidence
from retrieval.reranker import CrossEncoderReranker, Reranker
from retrieval.retriever import Retriever

log = logging.getLogger(__name__)


class Engine:
    """Loads models lazily and keeps the live index snapshot fresh after every write."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self.index = IndexDirectory(self.settings.index)
        self._embedder = embedder
        self._snapshot: IndexSnapshot | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(
                self.settings.embedding_model, batch_size=self.settings.embedding_batch_size
            )
        return self._embedder

    @cached_property
    def generator(self) -> Generator:
        if self.settings.generator == "extractive":
            return ExtractiveGenerator(self.embedder, self.settings)
        raise MedciteError(f"unknown generator {self.settings.generator!r}; available: extractive")

    def snapshot(self) -> IndexSnapshot:
        """The live generation, reopened when a writer has swapped in a newer one."""
        with self._lock:
            current = self.index.current()
            if self._snapshot is None or self._snapshot.path != current:
                if self._snapshot is not None:
                    self._snapshot.close()
                self._snapshot = self.index.open()
            return self._snapshot

    def info(self) -> IndexInfo:
        return self.index.info()

    # -- maintenance -------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path], policy: DuplicatePolicy | None = None, progress: bool = True
    ) -> IngestReport:
        return Ingestor(self.settings, self.embedder).ingest(self.index, paths, policy, progress)

    def remove(self, doc_ids: Sequence[str]) -> list[str]:
        return remove_documents(self.index, doc_ids)

    def documents(self) -> list[Document]:
        return self.snapshot().store.documents()

    # -- questions ---------------------------------------------------------------------
    @cached_property
    def reranker(self) -> Reranker:
        if self.settings.reranker_model is not None:
            return CrossEncoderReranker(self.settings.reranker_model)
        return CrossEncoderReranker()

    def search(
        self, query: str, k: int | None = None, mode: RetrieverMode | None = None, rerank: bool | None = None
    ) -> list[Hit]:
        use_rerank = self.settings.rerank if rerank is None else rerank
        reranker = self.reranker if use_rerank else None
        snapshot = self.snapshot()
        if (mode or self.settings.retriever) is not RetrieverMode.bm25:  # query vectors must match
            ensure_same_space(snapshot.info, self.index.root, self.embedder.name, self.embedder.dim)
        return Retriever(snapshot, self.embedder, self.settings, reranker).search(query, k, mode)

    def answer_from(self, question: str, hits: Sequence[Hit]) -> Answer:
        """Draft an answer from retrieved hits, after dropping passages far weaker than the best."""
        return self.generator.answer(question, drop_weak_evidence(list(hits), self.settings.evidence_max_gap))

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        mode: RetrieverMode | None = None,
        rerank: bool | None = None,
    ) -> Answer:
        started = time.perf_counter()
        hits = self.search(question, top_k, mode, rerank)
        retrieved = time.perf_counter()
        answer = self.answer_from(question, hits)
        done = time.perf_counter()
        answer.timings_ms.update(
            retrieve=round((retrieved - started) * 1000, 1),
            generate=round((done - retrieved) * 1000, 1),
            total=round((done - started) * 1000, 1),
        )
        return answer
