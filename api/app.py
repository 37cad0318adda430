"""FastAPI application factory: routers, limits, keys, metrics, the job runner and the page.

`medcite serve` runs `create_app` (several worker processes with `--workers`: each reads the
settings from the environment through `create_app_from_env`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from prometheus_client import CollectorRegistry
from slowapi.middleware import SlowAPIASGIMiddleware

from medcite import __version__, paths
from medcite.api.errors import install_error_handlers
from medcite.api.jobs import JobRunner, JobStore
from medcite.api.limits import BodySizeLimit, make_limiter
from medcite.api.metrics import install_metrics
from medcite.api.routers import ask, documents, health, openai_compat
from medcite.core.errors import MedciteError
from medcite.core.settings import Settings
from medcite.engine import Engine

log = logging.getLogger(__name__)

_UNLIMITED = ("/health", "/ready", "/metrics", "/static", "/docs", "/openapi.json", "/jobs")


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, run_jobs: bool = True
) -> FastAPI:
    """The app. `run_jobs=False` leaves queued jobs to another process's runner."""
    engine = engine or Engine(settings)
    settings = engine.settings
    jobs = JobStore(engine.index.root)
    runner = JobRunner(jobs, engine.index.root, settings.server.job_timeout_s) if run_jobs else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load the models before the first request so its latency is not a cold start.
        try:
            _ = engine.generator
            engine.embedder.encode(["warm-up"])
            engine.snapshot()
        except MedciteError as exc:
            log.warning("not ready: %s", exc)
        if runner is not None:
            runner.start()
        yield
        if runner is not None:
            runner.stop()

    app = FastAPIOffline(
        title="medcite",
        version=__version__,
        description=(
            "Guideline question answering in which every sentence cites its passage. "
            "Write endpoints need an API key (Authorization: Bearer or X-API-Key)."
        ),
        lifespan=lifespan,
        static_url="/static/docs",
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.jobs = jobs
    app.state.runner = runner
    app.state.limiter = make_limiter(settings.server.rate_limit)

    install_error_handlers(app)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return (paths.static_dir() / "index.html").read_text(encoding="utf-8")

    for router in (health.router, ask.router, documents.router, openai_compat.router):
        app.include_router(router)
    for route in app.routes:  # liveness, metrics, the page and job polling are never rate-limited
        endpoint = getattr(route, "endpoint", None)
        path = getattr(route, "path", "")
        if endpoint is not None and (path == "/" or path.startswith(_UNLIMITED)):
            app.state.limiter.exempt(endpoint)
    install_metrics(app, engine, jobs, CollectorRegistry())

    # follow_symlink: the editable install links each file into the source tree ("..": still refused)
    app.mount("/static", StaticFiles(directory=paths.static_dir(), follow_symlink=True), name="static")

    # outermost last: the body cap acts before anything reads a body
    app.add_middleware(SlowAPIASGIMiddleware)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(
        BodySizeLimit,
        json_bytes=settings.server.max_request_kb * 1024,
        upload_bytes=int(settings.server.max_upload_mb * 1e6) + 65_536,  # room for the form's fields
    )
    return app


def create_app_from_env() -> FastAPI:
    """The factory uvicorn's worker processes call (`medcite serve --workers N`)."""
    return create_app(Settings())
