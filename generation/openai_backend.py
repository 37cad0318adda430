"""The `openai` generator: drafts a reply with any OpenAI-compatible chat endpoint (vLLM,
llama.cpp, Ollama, a hosted API) through the official `openai` client.

It only drafts: the engine checks every sentence of the reply (`medcite.generation.enforce`),
so this backend never decides what reaches a reader. What it must guarantee is that a
failure is loud and specific: a refused connection, a timeout, an HTTP error, an empty or
malformed reply and a stream cut before its end all raise `GeneratorError` naming the
endpoint and the setting to change, never a partial draft that would be verified as if it
were whole. Retries with backoff (timeouts, 429, 5xx) are the client's own.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

import openai

from medcite.core.errors import GeneratorError
from medcite.core.protocols import Embedder
from medcite.core.settings import Settings
from medcite.core.types import Hit
from medcite.generation.prompt import build_messages
from medcite.retrieval.query import understand

log = logging.getLogger(__name__)

_CUT_HINT = (
    "the server may have crashed or dropped the connection (check its log); the question can be retried"
)

_SERVER_HINT = (
    "check that the server is running and serves an OpenAI-compatible API there "
    "(MEDCITE_LLM_BASE_URL, usually ending in /v1)"
)


class OpenAIGenerator:
    """A DraftingGenerator over an OpenAI-compatible `/chat/completions` endpoint.

    `tokens_per_s` and `latency_s` describe the last call (None until one reports usage), for
    benchmarks; the client is created on first use, so building an engine needs no server.
    """

    name = "openai"

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        del embedder  # the registry passes one to every generator; drafting needs none
        self.settings = settings.answer
        self._client: openai.OpenAI | None = None
        self.latency_s: float | None = None
        self.completion_tokens: int | None = None
        self.tokens_per_s: float | None = None

    # -- the client ----------------------------------------------------------------------
    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            s = self.settings
            self._client = openai.OpenAI(
                base_url=s.llm_base_url,
                api_key=s.llm_api_key or "not-needed",
                timeout=s.llm_timeout_s,
                max_retries=s.llm_max_retries,
            )
        return self._client

    def _request(self, question: str, hits: Sequence[Hit]) -> dict[str, Any]:
        s = self.settings
        messages = build_messages(question, hits, understand(question).tried)
        return {
            "model": s.llm_model,
            "messages": messages,
            "temperature": s.llm_temperature,
            "max_tokens": s.llm_max_tokens,
        }

    # -- drafting ------------------------------------------------------------------------
    def draft(self, question: str, hits: Sequence[Hit]) -> str:
        """The model's whole reply to the prompt over `hits` (numbered 1..n)."""
        request = self._request(question, hits)
        started = time.perf_counter()
        try:
            completion = self.client.chat.completions.create(**request)
        except (openai.OpenAIError, json.JSONDecodeError) as exc:
            self._fail(exc)
        elapsed = time.perf_counter() - started
        choices = getattr(completion, "choices", None)
        if not isinstance(choices, list) or not choices:
            raise self._bad_reply("it has no choices")
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        if not isinstance(content, str) or not content.strip():
            raise self._bad_reply("its message has no text content")
        finish = getattr(choices[0], "finish_reason", None)
        self._record(elapsed, _completion_tokens(getattr(completion, "usage", None)), finish)
        return content

    def stream_draft(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """The reply as it is generated, one content delta at a time.

        A stream that ends before the server says why it finished (a dropped connection, a
        crashed server) raises GeneratorError after the deltas already yielded: a caller must
        discard what it showed, since a cut reply is not a shorter answer.
        """
        request = self._request(question, hits)
        started = time.perf_counter()
        finish: str | None = None
        tokens: int | None = None
        received = False
        try:
            stream = self.client.chat.completions.create(
                **request, stream=True, stream_options={"include_usage": True}
            )
            with stream:
                for chunk in stream:
                    received = True
                    tokens = _completion_tokens(getattr(chunk, "usage", None)) or tokens
                    for choice in getattr(chunk, "choices", None) or []:
                        delta = getattr(getattr(choice, "delta", None), "content", None)
                        if delta:
                            yield delta
                        finish = getattr(choice, "finish_reason", None) or finish
        except openai.APIConnectionError as exc:
            if received and not isinstance(exc, openai.APITimeoutError):
                cause = exc.__cause__ or exc.__context__
                raise self._bad_reply(
                    f"the connection was cut mid-reply ({type(cause).__name__}: {cause})", _CUT_HINT
                ) from exc
            self._fail(exc)
        except (openai.OpenAIError, json.JSONDecodeError) as exc:
            self._fail(exc)
        if finish is None:
            raise self._bad_reply(
                "the stream ended before the server said it had finished (no finish_reason), so the "
                "reply may be cut mid-way",
                _CUT_HINT,
            )
        self._record(time.perf_counter() - started, tokens, finish)

    # -- reporting -----------------------------------------------------------------------
    def _record(self, elapsed: float, tokens: int | None, finish: str | None) -> None:
        self.latency_s = elapsed
        self.completion_tokens = tokens
        self.tokens_per_s = tokens / elapsed if tokens and elapsed > 0 else None
        rate = f", {self.tokens_per_s:.1f} tokens/s" if self.tokens_per_s else ""
        log.info(
            "llm %s: %.2f s, %s completion tokens%s",
            self.settings.llm_model,
            elapsed,
            tokens if tokens is not None else "unreported",
            rate,
        )
        if finish == "length":
            log.warning(
                "llm %s stopped at the token limit (%d); the draft may be cut short: raise "
                "MEDCITE_LLM_MAX_TOKENS",
                self.settings.llm_model,
                self.settings.llm_max_tokens,
            )

    def _where(self) -> str:
        return f"the LLM server at {self.settings.llm_base_url} (model {self.settings.llm_model!r})"

    def _bad_reply(self, why: str, hint: str = "") -> GeneratorError:
        hint = hint or (
            "check that MEDCITE_LLM_MODEL names a chat model the server serves and that "
            "MEDCITE_LLM_BASE_URL points to an OpenAI-compatible API"
        )
        return GeneratorError(
            f"{self._where()} gave an unusable reply: {why}; no answer is given from it; {hint}"
        )

    def _fail(self, exc: Exception) -> NoReturn:
        """Raise the GeneratorError that says what went wrong and what to change."""
        s = self.settings
        retries = f"{s.llm_max_retries} {'retry' if s.llm_max_retries == 1 else 'retries'}"
        if isinstance(exc, openai.APITimeoutError):
            message = (
                f"{self._where()} did not answer within {s.llm_timeout_s:g} s (after {retries}); "
                "raise MEDCITE_LLM_TIMEOUT_S for a slow model, or lower MEDCITE_LLM_MAX_TOKENS"
            )
        elif isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            detail = f" ({type(cause).__name__}: {cause})" if cause else ""
            message = (
                f"could not reach {self._where()}{detail} after {retries}; start the server, or set "
                "MEDCITE_LLM_BASE_URL to the address of a running OpenAI-compatible API (usually "
                "ending in /v1)"
            )
        elif isinstance(exc, openai.APIStatusError):
            message = (
                f"{self._where()} answered HTTP {exc.status_code}: {_detail(exc)}; "
                f"{_status_hint(exc.status_code, retries)}"
            )
        elif isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError):
            raise self._bad_reply(f"its body is not a valid chat completion ({exc})") from exc
        else:
            message = f"{self._where()} failed: {type(exc).__name__}: {exc}; {_SERVER_HINT}"
        raise GeneratorError(message) from exc


