"""`paperwire mcp`: the MCP server over stdio, for an agent on this machine."""

from __future__ import annotations

import typer

from paperwire.cli import app, console


@app.command("mcp")
def mcp(
    token: str = typer.Option(
        None, envvar="PAPERWIRE_MCP_TOKEN", show_envvar=True,
        help="A reader's API token (`paperwire user token EMAIL`): adds their For you, "
        "follows, topics and collections and the write tools. Without it only the "
        "public tools are served."),
) -> None:
    """Serve the MCP server (tools and paper resources) over stdin/stdout; the same
    server answers over streamable HTTP at /mcp."""
    import anyio

    from paperwire.agents.server import current_user, server_for
    from paperwire.community.models import ApiToken

    user = None
    if token:
        user = ApiToken.objects.user_for(token.strip())
        if user is None:
            console.print("[red]the token is unknown or revoked[/red]")
            raise typer.Exit(2)
    current_user.set(user)
    anyio.run(server_for(user is not None).run_stdio_async)
