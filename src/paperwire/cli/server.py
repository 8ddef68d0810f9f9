"""`paperwire serve`: gunicorn embedded as a library, so one command runs the site."""

from __future__ import annotations

import sys

from gunicorn.app.base import BaseApplication


class PaperwireServer(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from paperwire.wsgi import application

        preload_query_model()
        return application


def preload_query_model() -> None:
    """Load the query model in the master, before any worker exists.

    With preload_app every worker is forked from here already holding it: no reader
    waits for it, a worker restarted later has it too, and its weights are pages the
    workers share. ONNX Runtime with one thread per session runs on the calling thread,
    so a session made before the fork works in the child (search/tests/test_serve.py).
    """
    from paperwire.search.embeddings import load_query_model

    seconds = load_query_model()
    sys.stderr.write(f"[paperwire] query model loaded in {seconds:.2f} s, "
                     f"before the workers start\n")
    sys.stderr.flush()


def run_server(*, host: str, port: int, workers: int, threads: int) -> None:
    PaperwireServer({
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": "-",
        "timeout": 60,
        "graceful_timeout": 20,
        # Load the app and the query model before forking: workers share their memory
        # pages and answer their first search at once.
        "preload_app": True,
    }).run()
