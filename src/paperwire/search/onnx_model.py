"""The model as an ONNX file in the data dir, run by ONNX Runtime: no torch needed.

The file is written once from the shipped safetensors weights (lib/bert_onnx, which
needs neither torch nor an exporter), checked against vectors torch made for the same
texts, and kept under `DATA_DIR/models/`, named by everything that shapes it: the
model's config and weights, the token limit, the graph's format and its weights'
precision. Papers are embedded by the float32 graph; queries by the int8 one (about a
quarter faster, lib/bert_onnx) unless PAPERWIRE_EMBEDDING_QUERY_WEIGHTS says float32 or
the int8 graph fails the check on this machine: that is remembered beside it (a
`.refused` file naming the ONNX Runtime version, which is tried again under another
version) and the float32 graph used. A changed setting
or model names another file, which is then built; a file that fails to load is built
again. Processes racing to build it each write their own temporary file and rename it
into place, so a reader only ever opens a whole file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from pathlib import Path

import numpy as np
from django.conf import settings

from paperwire.lib import bert_onnx

log = logging.getLogger(__name__)

GRAPH_FORMAT = 1  # bump when lib/bert_onnx writes a different graph
MIN_COSINE = 0.999  # against torch's float32 vectors of the check texts
CHECK_FILE = Path(__file__).with_name("model_check.json")


def model_file(folder: Path, max_tokens: int, weights: str = "float32") -> Path:
    """Where the ONNX file for this model folder, token limit and precision lives."""
    shape = {"model": bert_onnx.describe(folder), "max_tokens": max_tokens,
             "format": GRAPH_FORMAT}
    if weights != "float32":  # float32 files keep the names they had before int8 came
        shape["weights"] = weights
    shape = json.dumps(shape, sort_keys=True)
    digest = hashlib.sha256(shape.encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", settings.EMBEDDING_MODEL).strip("-")[-60:]
    suffix = "" if weights == "float32" else f"-{weights}"
    return (Path(settings.DATA_DIR) / "models"
            / f"{slug}-{max_tokens}{suffix}-{digest}.onnx")


class Tokeniser:
    """The model's tokenizer.json: texts in, int64 ids and attention mask out, truncated
    to the token limit and padded on the right to the longest text of the batch."""

    def __init__(self, folder: Path, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        self.max_tokens = max_tokens
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()  # the file's own settings pad everything to 128

    def __call__(self, texts: list[str]) -> dict[str, np.ndarray]:
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), np.int64)
        mask = np.zeros((len(texts), width), np.int64)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)


class OnnxEncoder:
    """Tokeniser and ONNX Runtime session of one model: texts in, unit vectors out."""

    def __init__(self, folder: Path, max_tokens: int, threads: int,
                 model_bytes: bytes | None = None, weights: str = "float32") -> None:
        import onnxruntime

        self.tokenise = Tokeniser(folder, max_tokens)
        self.weights = weights
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # A spinning thread waiting for work steals the core from the other processes
        # of a busy machine (measured: 2 threads under load ran at half 1 thread's rate).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        source = model_bytes if model_bytes is not None else str(ensure_model_file(
            folder, max_tokens, weights))
        self.session = onnxruntime.InferenceSession(source, options,
                                                    providers=["CPUExecutionProvider"])
        self.dim = self.session.get_outputs()[0].shape[1]

    def run(self, features: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, features)[0]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), np.float32)
        return self.run(self.tokenise(texts))


_build_lock = threading.Lock()


def ensure_model_file(folder: Path, max_tokens: int, weights: str = "float32") -> Path:
    """The checked ONNX file for this model and precision, built first when missing."""
    path = model_file(folder, max_tokens, weights)
    if path.exists():
        return path
    with _build_lock:
        if not path.exists():
            build_model_file(folder, max_tokens, path, weights)
    return path


def query_weights(folder: Path, max_tokens: int) -> str:
    """The precision queries are embedded at: the setting, unless the int8 graph failed
    its check here under this ONNX Runtime (then float32; the failure is logged once
    and remembered)."""
    wanted = settings.EMBEDDING_QUERY_WEIGHTS
    if wanted not in bert_onnx.WEIGHTS:
        raise ValueError(f"PAPERWIRE_EMBEDDING_QUERY_WEIGHTS must be one of "
                         f"{', '.join(bert_onnx.WEIGHTS)}, not {wanted!r}")
    if wanted == "float32":
        return wanted
    import onnxruntime

    refused = refusal_file(model_file(folder, max_tokens, wanted))
    if refused.exists() and refused.read_text().split("\n", 1)[0] == onnxruntime.__version__:
        return "float32"
    try:
        ensure_model_file(folder, max_tokens, wanted)
    except ModelCheckFailed as failed:
        log.warning("queries are embedded in float32: %s", failed)
        refused.parent.mkdir(parents=True, exist_ok=True)
        refused.write_text(f"{onnxruntime.__version__}\n{failed}\n")
        return "float32"
    return wanted


def refusal_file(path: Path) -> Path:
    """Where a graph that failed its check on this machine is remembered."""
    return path.with_name(path.name + ".refused")


def build_model_file(folder: Path, max_tokens: int, path: Path,
                     weights: str = "float32") -> None:
    """Write the graph, check it against torch's vectors, then rename it into place."""
    blob = bert_onnx.build(folder, max_tokens, weights)
    check(OnnxEncoder(folder, max_tokens, threads=1, model_bytes=blob, weights=weights), folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp: mode 0600
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("wrote %s (%d MB)", path, len(blob) >> 20)


class ModelCheckFailed(RuntimeError):
    """The ONNX graph's vectors differ from torch's for the same texts."""


def reference_vectors(folder: Path) -> tuple[list[str], np.ndarray] | None:
    """Texts and torch's float32 vectors of them: the shipped ones for the default model,
    else computed with torch when it is installed; None when neither is at hand."""
    from paperwire.search import embeddings

    if settings.EMBEDDING_MODEL == embeddings.DEFAULT_MODEL:
        shipped = json.loads(CHECK_FILE.read_text())
        return shipped["texts"], np.asarray(shipped["vectors"], np.float32)
    if not embeddings.torch_installed():
        return None
    texts = json.loads(CHECK_FILE.read_text())["texts"]
    return texts, embeddings.embed_with_torch(texts, device="cpu", dtype="float32")


def check(encoder: OnnxEncoder, folder: Path) -> float:
    """The lowest cosine between the encoder's vectors and torch's; raises below
    MIN_COSINE. Texts longer than the token limit are left out (torch's vectors were
    made at the default limit)."""
    reference = reference_vectors(folder)
    if reference is None:
        log.warning("%s: no torch to check the ONNX model against; using it unchecked",
                    folder)
        return float("nan")
    texts, expected = reference
    fits = [i for i, t in enumerate(texts)
            if encoder.tokenise.count(t) < encoder.tokenise.max_tokens]
    got = encoder.encode([texts[i] for i in fits])
    lowest = float(np.min(np.sum(got * expected[fits], axis=1)))
    if lowest < MIN_COSINE:
        raise ModelCheckFailed(f"{folder}: the ONNX model's vectors reach only a cosine of "
                               f"{lowest:.5f} with torch's (at least {MIN_COSINE} needed)")
    return lowest
