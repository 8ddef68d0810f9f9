"""`paperwire mcp` over stdio, driven by the SDK's own client."""

from __future__ import annotations

import sys

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from paperwire.agents.tests.checks import (
    PUBLIC,
    check_bad_input,
    check_personal,
    check_personal_writes_landed,
    check_public,
    run_apart,
)

pytestmark = pytest.mark.timeout(300)


def _params(cli, token: str | None = None) -> StdioServerParameters:
    env = dict(cli.env)
    if token:
        env["PAPERWIRE_MCP_TOKEN"] = token
    return StdioServerParameters(command=sys.executable, args=["-m", "paperwire", "mcp"],
                                 env=env)


def test_it_serves_the_public_tools_without_a_token(cli, world):
    async def run() -> None:
        async with Client(_params(cli)) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert names == PUBLIC
            await check_public(client, world)
            await check_bad_input(client)

    run_apart(run)


def test_it_acts_for_the_reader_whose_token_it_was_given(cli, world):
    async def run() -> None:
        async with Client(_params(cli, world.alice_token)) as client:
            await check_personal(client, world)

    run_apart(run)
    check_personal_writes_landed(world)


def test_it_refuses_a_bad_token(cli, world):
    result = cli("mcp", "--token", "pw_not-a-token")
    assert result.returncode == 2
    assert "unknown or revoked" in result.stderr and "Traceback" not in result.stderr
