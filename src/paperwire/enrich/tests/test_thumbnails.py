"""Thumbnails: the first PDF page rendered small, stored privately, served for a year,
on cards, on the paper page and in the API; none when off or when arXiv is out of reach."""

import io
import stat
from datetime import UTC, date, datetime

import pytest
import time_machine
from PIL import Image

from paperwire.enrich.models import Thumbnail
from paperwire.enrich.tasks import refresh_kind
from paperwire.enrich.tests.pdfs import one_page_pdf
from paperwire.enrich.thumbnails import WIDTH, refresh_thumbnails, render_first_page
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db
NOW = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)


def _paper(arxiv_id: str = "2401.10241", **fields) -> Paper:
    return Paper.objects.create(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}",
                                featured_on=date(2024, 1, 19), **fields)


@pytest.fixture
def arxiv(local_server, settings, tmp_path):
    settings.ARXIV_PDF_URL = local_server.url + "pdf"
    settings.DATA_DIR = tmp_path
    settings.THUMBNAILS = True
    return local_server


def test_it_renders_the_first_page_small():
    data, width, height = render_first_page(one_page_pdf())
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    assert (image.width, image.height) == (width, height) == (WIDTH, 311)  # 612×792, rounded
    assert image.convert("L").getpixel((WIDTH // 2, 20)) < 40     # the black top half
    assert image.convert("L").getpixel((WIDTH // 2, 290)) > 215   # the white bottom


def test_it_refuses_what_is_not_a_pdf():
    with pytest.raises(ValueError, match="not a PDF"):
        render_first_page(b"<html>Sorry, not found</html>")


@time_machine.travel(NOW, tick=False)
def test_it_makes_a_private_file_and_serves_it_for_a_year(arxiv, tmp_path, client):
    paper = _paper()
    arxiv.respond = lambda path, query: ((200, one_page_pdf()) if path == "/pdf/2401.10241"
                                         else (404, ""))

    summary = refresh_thumbnails()

    assert summary.fetched == 1
    row = Thumbnail.objects.get(paper=paper)
    path = tmp_path / "thumbnails" / "2401.10241.webp"
    assert row.file_name == path.name and row.error == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    response = client.get(row.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == path.read_bytes()
    assert refresh_thumbnails().fetched == 0  # made once


@time_machine.travel(NOW, tick=False)
def test_cards_the_page_and_the_api_show_it(arxiv, client, settings):
    settings.BASE_URL = "https://papers.example.org"
    _paper()
    arxiv.respond = lambda path, query: (200, one_page_pdf())
    refresh_thumbnails()
    url = Thumbnail.objects.get().url
    assert url == f"/thumbnails/2401.10241.webp?v={int(NOW.timestamp())}"

    day = client.get("/papers?date=2024-01-19").content.decode()
    assert f'<img src="{url}" alt="" width="240" height="311" loading="lazy">' in day
    page = client.get("/papers/2401.10241").content.decode()
    assert f'<meta property="og:image" content="https://papers.example.org{url}">' in page
    assert client.get("/api/papers/2401.10241").json()["thumbnail"] == (
        f"https://papers.example.org{url}")
    (entry,) = client.get("/api/daily_papers").json()
    assert entry["paper"]["thumbnail"] == f"https://papers.example.org{url}"


@time_machine.travel(NOW, tick=False)
def test_old_style_ids_get_a_file_name_without_a_slash(arxiv):
    _paper("hep-th/9901001")
    arxiv.respond = lambda path, query: ((200, one_page_pdf()) if path == "/pdf/hep-th/9901001"
                                         else (404, ""))
    refresh_thumbnails()
    assert Thumbnail.objects.get().file_name == "hep-th_9901001.webp"


@time_machine.travel(NOW, tick=False)
def test_the_setting_turns_them_off(arxiv, client, settings):
    _paper()
    arxiv.respond = lambda path, query: (200, one_page_pdf())
    refresh_thumbnails()
    url = Thumbnail.objects.get().url
    settings.THUMBNAILS = False

    assert refresh_kind("thumbnails")["stopped"] == "thumbnails are off"
    assert client.get(url).status_code == 404
    assert "thumbnails/" not in client.get("/papers?date=2024-01-19").content.decode()
    assert "thumbnail" not in client.get("/api/papers/2401.10241").json()


@time_machine.travel(NOW, tick=False)
def test_an_instance_that_cannot_reach_arxiv_shows_none(settings, client, tmp_path):
    settings.ARXIV_PDF_URL = "http://127.0.0.1:9/pdf"
    settings.HTTP_RETRIES = 0
    settings.DATA_DIR = tmp_path
    paper = _paper()

    summary = refresh_thumbnails()

    assert summary.failed == 1
    row = Thumbnail.objects.get(paper=paper)
    assert row.file_name == "" and row.error.startswith("connection failed")
    for path in ("/papers?date=2024-01-19", "/papers/2401.10241"):
        response = client.get(path)
        assert response.status_code == 200
        assert "thumbnails/" not in response.content.decode()
    assert "thumbnail" not in client.get("/api/papers/2401.10241").json()


@time_machine.travel(NOW, tick=False)
def test_a_broken_pdf_is_recorded_and_the_next_paper_still_gets_one(arxiv):
    broken = _paper("2401.00001")
    fine = _paper("2401.00002")
    arxiv.respond = lambda path, query: ((200, b"%PDF-1.4 garbage")
                                         if path.endswith("00001") else (200, one_page_pdf()))
    summary = refresh_thumbnails()
    assert (summary.fetched, summary.failed) == (1, 1)
    assert Thumbnail.objects.get(paper=broken).error.startswith("not a PDF")
    assert Thumbnail.objects.get(paper=fine).file_name == "2401.00002.webp"


def test_the_view_serves_only_thumbnail_names(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    (tmp_path / "secret_key").write_text("x")
    for name in ("..%2Fsecret_key", "secret_key", "a.webp", "%2Fetc%2Fpasswd.webp"):
        assert client.get(f"/thumbnails/{name}").status_code == 404
