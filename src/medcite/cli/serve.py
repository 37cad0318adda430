"""The HTTP server."""

from __future__ import annotations

from typing import Annotated

import typer

from medcite.cli.common import IndexOpt, settings_from


def serve(
    index: IndexOpt = None,
    host: Annotated[
        str | None, typer.Option(help="Bind address [env MEDCITE_HOST; default 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [env MEDCITE_PORT; default 8000]")] = None,
) -> None:
    """Start the HTTP API (POST /ask, POST /search, GET /health, and a page at /)."""
    import uvicorn

    from medcite.api.app import create_app

    settings = settings_from(index, host=host, port=port)
    uvicorn.run(create_app(settings), host=settings.server.host, port=settings.server.port, log_level="info")
