"""Whether a short text surely fits on one line of the form, from the font's advance widths.

Typst lays an auto-sized table row out twice (once to measure it, once at its final height), and
that measuring pass was a sixth of a record's compile time. A row whose cells are all one line high
has a known height (the insets plus the font's cap height, typst's default ``top-edge``; the bottom
edge is the baseline), so the template gives such rows that fixed height and typst lays them out
once. Whether a cell is one line is decided here, before rendering, from the advance widths of
Libertinus Serif (the template's only font) in ``libertinus-widths.json``. The estimate is
conservative: any character not in the table, or a width within a margin of the column's, keeps
the row auto-sized, so a long name still wraps and grows its row exactly as before.

Regenerate the table (after a typst or font upgrade) with
``python -m hocba.records.document.textfit`` — it asks typst itself to measure every character.
"""

from __future__ import annotations

import json
import sys
import tempfile
from functools import cache, lru_cache
from pathlib import Path

WIDTHS_FILE = Path(__file__).resolve().parent / "libertinus-widths.json"
CM = 72 / 2.54
CAP_HEIGHT_EM = 0.658
"""Libertinus Serif Regular's cap height (``OS/2.sCapHeight`` 658 of 1000): a one-line row's text height."""
MARGIN = 0.96
"""Use at most this share of a column's width (kerning, rounding): a text this close to the edge stays auto."""

_VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
CHARS = sorted(
    {chr(c) for c in range(0x20, 0x7F)} | set(_VIETNAMESE) | set(_VIETNAMESE.upper()) | set("…·–—“”‘’«»°×")
)
WEIGHTS = {"regular": 400, "semibold": 600, "bold": 700}


@cache
def _widths() -> dict[str, dict[str, int]]:
    with WIDTHS_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=8192)
def _units(text: str, weight: str) -> float:
    # Cached: labels, subject and teacher names recur from one student to the next.
    table = _widths()[weight]
    try:
        return sum(map(table.__getitem__, text))
    except KeyError:
        return float("inf")


def text_width(text: str, size_pt: float, weight: str = "regular") -> float:
    """Width of ``text`` in points at ``size_pt`` (sum of advances), or infinity if a character is unknown."""
    return _units(text, weight) * size_pt / 1000


def fits(parts: list[tuple[str, str]], width_pt: float, size_pt: float, *, extra_em: float = 0) -> bool:
    """Whether the run of ``(text, weight)`` parts (and ``extra_em`` of fixed spacing) surely fits on one line."""
    total = sum(text_width(text, size_pt, weight) for text, weight in parts) + extra_em * size_pt
    return total <= width_pt * MARGIN


def _measure_with_typst() -> dict[str, dict[str, int]]:  # pragma: no cover - maintenance tool
    import typst

    source = """#set text(font: "Libertinus Serif", size: 1000pt, lang: "vi", hyphenate: false)
#let chars = json(bytes(sys.inputs.chars))
#let weights = json(bytes(sys.inputs.weights))
#context [#metadata(weights.pairs().map(((name, w)) =>
  (name, chars.map(c => (c, calc.round(measure(text(weight: w, c)).width.pt()))).to-dict())).to-dict()) <w>]
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "widths.typ"
        path.write_text(source, encoding="utf-8")
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True)
        compiler = typst.Compiler(str(path), root=tmp, font_paths=fonts, ignore_system_fonts=True)
        compiler.compile(sys_inputs={"chars": json.dumps(CHARS), "weights": json.dumps(WEIGHTS)}, format="pdf")
        raw = json.loads(compiler.query("<w>", field="value", one=True, format="json"))
    return {name: {ch: int(raw[name][ch]) for ch in CHARS} for name in WEIGHTS}


if __name__ == "__main__":  # pragma: no cover - maintenance tool
    WIDTHS_FILE.write_text(
        json.dumps(_measure_with_typst(), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    sys.stdout.write(f"{WIDTHS_FILE}\n")
