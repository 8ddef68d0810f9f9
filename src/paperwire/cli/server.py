"""`paperwire serve`: gunicorn embedded as a library, so one command runs the site."""

from __future__ import annotations

import errno
import socket
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
        prepare_for_fork()
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


def prepare_for_fork() -> None:
    """What every worker would otherwise build on its own, built once in the master, and
    the garbage collector told to leave it alone.

    A page the master filled stays shared with the workers until one of them writes to
    it, and CPython writes to an object whenever its reference count or GC header
    changes. Compiled templates and the URL resolver are made here once instead of in
    each worker; gc.freeze() moves every object made so far out of the collector's
    generations, so a collection in a worker does not touch (and so copy) every page the
    master filled. At 100k papers, after a few dozen searches, this took a worker's
    proportional set size from about 203 to 170 MiB.
    """
    import gc

    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import reverse

    reverse("pw-search")  # fills the resolver's tables for every URL
    for name in PREFORK_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:  # an app left out of INSTALLED_APPS
            continue
    gc.collect()
    gc.freeze()


# The pages most readers open: their templates (and those they include) compiled before
# the fork, kept by Django's cached loader.
PREFORK_TEMPLATES = ("front/search.html", "front/_search_results.html", "front/_card.html",
                     "front/daily.html", "front/paper.html", "front/trending.html",
                     "reader/for_you.html")


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
        # gunicorn's control socket is one path per user by default
        # (~/.gunicorn/gunicorn.ctl), so a second instance took it over and removed it
        # on exit. paperwire has no use for it (no gunicornc): none at all.
        "control_socket_disable": True,
        "pre_fork": close_connections_before_fork,
        "post_worker_init": warm_worker,
        "worker_exit": exit_without_finalizers,
    }).run()


def close_connections_before_fork(server, worker) -> None:
    """The master's database connections (opened by migrate before gunicorn starts) must
    not be inherited: a worker using the master's PostgreSQL socket breaks both."""
    from django.db import connections

    connections.close_all()


def exit_without_finalizers(server, worker) -> None:
    """End a worker here, with the exit status it was leaving with, skipping the
    interpreter's finalizers.

    The query model's ONNX Runtime session was made in the master, before the fork; at
    the normal interpreter exit its C++ destructors, run in the child, threw
    std::system_error and aborted every worker (SIGABRT, "terminate called after
    throwing …") on each stop or restart. Nothing a worker holds needs a finalizer:
    responses are sent, the database commits as it goes, and the metrics files are
    shared memory maps.
    """
    import logging
    import os

    from django.db import connections

    error = sys.exc_info()[1]
    code = error.code if isinstance(error, SystemExit) else 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        code = 1
    try:
        connections.close_all()
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code & 0xFF)  # as sys.exit(-1) would leave: 255


def warm_worker(worker) -> None:
    """In each worker, before it accepts a connection: one search through the whole
    path, so the first reader's does not open the vector index (the HNSW file and the
    newer vectors beside it) or the full-text pages. A failure (no tables before
    `paperwire init`) is logged and the worker serves anyway."""
    import time

    from django.db import connections

    start = time.perf_counter()
    try:
        from paperwire.search.query import search

        search("warm up", per_page=1)
    except Exception as error:  # a cold worker beats no worker
        worker.log.warning("warming the search path failed: %s", error)
    finally:
        connections.close_all()  # this thread's; the request threads open their own
    worker.log.info("search path warm in %.2f s", time.perf_counter() - start)


def port_problem(host: str, port: int) -> str:
    """Why `paperwire serve` cannot listen on host:port, or "" when it can.

    Checked before gunicorn starts, which would otherwise retry for 5 seconds and end
    with "Can't connect to ('127.0.0.1', 8000)". Bound with SO_REUSEADDR, as gunicorn
    binds, so a port left in TIME_WAIT by a server just stopped counts as free.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as e:
        return f"cannot listen on {host!r}: {e.strerror}; give an address with --host"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use (another `paperwire "
                        "serve`, or another server): stop it, or choose another port with "
                        f"--port, e.g. `paperwire serve --port {port + 1}`")
            if e.errno == errno.EACCES:
                return (f"no permission to listen on port {port} (ports below 1024 need "
                        "privileges): choose another with --port, e.g. --port 8000")
            return (f"cannot listen on {host}:{port} ({e.strerror}): choose another "
                    "address with --host or port with --port")
    return ""


def link_base(host: str, port: int) -> str:
    """The base of links for an instance served on host:port: a wildcard address is
    no place to send a reader, so it becomes this machine's name."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.gethostname()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
