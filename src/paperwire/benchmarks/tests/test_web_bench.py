"""The web bench's load generator against a real `paperwire serve`."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from paperwire.benchmarks import web

pytestmark = pytest.mark.timeout(120)


def test_it_spreads_its_connections_evenly_over_the_server_processes(cli, monkeypatch):
    for name in ("PAPERWIRE_DATABASE_URL", "PAPERWIRE_DATA_DIR"):
        monkeypatch.setenv(name, cli.env[name])
    Path(cli.env["PAPERWIRE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    async def processes_behind(port: int) -> Counter:
        connections = await web._balanced_connections(port, 8, workers=2)
        answers = Counter()
        for reader, writer in connections:
            status, _, head = await web._get(reader, writer, "/health")
            assert status == 200
            answers[web._process(head)] += 1
            writer.close()
        return answers

    with web.Server(workers=2, threads=2, page_cache=0) as server:
        # Left to the kernel, one worker often takes most of eight connections.
        for _ in range(3):
            # On a thread of its own: the session's Playwright browser keeps an event loop
            # running on this one.
            with ThreadPoolExecutor(1) as thread:
                answers = thread.submit(asyncio.run, processes_behind(server.port)).result()
            assert sorted(answers.values()) == [4, 4], answers
            assert all(process.isdigit() for process in answers)
