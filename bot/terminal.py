"""People's text made safe to print on the operator's terminal.

A question, a name or a platform's error message may carry escape sequences that
a terminal obeys: "\\x1b]0;HACKED\\x07" sets the window title, "\\x1b[2J" clears the
screen, "\\r" overwrites the line, a bidi override reorders what follows. Every CLI
line that shows such text goes through `printable`.
"""

from __future__ import annotations

import re

# ANSI sequences, whole: CSI (colours, cursor, clear), the string ones (OSC: window
# title, hyperlinks, clipboard; DCS, SOS, PM, APC) up to BEL or ST or the end, and
# the short ESC ones (ESC c resets the terminal); in 7-bit and 8-bit (C1) forms.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
# what is left of control characters (C0 but tab and newline, DEL, C1), bidi
# embeddings, overrides and isolates; lone surrogates (stdout cannot encode them) become U+FFFD
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def printable(text: object, one_line: bool = False) -> str:
    """The text without terminal control sequences; `one_line` also makes newlines and tabs spaces."""
    text = _SURROGATE.sub("\ufffd", str(text))
    text = _CONTROL.sub("", _SEQUENCE.sub("", text))
    if one_line:
        text = text.replace("\n", " ").replace("\t", " ")
    return text
