"""The console's own glyph ranges (static/glyphs, made by scripts/glyphs.py): MapLibre's PBF
layout, the characters labels need, and the committed files being the generator's output."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.test_serving import ROOT

GLYPHS = ROOT / "gridsvc" / "console" / "static" / "glyphs" / "gridsvc-sans"
BORDER = 3


def _generator():
    spec = importlib.util.spec_from_file_location("glyphs", ROOT / "scripts" / "glyphs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _fields(data: bytes):
    """(field number, value) pairs of one protobuf message: ints, or bytes when delimited."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        if key & 7 == 2:
            size, i = _varint(data, i)
            yield key >> 3, data[i : i + size]
            i += size
        else:
            value, i = _varint(data, i)
            yield key >> 3, value


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _read(source: Path | bytes) -> tuple[str, str, dict[int, dict]]:
    data = source if isinstance(source, bytes) else source.read_bytes()
    [(number, stack)] = list(_fields(data))
    assert number == 1
    name = rng = None
    glyphs = {}
    for number, value in _fields(stack):
        if number == 1:
            name = value.decode()
        elif number == 2:
            rng = value.decode()
        elif number == 3:
            glyph = dict(_fields(value))
            glyphs[glyph[1]] = {
                "bitmap": glyph.get(2, b""),
                "width": glyph[3],
                "height": glyph[4],
                "left": _unzigzag(glyph[5]),
                "top": _unzigzag(glyph[6]),
                "advance": glyph[7],
            }
    return name, rng, glyphs


def test_the_ranges_hold_what_labels_need_in_maplibres_layout():
    name, rng, glyphs = _read(GLYPHS / "0-255.pbf")
    assert (name, rng) == ("gridsvc-sans", "0-255")
    for char in "0123456789ABCxyz-_()":
        glyph = glyphs[ord(char)]
        assert glyph["width"] > 0, char
        assert glyph["height"] > 0, char
        # maplibre-gl reads the bitmap as (width + 2 * 3) × (height + 2 * 3) bytes.
        assert len(glyph["bitmap"]) == (glyph["width"] + 2 * BORDER) * (
            glyph["height"] + 2 * BORDER
        )
        assert 8 <= glyph["advance"] <= 24, char
    assert glyphs[ord(" ")]["bitmap"] == b""
    assert glyphs[ord(" ")]["advance"] > 0
    assert 0 not in glyphs
    assert 10 not in glyphs
    # A stroke's inside is above the edge value (192), the border far outside is near 0.
    one = glyphs[ord("1")]
    width = one["width"] + 2 * BORDER
    middle_row = one["bitmap"][
        (one["height"] // 2 + BORDER) * width : (one["height"] // 2 + BORDER + 1) * width
    ]
    assert max(middle_row) > 192
    assert min(middle_row) < 64
    # Digits stand on one baseline: equal tops (as MapLibre aligns them with the CJK glyphs).
    assert len({glyphs[ord(d)]["top"] for d in "0123456789"}) <= 2

    _, _, wide = _read(GLYPHS / "65280-65535.pbf")
    assert ord("（") in wide
    assert ord("）") in wide
    assert ord("ｱ") not in wide  # half-width katakana: MapLibre draws it locally
    _, _, cjk = _read(GLYPHS / "12288-12543.pbf")
    assert ord("、") in cjk
    assert ord("あ") not in cjk


def test_the_committed_ranges_are_the_generators_output(tmp_path):
    generator = _generator()
    if not generator.FONT.exists():
        pytest.fail(f"{generator.FONT} is missing: scripts/console.sh installs fonts-noto-cjk")
    from PIL import ImageFont

    font = ImageFont.truetype(
        str(generator.FONT),
        generator.SIZE,
        index=generator.FONT_INDEX,
        layout_engine=ImageFont.Layout.BASIC,
    )
    for start in generator.RANGES:
        _, _, committed = _read(GLYPHS / f"{start}-{start + 255}.pbf")
        _, _, made = _read(generator.glyph_range(font, start))
        assert made.keys() == committed.keys(), start
        # Pillow is not pinned and bundles its FreeType: allow a pixel of hinting difference in
        # the metrics and a little in the distance field, never a different glyph.
        for code, glyph in made.items():
            old = committed[code]
            for name in ("width", "height", "left", "top", "advance"):
                assert abs(glyph[name] - old[name]) <= 1, (chr(code), name)
            if len(glyph["bitmap"]) == len(old["bitmap"]) and glyph["bitmap"]:
                diff = sum(abs(a - b) for a, b in zip(glyph["bitmap"], old["bitmap"], strict=True))
                assert diff / len(glyph["bitmap"]) < 8, chr(code)
