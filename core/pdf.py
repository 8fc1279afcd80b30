"""Chinese text in reportlab PDFs. The built-in CID font STSong-Light needs no
font file to ship or find; `wrap` breaks lines between Chinese characters
anywhere and between Latin words only; `fit` cuts one line with an ellipsis."""

import re

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

FONT = "STSong-Light"
_TOKEN = re.compile(r"[^\s\u3000-\u9fff\uff00-\uffef]+\s*|\S\s*|\s+")


def font() -> str:
    """Register the CJK font once per process; returns its name."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break a paragraph into lines no wider than `width`. Blank text gives no lines."""
    lines, line = [], ""
    for token in _TOKEN.findall(text):
        if line and pdfmetrics.stringWidth(line + token.rstrip(), FONT, size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def fit(text: str, width: float, size: float) -> str:
    """Cut text to fit a column, with an ellipsis."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"
