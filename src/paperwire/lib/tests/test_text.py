import pytest

from paperwire.lib.text import (
    code_url,
    extract_links,
    find_urls,
    normalize_whitespace,
    project_url,
)


def test_it_collapses_line_breaks_and_runs_of_spaces():
    assert normalize_whitespace("  Zero Bubble\n  Pipeline\tParallelism \n") == \
        "Zero Bubble Pipeline Parallelism"


def test_it_mends_a_url_that_arxiv_wrapped_after_its_scheme():
    assert normalize_whitespace("code at https:\n  //github.com/a/b") == \
        "code at https://github.com/a/b"


def test_it_keeps_latex():
    assert normalize_whitespace("Poincar\\'{e} $(y,p_y)$") == "Poincar\\'{e} $(y,p_y)$"


def test_it_finds_urls_without_sentence_punctuation():
    text = "Code: https://github.com/a/b. Data (https://x.org/set), and www.foo.com!"
    assert find_urls(text) == ["https://github.com/a/b", "https://x.org/set", "https://www.foo.com"]


def test_it_keeps_a_closing_parenthesis_that_belongs_to_the_url():
    assert find_urls("see https://en.wikipedia.org/wiki/Bubble_(physics).") == \
        ["https://en.wikipedia.org/wiki/Bubble_(physics)"]


def test_it_finds_a_github_url_written_without_a_scheme():
    assert find_urls("available at github.com/owner/repo") == ["https://github.com/owner/repo"]
    assert find_urls("mail me at me@github.com/x") == []


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/owner/repo", "https://github.com/owner/repo"),
    ("https://github.com/owner/repo.git", "https://github.com/owner/repo"),
    ("https://www.github.com/owner/repo/tree/main/src", "https://github.com/owner/repo"),
    ("http://gitlab.com/group/project", "https://gitlab.com/group/project"),
    ("https://codeberg.org/a/b", "https://codeberg.org/a/b"),
    ("https://github.com/owner", None),
    ("https://github.com/", None),
    ("https://example.com/owner/repo", None),
    ("https://owner.github.io/repo", None),
])
def test_it_recognises_a_repository_url(url, expected):
    assert code_url(url) == expected


def test_it_recognises_a_project_page():
    assert project_url("https://team.github.io/project/") == "https://team.github.io/project/"
    assert project_url("https://demo.pages.dev") == "https://demo.pages.dev"
    assert project_url("https://github.com/a/b") is None


def test_it_extracts_the_first_repository_and_project_page():
    abstract = ("Page: https://proj.github.io/. Code: https://github.com/a/first and "
                "https://github.com/b/second.")
    assert extract_links(abstract, "https://gitlab.com/c/d") == \
        ("https://github.com/a/first", "https://proj.github.io/")


def test_it_looks_in_the_comments_when_the_abstract_has_no_link():
    assert extract_links("No links here.", "Code: https://github.com/a/b") == \
        ("https://github.com/a/b", None)
    assert extract_links(None, "") == (None, None)
