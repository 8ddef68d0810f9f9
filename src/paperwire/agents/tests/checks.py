"""What the MCP tests ask of the server, whichever transport carries it: each tool
called, the resources read, and bad input answered as an MCP error. The stdio and
HTTP tests run these same checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from paperwire.agents.tests.conftest import DAY, World, data, text

PUBLIC = {"search_papers", "daily_papers", "trending_papers", "get_paper",
          "similar_papers"}
PERSONAL = {"for_you", "my_follows", "my_topics", "my_collections", "upvote",
            "save_to_collection", "not_interested", "follow"}


async def check_public(client: Client, world: World) -> None:
    # 1. Search with the filters.
    found = data(await client.call_tool("search_papers", {"query": "speculative decoding",
                                                          "limit": 5}))
    assert 1 <= len(found["papers"]) <= 5
    assert all("speculative" in (p["title"] + p["abstract"]).lower()
               for p in found["papers"][:3])
    first = found["papers"][0]
    assert first["resource"] == f"paperwire://papers/{first['id']}"
    filtered = data(await client.call_tool("search_papers", {
        "query": "", "date_from": "2099-01-01"}))
    assert filtered["papers"] == []

    # 2. A day, a week, a month; trending.
    day = data(await client.call_tool("daily_papers", {"value": DAY.isoformat(),
                                                       "limit": 100}))
    assert [p["id"] for p in day["papers"]] == world.day_papers
    newest = data(await client.call_tool("daily_papers", {}))
    assert [p["id"] for p in newest["papers"]] == world.day_papers[:50]
    week = data(await client.call_tool("daily_papers", {"period": "week",
                                                        "value": "2024-W43"}))
    assert week["week"] == "2024-W43" and len(week["papers"]) == min(
        50, len(world.day_papers) * 2)
    month = data(await client.call_tool("daily_papers", {"period": "month",
                                                         "value": "2024-10", "limit": 3}))
    assert len(month["papers"]) == 3
    trending = data(await client.call_tool("trending_papers", {"limit": 4}))
    assert len(trending["papers"]) == 4

    # 3. A paper as Markdown, as a tool and as a resource; similar papers.
    paper_id = world.day_papers[0]
    markdown = text(await client.call_tool("get_paper", {"paper_id": paper_id}))
    assert markdown.startswith("# ") and f"arxiv.org/abs/{paper_id}" in markdown
    read = await client.read_resource(f"paperwire://papers/{paper_id}")
    assert read.contents[0].text == markdown
    daily = await client.read_resource(f"paperwire://daily/{DAY.isoformat()}")
    assert f"paperwire://papers/{paper_id}" in daily.contents[0].text
    templates = {t.uri_template for t in (await client.list_resource_templates())
                 .resource_templates}
    assert "paperwire://papers/{+arxiv_id}" in templates
    similar = data(await client.call_tool("similar_papers", {"paper_id": paper_id,
                                                             "limit": 3}))
    assert len(similar["papers"]) == 3 and paper_id not in {p["id"] for p in
                                                            similar["papers"]}


async def check_bad_input(client: Client) -> None:
    """Each refusal is an MCP error with a reason, never a traceback."""
    calls = [
        ("search_papers", {"query": "x" * 501}),
        ("search_papers", {"query": "a\x00b"}),
        ("search_papers", {"query": "decoding", "limit": 101}),
        ("search_papers", {"query": "", "date_from": "2024-13-45"}),
        ("search_papers", {"query": "x", "date_from": "2024-02-01",
                           "date_to": "2024-01-01"}),
        ("daily_papers", {"value": "2024-02-30"}),
        ("daily_papers", {"period": "year", "value": "2024"}),
        ("get_paper", {"paper_id": "not an id"}),
        ("get_paper", {"paper_id": "2101.99999"}),
        ("get_paper", {}),
        ("similar_papers", {"paper_id": "2101.99999"}),
        ("no_such_tool", {}),
    ]
    for name, arguments in calls:
        result = await client.call_tool(name, arguments)
        assert result.is_error, (name, arguments)
        message = text(result)
        assert message and "Traceback" not in message, message
    with pytest.raises(MCPError):
        await client.read_resource("paperwire://papers/2101.99999")
    with pytest.raises(MCPError):
        await client.read_resource("paperwire://daily/yesterday")


async def check_personal(client: Client, world: World) -> None:
    """Alice's token: her lists and her writes, and nothing of bob's."""
    names = {t.name for t in (await client.list_tools()).tools}
    assert names >= PUBLIC | PERSONAL
    picks = data(await client.call_tool("for_you", {"days": 7, "limit": 10}))
    assert picks["papers"] and all(p["reasons"] for p in picks["papers"])
    follows = data(await client.call_tool("my_follows", {}))
    assert [(f["kind"], f["value"]) for f in follows["follows"]] == [
        ("topic", "speculative decoding")]
    topics = data(await client.call_tool("my_topics", {}))
    assert [t["value"] for t in topics["topics"]] == ["speculative decoding"]
    lists = data(await client.call_tool("my_collections", {}))
    assert [c["slug"] for c in lists["collections"]] == ["reading"]
    reading = data(await client.call_tool("my_collections", {"collection": "reading"}))
    assert [p["id"] for p in reading["papers"]] == [world.alice_paper]

    # Writes.
    paper_id = world.day_papers[1]
    voted = data(await client.call_tool("upvote", {"paper_id": paper_id}))
    assert voted["upvoted"] is True
    again = data(await client.call_tool("upvote", {"paper_id": paper_id}))
    assert again["upvotes"] == voted["upvotes"]  # idempotent
    saved = data(await client.call_tool("save_to_collection", {"paper_id": paper_id,
                                                               "collection": "reading"}))
    assert saved == {"id": paper_id, "collection": "reading", "added": True}
    saved = data(await client.call_tool("save_to_collection", {"paper_id": paper_id}))
    assert saved["collection"] == "saved"
    marked = data(await client.call_tool("not_interested",
                                         {"paper_id": world.day_papers[2]}))
    assert marked["notInterested"] is True
    followed = data(await client.call_tool("follow", {"kind": "category",
                                                      "value": "cs.CL"}))
    assert followed["created"] is True

    # Bob's collection is not reachable by its slug, for reading or for adding.
    for name, arguments in [("my_collections", {"collection": "secret"}),
                            ("save_to_collection", {"paper_id": paper_id,
                                                    "collection": "secret"}),
                            ("follow", {"kind": "category", "value": "not a category"}),
                            ("for_you", {"days": 2})]:
        result = await client.call_tool(name, arguments)
        assert result.is_error, (name, arguments)
        assert "Traceback" not in text(result)


def check_personal_writes_landed(world: World) -> None:
    from paperwire.community.models import Vote
    from paperwire.library.models import Collection
    from paperwire.reader.models import Follow, NotInterested

    paper_id = world.day_papers[1]
    assert Vote.objects.filter(user=world.alice, paper__arxiv_id=paper_id).count() == 1
    assert not Vote.objects.filter(user=world.bob).exists()
    reading = Collection.objects.get(owner=world.alice, slug="reading")
    assert reading.items.filter(paper__arxiv_id=paper_id).exists()
    secret = Collection.objects.get(owner=world.bob, slug="secret")
    assert list(secret.items.values_list("paper__arxiv_id", flat=True)) == [world.bob_paper]
    assert NotInterested.objects.filter(user=world.alice,
                                        paper__arxiv_id=world.day_papers[2]).exists()
    assert Follow.objects.filter(user=world.alice, kind="category", value="cs.CL").exists()


def run_apart(fn) -> None:
    """anyio.run(fn) on a thread of its own: a session-wide Playwright browser keeps an
    event loop running in the main thread, where anyio refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, fn).result()
