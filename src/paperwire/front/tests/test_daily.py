from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.test import override_settings

from paperwire.papers.models import Organisation, Paper

pytestmark = pytest.mark.django_db


def _paper(arxiv_id: str, day: date | None, **fields) -> Paper:
    fields.setdefault("title", f"Paper {arxiv_id}")
    return Paper.objects.create(arxiv_id=arxiv_id, featured_on=day, **fields)


def test_it_shows_the_latest_day_as_cards(client):
    org = Organisation.objects.create(name="Sea AI Lab", slug="sea-ai-lab")
    _paper("2401.00001", date(2024, 1, 17), title="Yesterday's paper")
    _paper("2401.10241", date(2024, 1, 18), title="Zero Bubble Pipeline Parallelism",
           abstract="Pipeline parallelism is one of the key components.",
           author_names=["Penghui Qi", "Xinyi Wan", "Guangxing Huang", "Min Lin"],
           organisation=org, upvotes=23, num_comments=4,
           published_at=datetime(2024, 1, 16, 9, 0, tzinfo=UTC),
           code_url="https://github.com/sail-sg/zero-bubble-pipeline-parallelism")

    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zero Bubble Pipeline Parallelism" in html
    assert "Yesterday&#x27;s paper" not in html
    assert "Pipeline parallelism is one of the key components." in html
    assert "4 authors: Penghui Qi, Xinyi Wan, Guangxing Huang, …" in html
    assert 'href="/organisations/sea-ai-lab">Sea AI Lab</a>' in html
    assert '<time datetime="2024-01-16">16 Jan 2024</time>' in html
    assert "23<span class=\"visually-hidden\"> upvotes" in html
    assert "4 comments" in html
    assert 'href="https://github.com/sail-sg/zero-bubble-pipeline-parallelism"' in html
    assert 'href="/papers/2401.10241"' in html


def test_it_orders_a_day_by_upvotes_then_by_time(client):
    _paper("2401.00001", date(2024, 1, 18), title="Few votes", upvotes=1,
           published_at=datetime(2024, 1, 17, tzinfo=UTC))
    _paper("2401.00002", date(2024, 1, 18), title="Many votes", upvotes=9,
           published_at=datetime(2024, 1, 16, tzinfo=UTC))

    html = client.get("/papers?date=2024-01-18").content.decode()
    assert html.index("Many votes") < html.index("Few votes")
    html = client.get("/papers?date=2024-01-18&sort=time").content.decode()
    assert html.index("Few votes") < html.index("Many votes")


def test_it_links_the_nearest_days_with_papers(client):
    _paper("2401.00001", date(2024, 1, 10))
    _paper("2401.00002", date(2024, 1, 15))  # a weekend and more in between
    _paper("2401.00003", date(2024, 1, 22))

    html = client.get("/papers?date=2024-01-15").content.decode()
    assert 'rel="prev" href="/papers?date=2024-01-10"' in html
    assert 'rel="next" href="/papers?date=2024-01-22"' in html

    html = client.get("/").content.decode()  # the latest day has no next
    assert 'rel="prev" href="/papers?date=2024-01-15"' in html
    assert 'rel="next"' not in html


def test_it_keeps_the_sort_in_the_day_links(client):
    _paper("2401.00001", date(2024, 1, 10))
    _paper("2401.00002", date(2024, 1, 15))

    html = client.get("/papers?date=2024-01-15&sort=time").content.decode()
    assert 'rel="prev" href="/papers?date=2024-01-10&amp;sort=time"' in html


def test_it_shows_an_empty_day_with_its_neighbours(client):
    _paper("2401.00001", date(2024, 1, 10))
    _paper("2401.00002", date(2024, 1, 15))

    response = client.get("/papers?date=2024-01-12")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No papers were featured on 12 January 2024" in html
    assert 'rel="prev" href="/papers?date=2024-01-10"' in html
    assert 'rel="next" href="/papers?date=2024-01-15"' in html


def test_it_shows_a_week_and_skips_empty_weeks(client):
    _paper("2401.00001", date(2024, 1, 2), title="In week 1")
    _paper("2401.00002", date(2024, 1, 17), title="In week 3, Wednesday")
    _paper("2401.00003", date(2024, 1, 21), title="In week 3, Sunday")
    _paper("2401.00004", date(2024, 1, 22), title="In week 4")

    html = client.get("/papers?week=2024-W03").content.decode()
    assert "In week 3, Wednesday" in html and "In week 3, Sunday" in html
    assert "In week 1" not in html and "In week 4" not in html
    assert "Week 3 of 2024" in html
    assert 'rel="prev" href="/papers?week=2024-W01"' in html  # week 2 is empty
    assert 'rel="next" href="/papers?week=2024-W04"' in html


def test_it_shows_a_month_and_skips_empty_months(client):
    _paper("2311.00001", date(2023, 11, 30), title="November")
    _paper("2401.00001", date(2024, 1, 1), title="January first")
    _paper("2401.00002", date(2024, 1, 31), title="January last")
    _paper("2403.00001", date(2024, 3, 1), title="March")

    html = client.get("/papers?month=2024-01").content.decode()
    assert "January first" in html and "January last" in html
    assert "November" not in html.split('class="period-nav"')[1].split("</nav>", 1)[1]
    assert 'rel="prev" href="/papers?month=2023-11"' in html
    assert 'rel="next" href="/papers?month=2024-03"' in html


