"""Attributes of uploaded boundary files: which columns mean what, and which text encoding they use.

GIS staff export from ArcGIS / QGIS with whatever column names their department uses (XZQDM,
WGBM, 编码, 所属村（社区）编码 …), and Shapefile attributes are often GBK with no ``.cpg`` saying so.
Asking people to rename columns or re-encode files first is how uploads get abandoned, so both are
worked out here, and asked for (``code_field``, ``encoding``) only when they cannot be.
"""

from __future__ import annotations

import codecs
import math
import re
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gridsvc.geo.errors import GeoInputError

# Synonyms compare after _norm(): lower case, no spaces, underscores, hyphens or brackets.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "wgbm",
        "wgdm",
        "gridcode",
        "xzqdm",
        "xzqhdm",
        "adcode",
        "bm",
        "dm",
        "网格编码",
        "网格代码",
        "行政区划代码",
        "区划代码",
        "行政区代码",
        "编码",
        "代码",
    ),
    "name": (
        "name",
        "wgmc",
        "gridname",
        "xzqmc",
        "xzqhmc",
        "mc",
        "网格名称",
        "行政区划名称",
        "区划名称",
        "行政区名称",
        "名称",
    ),
    "parent_code": (
        "parent",
        "parentcode",
        "pcode",
        "sjbm",
        "sjdm",
        "sjxzqdm",
        "上级编码",
        "上级代码",
        "上级行政区划代码",
        "所属村社区编码",
        "所属村社区代码",
        "所属社区编码",
        "所属村编码",
        "所属编码",
    ),
    "households": ("households", "hs", "hushu", "户数", "总户数", "户籍户数"),
    "population": ("population", "pop", "rk", "rks", "renkou", "人口", "人数", "总人口", "人口数"),
}
ROLES = tuple(SYNONYMS)
_CODE_VALUE = re.compile(r"^\d{6,15}$")
_NOT_NAME_CHARS = re.compile(r"[\s_\-.()（）【】\[\]]")


def _norm(column: str) -> str:
    return _NOT_NAME_CHARS.sub("", str(column)).lower()


