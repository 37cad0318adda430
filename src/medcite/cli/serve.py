"""The HTTP server."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from medcite.cli.common import IndexOpt, settings_from


def serve(
    index: IndexOpt = None,
    host: Annotated[
        str | None, typer.Option(help="Bind address [env MEDCITE_HOST; default 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [env MEDCITE_PORT; default 8000]")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes [env MEDCITE_WORKERS; default 1]")
    ] = None,
) -> None:
    """Start the HTTP API and the answer page at / (see api/README.md; OpenAPI at /docs).

    Writes (uploads, deletes, reindex) need MEDCITE_API_KEYS; limits and CORS are MEDCITE_*
    settings (README, "Settings").
    """
    import uvicorn

    settings = settings_from(index, host=host, port=port, workers=workers)
    os.environ["MEDCITE_INDEX"] = str(settings.index.path)  # worker processes read it
    if settings.server.workers > 1 and not os.environ.get("MEDCITE_ONNX_THREADS"):
        # each worker process gets its share of the cores rather than all of them each
        share = max(1, (os.cpu_count() or 1) // settings.server.workers)
        os.environ["MEDCITE_ONNX_THREADS"] = str(share)
    uvicorn.run(
        "medcite.api.app:create_app_from_env",
        factory=True,
        host=settings.server.host,
        port=settings.server.port,
        workers=settings.server.workers,
        log_level="info",
        timeout_graceful_shutdown=10,
    )
