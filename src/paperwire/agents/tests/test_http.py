"""`/mcp` over streamable HTTP on a real `paperwire serve` (gunicorn, two workers),
driven by the SDK's own client, with and without a reader's Bearer token."""

from __future__ import annotations

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from paperwire.agents.tests.checks import (
    PUBLIC,
    check_bad_input,
    check_personal,
    check_personal_writes_landed,
    check_public,
    run_apart,
)
from paperwire.benchmarks.soak import Server

pytestmark = pytest.mark.timeout(300)


def _client(url: str, token: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = httpx2.AsyncClient(headers=headers, timeout=120)
    return Client(streamable_http_client(url, http_client=http))


@pytest.fixture
def server(cli, world, tmp_path):
    with Server(cli.env, tmp_path / "server.log", "--workers", "2", "--no-worker") as s:
        s.wait_ready(timeout=120)
        yield s
        assert "Traceback" not in s.output()


def test_it_serves_every_tool_over_http(server, world):
    url = f"{server.base_url}/mcp"

    async def run() -> None:
        async with _client(url) as client:
            assert {t.name for t in (await client.list_tools()).tools} == PUBLIC
            await check_public(client, world)
            await check_bad_input(client)
        async with _client(url, world.alice_token) as client:
            await check_personal(client, world)

    run_apart(run)
    check_personal_writes_landed(world)


def test_it_answers_a_bad_token_with_401_and_junk_with_an_error(server, world):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for header in ["Bearer pw_not-a-token", "Basic YWxpY2U6cGFzcw==", "Bearer"]:
        response = httpx.post(f"{server.base_url}/mcp", json=body, timeout=60,
                              headers={"Authorization": header,
                                       "Accept": "application/json, text/event-stream"})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "error" in response.json()

    # A body that is no JSON-RPC message: the SDK's JSON-RPC error, not a traceback.
    response = httpx.post(f"{server.base_url}/mcp", content=b"{not json", timeout=60,
                          headers={"Content-Type": "application/json",
                                   "Accept": "application/json, text/event-stream"})
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
    assert "Traceback" not in response.text
