"""GET /health: liveness plus what the index holds."""

from __future__ import annotations

from fastapi import APIRouter, Request

from medcite.api.schemas import HealthOut
from medcite.core.errors import MedciteError
from medcite.engine import Engine

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(request: Request) -> HealthOut:
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
