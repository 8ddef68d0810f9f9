"""A BERT sentence encoder as an ONNX graph, written straight from its safetensors weights.

No torch and no exporter: a sentence-transformers BERT (all-MiniLM-L6-v2 is 6 plain
layers) is embeddings, then per layer self-attention and a feed-forward block, each
followed by a residual LayerNorm; then mean pooling over the attention mask and L2
normalisation. The graph uses ONNX Runtime's fused CPU kernels (the `com.microsoft`
domain: EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu), which are
what its own transformer optimiser rewrites an exported BERT into.

With `weights="int8"` the attention's output projection and the feed-forward matrices
(three quarters of the layers' weights) are stored as 8-bit integers in blocks of
INT8_BLOCK with a float scale each and multiplied in int8 (MatMulNBits, accuracy level
4). A query of a few words, on one core, spends its time in those matrices: it is then
embedded in about three quarters of float32's time (measured on an AMD EPYC with
avx512_vnni), at a cosine of 0.9994 or more with float32 even for one-word queries. The
query, key and value projections stay float32 in the fused Attention: quantised too
(MatMulNBits, then MultiHeadAttention) they were 10% faster again but fell to a cosine
of 0.998 on one-word queries, whose few tokens carry the error through the softmax.

Inputs `input_ids` and `attention_mask` (int64, batch × tokens, padded on the right);
output `sentence_embedding` (float32, batch × hidden, unit length).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MS = "com.microsoft"
OPSET = 18
WEIGHTS = ("float32", "int8")
# Weights per scale: 32 measured 4% faster per query than 16 but at a cosine of 0.9991
# with float32 on one-word queries, near the 0.999 the model check asks; 16 keeps 0.9994.
INT8_BLOCK = 16
INT8_ACCURACY = 4  # MatMulNBits' int8 arithmetic; 1-3 dequantise to float: 6x slower here


class UnsupportedModel(ValueError):
    """The folder holds a model this builder does not write (not a BERT with mean or CLS
    pooling)."""


def pooling(folder: Path) -> str:
    config = folder / "1_Pooling" / "config.json"
    if not config.exists():
        return "mean"  # sentence-transformers' default for a bare transformer folder
    modes = json.loads(config.read_text())
    if modes.get("pooling_mode_mean_tokens"):
        return "mean"
    if modes.get("pooling_mode_cls_token"):
        return "cls"
    raise UnsupportedModel(f"{folder}: only mean or CLS pooling is supported")


def _normalises(folder: Path) -> bool:
    modules = folder / "modules.json"
    if not modules.exists():
        return False
    return any(m.get("type", "").endswith("Normalize") for m in json.loads(modules.read_text()))


def describe(folder: Path) -> dict:
    """What the graph is built from: the model's config and a fingerprint of its weights
    (size and modification time), so a changed folder gives a different cache key."""
    weights = folder / "model.safetensors"
    config = json.loads((folder / "config.json").read_text())
    stat = weights.stat()
    return {"config": config, "pooling": pooling(folder), "normalise": _normalises(folder),
            "weights": [stat.st_size, int(stat.st_mtime)]}


def int8_blocks(matrix: np.ndarray, block: int = INT8_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """MatMulNBits' form of the K x N matrix `matrix` at 8 bits, symmetric: per output
    column, blocks of `block` rows (the last padded with zeros), each stored as uint8
    (value / scale + 128) with its float32 scale. Returns (N x blocks x block, scales)."""
    rows, columns = matrix.shape
    padded = np.zeros((-(-rows // block) * block, columns), np.float32)
    padded[:rows] = matrix
    blocks = padded.T.reshape(columns, -1, block)
    scales = np.abs(blocks).max(axis=2) / 127
    scales[scales == 0] = 1
    quantised = np.clip(np.rint(blocks / scales[:, :, None]), -127, 127) + 128
    return quantised.astype(np.uint8), scales.reshape(-1).astype(np.float32)


def build(folder: Path, max_tokens: int, weights: str = "float32") -> bytes:
    """The serialised ONNX model for the sentence-transformers folder `folder`, its layers'
    matrices in float32 or int8 (see the module's docstring)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    info = describe(folder)
    config = info["config"]
    if (config.get("model_type") != "bert"
            or config.get("position_embedding_type", "absolute") != "absolute"
            or config.get("hidden_act") != "gelu"):
        raise UnsupportedModel(f"{folder}: only BERT models with absolute positions and "
                               f"GELU are supported, not {config.get('model_type')!r}")
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")
    if max_tokens > config["max_position_embeddings"]:
        raise UnsupportedModel(f"{folder}: reads at most "
                               f"{config['max_position_embeddings']} tokens")
    tensors = {k.removeprefix("bert."): v for k, v in
               load_file(str(folder / "model.safetensors")).items()}
    heads = config["num_attention_heads"]
    eps = float(config["layer_norm_eps"])
    initializers: list = []
    nodes: list = []

    def const(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(name: str) -> np.ndarray:
        return tensors[name].astype(np.float32)

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain,
                                      **attrs))
        return output

    def multiply(x: str, name: str, matrix: np.ndarray) -> str:
        """x @ matrix, the matrix stored at the graph's precision."""
        if weights == "float32":
            return node("MatMul", [x, const(f"{name}_w", matrix)], name)
        blocks, scales = int8_blocks(matrix)
        return node("MatMulNBits", [x, const(f"{name}_q", blocks), const(f"{name}_s", scales)],
                    name, MS, K=matrix.shape[0], N=matrix.shape[1], bits=8,
                    block_size=INT8_BLOCK, accuracy_level=INT8_ACCURACY)

    nodes.append(helper.make_node("Cast", ["input_ids"], ["ids32"], to=TensorProto.INT32))
    mask32 = node("Cast", ["attention_mask"], "mask32", to=TensorProto.INT32)
    # No segment input: every token is segment 0, so its embedding joins the positions'.
    positions = (weight("embeddings.position_embeddings.weight")[:max_tokens]
                 + weight("embeddings.token_type_embeddings.weight")[0])
    nodes.append(helper.make_node(
        "EmbedLayerNormalization",
        ["ids32", "", const("word_embeddings", weight("embeddings.word_embeddings.weight")),
         const("position_embeddings", positions), "",
         const("embeddings_gamma", weight("embeddings.LayerNorm.weight")),
         const("embeddings_beta", weight("embeddings.LayerNorm.bias")), mask32],
        ["embedded", "mask_index"], name="embeddings", domain=MS, epsilon=eps))
    hidden = "embedded"
    for n in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{n}."
        qkv_w = np.concatenate([weight(f"{p}attention.self.{x}.weight").T
                                for x in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([weight(f"{p}attention.self.{x}.bias")
                                for x in ("query", "key", "value")])
        attended = node("Attention", [hidden, const(f"l{n}.qkv_w", qkv_w),
                                      const(f"l{n}.qkv_b", qkv_b), mask32],
                        f"l{n}.attended", MS, num_heads=heads)
        projected = multiply(attended, f"l{n}.attn_out",
                             weight(f"{p}attention.output.dense.weight").T)
        hidden = node("SkipLayerNormalization", [
            projected, hidden, const(f"l{n}.attn_gamma", weight(f"{p}attention.output."
                                                                 "LayerNorm.weight")),
            const(f"l{n}.attn_beta", weight(f"{p}attention.output.LayerNorm.bias")),
            const(f"l{n}.attn_out_b", weight(f"{p}attention.output.dense.bias"))],
            f"l{n}.attn_norm", MS, epsilon=eps)
        widened = multiply(hidden, f"l{n}.ffn_in", weight(f"{p}intermediate.dense.weight").T)
        activated = node("BiasGelu", [widened, const(
            f"l{n}.ffn_in_b", weight(f"{p}intermediate.dense.bias"))], f"l{n}.gelu", MS)
        narrowed = multiply(activated, f"l{n}.ffn_out", weight(f"{p}output.dense.weight").T)
        hidden = node("SkipLayerNormalization", [
            narrowed, hidden, const(f"l{n}.ffn_gamma", weight(f"{p}output.LayerNorm.weight")),
            const(f"l{n}.ffn_beta", weight(f"{p}output.LayerNorm.bias")),
            const(f"l{n}.ffn_out_b", weight(f"{p}output.dense.bias"))],
            f"l{n}.ffn_norm", MS, epsilon=eps)

    if info["pooling"] == "mean":
        # Sum of the unmasked tokens' states over their count (at least 1e-9, as
        # sentence-transformers clamps it).
        maskf = node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT)
        mask3 = node("Unsqueeze", [maskf, const("axis2", np.array([2], np.int64))], "mask3")
        summed = node("ReduceSum", [node("Mul", [hidden, mask3], "masked"),
                                    const("axis1", np.array([1], np.int64))],
                      "summed", keepdims=0)
        counts = node("Max", [node("ReduceSum", [mask3, "axis1"], "counts_raw", keepdims=0),
                              const("min_count", np.array(1e-9, np.float32))], "counts")
        pooled = node("Div", [summed, counts], "pooled")
    else:
        pooled = node("Gather", [hidden, const("first", np.array(0, np.int64))], "pooled",
                      axis=1)
    if info["normalise"]:
        norms = node("Max", [node("ReduceL2", [pooled, const("last", np.array([-1], np.int64))],
                                  "norms_raw", keepdims=1),
                             const("min_norm", np.array(1e-12, np.float32))], "norms")
        node("Div", [pooled, norms], "sentence_embedding")
    else:
        node("Identity", [pooled], "sentence_embedding")

    hidden_size = config["hidden_size"]
    graph = helper.make_graph(
        nodes, "sentence_encoder",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                       ["batch", "tokens"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT,
                                       ["batch", hidden_size])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid(MS, 1)],
                              producer_name="paperwire")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()
