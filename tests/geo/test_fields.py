"""Column detection (Chinese and pinyin names, values) and Shapefile attribute encodings."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.fields import as_int, as_text, detect_fields, shapefile_encoding


def test_grid_layer_with_pinyin_abbreviations():
    rows = [{"OBJECTID": 1, "WGBM": "430302001001001", "WGMC": "一网格", "HS": 120, "RK": 300}]
    chosen = detect_fields(["OBJECTID", "WGBM", "WGMC", "HS", "RK"], rows)
    assert chosen == {
        "code": "WGBM",
        "name": "WGMC",
        "parent_code": None,
        "households": "HS",
        "population": "RK",
    }


def test_chinese_column_names_with_full_width_brackets():
    columns = ["网格编码", "网格名称", "所属村（社区）编码", "户数", "人口"]
    rows = [{"网格编码": "430302001001001", "所属村（社区）编码": "430302001001"}]
    chosen = detect_fields(columns, rows)
    assert chosen["code"] == "网格编码"
    assert chosen["name"] == "网格名称"
    assert chosen["parent_code"] == "所属村（社区）编码"
    assert (chosen["households"], chosen["population"]) == ("户数", "人口")


def test_distinct_grid_codes_win_over_repeated_village_codes():
    # Both columns are "code" synonyms; the grid code is the one that differs per feature.
    rows = [{"XZQDM": "430302001001", "DM": f"430302001001{i:03d}"} for i in range(5)]
    chosen = detect_fields(["XZQDM", "DM"], rows)
    assert chosen["code"] == "DM"
    assert chosen["parent_code"] == "XZQDM"  # its codes prefix the grid codes


def test_numeric_codes_from_a_dbf_are_recognised():
    rows = [{"fid": 1, "xx": 430302001001.0}, {"fid": 2, "xx": 430302001002.0}]
    assert detect_fields(["fid", "xx"], rows)["code"] == "xx"


def test_empty_kml_name_column_gives_way_to_one_with_values():
    rows = [{"Name": None, "名称": "雨湖路街道", "编码": "430302001"}]
    assert detect_fields(["Name", "名称", "编码"], rows)["name"] == "名称"


def test_given_fields_win_and_match_case_insensitively():
    rows = [{"A": "x", "B": "430302001"}]
    chosen = detect_fields(["A", "B"], rows, {"code": "b", "name": "A", "parent_code": None})
    assert (chosen["code"], chosen["name"]) == ("B", "A")


def test_missing_code_column_lists_the_columns():
    with pytest.raises(GeoInputError) as info:
        detect_fields(["名字", "备注"], [{"名字": "x", "备注": "y"}])
    assert (info.value.code, info.value.status) == ("upload.code_field_missing", 422)
    assert info.value.extra["columns"] == ["名字", "备注"]
    assert "名字" in info.value.detail


def test_named_column_that_does_not_exist():
    with pytest.raises(GeoInputError) as info:
        detect_fields(["a"], [], {"code": "nope"})
    assert info.value.code == "upload.field_missing"
    assert info.value.extra["columns"] == ["a"]


@pytest.mark.parametrize(
    ("value", "text", "number"),
    [
        (430302001.0, "430302001", 430302001),
        (" 雨湖 ", "雨湖", None),
        ("1,234", "1,234", 1234),
        (float("nan"), None, None),
        ("", None, None),
        (None, None, None),
        (12.5, "12.5", None),
    ],
)
def test_value_normalisation(value, text, number):
    assert as_text(value) == text
    assert as_int(value) == number


# --- Shapefile encodings ---------------------------------------------------------------------


@pytest.fixture
def shp(write_layer):
    """shp(encoding=, cpg=, names=, n=) -> .shp path with Chinese attributes written in encoding."""

    def _make(encoding="GBK", cpg=None, names=("雨湖路街道",), n=1, folder="s"):
        names = list(names) * n
        path = write_layer(
            f"{folder}/t.shp",
            "ESRI Shapefile",
            geoms=[box(112.9 + i * 1e-3, 27.85, 112.901 + i * 1e-3, 27.86) for i in range(n)],
            fields={"编码": [f"430302{i:03d}" for i in range(n)], "名称": names},
            encoding=encoding,
        )
        path.with_suffix(".cpg").unlink(missing_ok=True)
        if cpg is not None:
            path.with_suffix(".cpg").write_text(cpg)
        return path

    return _make


@pytest.mark.parametrize("cpg", ["GBK", "936", "CP936", "gb2312"])
def test_gbk_from_the_cpg(shp, cpg):
    encoding, note = shapefile_encoding(shp(cpg=cpg), None)
    assert encoding == "GBK"
    assert note["code"] == "upload.encoding"


def test_gbk_without_cpg_is_asked_for_and_suggested(shp):
    with pytest.raises(GeoInputError) as info:
        shapefile_encoding(shp(), None)
    assert (info.value.code, info.value.status) == ("upload.encoding_required", 422)
    assert "GBK" in info.value.detail
    assert info.value.extra == {"suggested": "GBK"}
    assert shapefile_encoding(shp(folder="again"), "gbk")[0] == "GBK"


def test_language_driver_id_in_the_dbf_header_is_honoured(shp):
    path = shp()
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    dbf[29] = 0x4D  # "Chinese GBK (PRC)", as some Chinese GIS tools write
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    assert shapefile_encoding(path, None)[0] == "GBK"


def test_utf8_without_cpg_is_recognised(shp):
    encoding, note = shapefile_encoding(shp(encoding="UTF-8"), None)
    assert encoding == "UTF-8"
    assert "no .cpg" in note["detail"]


def test_ascii_attributes_need_no_encoding_even_with_binary_header_bytes(write_layer):
    # 200 records: the record count in the header is byte 0xC8, which is not text.
    path = write_layer(
        "ascii/t.shp",
        "ESRI Shapefile",
        geoms=[box(112.9, 27.85, 112.901, 27.86)] * 200,
        fields={"CODE": [f"430302{i:03d}" for i in range(200)], "NAME": ["Yuhu"] * 200},
    )
    path.with_suffix(".cpg").unlink()
    assert path.with_suffix(".dbf").read_bytes()[4] == 0xC8
    assert shapefile_encoding(path, None) == ("UTF-8", None)


def test_cpg_that_lies_is_caught(shp):
    with pytest.raises(GeoInputError) as gbk_as_utf8:
        shapefile_encoding(shp(cpg="UTF-8"), None)
    assert gbk_as_utf8.value.code == "upload.encoding_mismatch"
    with pytest.raises(GeoInputError) as utf8_as_gbk:
        shapefile_encoding(shp(encoding="UTF-8", cpg="GBK", folder="u"), None)
    assert utf8_as_gbk.value.code == "upload.encoding_mismatch"
    assert utf8_as_gbk.value.extra["suggested"] == "UTF-8"


def test_given_encoding_is_checked(shp):
    with pytest.raises(GeoInputError) as unknown:
        shapefile_encoding(shp(), "klingon")
    assert (unknown.value.code, unknown.value.status) == ("upload.encoding_unknown", 422)
    with pytest.raises(GeoInputError) as wrong:
        shapefile_encoding(shp(folder="w"), "utf-8")
    assert wrong.value.code == "upload.encoding_mismatch"


def test_unknown_cpg_text_falls_back_to_the_bytes(shp):
    assert shapefile_encoding(shp(encoding="UTF-8", cpg="MYSTERY"), None)[0] == "UTF-8"
