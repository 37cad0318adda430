"""GET /health (liveness: the process answers) and GET /ready (the index and models are loaded)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from medcite.api.schemas import HealthOut, ReadyOut
from medcite.core.errors import MedciteError
from medcite.engine import Engine

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(request: Request) -> HealthOut:
    """Liveness: 200 whenever the server runs, with what the index holds (`index_ready`
    false and the reason in `detail` when there is none: see /ready)."""
    engine: Engine = request.app.state.engine
    try:
        info = engine.info()
    except MedciteError as exc:
        return HealthOut(status="degraded", index=str(engine.index.root), index_ready=False, detail=str(exc))
    return HealthOut(
        status="ok",
        index=str(engine.index.root),
        index_ready=True,
        generation=info.generation,
        format_version=info.format_version,
        embedding_model=info.embedding_model,
        n_documents=info.n_documents,
        n_chunks=info.n_chunks,
    )


@router.get(
    "/ready", response_model=ReadyOut, responses={503: {"model": ReadyOut, "description": "Not ready"}}
)
def ready(request: Request) -> JSONResponse:
    """Readiness: 200 only when a usable index is loaded and the models are in memory;
    503 with the reason otherwise (a load balancer sends no questions until then)."""
    engine: Engine = request.app.state.engine
    try:
        snapshot = engine.snapshot()
    except MedciteError as exc:
        body = ReadyOut(ready=False, index_loaded=False, models_loaded=engine.models_loaded, detail=str(exc))
        return JSONResponse(status_code=503, content=body.model_dump())
    info = snapshot.info
    models = engine.models_loaded
    body = ReadyOut(
        ready=models,
        index_loaded=True,
        models_loaded=models,
        generation=info.generation,
        n_documents=info.n_documents,
        n_chunks=info.n_chunks,
        detail="" if models else "the models are still loading",
    )
    return JSONResponse(status_code=200 if models else 503, content=body.model_dump())
