"""Importing BibTeX, RIS or a list of arXiv ids into a collection.

The text is read by lib/citations.py (untrusted: bounded, never raising). Papers not
yet stored are fetched through the arXiv API source, as a submission is; every entry
that names no arXiv id, or names one arXiv does not know, is reported back with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from paperwire.ingest.arxiv import ArxivSource
from paperwire.ingest.runner import run_ingest
from paperwire.lib.citations import ImportEntry, parse_import
from paperwire.lib.http import HttpClient
from paperwire.library.models import Collection, LibraryError
from paperwire.papers.models import Paper, pks_by_arxiv_id
from paperwire.search.tasks import enqueue_embedding

NOT_ON_ARXIV = "not found on arXiv"
HIDDEN = "not shown on this site"


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    fetched: int = 0  # papers new to this site, read from arXiv
    not_found: list[ImportEntry] = field(default_factory=list)
    error: str = ""  # the whole import was refused
    truncated: int = 0  # entries past the bound, not read

    @property
    def total(self) -> int:
        return self.added + self.already + len(self.not_found)


def import_into(collection: Collection, text: str, kind: str = "auto",
                user=None) -> ImportReport:
    parsed = parse_import(text, kind)
    if parsed.error:
        return ImportReport(error=parsed.error)
    report = ImportReport(truncated=parsed.truncated)
    wanted = list(dict.fromkeys(e.arxiv_id for e in parsed.entries if e.arxiv_id))
    stored = pks_by_arxiv_id(wanted)
    missing = [i for i in wanted if i not in stored]
    reasons = fetch_from_arxiv(missing) if missing else {}
    report.fetched = len(missing) - len(reasons)
    papers = {p.arxiv_id: p for p in Paper.objects.visible().filter(arxiv_id__in=wanted)}
    seen: set[str] = set()
    for entry in parsed.entries:
        if entry.arxiv_id is None:
            report.not_found.append(entry)
            continue
        paper = papers.get(entry.arxiv_id)
        if paper is None:
            entry.reason = (HIDDEN if entry.arxiv_id in stored
                            else reasons.get(entry.arxiv_id, NOT_ON_ARXIV))
            report.not_found.append(entry)
            continue
        if entry.arxiv_id in seen:
            report.already += 1
            continue
        seen.add(entry.arxiv_id)
        try:
            added = collection.add(paper, user)
        except LibraryError as e:
            entry.reason = str(e)
            report.not_found.append(entry)
            continue
        if added:
            report.added += 1
        else:
            report.already += 1
    return report


def fetch_from_arxiv(arxiv_ids: list[str]) -> dict[str, str]:
    """Store these papers from the arXiv API; the ids that could not be, with why."""
    # A reader is waiting: one quick try or two, as a submission does; arXiv's politeness
    # delay still separates the pages of 100 ids a long import asks for.
    client = HttpClient(timeout=min(settings.HTTP_TIMEOUT, 15), retries=1,
                        backoff=min(settings.HTTP_BACKOFF, 1), delay=settings.ARXIV_DELAY)
    try:
        result = run_ingest(ArxivSource(ids=arxiv_ids, client=client), resume=False,
                            after_batch=enqueue_embedding)
    except Exception as e:  # never lose the whole import to one source failure
        return dict.fromkeys(arxiv_ids, f"arXiv could not be read ({type(e).__name__})")
    finally:
        client.close()
    found = pks_by_arxiv_id(arxiv_ids)
    unreachable = "arXiv could not be reached; try again later"
    by_where = {skip["where"]: skip["reason"] for skip in result.run.skip_reasons}
    # A page of ids arXiv failed to answer is noted under "ids …", not under each id.
    troubled = result.run.error or any(r != NOT_ON_ARXIV for r in by_where.values())
    fallback = unreachable if troubled else NOT_ON_ARXIV
    missing = {}
    for arxiv_id in arxiv_ids:
        if arxiv_id in found:
            continue
        reason = by_where.get(arxiv_id, fallback)
        missing[arxiv_id] = reason if reason == NOT_ON_ARXIV else unreachable
    return missing