def test_it_pages_a_long_day(client):
    for n in range(35):
        _paper(f"2401.{n:05d}", date(2024, 1, 18), title=f"Paper number {n}", upvotes=100 - n)

    html = client.get("/papers?date=2024-01-18").content.decode()
    assert "Paper number 29<" in html and "Paper number 30<" not in html
    assert 'rel="next" href="?date=2024-01-18&amp;page=2"' in html
    html = client.get("/papers?date=2024-01-18&page=2").content.decode()
    assert "Paper number 30<" in html and "Paper number 34<" in html
    assert 'start="31"' in html


@pytest.mark.parametrize("query", [
    "date=2024-13-01", "date=yesterday", "week=2024-W54", "month=2024-1x",
    "date=2024-01-01&week=2024-W01", "sort=random", "page=0", "page=abc",
    "date=9999-12-31", "week=9999-W52", "month=9999-12",
])
def test_it_answers_400_to_bad_parameters(client, query, caplog):
    _paper("2401.00001", date(2024, 1, 18))
    response = client.get(f"/papers?{query}")
    assert response.status_code == 400
    assert b"cannot show" in response.content
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_it_leaves_out_hidden_and_unfeatured_papers(client):
    _paper("2401.00001", date(2024, 1, 18), title="Shown")
    _paper("2401.00002", date(2024, 1, 18), title="Hidden by a moderator", is_hidden=True)
    _paper("2401.00003", None, title="Never featured")

    html = client.get("/").content.decode()
    assert "Shown" in html
    assert "Hidden by a moderator" not in html
    assert "Never featured" not in html


def test_it_welcomes_an_instance_with_papers_but_no_featured_day(client):
    _paper("2401.00001", None, title="Never featured")
    html = client.get("/").content.decode()
    assert "No featured papers yet" in html


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    org = Organisation.objects.create(name="Org", slug="org")
    for n in range(20):
        _paper(f"2401.{n:05d}", date(2024, 1, 10 + n % 3), organisation=org,
               author_names=["A B", "C D"], code_url="https://github.com/a/b")

    # data version (ETag), latest day, the page of cards, their keywords, previous day,
    # next day
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200
    # ... and the week's latest day, for the Daily tab
    with django_assert_num_queries(6):
        assert client.get("/papers?week=2024-W02").status_code == 200


def test_it_sets_an_etag_and_answers_304(client):
    paper = _paper("2401.00001", date(2024, 1, 18))
    response = client.get("/")
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] == "private, no-cache"

    response = client.get("/", headers={"if-none-match": etag})
    assert response.status_code == 304

    paper.title = "A new title"
    paper.save()
    response = client.get("/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


@override_settings(PAGE_CACHE_SECONDS=60)
def test_it_serves_the_page_cache_until_a_paper_changes(client, django_assert_num_queries):
    cache.clear()
    paper = _paper("2401.00001", date(2024, 1, 18), title="First title")
    assert b"First title" in client.get("/").content
    with django_assert_num_queries(1):  # the data version only
        response = client.get("/")
    assert b"First title" in response.content
    assert response.headers["Cache-Control"] == "public, max-age=60"

    paper.title = "Second title"
    paper.save()
    assert b"Second title" in client.get("/").content


@override_settings(PAGE_CACHE_SECONDS=60)
def test_it_keeps_pages_with_a_session_out_of_the_shared_cache(client):
    cache.clear()
    _paper("2401.00001", date(2024, 1, 18))
    client.cookies["sessionid"] = "abc"
    response = client.get("/")
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_the_home_page_links_the_rolling_feeds(client):
    # Not pinned to the day shown: a subscriber gets each new day as it comes.
    _paper("2401.00001", date(2024, 1, 18))
    html = client.get("/").content.decode()
    assert ('<link rel="alternate" type="application/rss+xml" title="Daily Papers (RSS)" '
            'href="/feeds/daily.rss">' in html)
    assert '<link rel="alternate" type="application/atom+xml" title="Daily Papers (Atom)" ' \
           'href="/feeds/daily.atom">' in html
    assert 'href="/feeds/daily.json"' in html
    assert "date=2024-01-18" not in html.split("</head>")[0]


def test_a_day_links_the_feeds_of_that_day(client):
    _paper("2401.00001", date(2024, 1, 18))
    html = client.get("/papers?date=2024-01-18").content.decode()
    assert ('<link rel="alternate" type="application/rss+xml" title="Daily Papers, '
            '18 January 2024 (RSS)" href="/feeds/daily.rss?date=2024-01-18&amp;sort=upvotes">'
            in html)


def test_a_personal_page_has_its_own_etag(client):
    _paper("2401.00001", date(2024, 1, 18))
    anonymous = client.get("/").headers["ETag"]
    client.cookies["sessionid"] = "abc"
    signed_in = client.get("/")
    assert signed_in.headers["ETag"] != anonymous
    assert signed_in.headers["Vary"] == "Cookie"
    client.cookies["sessionid"] = "def"
    assert client.get("/", headers={"if-none-match": signed_in.headers["ETag"]}) \
        .status_code == 200


@override_settings(PAGE_CACHE_SECONDS=60)
def test_a_waiting_message_keeps_the_page_out_of_the_shared_cache(client):
    cache.clear()
    _paper("2401.00001", date(2024, 1, 18))
    assert client.get("/").headers["Cache-Control"] == "public, max-age=60"
    client.cookies["messages"] = "a-signed-message"
    assert client.get("/").headers["Cache-Control"] == "private, no-cache"
