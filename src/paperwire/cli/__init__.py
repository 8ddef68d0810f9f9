"""The `paperwire` command: one Typer app, a sub-command group per concern."""

from __future__ import annotations

import json
import os
import sys

import typer
from rich.console import Console

app = typer.Typer(help="paperwire: a self-hostable Daily Papers hub.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
# soft_wrap: a long path or reason stays one line in a log, where the width is a guess.
console = Console(stderr=True, soft_wrap=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def email_address(value: str) -> str:
    """`value` as a normalised email address; exit 2, saying why, when it is not one."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        console.print(f"[red]{value!r} is not an email address[/red]")
        raise typer.Exit(2) from None
    return email


# Set for the web server's processes only, before numpy loads OpenBLAS (it reads this
# once). A web worker's matrix work is small (For you's ranking, exact cosines), and
# OpenBLAS's second thread spun on the other core: For you's page took 1.9x its wall
# time in CPU, which the other worker's requests were waiting for. The background
# worker keeps the default (digest builds are larger products).
SERVE_BLAS_THREADS = "OPENBLAS_NUM_THREADS"


@app.callback()
def _root(ctx: typer.Context) -> None:
    from paperwire.conf import ConfigError

    if ctx.invoked_subcommand == "serve" and SERVE_BLAS_THREADS not in os.environ:
        os.environ[SERVE_BLAS_THREADS] = "1"
        os.environ["PAPERWIRE_SERVE_SET_BLAS_THREADS"] = "1"

    try:
        setup_django()
    except ConfigError as e:
        console.print(f"[red]configuration error:[/red] {e}")
        raise typer.Exit(2) from None


def report_tightened_modes() -> None:
    """Say which paths of the data dir other users could open, before settings fixed them."""
    from django.conf import settings

    for path, old, new in settings.DATA_DIR_TIGHTENED:
        console.print(f"[yellow]{path} was mode {old:04o}, open to other users: now "
                      f"{new:04o}[/yellow]", highlight=False)


@app.command()
def init(
    admin: str = typer.Option(None, help="Create (or promote) an admin with this email."),
    password: str = typer.Option(None, help="The admin's password (asked when omitted)."),
) -> None:
    """Create or migrate the database (and make the data dir private to this user), and
    write the embedding model's ONNX files (papers' float32, queries' int8)."""
    report_tightened_modes()
    migrate()
    console.print("database ready")
    from django.conf import settings

    from paperwire.search.embeddings import model_folder
    from paperwire.search.onnx_model import ensure_model_file, model_file, query_weights

    folder, max_tokens = model_folder(), settings.EMBEDDING_MAX_TOKENS
    path = ensure_model_file(folder, max_tokens)
    console.print(f"embedding model ready ({path})")
    weights = query_weights(folder, max_tokens)  # builds and checks the int8 file
    if weights != "float32":
        console.print(f"query model ready ({model_file(folder, max_tokens, weights)})")
    if admin:
        from django.contrib.auth import get_user_model

        if password is None:
            password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=admin.lower(), defaults={"email": admin.lower()})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        console.print(f"admin {admin} {'created' if created else 'updated'}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(2, help="Web worker processes."),
    threads: int = typer.Option(4, help="Threads per worker process."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Do not start the background worker (run "
        "`paperwire worker` separately)."),
) -> None:
    """Serve the site with a production WSGI server (gunicorn), plus the background worker.

    Without PAPERWIRE_BASE_URL, links in mail follow the address a page was asked on,
    and the worker's use this host and port."""
    import subprocess
    from urllib.parse import urlsplit

    from django.conf import settings

    from paperwire.cli.server import link_base, port_problem, run_server
    from paperwire.metrics.instruments import forget_gone_processes

    problem = port_problem(host, port)
    if problem:
        console.print(f"[red]{problem}[/red]", highlight=False)
        raise typer.Exit(1)
    report_tightened_modes()
    migrate()
    forget_gone_processes(settings.METRICS_DIR)
    worker_env = dict(os.environ)
    if worker_env.pop("PAPERWIRE_SERVE_SET_BLAS_THREADS", None):
        worker_env.pop(SERVE_BLAS_THREADS, None)  # ours, for the web processes only
    if not settings.BASE_URL:
        base = link_base(host, port)
        worker_env["PAPERWIRE_BASE_URL"] = base
        # Pages asked for by that name are served too (set before the workers fork).
        name = urlsplit(base).hostname or ""
        name = f"[{name}]" if ":" in name else name
        if name and name not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS.append(name)
    background = None
    if not no_worker:
        # One command is a whole instance: the scheduler and task worker run beside the
        # web workers, as their own process so a slow task never holds a request.
        background = subprocess.Popen([sys.executable, "-m", "paperwire", "worker"],
                                      env=worker_env)
    try:
        run_server(host=host, port=port, workers=workers, threads=threads)
    finally:
        if background is not None:
            background.terminate()
            try:
                background.wait(timeout=30)
            except subprocess.TimeoutExpired:
                background.kill()


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts of what is stored, and how many papers semantic search knows."""
    from paperwire.papers.stats import collect_stats
    from paperwire.search.store import coverage_text

    data = collect_stats()
    if as_json:
        print(json.dumps(data))
        return
    for key, value in data.items():
        print(f"{key:>17}: {value}")
    state = "complete" if data["semantic_complete"] else "incomplete: the worker embeds the rest"
    print(f"\nsemantic search: {coverage_text(data['embedded'], data['papers'])} ({state})")


papers_app = typer.Typer(help="Look at stored papers.", no_args_is_help=True)
app.add_typer(papers_app, name="papers")


@papers_app.command("show")
def papers_show(paper_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one paper by arXiv id or URL."""
    from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
    from paperwire.papers.models import Paper

    try:
        arxiv_id = parse_arxiv_id(paper_id).id
    except InvalidArxivId as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    paper = Paper.objects.select_related("organisation").filter(arxiv_id=arxiv_id).first()
    if paper is None:
        console.print(f"[red]no paper {arxiv_id}[/red]")
        raise typer.Exit(1)
    data = {
        "id": paper.arxiv_id, "version": paper.version, "title": paper.title,
        "authors": paper.author_names, "abstract": paper.abstract,
        "categories": paper.category_list,
        "published_at": paper.published_at.isoformat() if paper.published_at else None,
        "updated_at": paper.updated_at.isoformat() if paper.updated_at else None,
        "featured_on": paper.featured_on.isoformat() if paper.featured_on else None,
        "upvotes": paper.upvotes, "comments": paper.comments, "journal_ref": paper.journal_ref,
        "doi": paper.doi, "license": paper.license, "code_url": paper.code_url,
        "project_url": paper.project_url,
        "organisation": paper.organisation.name if paper.organisation else None,
    }
    if as_json:
        print(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if value not in (None, "", []):
            print(f"{key:>13}: {', '.join(value) if isinstance(value, list) else value}")


def _register() -> None:
    from paperwire.cli import (  # noqa: F401  (they add commands)
        backup,
        bench,
        deliver,
        digest,
        ingest,
        mcp,
        search,
        user,
        web,
        worker,
    )


def main() -> None:
    _register()
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
    except Exception as error:
        if not _is_missing_table(error):
            raise
        console.print(f"[red]The database has no tables yet ({error}): run "
                      "`paperwire init` first.[/red]")
        sys.exit(1)


def _is_missing_table(error: Exception) -> bool:
    """A command run against a database `paperwire init` never set up."""
    from django.db import DatabaseError

    text = str(error)
    return isinstance(error, DatabaseError) and (
        "no such table" in text or ("relation" in text and "does not exist" in text))
