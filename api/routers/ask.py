"""POST /ask (a cited answer, or its event stream), POST /search (ranked passages) and
POST /verify (an answer written elsewhere, checked against the passages it cites)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse

from medcite.api.errors import ApiError, medcite_status
from medcite.api.schemas import (
    AnswerOut,
    AskRequest,
    HitOut,
    SearchRequest,
    VerifyOut,
    VerifyRequest,
    error_responses,
)
from medcite.api.security import require_read_key
from medcite.core.errors import MedciteError
from medcite.core.serialize import answer_json, hit_json, sentence_json
from medcite.core.settings import Settings
from medcite.core.types import AnswerEvent, RetrievedEvent, SentenceEvent
from medcite.engine import Engine

router = APIRouter(tags=["questions"], dependencies=[Depends(require_read_key)])
_ERRORS = error_responses(404, 502, 503)
_STREAM = {
    "text/event-stream": {
        "schema": {  # one event (before OpenAPI 3.2 the schema describes each event of a stream)
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": {"type": "string", "enum": ["retrieved", "sentence", "answer", "error"]},
                "data": {"type": "string", "contentMediaType": "application/json"},
            },
        },
        "example": "event: retrieved\ndata: {...}\n\n",
    }
}


def check_question(settings: Settings, question: str) -> None:
    limit = settings.server.max_question_chars
    if len(question) > limit:
        raise ApiError(
            422,
            "question_too_long",
            f"the question has {len(question):,} characters; the limit is {limit:,} "
            "(MEDCITE_MAX_QUESTION_CHARS)",
        )


def _events(engine: Engine, body: AskRequest) -> Iterator[dict[str, str]]:
    try:
        for event in engine.ask_stream(body.question, top_k=body.top_k):
            if isinstance(event, RetrievedEvent):
                data: dict[str, Any] = {"hits": [hit_json(h) for h in event.hits]}
                yield {"event": "retrieved", "data": json.dumps(data)}
            elif isinstance(event, SentenceEvent):
                data = {"index": event.index, "sentence": sentence_json(event.sentence)}
                yield {"event": "sentence", "data": json.dumps(data)}
            elif isinstance(event, AnswerEvent):
                yield {"event": "answer", "data": json.dumps(answer_json(event.answer))}
    except MedciteError as exc:
        _, code = medcite_status(exc)
        yield {"event": "error", "data": json.dumps({"error": code, "detail": str(exc)})}


@router.post(
    "/ask",
    response_model=AnswerOut,
    responses={**_ERRORS, 200: {"content": _STREAM, "description": "The answer (or its event stream)"}},
)
def ask(body: AskRequest, request: Request) -> Any:
    """A cited answer; with `"stream": true`, Server-Sent Events: `retrieved`, one `sentence`
    per verified sentence, then `answer` (or `error`)."""
    engine: Engine = request.app.state.engine
    check_question(engine.settings, body.question)
    if body.stream:
        engine.snapshot()  # no index: a 503 now, rather than a stream that only says so
        return EventSourceResponse(_events(engine, body), ping=15)
    return JSONResponse(answer_json(engine.ask(body.question, top_k=body.top_k)))


@router.post("/search", response_model=list[HitOut], responses=_ERRORS)
def search(body: SearchRequest, request: Request) -> Any:
    """The ranked passages for a query (hybrid retrieval, as /ask uses)."""
    engine: Engine = request.app.state.engine
    check_question(engine.settings, body.query)
    return JSONResponse([hit_json(h) for h in engine.search(body.query, k=body.k)])


@router.post("/verify", response_model=VerifyOut, responses=_ERRORS)
def verify(body: VerifyRequest, request: Request) -> Any:
    """Check an answer written elsewhere: each sentence against the passages it cites
    (`text`, or `chunk_id` of an indexed passage), as `medcite verify` does."""
    from medcite.generation.audit import audit_answer, audit_json

    engine: Engine = request.app.state.engine
    passages: dict[int, str] = {}
    for ref in body.references:
        if ref.text is not None:
            passages[ref.n] = ref.text
        elif ref.chunk_id is not None:
            passages[ref.n] = _chunk_text(engine, ref.chunk_id)
        else:
            raise ApiError(422, "invalid_request", f"reference [{ref.n}] needs 'text' or 'chunk_id'")
    audit = audit_answer(body.question, body.answer, passages, engine.judge)
    return JSONResponse(audit_json(audit))


def _chunk_text(engine: Engine, chunk_id: str) -> str:
    doc_id = chunk_id.rsplit("#", 1)[0]
    for chunk in engine.snapshot().store.chunks_of(doc_id):
        if chunk.chunk_id == chunk_id:
            return chunk.text
    raise ApiError(404, "chunk_not_found", f"chunk {chunk_id!r} is not in the index (see POST /search)")
