"""Control characters out of member text, at the edge of the core.

A chat message or a terminal line can carry bytes a terminal acts on (NUL, BEL, backspace,
`ESC[31m` colour codes, a carriage return that rewrites the line) or that reorder what is
shown (bidirectional overrides). Nothing a member types needs them, and echoing them back
in /my-data, boards or rosters would let one member drive another's terminal, so the core
drops them from every text it receives. Newlines and tabs stay: answers span lines.
"""

from __future__ import annotations

import re
import unicodedata

# ANSI/VT escape sequences as a whole (CSI ... final byte, OSC ... BEL/ST, two-byte ESC x),
# so no `[31m` is left behind once the ESC is gone.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ params intermediates final
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: ESC ] ... BEL or ST
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
# Bidirectional embedding, override and isolate controls: they reorder text on screen.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEEP = frozenset("\n\t")


def _dropped(ch: str) -> bool:
    if ch in _KEEP:
        return False
    return ch in _BIDI or unicodedata.category(ch) == "Cc"


def strip_controls(text: str) -> str:
    """`text` without control characters or escape sequences; newlines and tabs kept
    (a carriage return becomes a newline)."""
    if text.isprintable():
        return text  # the common case: nothing to do
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    return "".join(ch for ch in text if not _dropped(ch))


def one_line(text: str) -> str:
    """`strip_controls`, then newlines and tabs as spaces: for names and labels."""
    return " ".join(strip_controls(text).split())