def _completion_tokens(usage: object) -> int | None:
    tokens = getattr(usage, "completion_tokens", None)
    return tokens if isinstance(tokens, int) else None


def _detail(exc: Any) -> str:
    """The server's own error message, short."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        text = inner.get("message") if isinstance(inner, dict) else inner
    else:
        text = body
    text = " ".join(str(text or getattr(exc, "message", "") or "no detail").split())
    return text if len(text) <= 200 else text[:197] + "..."


def _status_hint(status: int, retries: str) -> str:
    if status in (401, 403):
        return "set MEDCITE_LLM_API_KEY to a key the server accepts"
    if status == 404:
        return (
            "check MEDCITE_LLM_BASE_URL (the API root, usually ending in /v1) and that "
            "MEDCITE_LLM_MODEL names a model the server serves"
        )
    if status in (400, 413, 422):
        return (
            "the server rejected the request: check MEDCITE_LLM_MODEL, and lower MEDCITE_LLM_MAX_TOKENS "
            "or MEDCITE_TOP_K if the prompt exceeds the model's context"
        )
    if status == 429:
        return f"the server is rate limiting (still after {retries}); wait, or raise MEDCITE_LLM_MAX_RETRIES"
    if status >= 500:
        return (
            f"the server failed (still after {retries}); check its log, or raise MEDCITE_LLM_MAX_RETRIES "
            "for a flaky server"
        )
    return _SERVER_HINT
