import json
from datetime import date

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser
from hypothesis import given, settings
from hypothesis import strategies as st

from paperwire.lib import citations
from paperwire.lib.citations import (
    Citation,
    latex_escape,
    parse_bibtex,
    parse_id_list,
    parse_import,
    parse_ris,
    to_bibtex,
    to_csl_json,
    to_ris,
)

ZERO = Citation(arxiv_id="2401.10241", title="Zero Bubble Pipeline Parallelism",
                authors=["Penghui Qi", "Xinyi Wan"], date=date(2024, 1, 15), version=2,
                primary_category="cs.DC", categories=["cs.DC", "cs.LG"],
                abstract="Pipeline\nparallelism.")
NASTY = Citation(arxiv_id="hep-th/9901001", title="50% of {$x_1$} & #tags ~ ^ \\emph",
                 authors=["Jean-Luc Picard", "Anderson and Sons", "Ünsal Çelik"],
                 date=date(1999, 1, 4), primary_category="hep-th")


def _bib(text: str) -> list[dict]:
    parser = BibTexParser(common_strings=True)
    parser.ignore_nonstandard_types = False
    return bibtexparser.loads(text, parser=parser).entries


def test_it_writes_bibtex_a_parser_reads():
    entries = _bib(to_bibtex([ZERO, NASTY]))
    assert len(entries) == 2
    zero = entries[0]
    assert zero["ENTRYTYPE"] == "misc" and zero["ID"] == "qi2024zero"
    assert zero["title"] == "Zero Bubble Pipeline Parallelism"
    assert zero["author"] == "Penghui Qi and Xinyi Wan"
    assert (zero["eprint"], zero["archiveprefix"], zero["primaryclass"]) == (
        "2401.10241", "arXiv", "cs.DC")
    assert zero["year"] == "2024" and zero["doi"] == "10.48550/arXiv.2401.10241"
    assert zero["url"] == "https://arxiv.org/abs/2401.10241"


def test_it_escapes_latex_specials_in_bibtex():
    nasty = _bib(to_bibtex([NASTY]))[0]
    assert nasty["title"] == (r"50\% of \textbraceleft{}\$x\_1\$\textbraceright{} \& \#tags "
                              r"\textasciitilde{} \textasciicircum{} \textbackslash{}emph")
    # "and" inside a name is kept in one name by braces.
    assert nasty["author"] == "Jean-Luc Picard and {Anderson and Sons} and Ünsal Çelik"
    assert nasty["eprint"] == "hep-th/9901001"


def test_it_gives_each_bibtex_entry_its_own_key():
    twin = Citation(**{**ZERO.__dict__, "arxiv_id": "2401.10242"})
    keys = [e["ID"] for e in _bib(to_bibtex([ZERO, twin, twin]))]
    assert keys == ["qi2024zero", "qi2024zeroa", "qi2024zerob"]


def test_latex_escape_keeps_braces_balanced():
    text = latex_escape("}{}}{{")
    assert text.count("{") == text.count("}")


def test_it_writes_ris_by_lines():
    text = to_ris([ZERO, NASTY])
    assert "\r\n" in text
    records, record = [], []
    for line in text.splitlines():
        if not line:
            continue
        tag, sep, value = line[:2], line[2:6], line[6:]
        assert sep == "  - ", line
        record.append((tag, value))
        if tag == "ER":
            records.append(record)
            record = []
    assert len(records) == 2
    zero = records[0]
    assert zero[0] == ("TY", "UNPB")
    assert ("TI", "Zero Bubble Pipeline Parallelism") in zero
    assert [v for t, v in zero if t == "AU"] == ["Penghui Qi", "Xinyi Wan"]
    assert ("DA", "2024/01/15") in zero and ("PY", "2024") in zero
    assert ("UR", "https://arxiv.org/abs/2401.10241") in zero
    assert ("L1", "https://arxiv.org/pdf/2401.10241") in zero
    assert ("AN", "arXiv:2401.10241") in zero
    assert ("AB", "Pipeline parallelism.") in zero  # one line


def test_it_writes_csl_json():
    items = json.loads(to_csl_json([ZERO, NASTY]))
    zero = items[0]
    for name in ("id", "type", "title", "author", "issued", "URL", "number", "DOI"):
        assert name in zero
    assert zero["type"] == "article" and zero["number"] == "arXiv:2401.10241"
    assert zero["author"][0] == {"family": "Qi", "given": "Penghui"}
    assert zero["issued"] == {"date-parts": [[2024, 1, 15]]}
    assert items[1]["title"] == NASTY.title  # JSON needs no LaTeX escapes
    assert items[0]["id"] != items[1]["id"]


def test_it_reads_back_what_it_writes():
    for text in (to_bibtex([ZERO, NASTY]), to_ris([ZERO, NASTY])):
        parsed = parse_import(text)
        assert [e.arxiv_id for e in parsed.entries] == ["2401.10241", "hep-th/9901001"]


