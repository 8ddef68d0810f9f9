"""`/mcp` in process, through Django's test client: what the view decides before and
around the SDK (tokens, sizes, caching), and one exchange of the 2026-07-28 protocol
(one self-contained POST, no session)."""

from __future__ import annotations

import json

import pytest

from paperwire.community.models import ApiToken
from paperwire.community.tests.conftest import make_user
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db
HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream",
           "HTTP_MCP_PROTOCOL_VERSION": "2026-07-28"}
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "tests", "version": "1"}}


def _post(client, message: dict, **headers):
    # The 2026-07-28 protocol repeats the method (and a tool's name) in headers.
    headers.setdefault("HTTP_MCP_METHOD", message["method"])
    if "name" in message.get("params", {}):
        headers.setdefault("HTTP_MCP_NAME", message["params"]["name"])
    return client.post("/mcp", data=json.dumps(message), content_type="application/json",
                       **{**HEADERS, **headers})


def _call(name: str, arguments: dict) -> dict:
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": name, "arguments": arguments,
                       "_meta": META}}


def test_it_lists_the_public_tools_without_a_token(client):
    response = _post(client, {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {
        "_meta": META}})
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-store"
    names = {t["name"] for t in response.json()["result"]["tools"]}
    assert "search_papers" in names and "for_you" not in names


def test_it_reads_a_paper_for_anyone_and_a_reader_list_only_with_a_token(client):
    Paper.objects.create(arxiv_id="2401.10241", title="Zero Bubble Pipeline Parallelism",
                         abstract="Pipeline parallelism without bubbles.")
    answer = _post(client, _call("get_paper", {"paper_id": "2401.10241"})).json()
    assert answer["result"]["content"][0]["text"].startswith(
        "# Zero Bubble Pipeline Parallelism")
    alice = make_user("alice@example.org", "Alice")
    token = ApiToken.objects.issue(alice)
    answer = _post(client, _call("my_collections", {}),
                   HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert answer["result"]["structuredContent"] == {"collections": []}


@pytest.mark.parametrize("header", ["Bearer pw_unknown", "Token abc", "Bearer"])
def test_a_bad_token_is_a_401_before_the_sdk(client, header):
    response = _post(client, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                     HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="paperwire"'


def test_a_revoked_token_is_a_401(client):
    alice = make_user("alice@example.org", "Alice")
    token = ApiToken.objects.issue(alice)
    ApiToken.objects.filter(user=alice).delete()
    response = _post(client, _call("my_follows", {}), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_an_oversized_body_is_refused(client):
    response = client.post("/mcp", data="x" * (1024 * 1024 + 1),
                           content_type="application/json", **HEADERS)
    assert response.status_code == 413


def test_a_malformed_body_is_a_json_rpc_error(client):
    response = client.post("/mcp", data="{nope", content_type="application/json", **HEADERS)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
