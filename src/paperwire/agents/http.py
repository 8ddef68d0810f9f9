"""`/mcp`: the MCP server over streamable HTTP, inside the Django site.

The SDK's HTTP transport is ASGI and the site runs under gunicorn's sync workers, so
each request is handed to the SDK's stateless, JSON-response transport on its own:
a fresh session manager per request, run with async_to_sync from the request's
thread (which the tools' ORM work then runs back on). Stateless means any worker can
answer any request, with no session to keep between them.

`Authorization: Bearer <API token>` (the token a reader makes on their profile) adds
the reader's own tools; without the header only the public tools are served; a token
that is not a live one answers 401, before anything reaches the SDK.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from paperwire.agents.server import current_user, server_for
from paperwire.community.models import ApiToken

MAX_BODY = 1024 * 1024  # one JSON-RPC message; the tools' inputs are far smaller
# A manager per request: its "started" and "shutting down" lines would be two log
# lines per request.
logging.getLogger("mcp.server.streamable_http_manager").setLevel(logging.WARNING)


def _unauthorized(reason: str) -> JsonResponse:
    response = JsonResponse({"error": reason}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="paperwire"'
    return response


@csrf_exempt
def mcp(request: HttpRequest) -> HttpResponse:
    user = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("the Authorization header is not 'Bearer <token>'")
        user = ApiToken.objects.user_for(token.strip())
        if user is None:
            return _unauthorized("the token is unknown or revoked")
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit():
        return JsonResponse({"error": "the Content-Length is not a number"}, status=400)
    if int(length) > MAX_BODY:
        return JsonResponse({"error": f"the body is over {MAX_BODY} bytes"}, status=413)
    status, headers, body = async_to_sync(_serve)(_scope(request), request.body, user)
    response = HttpResponse(body, status=status)
    for name, value in headers:
        if name.lower() not in ("content-length", "connection", "transfer-encoding"):
            response[name] = value
    # A reader's answers are theirs alone: no shared cache keeps them.
    response["Cache-Control"] = "private, no-store"
    return response


def _scope(request: HttpRequest) -> dict[str, Any]:
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1", "replace"))
               for name, value in request.headers.items()]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": request.method, "scheme": request.scheme,
        "path": request.path, "raw_path": request.path.encode(),
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1", "replace"),
        "root_path": "", "headers": headers,
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
        "server": (request.get_host().rsplit(":", 1)[0], int(request.get_port() or 80)),
    }


async def _serve(scope: dict[str, Any], body: bytes,
                 user: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    current_user.set(user)
    server = server_for(personal=user is not None)
    manager = StreamableHTTPSessionManager(
        app=server._lowlevel_server,  # the SDK's own mount does the same  # noqa: SLF001
        json_response=True, stateless=True, max_request_body_size=MAX_BODY)
    sent = False
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await anyio.sleep_forever()  # the client stays connected until the answer
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    async with manager.run():
        await manager.handle_request(scope, receive, send)
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]
    return start.get("status", 500), headers, b"".join(chunks)
