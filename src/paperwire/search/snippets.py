"""Safe HTML excerpts with the query's words marked.

The text is untrusted: every piece is escaped, and only the <mark> tags we add are
markup. Words match their query term after a light stemming on both sides, so
"decoding" marks "decode" and "decoders" as FTS5's Porter stemmer would match them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.search.lexical import query_terms

_WORD = re.compile(r"[^\W_]+")
_SUFFIXES = ("ations", "ation", "ingly", "edly", "ings", "ing", "ers", "ies", "ied", "er",
             "ed", "es", "s", "ly")
SNIPPET_WORDS = 40


@lru_cache(maxsize=65_536)  # a page of snippets stems the same few thousand words
def stem(word: str) -> str:
    word = "".join(c for c in unicodedata.normalize("NFKD", word.lower())
                   if not unicodedata.combining(c))
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _marked(text: str, stems: frozenset[str]) -> str:
    out, last = [], 0
    for m in _WORD.finditer(text):
        if stem(m.group()) in stems:
            out.append(escape(text[last:m.start()]))
            out.append(f"<mark>{escape(m.group())}</mark>")
            last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def query_stems(query: str) -> frozenset[str]:
    return frozenset(stem(t) for t in query_terms(query))


def highlight(text: str, query: str) -> SafeString:
    """All of `text`, escaped, with the query's words in <mark>."""
    return mark_safe(_marked(" ".join(text.split()), query_stems(query)))


def snippet(text: str, query: str, words: int = SNIPPET_WORDS) -> SafeString:
    """The stretch of `text` (about `words` long) holding most query words, marked."""
    tokens = text.split()
    stems = query_stems(query)
    if len(tokens) <= words:
        return mark_safe(_marked(" ".join(tokens), stems))
    hits = [any(stem(w) in stems for w in _WORD.findall(t)) for t in tokens]
    # Slide a window over the words; keep the first with the most matches.
    best, count = 0, sum(hits[:words])
    best_count = count
    for start in range(1, len(tokens) - words + 1):
        count += hits[start + words - 1] - hits[start - 1]
        if count > best_count:
            best, best_count = start, count
    if best_count and best > 0:
        # Start a few words before the first match in the window for context.
        first = next(i for i in range(best, best + words) if hits[i])
        best = max(0, min(best, first - 5))
    piece = " ".join(tokens[best:best + words])
    prefix = "… " if best > 0 else ""
    suffix = " …" if best + words < len(tokens) else ""
    return mark_safe(escape(prefix) + _marked(piece, stems) + escape(suffix))
