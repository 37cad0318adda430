"""API keys: `Authorization: Bearer <key>` or `X-API-Key: <key>`, compared in constant time.

Write endpoints always need a key; a server started without one refuses writes and says how
to set one. Read endpoints need one only with `read_requires_key`.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from medcite.api.errors import ApiError
from medcite.core.settings import Settings

_HOW = "start the server with MEDCITE_API_KEYS=<key>[,<key>...] and send it as 'Authorization: Bearer <key>'"


def presented_key(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-api-key", "").strip()


def _valid(key: str, keys: list[str]) -> bool:
    # compare against every key, so the time taken does not tell which one (or how much) matched
    matches = [hmac.compare_digest(key.encode(), k.encode()) for k in keys]
    return any(matches)


def require_write_key(request: Request) -> None:
    settings: Settings = request.app.state.settings
    keys = settings.server.api_keys
    if not keys:
        raise ApiError(403, "writes_disabled", f"this server has no API key, so it accepts no writes: {_HOW}")
    key = presented_key(request)
    if not key or not _valid(key, keys):
        raise ApiError(
            401, "unauthorized", "a valid API key is required: " + _HOW, {"WWW-Authenticate": "Bearer"}
        )


def require_read_key(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if not settings.server.read_requires_key:
        return
    key = presented_key(request)
    if not key or not _valid(key, settings.server.api_keys):
        raise ApiError(
            401,
            "unauthorized",
            "this server requires an API key on reads: " + _HOW,
            {"WWW-Authenticate": "Bearer"},
        )
