"""One gate for every input: a request holding a NUL or a lone surrogate anywhere a view
or the database could read it (path, query string, form fields, a JSON body, headers and
cookies) is answered 400 before any view runs.

PostgreSQL refuses NUL in text and SQLite stores it; a lone surrogate has no UTF-8 form.
Refusing both here means no view has to remember them, on either backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse, JsonResponse

from paperwire.front.middleware import BODY_LIMIT
from paperwire.lib.text import unstorable_character

JSON_TYPES = ("application/json",)
MCP_PATH = "/mcp"


class RefuseUnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for where, text in _inputs(request):
            problem = unstorable_character(text)
            if problem is not None:
                return _refuse(request, f"the {where} holds {problem}")
        return self.get_response(request)


def _inputs(request: HttpRequest) -> Iterator[tuple[str, str]]:
    yield "path", request.path_info
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            yield "request headers", value
    for key, values in request.GET.lists():
        yield "query string", key
        for value in values:
            yield "query string", value
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _body_within_limit(request):
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.POST.lists():
                yield "form", key
                for value in values:
                    yield "form", value
        elif request.path_info == MCP_PATH:
            # JSON-RPC for agents: the MCP server refuses NUL in every tool argument
            # itself (agents/server.py), as an MCP error the agent can read; a plain 400
            # here would break the client's session instead.
            return
        elif content_type in JSON_TYPES or content_type.endswith("+json"):
            try:
                data = json.loads(request.body)
            except (ValueError, RecursionError):
                return  # not JSON (or nested past reading): the view answers that
            for text in _json_strings(data):
                yield "JSON body", text


def _body_within_limit(request: HttpRequest) -> bool:
    # A body over the largest limit is refused with a 413 further in
    # (RequestBodyLimitMiddleware, which needs the session): reading it here first
    # would spool all of it.
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) <= BODY_LIMIT
    except ValueError:
        return True


def _json_strings(value: object) -> Iterator[str]:
    # An explicit stack: a deeply nested body must not hit Python's recursion limit.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())


def _refuse(request: HttpRequest, reason: str) -> HttpResponse:
    message = f"Bad request: {reason}, which no input may hold."
    if request.path_info.startswith("/api/"):
        return JsonResponse({"error": message}, status=400,
                            content_type="application/json; charset=utf-8")
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
