"""A real HTTP server on 127.0.0.1, for tests of code that makes requests.

Every network test starts one on port 0 and points a base-URL setting at `server.url`;
nothing in the test suite reaches past the loopback interface.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# (status, body) or (status, body, headers)
Answer = tuple[int, bytes | str] | tuple[int, bytes | str, dict[str, str]]


class LocalServer:
    """Answers each GET with `respond(path, query)` and keeps the queries it was sent.

    A `respond` that must answer late calls `server.pause(seconds)`, which returns
    early when the test ends so no handler thread outlives it.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []  # the query of each request
        self.headers: list[dict[str, str]] = []  # and its headers
        self.respond: Callable[[str, dict[str, str]], Answer] = lambda path, query: (404, "")
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # A client that timed out has closed its socket; the late answer has nowhere to go.
        self._httpd.handle_error = lambda request, client_address: None
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                server.requests.append(query)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                status, body, *more = server.respond(parts.path, query)
                if isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                for name, value in (more[0] if more else {}).items():
                    self.send_header(name, value)
                if not any(name.lower() == "content-length" for name in (more or [{}])[0]):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def pause(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def __enter__(self) -> LocalServer:
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
