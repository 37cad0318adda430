"""POST /ask (cited answer) and POST /search (ranked passages)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from medcite.api.schemas import AnswerOut, AskRequest, ErrorOut, HitOut, SearchRequest
from medcite.engine import Engine

router = APIRouter(tags=["questions"])
_ERRORS: dict[int | str, dict[str, object]] = {503: {"model": ErrorOut, "description": "No usable index"}}


@router.post("/ask", response_model=AnswerOut, responses=_ERRORS)
def ask(body: AskRequest, request: Request) -> AnswerOut:
    engine: Engine = request.app.state.engine
    return AnswerOut.of(engine.ask(body.question.strip(), top_k=body.top_k))


@router.post("/search", response_model=list[HitOut], responses=_ERRORS)
def search(body: SearchRequest, request: Request) -> list[HitOut]:
    engine: Engine = request.app.state.engine
    return [HitOut.of(h) for h in engine.search(body.query.strip(), k=body.k)]
