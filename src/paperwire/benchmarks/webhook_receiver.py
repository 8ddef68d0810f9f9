"""A webhook receiver on 127.0.0.1 for the delivery tests and `paperwire bench deliver`.

It keeps each complete POST (path, headers, body), verifies the signature when given
the secret, and answers as told: `answers` is a queue of (status, body, headers) used
before the default 200. A body shorter than its Content-Length (the sender died before
its last byte) is thrown away, as any HTTP server does. `pause_at` holds the n-th
complete request, before answering, until `release` is set (and sets `paused`);
`delay` makes every answer take that long.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret
        self.requests: list[dict] = []  # {"path", "headers", "body", "json"}
        self.incomplete = 0
        self.bad_signatures = 0
        self.answers: list[tuple[int, str, dict[str, str]]] = []
        self.pause_at: int | None = None
        self.delay = 0.0  # seconds each answer takes
        self.paused = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, client_address: None
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    with receiver._lock:
                        receiver.incomplete += 1
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                if receiver.secret is not None:
                    expected = "sha256=" + hmac.new(receiver.secret.encode(), body,
                                                    hashlib.sha256).hexdigest()
                    if not hmac.compare_digest(
                            headers.get("x-paperwire-signature-256", ""), expected):
                        with receiver._lock:
                            receiver.bad_signatures += 1
                        self._answer(401, "bad signature", {})
                        return
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": headers,
                                              "body": body, "json": json.loads(body)})
                    count = len(receiver.requests)
                    answer = receiver.answers.pop(0) if receiver.answers else (200, "ok", {})
                if receiver.delay:
                    receiver._stopping.wait(receiver.delay)
                if count == receiver.pause_at:
                    receiver.paused.set()
                    deadline = time.monotonic() + 60
                    while not receiver.release.is_set() and time.monotonic() < deadline \
                            and not receiver._stopping.is_set():
                        time.sleep(0.02)
                self._answer(*answer)

            def _answer(self, status: int, body: str, headers: dict[str, str]) -> None:
                data = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def deliveries(self) -> Counter:
        """How many times each X-Paperwire-Delivery id arrived."""
        with self._lock:
            return Counter(r["headers"].get("x-paperwire-delivery") for r in self.requests)

    def __enter__(self) -> Receiver:
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
