"""Generate the console maps' glyph ranges (MapLibre SDF glyph PBFs) from a font file.

The console has no glyph server and may use no CDN. MapLibre draws CJK ideographs itself with
the browser's fonts (``localIdeographFontFamily``); every other character of a label — the
digits of a grid code, Latin letters, full-width brackets, CJK punctuation such as 、 — it looks
up in ``{fontstack}/{start}-{end}.pbf`` ranges of 256 code points. This script makes the few
ranges the county's labels use, so they can be served as static files from the console itself.

The output is committed (gridsvc/console/static/glyphs/), so neither `make run` nor CI needs the
font or this script; rerun it only to change the font or the ranges:

    .venv/bin/python scripts/glyphs.py [--font PATH] [--index N]

The SDF follows MapLibre's own TinySDF (the glyphs it makes for CJK): 24 px, a 3 px border,
radius 8, cutoff 0.25, and the same baseline adjustment, so digits sit on the line with the
locally drawn ideographs. The PBF layout is the one maplibre-gl's parse_glyph_pbf reads.
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "gridsvc" / "console" / "static" / "glyphs"
FONTSTACK = "gridsvc-sans"  # the name the console's map style asks for (text-font)
# Noto Sans CJK SC (fonts-noto-cjk): Latin, digits and CJK punctuation in the CJK face's style.
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_INDEX = 2  # the collection's Simplified Chinese face
# ASCII + Latin-1; general punctuation (– — · …); CJK symbols (、。《》); full-width forms (（）：).
RANGES = (0, 8192, 12288, 65280)

# The scripts maplibre-gl draws with localIdeographFontFamily (\p{Ideo}, Hangul, Kana).
LOCAL = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA", "HANGUL")
SIZE, BORDER, RADIUS, CUTOFF = 24, 3, 8, 0.25
TOP_ADJUSTMENT = 27.5  # maplibre-gl's glyph_manager.ts: local glyphs' "top" is baseline - 27.5
INF = 1e20


def _edt_1d(grid: list[float], offset: int, stride: int, length: int) -> None:
    """Felzenszwalb & Huttenlocher's squared distance transform of one row or column, in place
    (as TinySDF does it)."""
    f = [grid[offset + i * stride] for i in range(length)]
    v = [0] * length
    z = [0.0] * (length + 1)
    z[0], z[1] = -INF, INF
    k = 0
    for q in range(1, length):
        while True:
            r = v[k]
            s = (f[q] - f[r] + q * q - r * r) / (q - r) / 2
            if s <= z[k]:
                k -= 1
                if k > -1:
                    continue
            break
        k += 1
        v[k], z[k], z[k + 1] = q, s, INF
    k = 0
    for q in range(length):
        while z[k + 1] < q:
            k += 1
        r = v[k]
        grid[offset + q * stride] = f[r] + (q - r) * (q - r)


def _edt(grid: list[float], width: int, height: int) -> None:
    for x in range(width):
        _edt_1d(grid, x, width, height)
    for y in range(height):
        _edt_1d(grid, y * width, 1, width)


def sdf(alpha: Image.Image) -> bytes:
    """The signed distance field of an antialiased glyph, with the border around it."""
    w, h = alpha.size
    width, height = w + 2 * BORDER, h + 2 * BORDER
    outer = [INF] * (width * height)
    inner = [0.0] * (width * height)
    pixels = alpha.load()
    for y in range(h):
        for x in range(w):
            a = pixels[x, y] / 255
            if a == 0:
                continue
            i = (y + BORDER) * width + x + BORDER
            if a == 1:
                outer[i], inner[i] = 0.0, INF
            else:
                d = 0.5 - a
                outer[i] = d * d if d > 0 else 0.0
                inner[i] = d * d if d < 0 else 0.0
    _edt(outer, width, height)
    _edt(inner, width, height)
    out = bytearray(width * height)
    for i in range(width * height):
        d = math.sqrt(outer[i]) - math.sqrt(inner[i])
        out[i] = max(0, min(255, round(255 - 255 * (d / RADIUS + CUTOFF))))
    return bytes(out)


# --- protobuf, just the wire format maplibre-gl reads (varints, zigzag, length-delimited) -------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, value: int | bytes, *, signed: bool = False) -> bytes:
    if isinstance(value, bytes):
        return _varint(number << 3 | 2) + _varint(len(value)) + value
    if signed:
        value = (value << 1) ^ (value >> 63)  # zigzag
    return _varint(number << 3) + _varint(value)


def _notdef(font: ImageFont.FreeTypeFont) -> bytes:
    return bytes(font.getmask("\u0378"))  # an unassigned code point: the font's .notdef


def glyph(font: ImageFont.FreeTypeFont, code: int) -> bytes | None:
    """One glyph message, or None when the font has no glyph for the code point."""
    char = chr(code)
    if unicodedata.category(char) in ("Cc", "Cn", "Co", "Cs"):
        return None  # control, unassigned, private, surrogate: nothing a label shows
    if any(script in unicodedata.name(char, "") for script in LOCAL):
        return None  # MapLibre draws these itself with the browser's fonts, never asks for them
    if not char.isspace() and bytes(font.getmask(char)) == _notdef(font):
        return None  # the font has no glyph for it (it would draw its .notdef box)
    left, top, right, bottom = font.getbbox(char, anchor="ls")
    width, height = max(0, right - left), max(0, bottom - top)
    bitmap = b""
    if width and height:
        image = Image.new("L", (width, height), 0)
        ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255, anchor="ls")
        bitmap = sdf(image)
    return b"".join(
        (
            _field(1, code),
            _field(2, bitmap) if bitmap else b"",
            _field(3, width),
            _field(4, height),
            _field(5, left, signed=True),
            _field(6, round(-top - TOP_ADJUSTMENT), signed=True),
            _field(7, round(font.getlength(char))),
        )
    )


def glyph_range(font: ImageFont.FreeTypeFont, start: int) -> bytes:
    """The PBF of code points start..start+255 (Glyphs { Fontstack { name, range, glyph* } })."""
    end = start + 255
    glyphs = [g for code in range(start, end + 1) if (g := glyph(font, code)) is not None]
    stack = b"".join(
        (
            _field(1, FONTSTACK.encode()),
            _field(2, f"{start}-{end}".encode()),
            *(_field(3, g) for g in glyphs),
        )
    )
    return _field(1, stack)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--font", type=Path, default=FONT)
    parser.add_argument("--index", type=int, default=FONT_INDEX, help="face in a collection")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    # BASIC layout: one code point, one glyph (raqm would shape, and fails on separators).
    font = ImageFont.truetype(
        str(args.font), SIZE, index=args.index, layout_engine=ImageFont.Layout.BASIC
    )
    folder = args.out / FONTSTACK
    folder.mkdir(parents=True, exist_ok=True)
    for start in RANGES:
        path = folder / f"{start}-{start + 255}.pbf"
        path.write_bytes(glyph_range(font, start))
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
