"""Thumbnails: the first page of each paper's PDF, rendered small with pdfium.

The PDF comes from `{PAPERWIRE_ARXIV_PDF_URL}/{arXiv id}`, with arXiv's politeness
delay between two requests. The picture is a WebP file in `<data dir>/thumbnails`
(0700, files 0600: nothing there is anyone else's business), written to a temporary
file and renamed, so a reader never sees half of one. An instance that cannot reach
arXiv keeps the failure on the row and shows no thumbnail.
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from paperwire.enrich.models import Thumbnail
from paperwire.enrich.refresh import (
    RunSummary,
    due,
    enriched_papers,
    record_failure_on,
    run,
    touch,
)
from paperwire.lib.http import HttpClient
from paperwire.papers.models import Paper

WIDTH = 240  # pixels; shown at half that, sharp on a high-density screen
MAX_HEIGHT = 4 * WIDTH  # a page far taller than wide is cut, never a huge bitmap
MAX_PDF = 50 * 1024 * 1024


def thumbnail_dir() -> Path:
    return settings.DATA_DIR / "thumbnails"


def file_name(arxiv_id: str) -> str:
    """hep-th/9901001 → hep-th_9901001.webp (old-style ids hold a slash)."""
    return arxiv_id.replace("/", "_") + ".webp"


def render_first_page(pdf: bytes) -> tuple[bytes, int, int]:
    """The first page as WebP bytes, WIDTH wide, with its width and height."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as e:
        raise ValueError(f"not a PDF pdfium can read ({e})") from None
    try:
        if len(document) == 0:
            raise ValueError("the PDF has no pages")
        page = document[0]
        page_width, page_height = page.get_size()
        if page_width <= 0 or page_height <= 0:
            raise ValueError("the PDF's first page has no size")
        scale = WIDTH / page_width
        crop_bottom = max(0.0, page_height - MAX_HEIGHT / scale)
        image = page.render(scale=scale, crop=(0, 0, 0, crop_bottom)).to_pil()
        page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="WEBP", quality=80, method=4)
    return out.getvalue(), image.width, image.height


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


def make_thumbnail(paper: Paper, client: HttpClient) -> None:
    url = f"{settings.ARXIV_PDF_URL.rstrip('/')}/{paper.arxiv_id}"
    pdf = client.get(url)
    data, width, height = render_first_page(pdf)
    name = file_name(paper.arxiv_id)
    _write_private(thumbnail_dir() / name, data)
    Thumbnail.objects.update_or_create(paper=paper, defaults={
        "file_name": name, "width": width, "height": height,
        "fetched_at": timezone.now(), "error": ""})
    touch(paper)


def refresh_thumbnails(now: datetime | None = None) -> RunSummary:
    """One run: a thumbnail for each due paper that has none (made once; a failure
    is tried again after ENRICH_REFRESH_HOURS)."""
    now = now or timezone.now()
    client = HttpClient(timeout=settings.HTTP_TIMEOUT, retries=settings.HTTP_RETRIES,
                        backoff=settings.HTTP_BACKOFF, delay=settings.ARXIV_DELAY,
                        max_body=MAX_PDF)
    try:
        return run("thumbnails", due(enriched_papers(), "thumbnail", now, refetch_done=False),
                   lambda paper: make_thumbnail(paper, client),
                   record_failure_on(Thumbnail))
    finally:
        client.close()