GOOGLE_SCHOLAR = """
@article{vaswani2017attention,
  title={Attention is all you need},
  author={Vaswani, Ashish and Shazeer, Noam},
  journal={arXiv preprint arXiv:1706.03762},
  year={2017}
}
"""


@pytest.mark.parametrize("text,expected", [
    ("@misc{a, eprint={2401.10241v2}, archivePrefix={arXiv}}", "2401.10241"),
    ('@article{a, eprint = "hep-th/9901001", eprinttype = "arxiv"}', "hep-th/9901001"),
    ("@misc{a, url={https://arxiv.org/abs/2401.10241}}", "2401.10241"),
    ("@misc{a, url = {https://arxiv.org/pdf/2401.10241v1.pdf}}", "2401.10241"),
    ("@misc{a, doi={10.48550/arXiv.2401.10241}}", "2401.10241"),
    ("@misc{a, DOI={10.48550/ARXIV.2401.10241}}", "2401.10241"),
    ("@article{a, arxiv = {2401.10241}}", "2401.10241"),
    (GOOGLE_SCHOLAR, "1706.03762"),
    ('@misc{a, title = "A " # "B", note = {arXiv:2401.10241}}', "2401.10241"),
])
def test_it_finds_the_arxiv_id_in_bibtex(text, expected):
    [entry] = parse_bibtex(text).entries
    assert entry.arxiv_id == expected


def test_it_lists_bibtex_entries_without_an_arxiv_id():
    parsed = parse_bibtex("@comment{x}\n@string{a = {b}}\n"
                          "@book{knuth, title={The {TeX}book}, year=1984}\n"
                          "@misc{ok, eprint={2401.10241}}")
    assert [(e.label, e.arxiv_id) for e in parsed.entries] == [
        ("knuth The TeXbook", None), ("ok", "2401.10241")]
    assert parsed.entries[0].reason


def test_it_reads_ris_from_zotero_and_others():
    text = ("TY  - JOUR\nTI  - Has a DOI\nDO  - 10.48550/arXiv.2401.10241\nER  - \n"
            "TY  - UNPB\nTI  - Has a URL\nUR  - http://arxiv.org/abs/2401.04088v2\nER  -\n"
            "TY  - BOOK\nTI  - Nothing\nER  - \n")
    parsed = parse_ris(text)
    assert [(e.label, e.arxiv_id) for e in parsed.entries] == [
        ("Has a DOI", "2401.10241"), ("Has a URL", "2401.04088"), ("Nothing", None)]


def test_it_reads_a_list_of_ids_and_urls():
    parsed = parse_id_list("2401.10241v2, https://arxiv.org/abs/hep-th/9901001\n"
                           "arXiv:2401.04088 nonsense")
    assert [e.arxiv_id for e in parsed.entries] == [
        "2401.10241", "hep-th/9901001", "2401.04088", None]
    assert "not an arXiv id" in parsed.entries[3].reason


def test_it_guesses_the_format():
    assert parse_import("\ufeff@misc{a, eprint={2401.10241}}").entries[0].label == "a"
    assert parse_import("TY  - UNPB\nTI  - T\nUR  - arxiv.org/abs/2401.10241\nER  - "
                        ).entries[0].label == "T"
    assert parse_import("2401.10241").entries[0].arxiv_id == "2401.10241"
    assert parse_import("x", "word").error


def test_it_refuses_text_too_large_or_with_nul():
    assert "1 MB" in parse_import("2401.10241 " * 100_000).error
    assert "NUL" in parse_import("2401.10241\x00").error
    assert parse_import(None).error


def test_it_bounds_the_entries(monkeypatch):
    monkeypatch.setattr(citations, "MAX_IMPORT_ENTRIES", 3)
    parsed = parse_import("\n".join(f"2401.{n:05d}" for n in range(10)))
    assert len(parsed.entries) == 3 and parsed.truncated > 0
    parsed = parse_import("".join(f"@misc{{k{n}, eprint={{2401.{n:05d}}}}}\n"
                                  for n in range(10)))
    assert len(parsed.entries) == 3 and parsed.truncated > 0


@pytest.mark.parametrize("text", [
    "@", "@misc{", "@misc{a, title={unclosed", '@misc{a, title="x', "@misc{a,,,=}",
    "@misc(a, eprint = 2401.10241)", "}}}{{{@@@", "TY  -", "ER  - \nAU  - x",
    "@misc{a, eprint={" + "{" * 5000 + "}",
])
def test_it_never_fails_on_broken_text(text):
    parse_import(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("@{}()=,\"#TYER -\n\\axiv:0123.45/")),
               max_size=300) | st.text(max_size=300),
       st.sampled_from(["auto", "bibtex", "ris", "ids"]))
def test_no_text_makes_the_import_fail(text, kind):
    parsed = parse_import(text, kind)
    assert all(e.arxiv_id or e.reason for e in parsed.entries)
