"""Keyphrase candidates, sentences and diversity picking for an abstract (KeyBERT-style).

Pure text and vector work: the caller embeds the candidates and sentences with the
model it already has, then picks with `mmr` and `most_central`.
"""

from __future__ import annotations

import re

import numpy as np

MAX_ABSTRACT_CHARS = 5_000  # arXiv's own limit is about 1,920: a bound on stored junk
MAX_WORDS = 3
# Each candidate is one more text for the model: 60 made noting a paper ten times the
# cost of embedding it (README, Search); the 24 likeliest keep the picks nearly as good.
MAX_CANDIDATES = 24
MAX_SENTENCES = 30
MAX_KEYWORD_CHARS = 60
MAX_SUMMARY_CHARS = 400

# Words that cannot start or end a keyphrase: function words and the verbs and nouns of
# abstract boilerplate ("we propose", "results show", "this paper").
STOPWORDS = frozenset("""
a about above achieve achieved achieves across after again against all almost also
although always among an and
another any approach approaches are around as at based be because been before being
below best better between both but by can could demonstrate demonstrates did do does
doing done due during each either enable enables et etc even every experiment
experiments extensive few first for from further furthermore given has have having
here high how however i if in including into introduce introduces is it its itself
just large less like low many may method methods more moreover most much must new
no nor not novel of often on once one only or other others our ours out outperform
outperformed outperforms over paper
particular performance present propose proposed proposes provide provides rather
recent result results same several should show shown shows significant significantly
similar since so some state successfully such than that the their them then there these they this
those three through thus to together two under up upon us use used uses using various
very via was we well were what when where whether which while who whose why will with
within without work would yet
""".split())

_WORD = re.compile(r"[0-9]*[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")
# A chunk ends at punctuation; candidates never cross one.
_CHUNK = re.compile(r"[^.,;:!?()\[\]{}\"“”]+")
# A sentence ends at ., ! or ? followed by space and a capital, digit or opening mark;
# "e.g. the" and "Fig. 2" stay inside one.
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bet al)(?<!\bFig)(?<!\bvs)"
                           r"(?<=[.!?])\s+(?=[A-Z0-9(\[“\"])")


def clean(text: str) -> str:
    """One line of at most MAX_ABSTRACT_CHARS, without NULs or TeX's $ signs."""
    return " ".join(text.replace("\x00", " ").replace("$", "").split())[:MAX_ABSTRACT_CHARS]


def sentences(text: str) -> list[str]:
    """The abstract's sentences, in order (at most MAX_SENTENCES)."""
    parts = [s.strip() for s in _SENTENCE_END.split(clean(text))]
    return [s for s in parts if len(s) > 1][:MAX_SENTENCES]


def candidates(text: str) -> list[str]:
    """Phrases of 1 to MAX_WORDS words with no stopword at either end and no
    punctuation inside, most frequent first (a word more counts half as much again),
    then earliest; at most MAX_CANDIDATES.

    Returned in the case they appear in first, lower-cased unless a word is an acronym
    or a name-like capital inside the sentence (so "LoRA" and "GPUs" keep theirs)."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    order: dict[str, int] = {}
    for chunk in _CHUNK.findall(clean(text)):
        words = _WORD.findall(chunk)
        for start in range(len(words)):
            for length in range(1, MAX_WORDS + 1):
                phrase_words = words[start:start + length]
                if len(phrase_words) < length:
                    break
                first, last = phrase_words[0].lower(), phrase_words[-1].lower()
                if first in STOPWORDS or last in STOPWORDS:
                    continue
                # "of" and "and" may join a phrase ("mixture of experts"); no other
                # stopword may sit inside one.
                if any(w.lower() in STOPWORDS and w.lower() not in ("of", "and")
                       for w in phrase_words[1:-1]):
                    continue
                if length == 1 and (len(first) < 3 or first.isdigit()):
                    continue
                phrase = " ".join(_display(w) for w in phrase_words)
                if len(phrase) > MAX_KEYWORD_CHARS:
                    continue
                key = phrase.lower()
                counts[key] = counts.get(key, 0) + 1
                shown.setdefault(key, phrase)
                order.setdefault(key, len(order))
    # Frequency, with a phrase of more words worth more (keywords are mostly phrases).
    ranked = sorted(counts, key=lambda k: (-counts[k] * (1 + (k.count(" ")) / 2), order[k]))
    return [shown[k] for k in ranked[:MAX_CANDIDATES]]


def _display(word: str) -> str:
    # Acronyms and mixed case (LLM, LoRA, GPUs) keep their case; other words are lowered.
    if any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word):
        return word
    return word.lower()


def mmr(document: np.ndarray, options: np.ndarray, k: int, diversity: float = 0.5) -> list[int]:
    """Maximal marginal relevance: indices of up to k rows of `options` (unit vectors)
    close to `document` and far from each other. diversity 0 is plain similarity."""
    if len(options) == 0 or k <= 0:
        return []
    relevance = options @ document
    picked = [int(np.argmax(relevance))]
    similarity = options @ options.T
    while len(picked) < min(k, len(options)):
        redundancy = similarity[:, picked].max(axis=1)
        score = (1 - diversity) * relevance - diversity * redundancy
        score[picked] = -np.inf
        picked.append(int(np.argmax(score)))
    return picked


def without_overlaps(phrases: list[str]) -> list[str]:
    """Drop a phrase whose words are all inside an earlier one ("pipeline" after
    "pipeline parallelism"), keeping the order."""
    kept: list[str] = []
    for phrase in phrases:
        words = set(phrase.lower().split())
        if not any(words <= set(k.lower().split()) for k in kept):
            kept.append(phrase)
    return kept


def most_central(document: np.ndarray, sentence_vectors: np.ndarray) -> int:
    """The index of the sentence closest to the whole abstract (-1 when there is none)."""
    if len(sentence_vectors) == 0:
        return -1
    return int(np.argmax(sentence_vectors @ document))


def short(sentence: str) -> str:
    """A summary sentence bounded to MAX_SUMMARY_CHARS, cut between words."""
    if len(sentence) <= MAX_SUMMARY_CHARS:
        return sentence
    return sentence[:MAX_SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
