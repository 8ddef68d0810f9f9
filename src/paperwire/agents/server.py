"""The MCP server: paperwire's lists, search and papers as tools and resources, and with
a reader's token their For you, follows, topics and collections, and the writes they
make on the site (upvote, save, not interested, follow).

One MCPServer is built for the public tools and one with the personal tools too; the
reader is whoever the token of this request (HTTP) or process (stdio) belongs to, held
in a context variable, so the two servers serve every reader.

The tools are async and run their ORM work through asgiref's sync_to_async
(thread-sensitive): over HTTP that is the Django request's own thread and connection
(http.py runs the SDK under async_to_sync), over stdio one thread for the process.
Arguments are validated by the SDK against each tool's schema (bounded strings and
numbers, no NUL); a refusal is a ToolError the agent reads, and anything unexpected
is logged and answered "Error executing tool …", never a traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Any, Literal

from asgiref.sync import sync_to_async
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import ToolAnnotations
from pydantic import AfterValidator, Field

from paperwire.agents import tools
from paperwire.agents.tools import MAX_LIMIT, MAX_QUERY, AgentError
from paperwire.lib.text import unstorable_character

log = logging.getLogger(__name__)

# The reader this request or process acts for; None: only the public tools.
current_user: ContextVar[Any] = ContextVar("paperwire_mcp_user", default=None)

INSTRUCTIONS = (
    "paperwire is a Daily Papers hub: research papers picked by a community, with "
    "search, daily/weekly/monthly lists and trending. Each paper is a resource at "
    "paperwire://papers/{arxiv_id} (Markdown). With a reader's token, the tools also "
    "read their For you, follows, topics and collections, and act for them.")


def _no_nul(value: str | None) -> str | None:
    problem = unstorable_character(value) if value is not None else None
    if problem is not None:
        raise ValueError(f"text may not hold {problem}")
    return value


def Text(max_length: int, description: str):  # noqa: N802  (a type, as pydantic's are)
    return Annotated[str, Field(max_length=max_length, description=description),
                     AfterValidator(_no_nul)]


def OptionalText(max_length: int, description: str):  # noqa: N802
    return Annotated[str | None, Field(max_length=max_length, description=description),
                     AfterValidator(_no_nul)]


PaperId = Text(300, "An arXiv id (2401.01234) or arXiv/paper URL")
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"How many, 1 to {MAX_LIMIT}")]
Sort = Annotated[Literal["upvotes", "time"], Field(description="Most upvoted or newest")]


def _orm(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a sync tool body on the ORM's thread; AgentError becomes the agent's error."""
    run = sync_to_async(fn, thread_sensitive=True)

    @functools.wraps(fn)
    async def tool(*args: Any, **kwargs: Any) -> Any:
        try:
            return await run(*args, **kwargs)
        except AgentError as e:
            raise ToolError(str(e)) from None
    return tool


def _reader() -> Any:
    user = current_user.get()
    if user is None:
        raise ToolError("this tool acts for a reader: connect with their API token")
    return user


READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                        open_world_hint=False)


def build_server(*, personal: bool) -> MCPServer:
    server = MCPServer("paperwire", instructions=INSTRUCTIONS, version="1")
    _add_public(server)
    if personal:
        _add_personal(server)
    return server


