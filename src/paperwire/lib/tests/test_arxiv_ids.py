import contextlib
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from paperwire.lib.arxiv_ids import (
    OLD_ARCHIVES,
    ArxivId,
    InvalidArxivId,
    is_arxiv_id,
    parse_arxiv_id,
)

NORMALISED = re.compile(r"\d{4}\.\d{4,5}|[a-z-]+/\d{7}")


@st.composite
def new_style_ids(draw) -> str:
    """`YYMM.NNNN` from April 2007 to December 2014, `YYMM.NNNNN` from January 2015."""
    if draw(st.booleans()):
        year, month = draw(st.tuples(st.integers(7, 14), st.integers(1, 12))
                           .filter(lambda ym: ym >= (7, 4)))
        return f"{year:02d}{month:02d}.{draw(st.integers(1, 9999)):04d}"
    year, month = draw(st.integers(15, 35)), draw(st.integers(1, 12))
    return f"{year:02d}{month:02d}.{draw(st.integers(1, 99999)):05d}"


@st.composite
def old_style_ids(draw) -> str:
    """`archive/YYMMNNN`, August 1991 to March 2007."""
    archive = draw(st.sampled_from(sorted(OLD_ARCHIVES)))
    year, month = draw(
        st.tuples(st.integers(0, 99), st.integers(1, 12)).filter(
            lambda ym: ym >= (91, 8) or ym[0] < 7 or (ym[0] == 7 and ym[1] <= 3))
    )
    return f"{archive}/{year:02d}{month:02d}{draw(st.integers(1, 999)):03d}"


@st.composite
def decorated(draw, ids) -> tuple[str, str, int | None]:
    """A valid id written the way a person or a feed might, with its expected parse."""
    arxiv_id = draw(ids)
    version = draw(st.none() | st.integers(1, 9999))
    written = arxiv_id
    if "/" in arxiv_id and draw(st.booleans()):
        # The subject class is not part of the id: math.GT/0309136 is math/0309136.
        archive, number = arxiv_id.split("/")
        written = f"{archive}.{draw(st.from_regex(r'[A-Z]{2}', fullmatch=True))}/{number}"
    suffix = "" if version is None else f"v{version}"
    form = draw(st.sampled_from([
        "{id}",
        "arXiv:{id}",
        "arxiv: {id}",
        "https://arxiv.org/abs/{id}",
        "http://arxiv.org/abs/{id}/",
        "https://www.arxiv.org/abs/{id}?context=cs",
        "https://export.arxiv.org/abs/{id}#comments",
        "arxiv.org/abs/{id}",
        "https://arxiv.org/pdf/{id}",
        "https://arxiv.org/pdf/{id}.pdf",
        "http://export.arxiv.org/pdf/{id}.pdf",
        "https://arxiv.org/html/{id}",
        "https://huggingface.co/papers/{id}",
    ]))
    padding = draw(st.sampled_from(["", " ", "\n", "\t "]))
    return padding + form.format(id=written + suffix) + padding, arxiv_id, version


@given(decorated(new_style_ids()))
@example(("2401.10241", "2401.10241", None))
@example(("https://arxiv.org/pdf/2401.10241v3.pdf", "2401.10241", 3))
def test_it_parses_any_form_of_a_new_style_id(case):
    written, arxiv_id, version = case
    assert parse_arxiv_id(written) == ArxivId(arxiv_id, version)


@given(decorated(old_style_ids()))
@example(("hep-th/9901001", "hep-th/9901001", None))
@example(("math.GT/0309136", "math/0309136", None))
@example(("arXiv:math.GT/0309136v2", "math/0309136", 2))
@example(("https://arxiv.org/abs/quant-ph/0201082v1", "quant-ph/0201082", 1))
@example(("https://arxiv.org/pdf/astro-ph/0601001.pdf", "astro-ph/0601001", None))
def test_it_parses_any_form_of_an_old_style_id(case):
    written, arxiv_id, version = case
    assert parse_arxiv_id(written) == ArxivId(arxiv_id, version)


@given(decorated(new_style_ids() | old_style_ids()))
def test_it_writes_an_id_it_parses_back_to_the_same(case):
    parsed = parse_arxiv_id(case[0])
    assert parse_arxiv_id(str(parsed)) == parsed
    assert str(parsed) == parsed.id + ("" if parsed.version is None else f"v{parsed.version}")


@given(st.text(max_size=400) | st.from_regex(r"[0-9.v/a-zA-Z:-]{1,20}", fullmatch=True))
@example("0000.0000")
@example("abc")
@example("arXiv:")
@example("https://arxiv.org/abs/")
@example("https://arxiv.org/pdf/.pdf")
def test_it_raises_only_invalid_arxiv_id_for_junk(text):
    try:
        parsed = parse_arxiv_id(text)
    except InvalidArxivId:
        assert not is_arxiv_id(text)
    else:
        # Whatever it accepts comes out in the one normalised form.
        assert NORMALISED.fullmatch(parsed.id), parsed
        assert is_arxiv_id(text)


@given(new_style_ids(), st.integers(0, 11), st.characters())
def test_it_never_crashes_on_a_damaged_id(arxiv_id, position, character):
    damaged = arxiv_id[:position] + character + arxiv_id[position:]
    with contextlib.suppress(InvalidArxivId):
        parse_arxiv_id(damaged)


@pytest.mark.parametrize("text, reason", [
    ("0713.0001", "impossible month"),
    ("0700.0001", "impossible month"),
    ("2413.00001", "impossible month"),
    ("0703.0001", "predates new-style"),
    ("2401.1234", "should have 5 digits"),
    ("1501.1234", "should have 5 digits"),
    ("1412.12345", "should have 4 digits"),
    ("2401.00001v0", "version 0"),
    ("foo-bar/0101001", "unknown archive"),
    ("cs.AI.XX/0101001", "not an arXiv identifier"),
    ("hep-th/9113001", "impossible month"),
    ("hep-th/0704001", "outside the old-style"),
    ("hep-th/9107001", "outside the old-style"),
    ("hep-th/990100", "not an arXiv identifier"),
    ("abc", "not an arXiv identifier"),
    ("0000.0000", "impossible month"),
    ("", "empty"),
    ("   ", "empty"),
    ("2" * 301, "too long"),
    ("https://example.com/abs/2401.00001", "not an arXiv identifier"),
    # Digits from other scripts are digits to Python's \d, but not in an arXiv id.
    ("٢٤٠١.٠٠٠٠١", "not an arXiv identifier"),
    ("２４０１.００００１", "not an arXiv identifier"),
])
def test_it_rejects_an_invalid_id(text, reason):
    with pytest.raises(InvalidArxivId, match=reason):
        parse_arxiv_id(text)


@pytest.mark.parametrize("value", [None, 2401.00001, b"2401.00001", ["2401.00001"]])
def test_it_rejects_an_id_that_is_not_text(value):
    with pytest.raises(InvalidArxivId, match="not text"):
        parse_arxiv_id(value)
