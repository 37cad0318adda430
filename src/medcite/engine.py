"""The engine wires settings to the pipeline stages; the CLI and the API both use it.

Every backend (embedder, vector store, reranker, generator, judge) is named in settings and
built through the registry (`medcite.core.registry`), lazily: a command pays only for the
parts it uses. Whatever generator drafted an answer, the engine checks its citations before
the answer leaves: an answer that cites nothing or a reference that does not exist is never
returned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from medcite import paths
from medcite.core.errors import GroundingError
from medcite.core.protocols import AnswerGenerator, DraftingGenerator, Embedder, Reranker, Verifier
from medcite.core.registry import EMBEDDERS, GENERATORS, JUDGES, RERANKERS
from medcite.core.settings import DuplicatePolicy, RetrieverMode, Settings
from medcite.core.types import (
    Answer,
    AnswerEvent,
    AnswerStreamEvent,
    Document,
    Hit,
    RetrievedEvent,
    SentenceEvent,
)
from medcite.generation.abstention import AbstentionModel, abstained
from medcite.generation.enforce import Policy, enforce_grounding
from medcite.generation.extractive import ABSTAIN_NO_HITS
from medcite.generation.grounding import check_grounding
from medcite.retrieval.priors import drop_weak_evidence
from medcite.retrieval.retriever import Retriever
from medcite.store.index_dir import IndexDirectory, IndexInfo, IndexSnapshot, ensure_same_space

if TYPE_CHECKING:  # ingest (loaders, chunker) is imported only by commands that write
    from medcite.ingest.pipeline import IngestReport

log = logging.getLogger(__name__)


class Engine:
    """Loads models lazily and keeps the live index snapshot fresh after every write."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self.index = IndexDirectory(self.settings.index.path, self.settings.index.vector_store)
        self._embedder = embedder
        self._snapshot: IndexSnapshot | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            models = self.settings.models
            self._embedder = EMBEDDERS.create(
                models.embedder, models.embedding_model, batch_size=models.embedding_batch_size
            )
        return self._embedder

    @cached_property
    def generator(self) -> AnswerGenerator | DraftingGenerator:
        """The configured backend: an answerer (extractive) or a drafter (LLM backends)."""
        generator: AnswerGenerator | DraftingGenerator = GENERATORS.create(
            self.settings.answer.generator, self.embedder, self.settings
        )
        return generator

    @cached_property
    def reranker(self) -> Reranker:
        reranker: Reranker = RERANKERS.create(
            self.settings.models.reranker, self.settings.models.reranker_model
        )
        return reranker

    @cached_property
    def gate(self) -> AbstentionModel | None:
        """The calibrated answer-or-abstain decision (None with `abstention=cosine`)."""
        answer = self.settings.answer
        if answer.abstention != "calibrated":
            return None
        return AbstentionModel.load(
            answer.abstention_model or paths.model_dir(paths.ABSTENTION) / "model.json"
        )

    @cached_property
    def judge(self) -> Verifier:
        judge: Verifier = JUDGES.create(self.settings.models.judge, self.settings.models.judge_model)
        return judge

    def snapshot(self) -> IndexSnapshot:
        """The live generation, reopened when a writer has swapped in a newer one.

        The previous snapshot is not closed here: requests still running on it (a server has
        many at once) finish on the generation they started with, and it is freed when the
        last of them lets go of it. Generations are immutable, so both stay consistent.
        """
        with self._lock:
            current = self.index.current()
            if self._snapshot is None or self._snapshot.path != current:
                if self._snapshot is not None:
                    log.info("index: %s swapped in (was %s)", current.name, self._snapshot.path.name)
                self._snapshot = self.index.open()
            return self._snapshot

    @property
    def models_loaded(self) -> bool:
        """Whether the embedder and the generator are loaded (what a readiness check asks)."""
        return self._embedder is not None and "generator" in self.__dict__

    def info(self) -> IndexInfo:
        return self.index.info()

    # -- maintenance -------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path], policy: DuplicatePolicy | None = None, progress: bool = True
    ) -> IngestReport:
        from medcite.ingest.pipeline import Ingestor

        return Ingestor(self.settings, self.embedder).ingest(self.index, paths, policy, progress)

    def remove(self, doc_ids: Sequence[str]) -> list[str]:
        from medcite.ingest.pipeline import remove_documents

        return remove_documents(self.index, doc_ids)

    def documents(self) -> list[Document]:
        return self.snapshot().store.documents()

    # -- questions ---------------------------------------------------------------------
    def search(
        self, query: str, k: int | None = None, mode: RetrieverMode | None = None, rerank: bool | None = None
    ) -> list[Hit]:
        use_rerank = self.settings.retrieval.rerank if rerank is None else rerank
        reranker = self.reranker if use_rerank else None
        snapshot = self.snapshot()
        if (mode or self.settings.retrieval.retriever) is not RetrieverMode.bm25:  # query vectors must match
            ensure_same_space(snapshot.info, self.index.root, self.embedder.name, self.embedder.dim)
        return Retriever(snapshot, self.embedder, self.settings, reranker).search(query, k, mode)

    def answer_from(self, question: str, hits: Sequence[Hit]) -> Answer:
        """Draft an answer from retrieved hits, after dropping passages far weaker than the best,
        and refuse it if it breaks the citation rules."""
        evidence = drop_weak_evidence(list(hits), self.settings.retrieval.evidence_max_gap)
        gate = self.gate if any(h.dense_score is not None for h in evidence) else None
        if gate is not None:
            answerable, p = gate.check(question, evidence, self.snapshot().lexical.idf)
            if not answerable:
                return abstained(question, evidence, gate.reason(p), self.settings.answer.generator)
        answer = self._draft_and_enforce(question, evidence)
        problems = check_grounding(answer)
        if problems:
            raise GroundingError(
                f"generator {answer.generator or self.settings.answer.generator!r} broke the citation "
                f"rules: " + "; ".join(f"{p.kind} ({p.detail})" for p in problems)
            )
        return answer

    def _draft_and_enforce(self, question: str, evidence: list[Hit]) -> Answer:
        """Extractive generators answer directly (verbatim sentences); a drafting backend's
        reply is only a draft, which every check of `enforce_grounding` must pass."""
        generator = self.generator
        if not isinstance(generator, DraftingGenerator):
            return generator.answer(question, evidence)
        if not evidence:
            return abstained(question, evidence, ABSTAIN_NO_HITS, generator.name)
        answer_settings = self.settings.answer
        policy = (
            Policy(unsupported=answer_settings.unsupported)
            if answer_settings.verify
            else Policy(require_quotes=False, use_judge=False)
        )
        draft = generator.draft(question, evidence)
        judge = self.judge if answer_settings.verify else None
        return enforce_grounding(question, draft, evidence, judge, generator.name, policy)

    def ask_stream(
        self,
        question: str,
        top_k: int | None = None,
        mode: RetrieverMode | None = None,
        rerank: bool | None = None,
    ) -> Iterator[AnswerStreamEvent]:
        """The answer as typed events: the retrieved passages as soon as retrieval is done,
        then each accepted sentence, then the final answer.

        Sentences are released only after verification of the whole draft: a sentence's
        reference number is final only once every earlier sentence has been checked, and a
        removed bottom line withdraws the answer, so nothing shown is ever taken back.
        """
        started = time.perf_counter()
        hits = self.search(question, top_k, mode, rerank)
        retrieved = time.perf_counter()
        yield RetrievedEvent(tuple(hits))
        answer = self.answer_from(question, hits)
        done = time.perf_counter()
        answer.timings_ms.update(
            retrieve=round((retrieved - started) * 1000, 1),
            generate=round((done - retrieved) * 1000, 1),
            total=round((done - started) * 1000, 1),
        )
        for i, sentence in enumerate(answer.sentences):
            yield SentenceEvent(i, sentence)
        yield AnswerEvent(answer)

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        mode: RetrieverMode | None = None,
        rerank: bool | None = None,
    ) -> Answer:
        """The final answer of `ask_stream`."""
        for event in self.ask_stream(question, top_k, mode, rerank):
            if isinstance(event, AnswerEvent):
                return event.answer
        raise AssertionError("ask_stream ended without an answer")  # pragma: no cover
