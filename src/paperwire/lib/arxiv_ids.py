"""arXiv identifiers: parse every form people and feeds write, into (id, version).

Accepted forms, with or without a version suffix `vN`:
- new style `YYMM.NNNN` (0704 to 1412) and `YYMM.NNNNN` (1501 on);
- old style `archive/YYMMNNN` and `archive.SC/YYMMNNN` (the subject class is not part
  of the identifier, so `math.GT/0309136` is `math/0309136`);
- an `arXiv:` prefix, and abs/pdf/html URLs on arxiv.org or export.arxiv.org, with or
  without `.pdf`, plus Hugging Face paper URLs.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_ID_INPUT = 300


class ArxivId(NamedTuple):
    id: str
    version: int | None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


class InvalidArxivId(ValueError):
    pass


# Archives that used old-style identifiers (before April 2007).
OLD_ARCHIVES = frozenset(
    """acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg
    comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph
    mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int
    supr-con""".split()
)

# re.ASCII: \d would otherwise match digits of every script ("٢٤٠١.٠٠٠٠١").
_NEW = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<v>\d{1,4}))?", re.ASCII)
_OLD = re.compile(
    r"(?P<archive>[a-z][a-z-]*[a-z])(?:\.[A-Za-z-]{2,})?/(?P<yymm>\d{4})(?P<num>\d{3})"
    r"(?:v(?P<v>\d{1,4}))?",
    re.ASCII,
)
_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org|huggingface\.co)/"
    r"(?:abs|pdf|html|papers|format)/(?P<rest>.+?)/?$",
    re.IGNORECASE,
)


def parse_arxiv_id(text: str) -> ArxivId:
    """Normalise any accepted form of an arXiv identifier, or raise InvalidArxivId."""
    if not isinstance(text, str):
        raise InvalidArxivId("the id is not text")
    value = text.strip()
    if not value:
        raise InvalidArxivId("the id is empty")
    if len(value) > MAX_ID_INPUT:
        raise InvalidArxivId("the id is too long")
    if url := _URL.match(value):
        value = url.group("rest")
        value = value.split("?", 1)[0].split("#", 1)[0]
        if value.lower().endswith(".pdf"):
            value = value[:-4]
    elif value[:6].lower() == "arxiv:":
        value = value[6:].strip()

    if match := _NEW.fullmatch(value):
        yymm, num = match["yymm"], match["num"]
        year, month = int(yymm[:2]), int(yymm[2:])
        if not 1 <= month <= 12:
            raise InvalidArxivId(f"{text!r} has an impossible month")
        if (year, month) < (7, 4):
            raise InvalidArxivId(f"{text!r} predates new-style identifiers (April 2007)")
        expected_digits = 4 if year < 15 else 5
        if len(num) != expected_digits:
            raise InvalidArxivId(f"{text!r} should have {expected_digits} digits after the dot")
        return ArxivId(f"{yymm}.{num}", _version(match["v"], text))

    if match := _OLD.fullmatch(value):
        archive, yymm = match["archive"].lower(), match["yymm"]
        if archive not in OLD_ARCHIVES:
            raise InvalidArxivId(f"{text!r} names an unknown archive {archive!r}")
        year, month = int(yymm[:2]), int(yymm[2:])
        if not 1 <= month <= 12:
            raise InvalidArxivId(f"{text!r} has an impossible month")
        # Old-style ids ran from August 1991 to March 2007.
        if not ((year, month) >= (91, 8) or year < 7 or (year == 7 and month <= 3)):
            raise InvalidArxivId(f"{text!r} is outside the old-style identifier years")
        return ArxivId(f"{archive}/{yymm}{match['num']}", _version(match["v"], text))

    raise InvalidArxivId(f"{text[:80]!r} is not an arXiv identifier")


def _version(raw: str | None, text: str) -> int | None:
    if raw is None:
        return None
    version = int(raw)
    if version < 1:
        raise InvalidArxivId(f"{text!r} has version 0")
    return version


def is_arxiv_id(text: str) -> bool:
    try:
        parse_arxiv_id(text)
    except InvalidArxivId:
        return False
    return True