def _add_public(server: MCPServer) -> None:
    @server.tool(annotations=READ)
    @_orm
    def search_papers(
        query: Text(MAX_QUERY, "Words or a question; empty to list by the filters") = "",
        category: OptionalText(40, "An arXiv category, e.g. cs.CL") = None,
        author: OptionalText(300, "An author's full name") = None,
        organisation: OptionalText(200, "An organisation's name or slug") = None,
        date_from: Annotated[date | None, Field(description="Published on or after")] = None,
        date_to: Annotated[date | None, Field(description="Published on or before")] = None,
        has_code: Annotated[bool | None, Field(description="Only with (or without) code")]
        = None,
        sort: Literal["relevance", "date", "upvotes"] = "relevance",
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Search every paper (full text and meaning together), with the search page's
        filters. Each result names its resource URI for the whole paper."""
        return tools.search_papers(query, category=category, author=author,
                                   organisation=organisation, date_from=date_from,
                                   date_to=date_to, has_code=has_code, sort=sort, limit=limit)

    @server.tool(annotations=READ)
    @_orm
    def daily_papers(
        period: Literal["date", "week", "month"] = "date",
        value: OptionalText(40, "2024-10-25, 2024-W43 or 2024-10; empty for the newest")
        = None,
        sort: Sort = "upvotes",
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The papers featured on a day, in an ISO week or in a month (as /papers lists
        them); without a value, the newest featured day, week or month."""
        return tools.featured_list(period, value, sort, limit)

    @server.tool(annotations=READ)
    @_orm
    def trending_papers(limit: Limit = 20) -> dict[str, Any]:
        """Recent featured papers by upvotes decayed with age (the trending page)."""
        return tools.trending(limit)

    @server.tool(annotations=READ)
    @_orm
    def get_paper(paper_id: PaperId) -> str:
        """One paper as Markdown: title, links, authors, dates, abstract (as /papers/{id}.md)."""
        return tools.paper_as_markdown(paper_id)

    @server.tool(annotations=READ)
    @_orm
    def similar_papers(paper_id: PaperId, limit: Annotated[int, Field(ge=1, le=20)] = 5
                       ) -> dict[str, Any]:
        """The papers nearest in meaning to one paper (as its page shows)."""
        return tools.similar(paper_id, limit)

    # {+…}: an old-style id has a slash (paperwire://papers/hep-th/9901001).
    @server.resource("paperwire://papers/{+arxiv_id}", name="paper",
                     description="A paper as Markdown", mime_type="text/markdown")
    async def paper_resource(arxiv_id: str) -> str:
        return await _read(tools.paper_as_markdown, arxiv_id)

    @server.resource("paperwire://daily/{day}", name="daily",
                     description="The papers featured on a day (YYYY-MM-DD), as Markdown",
                     mime_type="text/markdown")
    async def daily_resource(day: str) -> str:
        return await _read(tools.daily_markdown, day)


async def _read(fn: Callable[[str], str], value: str) -> str:
    if len(value) > 300 or unstorable_character(value) is not None:
        raise ResourceNotFoundError("no such resource")
    try:
        return await sync_to_async(fn, thread_sensitive=True)(value)
    except AgentError as e:
        raise ResourceNotFoundError(str(e)) from None
    except Exception:
        log.exception("MCP resource %r failed", value)
        raise ResourceError("the resource could not be read") from None


def _add_personal(server: MCPServer) -> None:
    @server.tool(annotations=READ)
    @_orm
    def for_you(days: Literal[1, 3, 7] = 7, limit: Limit = 20) -> dict[str, Any]:
        """The reader's For you: papers of the last 1, 3 or 7 featured days ranked for
        them, each with the reasons it is there."""
        return tools.for_you(_reader(), days, limit)

    @server.tool(annotations=READ)
    @_orm
    def my_follows() -> dict[str, Any]:
        """What the reader follows: authors, organisations, categories and topics."""
        return tools.follows(_reader())

    @server.tool(annotations=READ)
    @_orm
    def my_topics() -> dict[str, Any]:
        """The topics (followed searches) of the reader."""
        return tools.topics(_reader())

    @server.tool(annotations=READ)
    @_orm
    def my_collections(
        collection: OptionalText(60, "A collection's slug, to list its papers") = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The reader's collections; with a slug, that collection's papers."""
        return tools.collections(_reader(), collection, limit)

    @server.tool(annotations=WRITE)
    @_orm
    def upvote(paper_id: PaperId, on: bool = True) -> dict[str, Any]:
        """Upvote a paper for the reader (on=false takes the upvote back)."""
        return tools.upvote(_reader(), paper_id, on)

    @server.tool(annotations=WRITE)
    @_orm
    def save_to_collection(
        paper_id: PaperId,
        collection: OptionalText(60, "A collection's slug; empty for Saved") = None,
    ) -> dict[str, Any]:
        """Put a paper in one of the reader's collections ("Saved" by default)."""
        return tools.save_to_collection(_reader(), paper_id, collection)

    @server.tool(annotations=WRITE)
    @_orm
    def not_interested(paper_id: PaperId, on: bool = True) -> dict[str, Any]:
        """Mark a paper "not interested" for the reader, so For you shows fewer like it
        (on=false takes the mark back)."""
        return tools.not_interested(_reader(), paper_id, on)

    @server.tool(annotations=WRITE)
    @_orm
    def follow(
        kind: Literal["author", "organisation", "category", "topic"],
        value: Text(300, "An author's name, an organisation, a category or a topic"),
    ) -> dict[str, Any]:
        """Follow an author, an organisation, an arXiv category or a topic for the reader."""
        return tools.follow(_reader(), kind, value)


@functools.cache
def server_for(personal: bool) -> MCPServer:
    return build_server(personal=personal)
