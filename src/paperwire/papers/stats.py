from paperwire.ingest.models import IngestRun
from paperwire.papers.models import Author, Organisation, Paper
from paperwire.search.store import embedded_count


def collect_stats() -> dict[str, int | bool]:
    papers = Paper.objects.count()
    embedded = embedded_count()
    return {
        "papers": papers,
        "authors": Author.objects.count(),
        "organisations": Organisation.objects.count(),
        "featured_days": Paper.objects.exclude(featured_on=None)
        .values("featured_on").distinct().count(),
        "ingest_runs": IngestRun.objects.count(),
        "embedded": embedded,
        # Below the paper count, semantic search finds only the embedded papers.
        "semantic_complete": embedded >= papers,
    }
