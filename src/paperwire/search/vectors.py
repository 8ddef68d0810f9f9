"""Nearest-neighbour search over the stored paper vectors.

The vectors live in the database (PaperEmbedding). Up to PAPERWIRE_SEARCH_ANN_THRESHOLD
of them a process holds them in one numpy matrix and scans it exactly. Above that the
search goes through an HNSW index (usearch) kept as a file in the data dir and opened
memory-mapped, so every server process shares one copy in the page cache.

The index file is rebuilt only now and then. Vectors written since it was built (the
"delta", found by their `updated_at` after the build's watermark) are scanned exactly
beside it and win over the index's copy of the same paper; once the delta grows past
DELTA_MERGE it is merged into a new file, written beside the old one and renamed over
it, which readers notice by its modification time.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Max

from paperwire.search.embeddings import model_key
from paperwire.search.models import PaperEmbedding

CHECK_EVERY = 1.0  # seconds between two looks at the database for new vectors
DELTA_MERGE = 2_000  # vectors outside the index file before it is rewritten
EXACT_SUBSET = 20_000  # a filter allowing at most this many papers is scanned exactly
HNSW = {"connectivity": 16, "expansion_add": 128}  # how the graph is built
CHUNK = 5_000


@dataclass(frozen=True)
class _State:
    count: int
    latest: datetime | None
    file_mtime: float | None


def _rows_to_matrix(rows: list[tuple[int, bytes]], dim: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    matrix = np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype=np.float32)
    return ids, matrix.reshape(len(rows), dim) if rows else np.empty((0, dim), np.float32)


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    if len(ids) == 0 or k <= 0:
        return []
    if len(ids) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        ids, scores = ids[part], scores[part]
    order = np.argsort(-scores, kind="stable")
    return [(int(ids[i]), float(scores[i])) for i in order]


class VectorIndex:
    """The vectors of one model: exact scan while few, HNSW file plus delta beyond."""

    def __init__(self, key: str, dim: int = 384) -> None:
        self.key = key
        self.dim = dim
        slug = re.sub(r"[^A-Za-z0-9.-]+", "-", key).strip("-")
        self.path = Path(settings.DATA_DIR) / "search" / f"{slug}.usearch"
        self.meta_path = self.path.with_suffix(".json")
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._checked = 0.0
        # (HNSW file or None, ids, matrix): exact mode holds every vector in the matrix,
        # ANN mode the delta. Replaced as one tuple, so a search in another thread sees
        # one whole generation, never a new file beside an old delta.
        self._loaded: tuple = (None, np.empty(0, np.int64), np.empty((0, dim), np.float32))
        self._opened: tuple = (None, None)  # (HNSW file view, its modification time)

    # -- reading ---------------------------------------------------------------------

    def _rows(self):
        return PaperEmbedding.objects.for_model(self.key)

    def _file_mtime(self) -> float | None:
        try:
            return self.meta_path.stat().st_mtime
        except FileNotFoundError:
            return None

    def invalidate(self) -> None:
        """Look at the database again on the next search."""
        self._checked = 0.0
        self._state = None

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        # With nothing loaded yet, wait below for the thread loading it: an empty index
        # would answer with no semantic results at all.
        if not force and self._state is not None and now - self._checked < CHECK_EVERY:
            return
        with self._lock:
            if (not force and self._state is not None
                    and time.monotonic() - self._checked < CHECK_EVERY):
                return  # another thread looked while this one waited
            # The newest vector's time is one index seek; counting is a scan, done only
            # when something changed. (A deleted paper's vector may linger until then:
            # search results are read back from the visible papers, so it never shows.)
            latest = self._rows().aggregate(latest=Max("updated_at"))["latest"]
            mtime = self._file_mtime()
            if self._state is not None and (latest, mtime) == (self._state.latest,
                                                               self._state.file_mtime):
                self._checked = now
                return
            state = _State(self._rows().count(), latest, mtime)
            meta = self._read_meta() if state.file_mtime is not None else None
            if meta is not None and state.count >= settings.SEARCH_ANN_THRESHOLD:
                ann = self._open_ann(state.file_mtime)
                rows = self._rows().filter(updated_at__gt=meta["watermark"])
            else:
                ann = None
                rows = self._rows()
            rows = list(rows.order_by().values_list("paper_id", "vector"))
            self._loaded = (ann, *_rows_to_matrix(rows, self.dim))
            self._state = state
            self._checked = now  # only now: a thread returning early has a whole state

    def _read_meta(self) -> dict | None:
        try:
            meta = json.loads(self.meta_path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return meta if meta.get("model") == self.key and self.path.exists() else None

    def _open_ann(self, mtime: float | None):
        from usearch.index import Index

        index, opened_mtime = self._opened
        if index is None or mtime != opened_mtime:
            index = Index.restore(str(self.path), view=True)
            index.expansion_search = settings.SEARCH_ANN_EF
            self._opened = (index, mtime)
        return index

    def version(self) -> tuple:
        """Changes whenever the vectors searched change (seen within CHECK_EVERY)."""
        self.refresh()
        state = self._state
        return (state.count, state.latest, state.file_mtime) if state else (0, None, None)

    @property
    def uses_ann(self) -> bool:
        self.refresh()
        return self._loaded[0] is not None

    def __len__(self) -> int:
        self.refresh()
        return self._state.count if self._state else 0

    def search(self, query: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(paper id, cosine similarity) best first, among `allowed` ids when given."""
        self.refresh()
        query = np.asarray(query, dtype=np.float32)
        ann, delta_ids, matrix = self._loaded
        ids = delta_ids
        if allowed is not None:
            mask = np.isin(ids, allowed)
            ids, matrix = ids[mask], matrix[mask]
        hits = _top(ids, matrix @ query, k)
        if ann is not None:
            found = self._search_ann(ann, query, k, len(delta_ids), allowed)
            hits = self._merge(hits, found, delta_ids, k)
        return hits

    @staticmethod
    def _merge(delta: list[tuple[int, float]], ann: list[tuple[int, float]],
               delta_ids: np.ndarray, k: int) -> list[tuple[int, float]]:
        # A paper in the delta was re-embedded after the file was built: its old
        # vector in the file no longer counts.
        stale = set(delta_ids.tolist()) if len(delta_ids) else set()
        merged = delta + [h for h in ann if h[0] not in stale]
        merged.sort(key=lambda h: -h[1])
        return merged[:k]

    @staticmethod
    def _search_ann(index, query: np.ndarray, k: int, extra: int,
                    allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """`extra`: how many delta vectors there are, whose stale copies in the file may
        take places in the answer."""
        total = len(index)
        if total == 0:
            return []
        if allowed is None:
            found = index.search(query, min(total, k + extra), threads=1)
            return [(int(key), 1.0 - float(d)) for key, d in zip(found.keys, found.distances,
                                                                  strict=True)]
        keys = allowed[index.contains(allowed)] if len(allowed) else allowed
        if len(keys) <= EXACT_SUBSET:
            # A narrow filter: score the allowed papers' vectors directly.
            if len(keys) == 0:
                return []
            vectors = np.asarray(index.get(keys), dtype=np.float32)
            return _top(keys, vectors @ query, k + extra)
        # A broad filter: ask the graph for more until enough allowed papers come back.
        allowed_set = set(keys.tolist())
        count = min(total, max(4 * k, int(k * total / len(keys) * 2)))
        while True:
            found = index.search(query, count, threads=1)
            hits = [(int(key), 1.0 - float(d)) for key, d in
                    zip(found.keys, found.distances, strict=True) if int(key) in allowed_set]
            if len(hits) >= k + extra or count >= total:
                return hits
            count = min(total, count * 4)

    # -- writing ---------------------------------------------------------------------

    @contextmanager
    def _writer(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _new_index(self):
        from usearch.index import Index

        return Index(ndim=self.dim, metric="cos", dtype="f16",
                     connectivity=HNSW["connectivity"], expansion_add=HNSW["expansion_add"],
                     expansion_search=settings.SEARCH_ANN_EF)

    def _save(self, index, watermark: datetime | None) -> None:
        tmp = self.path.with_suffix(".usearch.tmp")
        index.save(str(tmp))
        os.replace(tmp, self.path)
        meta = {"model": self.key, "count": len(index),
                "watermark": watermark.isoformat() if watermark else None}
        tmp_meta = self.meta_path.with_suffix(".json.tmp")
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, self.meta_path)
        self.invalidate()

    def rebuild(self, progress=None) -> int:
        """Write a new index file from every stored vector; returns how many."""
        with self._writer():
            index = self._new_index()
            watermark = self._rows().aggregate(m=Max("updated_at"))["m"]
            rows = self._rows().filter(updated_at__lte=watermark) if watermark else self._rows()
            last = -1
            while True:
                chunk = list(rows.filter(paper_id__gt=last).order_by("paper_id")
                             .values_list("paper_id", "vector")[:CHUNK])
                if not chunk:
                    break
                ids, matrix = _rows_to_matrix(chunk, self.dim)
                index.add(ids, matrix)
                last = int(ids[-1])
                if progress is not None:
                    progress(len(chunk))
            self._save(index, watermark)
            return len(index)

    def update(self) -> str:
        """After new vectors are stored: build, extend or leave the index file.

        Returns what it did ("exact", "built", "merged" or "delta").
        """
        count = self._rows().count()
        if count < settings.SEARCH_ANN_THRESHOLD:
            return "exact"
        meta = self._read_meta()
        if meta is None:
            self.rebuild()
            return "built"
        delta = self._rows().filter(updated_at__gt=meta["watermark"])
        if delta.count() < DELTA_MERGE:
            return "delta"
        from usearch.index import Index

        with self._writer():
            index = Index.restore(str(self.path))
            watermark = delta.aggregate(m=Max("updated_at"))["m"]
            rows = list(delta.filter(updated_at__lte=watermark).values_list("paper_id", "vector"))
            ids, matrix = _rows_to_matrix(rows, self.dim)
            present = ids[index.contains(ids)]
            if len(present):
                index.remove(present)
            index.add(ids, matrix)
            self._save(index, watermark)
        return "merged"


_indexes: dict[str, VectorIndex] = {}


def vector_index() -> VectorIndex:
    """This process's index for the configured model."""
    key = model_key()
    if key not in _indexes:
        _indexes[key] = VectorIndex(key)
    return _indexes[key]
