"""Cards as a Hub reader expects them, the period tabs and the calendar (no browser)."""

from datetime import date

import pytest

from paperwire.front.templatetags.cards import initials
from paperwire.papers.models import Organisation, Paper
from paperwire.search.models import PaperNotes

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


def _paper(arxiv_id: str, day: date, **fields) -> Paper:
    fields.setdefault("title", f"Paper {arxiv_id}")
    return Paper.objects.create(arxiv_id=arxiv_id, featured_on=day, **fields)


def _notes(paper: Paper, keywords: list, summary: str = "") -> PaperNotes:
    return PaperNotes.objects.create(paper=paper, keywords=keywords, summary=summary,
                                     keyword_index=PaperNotes.index_of(keywords),
                                     model="m", text_hash="h")


def test_a_card_has_an_upvote_column_an_organisation_badge_a_submitter_and_keywords(client):
    lab = Organisation.objects.create(name="Sea AI Lab", slug="sea-ai-lab")
    paper = _paper("2401.10241", date(2024, 1, 18), upvotes=23, organisation=lab,
                   daily_submitter="akhaliq", daily_submitter_fullname="AK")
    _notes(paper, ["pipeline parallelism", f"zero {XSS}"])
    html = client.get("/").content.decode()
    card = html[html.index('<article class="card">'):html.index("</article>")]
    assert card.index('class="card-vote"') < card.index('class="card-title"')
    assert '<span class="avatar" aria-hidden="true">SA</span>' in card
    assert "Submitted by AK" in card
    assert 'href="/search?keyword=pipeline%20parallelism">pipeline parallelism</a>' in card
    assert XSS not in html and "zero &lt;script&gt;" in card


def test_a_card_without_notes_or_organisation_shows_neither(client):
    _paper("2401.10241", date(2024, 1, 18))
    html = client.get("/").content.decode()
    assert 'class="keywords"' not in html and 'class="avatar"' not in html
    assert "Submitted by" not in html


def test_organisation_initials():
    assert initials("Google DeepMind") == "GD"
    assert initials("openai") == "O"
    assert initials("Sea-AI Lab") == "SA"
    assert initials("  ") == "?"


def test_the_period_tabs_mark_the_current_one_and_keep_the_place(client):
    _paper("2401.00001", date(2024, 1, 16))
    _paper("2401.00002", date(2024, 1, 18))
    html = client.get("/papers?week=2024-W03").content.decode()
    assert '<a href="/papers?week=2024-W03" aria-current="page">Weekly</a>' in html
    # Daily opens the week's latest day with papers; Monthly the month around it.
    assert '<a href="/papers?date=2024-01-18">Daily</a>' in html
    assert '<a href="/papers?month=2024-01">Monthly</a>' in html
    assert 'type="week" id="calendar-week" name="week" value="2024-W03"' in html

    html = client.get("/papers?date=2024-01-16&sort=time").content.decode()
    assert '<a href="/papers?date=2024-01-16" aria-current="page">Daily</a>' in html
    assert 'type="date" id="calendar-date" name="date" value="2024-01-16"' in html
    assert '<input type="hidden" name="sort" value="time">' in html  # the calendar keeps it
    html = client.get("/papers?month=2024-01").content.decode()
    assert 'type="month" id="calendar-month" name="month" value="2024-01"' in html


def test_a_week_with_no_papers_opens_its_first_day(client):
    _paper("2401.00001", date(2024, 1, 2))
    html = client.get("/papers?week=2024-W05").content.decode()
    assert '<a href="/papers?date=2024-01-29">Daily</a>' in html


def test_the_paper_page_shows_the_extractive_summary_labelled(client):
    paper = _paper("2401.10241", date(2024, 1, 18), abstract="One. Two is central.")
    _notes(paper, ["central"], summary="Two is central.")
    html = client.get("/papers/2401.10241").content.decode()
    assert '<span class="label">Extractive summary</span> Two is central.' in html
    assert 'href="/search?keyword=central"' in html


def test_the_search_page_filters_by_keyword(client):
    one = _paper("2401.10241", date(2024, 1, 18), title="Zero Bubble")
    _notes(one, ["Pipeline Parallelism"])
    _notes(_paper("2401.10242", date(2024, 1, 18), title="Other"), ["pipeline"])
    html = client.get("/search?keyword=pipeline+parallelism").content.decode()
    assert "Zero Bubble" in html and ">Other<" not in html
    assert client.get("/search?keyword=" + "x" * 61).status_code == 400
    assert client.get("/search?keyword=a%00b").status_code == 400


def test_a_list_of_cards_reads_their_keywords_in_one_query(client,
                                                          django_assert_max_num_queries):
    for n in range(5):
        _notes(_paper(f"2401.0000{n}", date(2024, 1, 18)), [f"keyword {n}"])
    with django_assert_max_num_queries(20) as queries:
        html = client.get("/").content.decode()
    assert html.count('class="keywords"') == 5
    assert len([q for q in queries.captured_queries if "search_papernotes" in q["sql"]]) == 1