def as_text(value) -> str | None:
    """An attribute as stripped text: ``430302001.0`` (a DBF numeric) -> ``"430302001"``."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return text or None


def as_int(value) -> int | None:
    """Households / population as an int; ``None`` for blanks and anything unparseable."""
    text = as_text(value)
    if text is None:
        return None
    text = text.replace(",", "").replace("，", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def detect_fields(
    columns: Sequence[str], sample_rows: Sequence[dict], given: dict | None = None
) -> dict[str, str | None]:
    """Map the roles (code, name, parent_code, households, population) to column names.

    Args:
        columns: the layer's column names.
        sample_rows: some rows (dicts by column); values decide between candidates.
        given: role -> column the caller named (``code_field`` …); these win and must exist.

    Returns:
        ``{"code": col, "name": col|None, "parent_code": col|None, "households": …,
        "population": …}``.

    Raises:
        GeoInputError: ``upload.field_missing`` when a named column does not exist,
            ``upload.code_field_missing`` (422) when no column holds codes.
    """
    columns = list(columns)
    chosen: dict[str, str | None] = dict.fromkeys(ROLES)
    for role, column in (given or {}).items():
        if column:
            chosen[role] = _named(columns, column, role)
    taken = {c for c in chosen.values() if c}
    if chosen["code"] is None:
        chosen["code"] = _pick_code(columns, sample_rows, taken)
    if chosen["code"] is None:
        raise GeoInputError(
            "upload.code_field_missing",
            "No column holds the boundary codes; name it with code_field. "
            f"Columns: {', '.join(columns) or '(none)'}.",
            extra={"columns": columns},
        )
    taken.add(chosen["code"])
    for role in ("parent_code", "name", "households", "population"):
        if chosen[role] is None:
            chosen[role] = _by_synonym(columns, sample_rows, role, taken)
            if chosen[role] is None and role == "parent_code":
                chosen[role] = _prefix_column(columns, sample_rows, chosen["code"], taken)
            if chosen[role]:
                taken.add(chosen[role])
    return chosen


def _named(columns: list[str], column: str, role: str) -> str:
    if column in columns:
        return column
    folded = [c for c in columns if c.lower() == str(column).lower()]
    if len(folded) == 1:
        return folded[0]
    raise GeoInputError(
        "upload.field_missing",
        f"The file has no column {column!r} (given as the {role} field); "
        f"columns: {', '.join(columns) or '(none)'}.",
        extra={"columns": columns},
    )


def _values(rows: Sequence[dict], column: str) -> list[str]:
    return [t for t in (as_text(r.get(column)) for r in rows) if t is not None]


def _code_score(rows: Sequence[dict], column: str) -> tuple[float, float]:
    """(share of values that look like 6-15 digit codes, share of distinct values)."""
    values = _values(rows, column)
    if not values:
        return 0.0, 0.0
    codes = sum(1 for v in values if _CODE_VALUE.match(v))
    return codes / len(values), len(set(values)) / len(values)


def _pick_code(columns: list[str], rows: Sequence[dict], taken: set[str]) -> str | None:
    """The code column: a synonym whose values look most like distinct codes, else any column
    whose values all do.

    A grid layer often carries both its grid code (WGBM, distinct) and its village's code
    (XZQDM, repeated); distinctness tells them apart.
    """
    free = [c for c in columns if c not in taken]
    ranked = [(_priority(c, "code"), c) for c in free if _priority(c, "code") is not None]
    if ranked:
        best = max(ranked, key=lambda pc: (*_code_score(rows, pc[1]), -pc[0]))
        return best[1]
    scored = [(c, _code_score(rows, c)) for c in free]
    fits = [(s[1], c) for c, s in scored if s[0] == 1.0]
    return max(fits)[1] if fits else None


def _priority(column: str, role: str) -> int | None:
    try:
        return SYNONYMS[role].index(_norm(column))
    except ValueError:
        return None


def _by_synonym(columns: list[str], rows: Sequence[dict], role: str, taken: set[str]) -> str | None:
    """The best-ranked synonym column, preferring one that has values (KML's empty ``Name``)."""
    matches = sorted(
        (p, c) for c in columns if c not in taken and (p := _priority(c, role)) is not None
    )
    with_values = [c for _, c in matches if _values(rows, c)]
    return (with_values or [c for _, c in matches] or [None])[0]


def _prefix_column(
    columns: list[str], rows: Sequence[dict], code: str, taken: set[str]
) -> str | None:
    """A column whose codes are proper prefixes of the feature codes (village code of a grid)."""
    for column in columns:
        if column in taken:
            continue
        pairs = [(as_text(r.get(column)), as_text(r.get(code))) for r in rows]
        pairs = [(p, c) for p, c in pairs if p and c]
        if not pairs or not all(_CODE_VALUE.match(p) for p, _ in pairs):
            continue
        hits = sum(1 for p, c in pairs if len(p) < len(c) and c.startswith(p))
        if hits / len(pairs) >= 0.9:
            return column
    return None


# --- Shapefile attribute encoding ----------------------------------------------------------

# .cpg spellings seen in the wild -> Python codec; numbers are Windows code pages.
_CPG = {"65001": "utf-8", "UTF8": "utf-8", "936": "gbk", "GB2312": "gbk", "88591": "latin-1"}
# dBase language-driver ids that name a Chinese code page (GDAL honours them too).
_LDID = {0x4D: "gbk", 0x7A: "gbk", 0x4F: "big5", 0x78: "big5"}


def check_encoding_name(encoding: str | None) -> str | None:
    """The caller's ``encoding`` as a codec name, or ``upload.encoding_unknown`` (422)."""
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError as exc:
        raise GeoInputError(
            "upload.encoding_unknown",
            f"Unknown encoding {encoding!r}; Chinese Shapefiles are usually GBK or UTF-8.",
        ) from exc


def gdal_encoding(codec: str) -> str:
    """A Python codec name in the spelling GDAL's iconv expects (``gbk`` -> ``GBK``)."""
    return codecs.lookup(codec).name.upper().replace("ISO8859", "ISO-8859")


def shapefile_encoding(shp: Path, given: str | None) -> tuple[str, dict | None]:
    """The encoding of a Shapefile's attribute text, checked against the bytes themselves.

    Order: the caller's ``encoding``; the ``.cpg``; a Chinese language-driver id in the
    ``.dbf`` header; plain ASCII or valid UTF-8. Without a ``.cpg`` GDAL would read GBK bytes as
    Latin-1 and store mojibake, so undecidable text is refused rather than guessed.

    Returns:
        (codec name for pyogrio, a note for the report or ``None`` for ASCII-only text).

    Raises:
        GeoInputError: ``upload.encoding_unknown`` / ``upload.encoding_mismatch`` /
            ``upload.encoding_required`` (all 422).
    """
    dbf = _sibling(shp, ".dbf")
    texts, ldid = _dbf_texts(dbf) if dbf else ([], 0)
    cpg = _sibling(shp, ".cpg")
    cpg_text = cpg.read_bytes()[:64].decode("ascii", "ignore").strip() if cpg else ""
    if given:
        codec, source = check_encoding_name(given), f"encoding={given}"
    elif cpg_text and (codec := _cpg_codec(cpg_text)):
        source = f"the .cpg file ({cpg_text})"
    elif ldid in _LDID and _decodes(texts, _LDID[ldid]):
        codec, source = _LDID[ldid], "the .dbf header's language driver id"
    elif not texts:
        return "UTF-8", None
    elif _decodes(texts, "utf-8"):
        codec, source = "utf-8", "the text itself (valid UTF-8, no .cpg)"
    else:
        gbk = _decodes(texts, "gbk")
        raise GeoInputError(
            "upload.encoding_required",
            "The attribute text is not UTF-8 and no .cpg says what it is: give encoding"
            + (" (it reads as GBK, the usual Chinese Windows encoding)." if gbk else "."),
            extra={"suggested": "GBK"} if gbk else {},
        )
    if codec != "utf-8" and texts and _decodes(texts, "utf-8", forgive_cut=False):
        # Real GBK text is practically never valid UTF-8; a .cpg (or caller) saying otherwise is wrong.
        raise GeoInputError(
            "upload.encoding_mismatch",
            f"The attribute text is UTF-8, not {codec} (from {source}); give encoding=UTF-8.",
            extra={"encoding": codec, "suggested": "UTF-8"},
        )
    if not _decodes(texts, codec):
        raise GeoInputError(
            "upload.encoding_mismatch",
            f"The attribute text is not valid {codec} (from {source}); give the right "
            "encoding (often GBK or UTF-8).",
            extra={"encoding": codec},
        )
    note = {"code": "upload.encoding", "detail": f"Attributes read as {codec}, from {source}."}
    return gdal_encoding(codec), note


def _sibling(shp: Path, suffix: str) -> Path | None:
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _cpg_codec(text: str) -> str | None:
    key = re.sub(r"^ANSI\s*", "", text.upper()).replace("-", "").replace(" ", "")
    name = _CPG.get(key) or (f"cp{key}" if key.isdigit() else text)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _dbf_texts(dbf: Path) -> tuple[list[bytes], int]:
    """The non-ASCII field names and character values of a .dbf, and its language driver id.

    Only these must decode; the header's binary counters and numeric fields say nothing about
    the text encoding.
    """
    data = dbf.read_bytes()
    if len(data) < 32:
        return [], 0
    count, header_len, record_len = struct.unpack_from("<IHH", data, 4)
    texts: list[bytes] = []
    text_fields: list[tuple[int, int]] = []
    offset, pos = 1, 32  # each record starts with its deletion flag
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\0", 1)[0]
        if any(b >= 0x80 for b in name):
            texts.append(name)
        if data[pos + 11 : pos + 12] == b"C":
            text_fields.append((offset, data[pos + 16]))
        offset += data[pos + 16]
        pos += 32
    if record_len <= 0 or header_len >= len(data):
        return texts, data[29]
    rows = min(count, (len(data) - header_len) // record_len)
    body = np.frombuffer(data, np.uint8, rows * record_len, header_len).reshape(rows, record_len)
    for start, width in text_fields:
        column = body[:, start : start + width]
        for row in np.flatnonzero((column >= 0x80).any(axis=1)):
            texts.append(column[row].tobytes().rstrip(b" \0"))
    return texts, data[29]


_CUT = ("unexpected end of data", "incomplete multibyte sequence")


def _decodes(texts: list[bytes], codec: str, *, forgive_cut: bool = True) -> bool:
    """Every value decodes; a last character cut in half (field too narrow) may be forgiven."""
    for text in texts:
        try:
            text.decode(codec)
        except UnicodeDecodeError as exc:
            if not (forgive_cut and exc.end == len(text) and exc.reason in _CUT):
                return False
    return True
