"""One JSON error shape for every failure: `{"error": code, "detail": what to do}`.

A 422 lists the failing fields but never echoes the input back (a 52 MB body must not come
back as a 52 MB error), and no internal error leaks a traceback to the client.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from slowapi.errors import RateLimitExceeded
from starlette.exceptions import HTTPException as StarletteHTTPException

from medcite.core.errors import (
    DocumentNotFoundError,
    GeneratorError,
    GroundingError,
    IndexFormatError,
    IndexLockedError,
    IndexNotFoundError,
    MedciteError,
)

log = logging.getLogger(__name__)

_MAX_MSG = 300  # a validation message can quote the input; keep it short


class ApiError(Exception):
    """An error a route raises on purpose, with its status and code."""

    def __init__(self, status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers


def error_response(status: int, error: str, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail, **extra})


def _respond(request: Request, status: int, error: str, detail: str, **extra: object) -> JSONResponse:
    """medcite's shape, or under /v1 the OpenAI one (`error.message`), which OpenAI clients show."""
    if request.url.path.startswith("/v1/"):
        body = {"error": {"message": detail, "type": error, "param": None, "code": status}}
        return JSONResponse(status_code=status, content=body)
    return error_response(status, error, detail, **extra)


_MEDCITE_STATUS: list[tuple[type[MedciteError], int, str]] = [
    (IndexNotFoundError, 503, "index_not_found"),
    (IndexFormatError, 503, "index_unusable"),
    (IndexLockedError, 409, "index_busy"),
    (DocumentNotFoundError, 404, "document_not_found"),
    (GeneratorError, 502, "generator_failed"),
    (GroundingError, 502, "grounding_failed"),
]


def medcite_status(exc: MedciteError) -> tuple[int, str]:
    for cls, status, code in _MEDCITE_STATUS:
        if isinstance(exc, cls):
            return status, code
    return 500, type(exc).__name__


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        response = _respond(request, exc.status, exc.error, exc.detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(MedciteError)
    async def _medcite_error(request: Request, exc: MedciteError) -> JSONResponse:
        status, code = medcite_status(exc)
        if status >= 500:
            log.error("%s: %s", code, exc)
        return _respond(request, status, code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(part) for part in e.get("loc", ())][:6],
                "msg": str(e.get("msg", ""))[:_MAX_MSG],
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()[:20]
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(p for p in first["loc"] if p != "body") or "body"
        return _respond(request, 422, "invalid_request", f"{where}: {first['msg']}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "invalid_body",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            415: "unsupported_media_type",
        }
        code = codes.get(exc.status_code, "http_error")
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "the request body could not be parsed: send UTF-8 JSON (or multipart for uploads)"
        response = _respond(request, exc.status_code, code, detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RateLimitExceeded)
    async def _rate_limited(request: Request, exc: RateLimitExceeded) -> JSONResponse:
        detail = f"too many requests: the limit is {exc.detail}; slow down and retry"
        response = _respond(request, 429, "rate_limited", detail)
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "internal_error", f"{type(exc).__name__}; see the server log")
