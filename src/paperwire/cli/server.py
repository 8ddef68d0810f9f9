"""`paperwire serve`: gunicorn embedded as a library, so one command runs the site."""

from __future__ import annotations

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

        return application


def run_server(*, host: str, port: int, workers: int, threads: int) -> None:
    PaperwireServer({
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": "-",
        "timeout": 60,
        "graceful_timeout": 20,
        # Load the app before forking: workers share its memory pages.
        "preload_app": True,
    }).run()
