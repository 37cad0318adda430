"""One registry of backends: settings name an implementation, the registry builds it.

Built-in backends are registered by dotted path ("package.module:attribute") and imported
only when chosen, so a command that never reranks never loads the reranker's runtime, and
the default ONNX path never imports torch. An unknown name raises an error that lists the
known ones. Third-party backends call `register` before building the engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from medcite.core.errors import UnknownBackendError

T = TypeVar("T")
Factory = Callable[..., Any]


class Registry(Generic[T]):
    """Named factories for one kind of part (embedder, reranker, generator, ...)."""

    def __init__(self, kind: str, builtins: dict[str, str] | None = None) -> None:
        self.kind = kind
        self._targets: dict[str, str | Factory] = dict(builtins or {})

    def register(self, name: str, target: str | Factory) -> None:
        """Add or replace a backend: a factory, or "module:attribute" to import on first use."""
        self._targets[name] = target

    def names(self) -> list[str]:
        return sorted(self._targets)

    def factory(self, name: str) -> Factory:
        try:
            target = self._targets[name]
        except KeyError:
            raise UnknownBackendError(
                f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}"
            ) from None
        if isinstance(target, str):
            module, _, attribute = target.partition(":")
            target = getattr(importlib.import_module(module), attribute)
            self._targets[name] = target
        return target

    def create(self, name: str, *args: Any, **kwargs: Any) -> T:
        result: T = self.factory(name)(*args, **kwargs)
        return result


EMBEDDERS: Registry[Any] = Registry(
    "embedder",
    {
        "auto": "medcite.retrieval.embedder:load_embedder",  # ONNX when the model holds a graph
        "onnx": "medcite.retrieval.embedder:OnnxEmbedder",
        "sentence-transformers": "medcite.retrieval.embedder:SentenceTransformerEmbedder",
    },
)
VECTOR_STORES: Registry[Any] = Registry("vector store", {"faiss": "medcite.store.vector_index:VectorIndex"})
RERANKERS: Registry[Any] = Registry(
    "reranker", {"cross-encoder": "medcite.retrieval.reranker:CrossEncoderReranker"}
)
GENERATORS: Registry[Any] = Registry(
    "generator",
    {
        "extractive": "medcite.generation.extractive:ExtractiveGenerator",
        "openai": "medcite.generation.openai_backend:OpenAIGenerator",
        "llamacpp": "medcite.generation.llamacpp_backend:LlamaCppGenerator",
    },
)
JUDGES: Registry[Any] = Registry("judge", {"cross-encoder": "medcite.generation.verifier:CrossEncoderJudge"})
