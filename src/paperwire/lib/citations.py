"""Citations of arXiv e-prints: written as BibTeX, RIS and CSL-JSON, and read back from
BibTeX, RIS or a plain list of arXiv ids and URLs.

Writing escapes what each format gives a meaning to (LaTeX's special characters in
BibTeX, line breaks in RIS). Reading takes untrusted text: it never raises, bounds the
size and the number of entries, and says for each entry either which arXiv id it names
or why none was found.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id

MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ENTRIES = 1_000
MAX_LABEL = 120


@dataclass
class Citation:
    """One e-print, as the exports need it."""

    arxiv_id: str
    title: str
    authors: list[str] = field(default_factory=list)
    date: date | None = None
    version: int | None = None
    primary_category: str = ""
    categories: list[str] = field(default_factory=list)
    abstract: str = ""
    doi: str = ""

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def arxiv_doi(self) -> str:
        """arXiv's DataCite DOI, which every e-print has."""
        return f"10.48550/arXiv.{self.arxiv_id}"


# C0 control characters (NUL included) have no place in a reference manager's file.
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def _one_line(text: str) -> str:
    return " ".join((text or "").translate(_CONTROL).split())


# -- BibTeX ------------------------------------------------------------------------------

# Each LaTeX special character as text. Braces and backslashes become commands with a
# balanced {} after them: BibTeX counts braces without regard to backslashes, so a `\{`
# would still open a group.
_LATEX = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("[" + re.escape("".join(_LATEX)) + "]")


def latex_escape(text: str) -> str:
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], _one_line(text))


def _bibtex_key(citation: Citation, taken: set[str]) -> str:
    """arXiv's own style of key, surname + year + first word, unique in one export."""
    surname = ""
    if citation.authors and citation.authors[0].split():
        surname = citation.authors[0].split()[-1]
    year = str(citation.date.year) if citation.date else ""
    first_word = next((w for w in re.findall(r"[A-Za-z]+", citation.title)
                       if w.lower() not in {"a", "an", "the", "on", "of"}), "paper")
    base = re.sub(r"[^a-z0-9]", "", f"{surname}{year}{first_word}".lower()) or "paper"
    key, n = base, 0
    while key in taken:
        n += 1
        key = base + _suffix(n)
    taken.add(key)
    return key


def _suffix(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _bibtex_name(name: str) -> str:
    name = latex_escape(name)
    # A name holding the word "and" would split in two: a brace group keeps it whole.
    return f"{{{name}}}" if re.search(r"\band\b", name, re.IGNORECASE) else name


def to_bibtex(citations: list[Citation]) -> str:
    taken: set[str] = set()
    entries = []
    for c in citations:
        fields = [
            ("title", latex_escape(c.title)),
            ("author", " and ".join(_bibtex_name(a) for a in c.authors if a.strip())),
            ("year", str(c.date.year) if c.date else ""),
            ("month", str(c.date.month) if c.date else ""),
            ("eprint", c.arxiv_id),
            ("archivePrefix", "arXiv"),
            ("primaryClass", latex_escape(c.primary_category)),
            ("doi", c.doi or c.arxiv_doi),
            ("url", c.abs_url),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@misc{{{_bibtex_key(c, taken)},\n{body}\n}}\n")
    return "\n".join(entries)


# -- RIS ---------------------------------------------------------------------------------

def to_ris(citations: list[Citation]) -> str:
    lines: list[str] = []
    for c in citations:
        # UNPB (unpublished work): RIS has no preprint type, and every reader of RIS
        # (Zotero, EndNote, Mendeley) knows this one.
        lines.append("TY  - UNPB")
        lines.append(f"TI  - {_one_line(c.title)}")
        lines.extend(f"AU  - {_one_line(a)}" for a in c.authors if a.strip())
        if c.date:
            lines.append(f"PY  - {c.date.year}")
            lines.append(f"DA  - {c.date:%Y/%m/%d}")
        lines.append("PB  - arXiv")
        lines.append("DB  - arXiv.org")
        lines.append(f"AN  - arXiv:{c.arxiv_id}")
        lines.append(f"DO  - {c.doi or c.arxiv_doi}")
        lines.append(f"UR  - {c.abs_url}")
        lines.append(f"L1  - {c.pdf_url}")
        lines.extend(f"KW  - {_one_line(k)}" for k in c.categories if k.strip())
        if c.abstract:
            lines.append(f"AB  - {_one_line(c.abstract)}")
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


# -- CSL-JSON ----------------------------------------------------------------------------

def _csl_name(name: str) -> dict:
    parts = _one_line(name).split()
    if len(parts) < 2:
        return {"literal": " ".join(parts)}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}


def to_csl_json(citations: list[Citation]) -> str:
    """CSL-JSON as Zotero writes an arXiv preprint: type "article" (CSL has no preprint
    type before 1.0.2, and "article" is what processors know), arXiv as publisher and
    the id as number."""
    taken: set[str] = set()
    items = []
    for c in citations:
        item = {
            "id": _bibtex_key(c, taken),
            "type": "article",
            "title": _one_line(c.title),
            "author": [_csl_name(a) for a in c.authors if a.strip()],
            "publisher": "arXiv",
            "genre": "Preprint",
            "number": f"arXiv:{c.arxiv_id}",
            "DOI": c.doi or c.arxiv_doi,
            "URL": c.abs_url,
        }
        if c.date:
            item["issued"] = {"date-parts": [[c.date.year, c.date.month, c.date.day]]}
        if c.abstract:
            item["abstract"] = _one_line(c.abstract)
        if c.categories:
            item["keyword"] = ", ".join(c.categories)
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2)


