"""The ONNX model file: built from the weights, checked against torch, private, keyed,
atomic; and the processes that embed queries never import torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import override_settings

from paperwire.search import embeddings, onnx_model
from paperwire.search.embeddings import embed_queries, embed_texts, embed_with_torch, paper_text
from paperwire.search.model_check import CHECK_TEXTS
from paperwire.search.testing import link_query_model, subset


@pytest.fixture(scope="module")
def subset_texts(shared_data) -> list[str]:
    return [paper_text(r["title"], r["abstract"]) for r in subset(shared_data)]


def test_it_makes_torch_s_vectors_on_real_papers(subset_texts):
    with override_settings(EMBEDDING_RUNTIME="onnx"):
        ours = embed_texts(subset_texts)
    torch32 = embed_with_torch(subset_texts, device="cpu", dtype="float32")
    torch16 = embed_with_torch(subset_texts, device="cpu", dtype="bfloat16")
    assert ours.dtype == np.float32 and ours.shape == (len(subset_texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.sum(ours * torch32, axis=1).min() >= 0.999
    # Papers embedded by torch in bfloat16 still meet queries embedded in float32.
    assert np.sum(ours * torch16, axis=1).min() >= 0.998


def test_the_query_model_agrees_with_the_document_path(subset_texts):
    with override_settings(EMBEDDING_RUNTIME="onnx"):
        papers = embed_texts(subset_texts)
    queries = embed_queries(subset_texts)
    assert embeddings.onnx_encoder(1, "query").weights == "int8"
    assert np.sum(papers * queries, axis=1).min() >= 0.999
    torch32 = embed_with_torch(subset_texts, device="cpu", dtype="float32")
    assert np.sum(queries * torch32, axis=1).min() >= 0.999
    single = embeddings.embed_query("speculative decoding")
    assert float(single @ embed_queries(["speculative decoding"])[0]) >= 0.99999
    with override_settings(EMBEDDING_QUERY_WEIGHTS="float32"):
        assert embeddings.onnx_encoder(1, "query").weights == "float32"
        assert np.sum(papers * embed_queries(subset_texts), axis=1).min() >= 0.99999


def test_the_int8_query_model_is_smaller_and_multiplies_in_int8(tmp_path):
    import onnx

    folder = embeddings.model_folder()
    with override_settings(DATA_DIR=tmp_path):
        path = onnx_model.ensure_model_file(folder, 224, "int8")
        assert path != onnx_model.model_file(folder, 224)
        assert onnx_model.query_weights(folder, 224) == "int8"
        float32 = onnx_model.ensure_model_file(folder, 224)
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert {"MatMulNBits", "Attention"} <= ops and "MatMul" not in ops
    assert "MatMulNBits" not in {n.op_type for n in onnx.load(str(float32)).graph.node}
    assert path.stat().st_size < 0.8 * float32.stat().st_size


def test_a_query_model_that_fails_its_check_falls_back_to_float32(tmp_path, monkeypatch):
    checked = onnx_model.check

    def int8_disagrees(encoder, folder):
        if encoder.weights == "int8":
            raise onnx_model.ModelCheckFailed("a cosine of 0.98 with torch's")
        return checked(encoder, folder)

    monkeypatch.setattr(onnx_model, "check", int8_disagrees)
    folder = embeddings.model_folder()
    with override_settings(DATA_DIR=tmp_path):
        assert onnx_model.query_weights(folder, 224) == "float32"
        refused = onnx_model.refusal_file(onnx_model.model_file(folder, 224, "int8"))
        assert "0.98" in refused.read_text()
        assert not onnx_model.model_file(folder, 224, "int8").exists()
        built = onnx_model.build_model_file
        monkeypatch.setattr(onnx_model, "build_model_file", None)  # not built again
        assert onnx_model.query_weights(folder, 224) == "float32"
        # Under another ONNX Runtime it is tried again (and here passes).
        refused.write_text("0.0.1\n" + refused.read_text().split("\n", 1)[1])
        monkeypatch.setattr(onnx_model, "build_model_file", built)
        monkeypatch.setattr(onnx_model, "check", checked)
        assert onnx_model.query_weights(folder, 224) == "int8"
    with override_settings(EMBEDDING_QUERY_WEIGHTS="int4"), pytest.raises(ValueError):
        onnx_model.query_weights(folder, 224)


def test_the_torch_path_is_the_one_sentence_transformers_computed(subset_texts):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(embeddings.model_folder()), device="cpu")
    model.max_seq_length = settings.EMBEDDING_MAX_TOKENS
    before = model.encode(subset_texts[:16], normalize_embeddings=True)
    now = embed_with_torch(subset_texts[:16], device="cpu", dtype="float32")
    assert np.sum(before * now, axis=1).min() >= 0.99999


def test_the_shipped_check_vectors_are_torch_s():
    shipped = json.loads(onnx_model.CHECK_FILE.read_text())
    assert shipped["texts"] == CHECK_TEXTS
    now = embed_with_torch(CHECK_TEXTS, device="cpu", dtype="float32")
    assert np.sum(np.asarray(shipped["vectors"]) * now, axis=1).min() >= 0.99999


def test_it_writes_a_private_file_named_by_model_and_token_limit(tmp_path):
    folder = embeddings.model_folder()
    with override_settings(DATA_DIR=tmp_path):
        path = onnx_model.ensure_model_file(folder, 224)
        assert path.parent == tmp_path / "models"
        assert path.stat().st_mode & 0o777 == 0o600
        assert onnx_model.model_file(folder, 128) != path
        assert onnx_model.ensure_model_file(folder, 224) == path  # no rebuild
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp left


def test_it_refuses_a_graph_that_disagrees_with_torch(tmp_path, monkeypatch):
    shipped = json.loads(onnx_model.CHECK_FILE.read_text())
    rng = np.random.default_rng(1)
    wrong = rng.standard_normal((len(shipped["texts"]), 384)).astype(np.float32)
    monkeypatch.setattr(onnx_model, "reference_vectors",
                        lambda folder: (shipped["texts"], wrong))
    with override_settings(DATA_DIR=tmp_path), pytest.raises(onnx_model.ModelCheckFailed):
        onnx_model.ensure_model_file(embeddings.model_folder(), 224)
    assert not list((tmp_path / "models").glob("*"))


def test_processes_building_at_once_leave_one_whole_file(tmp_path):
    script = ("import django; django.setup()\n"
              "from paperwire.search import embeddings as e\n"
              "print(e.embed_queries(['speculative decoding'])[0][:3].tolist())\n")
    env = {**_env(tmp_path)}
    builders = [subprocess.Popen([sys.executable, "-c", script], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
    outputs = [b.communicate(timeout=240) for b in builders]
    assert all(b.returncode == 0 for b in builders), outputs
    assert len({out for out, _ in outputs}) == 1
    files = list((tmp_path / "data" / "models").iterdir())
    assert len(files) == 1 and files[0].suffix == ".onnx" and "-int8-" in files[0].name
    with override_settings(DATA_DIR=tmp_path / "data"):
        encoder = onnx_model.OnnxEncoder(embeddings.model_folder(), 224, threads=1)
        assert onnx_model.check(encoder, embeddings.model_folder()) >= 0.999


def test_a_query_process_never_imports_torch(tmp_path):
    script = ("import sys, django; django.setup()\n"
              "from paperwire.search import embeddings as e\n"
              "e.load_query_model(); e.embed_query('x')\n"
              "e.embed_queries(['a paper. its abstract'])\n"
              "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers')"
              " if m in sys.modules))\n")
    link_query_model(tmp_path / "data")
    out = subprocess.run([sys.executable, "-c", script], env=_env(tmp_path),
                         capture_output=True, text=True, timeout=240, check=True)
    assert out.stdout.strip() == "[]"


def test_a_process_that_opened_the_hnsw_index_can_still_load_the_model(tmp_path):
    # usearch imported before onnxruntime crashed `paperwire search` on a corpus past
    # the HNSW threshold.
    script = ("import django; django.setup()\n"
              "from paperwire.search import vectors\n"
              "from usearch.index import Index\n"
              "from paperwire.search.embeddings import embed_queries\n"
              "print(embed_queries(['speculative decoding']).shape)\n")
    link_query_model(tmp_path / "data")
    out = subprocess.run([sys.executable, "-c", script], env=_env(tmp_path),
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, 384)"


def test_it_picks_torch_on_cuda_or_native_bfloat16_when_installed(monkeypatch):
    monkeypatch.setattr(embeddings, "_cpu_flags", lambda: frozenset())
    assert embeddings.document_runtime("cpu") == "onnx"
    assert embeddings.document_runtime("cuda") == "torch"
    for flags in ({"avx512_bf16"}, {"amx_bf16"}):
        monkeypatch.setattr(embeddings, "_cpu_flags", lambda f=flags: frozenset(f))
        assert embeddings.document_runtime("cpu") == "torch"
    monkeypatch.setattr(embeddings, "torch_installed", lambda: False)
    assert embeddings.document_runtime("cpu") == "onnx"
    with override_settings(EMBEDDING_RUNTIME="torch"):
        assert embeddings.document_runtime("cpu") == "torch"
    with override_settings(EMBEDDING_RUNTIME="tensorflow"), pytest.raises(ValueError):
        embeddings.document_runtime("cpu")


def _env(tmp_path: Path) -> dict:
    import os

    return {**os.environ, "DJANGO_SETTINGS_MODULE": "paperwire.settings",
            "PAPERWIRE_DATA_DIR": str(tmp_path / "data")}
