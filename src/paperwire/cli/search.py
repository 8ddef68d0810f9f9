"""`paperwire search`, `paperwire embed`, `paperwire keywords`, `paperwire index rebuild` and
the search benches."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from paperwire.cli import app, console
from paperwire.cli.bench import JSON_OPTION, bench_app

index_app = typer.Typer(help="The semantic search index.", no_args_is_help=True)
app.add_typer(index_app, name="index")


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]:.0f}/s"), TimeElapsedColumn(),
                    console=console)


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help="What to look for."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100, help="Results to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    mode: str = typer.Option("hybrid", help="hybrid, lexical or semantic."),
    sort: str = typer.Option("relevance", help="relevance, date or upvotes."),
) -> None:
    """Search the stored papers (hybrid lexical + semantic)."""
    from django.utils.html import strip_tags

    from paperwire.search.query import MODES, SORTS, search

    if mode not in MODES:
        raise typer.BadParameter(f"--mode must be one of {', '.join(MODES)}")
    if sort not in SORTS:
        raise typer.BadParameter(f"--sort must be one of {', '.join(SORTS)}")
    results = search(query, sort=sort, per_page=limit, mode=mode)
    if as_json:
        print(json.dumps([{
            "id": h.paper.arxiv_id, "title": h.paper.title, "authors": h.paper.author_names,
            "published_at": h.paper.published_at.isoformat() if h.paper.published_at else None,
            "upvotes": h.paper.upvotes, "score": round(h.score, 6),
            "snippet": strip_tags(h.snippet_html),
        } for h in results.hits], indent=2))
        return
    if not results.hits:
        console.print("no results")
        return
    for n, hit in enumerate(results.hits, start=1):
        p = hit.paper
        day = p.published_at.date().isoformat() if p.published_at else "?"
        print(f"{n:>3}. {p.arxiv_id}  {' '.join(p.title.split())}")
        print(f"     {day} · {p.upvotes} upvotes · {len(p.author_names)} authors")


@app.command("embed")
def embed_command(
    device: str = typer.Option(None, "--device", help="cpu or cuda (default: the setting)."),
    batch_size: int = typer.Option(None, "--batch-size", min=1,
                                   help="Papers per model call (default: the setting)."),
    chunk: int = typer.Option(None, min=1, help="Papers stored per transaction "
                              "[default: 1,024 on a CPU, 16,384 on CUDA]."),
) -> None:
    """Embed every paper that has no current vector (resumable: run it again)."""
    import time

    from django.conf import settings

    from paperwire.search.store import embed_papers, papers_to_embed
    from paperwire.search.vectors import vector_index

    device = device or settings.EMBEDDING_DEVICE
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise typer.BadParameter("--device must be cpu or cuda")
    # On a GPU a small chunk would leave it idle while the database reads and writes.
    chunk = chunk or (16_384 if device.startswith("cuda") else 1_024)
    todo = papers_to_embed()
    total = todo.count()
    done = 0
    started = time.monotonic()
    with _progress() as progress:
        task = progress.add_task("embed", total=total, rate=0.0)
        last = 0
        while True:
            # Stored per chunk, so an interrupted run keeps what it did and resumes.
            ids = list(todo.filter(pk__gt=last).values_list("pk", flat=True)[:chunk])
            if not ids:
                break
            done += embed_papers(ids, batch_size=batch_size, device=device,
                                 update_index=False)
            last = ids[-1]
            progress.update(task, completed=done,
                            rate=done / max(time.monotonic() - started, 1e-6))
    action = vector_index().update()
    console.print(f"embedded {done} papers; index: {action}")


@app.command("keywords")
def keywords_command(
    limit: int = typer.Option(None, "--limit", min=1,
                              help="Note at most this many papers, then stop [default: all]."),
    device: str = typer.Option(None, "--device", help="cpu or cuda (default: the setting)."),
    chunk: int = typer.Option(256, min=1, max=10_000, help="Papers stored per transaction."),
) -> None:
    """Note keywords and an extractive summary for every paper that has none (the
    worker does it for new papers after embedding them). Resumable: run it again."""
    import time

    from paperwire.search.notes import note_papers, papers_to_note

    todo = papers_to_note()
    total = min(todo.count(), limit) if limit else todo.count()
    done = 0
    started = time.monotonic()
    with _progress() as progress:
        task = progress.add_task("keywords", total=total, rate=0.0)
        last = 0
        while done < total:
            ids = list(todo.filter(pk__gt=last).values_list("pk", flat=True)
                       [:min(chunk, total - done)])
            if not ids:
                break
            done += note_papers(ids, device=device)
            last = ids[-1]
            progress.update(task, completed=done,
                            rate=done / max(time.monotonic() - started, 1e-6))
    console.print(f"noted {done} paper{'' if done == 1 else 's'}")


@index_app.command("rebuild")
def index_rebuild() -> None:
    """Write the HNSW index file again from every stored vector."""
    from paperwire.search.store import embedded_count
    from paperwire.search.vectors import vector_index

    total = embedded_count()
    with _progress() as progress:
        task = progress.add_task("index", total=total, rate=0.0)
        count = vector_index().rebuild(progress=lambda n: progress.advance(task, n))
    console.print(f"indexed {count} vectors into {vector_index().path}")


@bench_app.command("search-quality")
def bench_search_quality(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """nDCG@10, Recall@10 and MRR@10 of lexical, semantic and hybrid on the judged set."""
    from paperwire.benchmarks.search_quality import run

    run(as_json=as_json)


@bench_app.command("search")
def bench_search(
    papers: int = typer.Option(100_000, help="Papers in the generated corpus."),
    vectors: int = typer.Option(1_000_000, help="Vectors in the large ANN index."),
    queries: int = typer.Option(200, help="Timed queries per retriever."),
    embed_sample: int = typer.Option(512, help="Abstracts in the embedding-throughput run."),
    json_path: str = JSON_OPTION,
) -> None:
    """Latency at 100k papers, ANN recall and latency at 1M vectors, embedding rate."""
    from paperwire.benchmarks.search_speed import run

    run(papers=papers, vectors=vectors, queries=queries, embed_sample=embed_sample,
        json_path=str(Path(json_path).resolve()) if json_path else "")
