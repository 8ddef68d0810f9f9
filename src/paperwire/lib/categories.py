"""Subject codes as sources write them: arXiv categories (cs.LG, hep-th, q-bio.NC),
MSC classes (14J32, 68T05, 14-XX) and ACM CCS codes (I.2.7, F.2.2, K.m).

Sources separate them with spaces, commas or both ("cs.LG,cs.AI", "14J32, 14E30");
anything that is none of the three is dropped rather than stored.
"""

from __future__ import annotations

import re

# The category route (front/urls.py) accepts exactly these: only they get a page.
ARXIV_CATEGORY = re.compile(r"[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?")
MSC_CODE = re.compile(r"\d\d(?:-XX|-\d\d|[A-Z]xx|[A-Z]\d\d|[A-Z]99|-xx)")
ACM_CODE = re.compile(r"[A-K](?:\.(?:\d{1,2}|m)){1,2}")
MAX_CODE = 40
SEPARATORS = re.compile(r"[\s,;]+")


def split_categories(value: str) -> list[str]:
    """The subject codes in `value`, in order, each once; others left out."""
    codes: list[str] = []
    for token in SEPARATORS.split(value):
        if token and token not in codes and is_subject_code(token):
            codes.append(token)
    return codes


def is_subject_code(token: str) -> bool:
    return len(token) <= MAX_CODE and any(
        pattern.fullmatch(token) for pattern in (ARXIV_CATEGORY, MSC_CODE, ACM_CODE))


def has_category_page(token: str) -> bool:
    """Whether the category route takes this code (arXiv categories only)."""
    return len(token) <= MAX_CODE and ARXIV_CATEGORY.fullmatch(token) is not None