EXPORTERS = {"bibtex": to_bibtex, "ris": to_ris, "csl-json": to_csl_json}
EXPORT_TYPES = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}


# -- reading -----------------------------------------------------------------------------

@dataclass
class ImportEntry:
    """One entry of an import: what the reader would recognise it by, and the arXiv id
    it names (None, with the reason, when it names none)."""

    label: str
    arxiv_id: str | None = None
    reason: str = ""


@dataclass
class ImportParse:
    entries: list[ImportEntry]
    error: str = ""  # the whole text was refused (too large, NUL bytes)
    truncated: int = 0  # entries past MAX_IMPORT_ENTRIES, not read


# An arXiv id inside free text: an arXiv URL, "arXiv:" + id, or arXiv's DOI.
_ID_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*|10\.48550/arxiv\.)"
    r"((?:[a-z][a-z.\-]*/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?)", re.IGNORECASE | re.ASCII)


def _label(text: str) -> str:
    text = _one_line(text)
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _id_from(value: str) -> str | None:
    """The arXiv id a field value names, if any."""
    value = value.strip()
    if not value:
        return None
    try:
        return parse_arxiv_id(value).id
    except InvalidArxivId:
        pass
    match = _ID_IN_TEXT.search(value)
    if match:
        try:
            return parse_arxiv_id(match.group(1)).id
        except InvalidArxivId:
            return None
    return None


def _check_size(text: str) -> str:
    if len(text.encode("utf-8", "replace")) > MAX_IMPORT_BYTES:
        return f"The text is larger than {MAX_IMPORT_BYTES // 1_000_000} MB."
    if "\x00" in text:
        return "The text holds NUL characters: it is not a BibTeX, RIS or id list."
    return ""


def _bounded(entries: list[ImportEntry]) -> ImportParse:
    extra = max(0, len(entries) - MAX_IMPORT_ENTRIES)
    return ImportParse(entries[:MAX_IMPORT_ENTRIES], truncated=extra)


def _bibtex_value(text: str, i: int) -> tuple[str, int]:
    """The value starting at text[i] ({…}, "…" or a bare word/number), and where it ends."""
    n = len(text)
    if i < n and text[i] == "{":
        depth, j = 0, i
        while j < n:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    return text[i + 1:j], j + 1
            j += 1
        return text[i + 1:], n
    if i < n and text[i] == '"':
        depth, j = 0, i + 1
        while j < n:
            ch = text[j]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == '"' and depth <= 0:
                return text[i + 1:j], j + 1
            j += 1
        return text[i + 1:], n
    match = re.compile(r"[^\s,}#]*").match(text, i)
    return match.group(0), match.end()


_BIB_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]")
_BIB_FIELD = re.compile(r"\s*,?\s*([A-Za-z][\w\-:.]*)\s*=\s*")


def _bibtex_fields(body: str) -> tuple[str, dict[str, str]]:
    """The key and fields of one entry's body (the text after "@type{")."""
    key_match = re.match(r"\s*([^,\s}]*)\s*,?", body)
    key = key_match.group(1) if key_match else ""
    fields: dict[str, str] = {}
    i = key_match.end() if key_match else 0
    while i < len(body):
        match = _BIB_FIELD.match(body, i)
        if not match:
            break
        value, i = _bibtex_value(body, match.end())
        # "a" # "b" concatenations: the parts joined.
        while True:
            more = re.compile(r"\s*#\s*").match(body, i)
            if not more:
                break
            part, i = _bibtex_value(body, more.end())
            value += part
        fields[match.group(1).lower()] = value
    return key, fields


