"""Text clean-up for titles and abstracts, and link extraction from them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# arXiv wraps abstracts at ~80 columns, which can split a URL after its scheme.
_BROKEN_SCHEME = re.compile(r"\b(https?):\s+//", re.IGNORECASE)
_URL = re.compile(r"""(?:https?://|www\.|(?<![\w.@/])github\.com/)[^\s<>"'`{}|\\^]+""",
                  re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""

CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")
PROJECT_HOST_SUFFIXES = (".github.io", ".gitlab.io", ".pages.dev", ".netlify.app",
                         ".vercel.app")


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    if "//" in text:  # cheap test first: this runs on every field of every record
        text = _BROKEN_SCHEME.sub(r"\1://", text)
    return " ".join(text.split())


def find_urls(text: str) -> list[str]:
    lowered = text.lower()
    if "http" not in lowered and "www." not in lowered and "github.com" not in lowered:
        return []
    text = _BROKEN_SCHEME.sub(r"\1://", text)
    urls = []
    for match in _URL.finditer(text):
        url = match.group(0)
        # Strip sentence punctuation, but keep a ")" that closes a "(" inside the URL.
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if not url.lower().startswith("http"):
            url = "https://" + url
        urls.append(url)
    return urls


def code_url(url: str) -> str | None:
    """`https://host/owner/repo` for a repository URL on a code host, else None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if host not in CODE_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, repo = segments[0], segments[1].removesuffix(".git")
    if not re.fullmatch(r"[\w.-]+", owner) or not re.fullmatch(r"[\w.-]+", repo):
        return None
    return f"https://{host}/{owner}/{repo}"


def project_url(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.endswith(PROJECT_HOST_SUFFIXES):
        return url
    return None


def extract_links(*texts: str | None) -> tuple[str | None, str | None]:
    """The first code repository and the first project page named in the texts."""
    found_code = found_project = None
    for text in texts:
        if not text:
            continue
        for url in find_urls(text):
            if found_code is None:
                found_code = code_url(url)
            if found_project is None:
                found_project = project_url(url)
    return found_code, found_project


def unstorable_character(text: str) -> str | None:
    """What makes `text` unfit for the database, or None: a NUL (PostgreSQL refuses it in
    text, SQLite keeps it) or a lone surrogate (no UTF-8 form; a JSON "\\ud800" makes one).
    """
    if "\x00" in text:
        return "a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "a lone surrogate"
    return None
