"""An OpenAI-compatible "model": GET /v1/models and POST /v1/chat/completions.

Existing chat clients (the `openai` package, chat UIs) can use medcite as a model. As
search-grounded chat APIs do, the reply carries a top-level `citations` list (one link per
reference number) besides the Markdown message, and the whole structured answer under
`medcite`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from medcite import __version__
from medcite.api.chat import (
    citation_url,
    closing_piece,
    message_text,
    resolve_question,
    sentence_piece,
    sentence_pieces,
)
from medcite.api.errors import ApiError, medcite_status
from medcite.api.routers.ask import check_question
from medcite.api.schemas import ChatCompletionRequest, error_responses
from medcite.api.security import require_read_key
from medcite.core.errors import MedciteError
from medcite.core.serialize import answer_json
from medcite.core.types import Answer, AnswerEvent, AnswerSentence, SentenceEvent
from medcite.engine import Engine

router = APIRouter(prefix="/v1", tags=["openai-compatible"], dependencies=[Depends(require_read_key)])
MODEL_ID = "medcite"
_CREATED = int(time.time())
_ERRORS = error_responses(502, 503, openai=True)


@router.get("/models", responses=error_responses(openai=True))
def models() -> dict[str, Any]:
    """The one model this server offers."""
    return {
        "object": "list",
        "data": [
            {"id": MODEL_ID, "object": "model", "created": _CREATED, "owned_by": f"medcite {__version__}"}
        ],
    }


def _question(body: ChatCompletionRequest) -> tuple[str, str]:
    shown, retrieved_with = resolve_question([(m.role, message_text(m.content)) for m in body.messages])
    if len(shown) < 3:
        raise ApiError(422, "invalid_request", "messages: the last user message must hold a question")
    return shown, retrieved_with


def _extras(answer: Answer, base_url: str) -> tuple[list[str], dict[str, Any]]:
    urls = [citation_url(base_url, r) for r in answer.references]
    return urls, answer_json(answer)


_CHUNKS = {
    "text/event-stream": {
        "schema": {  # one event: a chat.completion.chunk, an error, or the closing [DONE]
            "type": "object",
            "required": ["data"],
            "properties": {"data": {"type": "string"}},
        }
    }
}


@router.post(
    "/chat/completions",
    responses={**_ERRORS, 200: {"content": _CHUNKS, "description": "A chat.completion (or its chunks)"}},
)
def chat_completions(body: ChatCompletionRequest, request: Request) -> Any:
    """The cited answer to the last user message, as a chat completion (or its chunks)."""
    engine: Engine = request.app.state.engine
    shown, retrieved_with = _question(body)
    check_question(engine.settings, retrieved_with)
    base_url = str(request.base_url)
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if body.stream:
        engine.snapshot()  # no index: a 503 now rather than a broken stream
        return StreamingResponse(
            _chunks(engine, retrieved_with, shown, body.top_k, base_url, completion_id, created),
            media_type="text/event-stream",
        )
    answer = engine.ask(retrieved_with, top_k=body.top_k)
    urls, structured = _extras(answer, base_url)
    content = "".join(sentence_pieces(answer.sentences)) + closing_piece(answer, urls)
    structured["question"] = shown
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "citations": urls,
            "medcite": structured,
        }
    )


def _chunk(completion_id: str, created: int, delta: dict[str, Any], finish: str | None = None) -> str:
    data = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(data)}\n\n"


def _chunks(
    engine: Engine,
    question: str,
    shown: str,
    top_k: int | None,
    base_url: str,
    completion_id: str,
    created: int,
) -> Iterator[str]:
    yield _chunk(completion_id, created, {"role": "assistant", "content": ""})
    try:
        previous: AnswerSentence | None = None
        for event in engine.ask_stream(question, top_k=top_k):
            if isinstance(event, SentenceEvent):
                piece = sentence_piece(event.sentence, previous)
                previous = event.sentence
                yield _chunk(completion_id, created, {"content": piece})
            elif isinstance(event, AnswerEvent):
                urls, structured = _extras(event.answer, base_url)
                structured["question"] = shown
                yield _chunk(completion_id, created, {"content": closing_piece(event.answer, urls)})
                final = json.loads(_chunk(completion_id, created, {}, "stop")[6:])
                final.update(citations=urls, medcite=structured)
                yield f"data: {json.dumps(final)}\n\n"
    except MedciteError as exc:
        status, code = medcite_status(exc)
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': code, 'code': status}})}\n\n"
    yield "data: [DONE]\n\n"
