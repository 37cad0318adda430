"""FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from medcite import __version__, paths
from medcite.api.routers import ask, health
from medcite.core.errors import IndexFormatError, IndexNotFoundError, MedciteError
from medcite.core.settings import Settings
from medcite.engine import Engine

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    engine = engine or Engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load the models before the first request so its latency is not a cold start.
        try:
            engine.snapshot()
            _ = engine.generator
            engine.embedder.encode(["warm-up"])
        except MedciteError as exc:
            log.warning("index not ready: %s", exc)
        yield

    app = FastAPI(
        title="medcite",
        version=__version__,
        description="Guideline question answering in which every sentence cites its passage.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.include_router(health.router)
    app.include_router(ask.router)

    @app.exception_handler(IndexNotFoundError)
    async def _no_index(_: Request, exc: IndexNotFoundError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"error": "index_not_found", "detail": str(exc)})

    @app.exception_handler(IndexFormatError)
    async def _bad_index(_: Request, exc: IndexFormatError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"error": "index_unusable", "detail": str(exc)})

    @app.exception_handler(MedciteError)
    async def _medcite_error(_: Request, exc: MedciteError) -> JSONResponse:
        return JSONResponse(status_code=500, content={"error": type(exc).__name__, "detail": str(exc)})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return (paths.static_dir() / "index.html").read_text(encoding="utf-8")

    return app
