"""Request limits: a body-size cap checked before a body is read, and the per-client rate limit.

The body cap is plain ASGI (it must act before FastAPI parses anything); the rate limit is
slowapi's, keyed by the caller's API key when it sends one, else by its address.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from slowapi import Limiter
from slowapi.util import get_remote_address
from starlette.requests import Request

from medcite.api.security import presented_key

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_PATHS = ("/documents",)


def client_key(request: Request) -> str:
    key = presented_key(request)
    return f"key:{key[:8]}" if key else f"ip:{get_remote_address(request)}"


def make_limiter(rate_limit: str) -> Limiter:
    return Limiter(
        key_func=client_key, default_limits=[rate_limit] if rate_limit else [], enabled=bool(rate_limit)
    )


class BodySizeLimit:
    """413 for a request body over the limit: uploads get `upload_bytes`, the rest `json_bytes`."""

    def __init__(self, app: ASGIApp, json_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"] in UPLOAD_PATHS
        limit = self.upload_bytes if upload else self.json_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _reject(send, limit, upload, scope["path"])
                return
        seen = 0
        exceeded = False
        rejected = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a body without Content-Length: cut it here, answer 413 below
                    exceeded = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded(message: Message) -> None:
            nonlocal rejected
            if not exceeded:
                await send(message)
            elif not rejected and message["type"] == "http.response.start":
                rejected = True  # whatever the app made of the cut body, the answer is 413
                await _reject(send, limit, upload, scope["path"])

        await self.app(scope, counted, guarded)


async def _reject(send: Send, limit: int, upload: bool, path: str) -> None:
    what = "an upload" if upload else "a request body"
    setting = "MEDCITE_MAX_UPLOAD_MB" if upload else "MEDCITE_MAX_REQUEST_KB"
    detail = f"{what} may be at most {limit:,} bytes (set {setting} to change)"
    if path.startswith("/v1/"):  # the OpenAI error shape there, as medcite.api.errors does
        content: dict[str, object] = {
            "error": {"message": detail, "type": "too_large", "param": None, "code": 413}
        }
    else:
        content = {"error": "too_large", "detail": detail}
    body = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