def _entry_end(text: str, start: int) -> int:
    """Where the entry whose body starts at `start` ends (its closing brace, matched)."""
    depth = 1
    for j in range(start, len(text)):
        if text[j] in "{(":
            depth += 1
        elif text[j] in "})":
            depth -= 1
            if depth == 0:
                return j
    return len(text)


_BIB_ID_FIELDS = ("eprint", "arxiv", "arxivid", "arxiv_id", "doi", "url", "howpublished",
                  "journal", "note", "archiveprefix", "pdf", "eprinturl")


def parse_bibtex(text: str) -> ImportParse:
    error = _check_size(text)
    if error:
        return ImportParse([], error=error)
    entries: list[ImportEntry] = []
    position = 0
    while len(entries) <= MAX_IMPORT_ENTRIES:
        match = _BIB_START.search(text, position)
        if not match:
            break
        kind = match.group(1).lower()
        end = _entry_end(text, match.end())
        position = end + 1
        if kind in ("comment", "preamble", "string"):
            continue
        key, fields = _bibtex_fields(text[match.end():end])
        label = _label(" ".join(x for x in (key, fields.get("title", "").replace("{", "")
                                            .replace("}", "")) if x) or f"@{kind}")
        found = None
        for name in _BIB_ID_FIELDS:
            if name in fields:
                found = _id_from(fields[name])
                if found:
                    break
        if found:
            entries.append(ImportEntry(label, found))
        else:
            entries.append(ImportEntry(label, reason="no arXiv id, arXiv URL or arXiv DOI"))
    return _bounded(entries)


_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_RIS_ID_TAGS = ("AN", "UR", "L1", "L2", "DO", "M1", "M3", "ID", "N1", "JO", "T2", "JF",
                "SN", "C7")


def parse_ris(text: str) -> ImportParse:
    error = _check_size(text)
    if error:
        return ImportParse([], error=error)
    entries: list[ImportEntry] = []
    record: dict[str, list[str]] = {}

    def close() -> None:
        if not record:
            return
        title = (record.get("TI") or record.get("T1") or record.get("ID") or ["(no title)"])[0]
        found = None
        for tag in _RIS_ID_TAGS:
            for value in record.get(tag, []):
                found = _id_from(value)
                if found:
                    break
            if found:
                break
        entries.append(ImportEntry(_label(title), found,
                                   "" if found else "no arXiv id, arXiv URL or arXiv DOI"))
        record.clear()

    for line in text.splitlines():
        match = _RIS_LINE.match(line.rstrip())
        if not match:
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            close()
            record["TY"] = [value]
        elif tag == "ER":
            close()
        elif record and len(record) < 200:
            record.setdefault(tag, []).append(value)
        if len(entries) > MAX_IMPORT_ENTRIES:
            break
    close()
    return _bounded(entries)


def parse_id_list(text: str) -> ImportParse:
    """arXiv ids or URLs, one a line or separated by spaces or commas."""
    error = _check_size(text)
    if error:
        return ImportParse([], error=error)
    entries = []
    for token in re.split(r"[\s,;]+", text):
        if not token:
            continue
        if len(entries) > MAX_IMPORT_ENTRIES:
            break
        try:
            entries.append(ImportEntry(_label(token), parse_arxiv_id(token).id))
        except InvalidArxivId as e:
            entries.append(ImportEntry(_label(token), reason=f"not an arXiv id: {e}"))
    return _bounded(entries)


def parse_import(text: str, kind: str = "auto") -> ImportParse:
    """Read BibTeX, RIS or an id list (`kind`, or guessed from the text when "auto")."""
    if not isinstance(text, str):
        return ImportParse([], error="The import is not text.")
    if kind == "auto":
        head = text.lstrip("\ufeff \t\r\n")
        if head.startswith("@") or _BIB_START.search(text[:10_000]):
            kind = "bibtex"
        elif re.search(r"^TY  -", text[:10_000], re.MULTILINE):
            kind = "ris"
        else:
            kind = "ids"
    readers = {"bibtex": parse_bibtex, "ris": parse_ris, "ids": parse_id_list}
    if kind not in readers:
        return ImportParse([], error="The format is bibtex, ris or ids.")
    return readers[kind](text)
