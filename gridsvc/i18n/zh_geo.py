"""Chinese for ``gridsvc.geo``: reading boundary files, CRS and coordinates, and the findings of
a boundary validation report (upload reports, zone checks)."""

_SHP_HINT = "EPSG:4547 for CGCS2000 Gauss-Krüger CM 114°E"

MESSAGES = {
    # coordinates and CRS
    "coordinates.out_of_range": (
        "坐标无效",
        "坐标不在有效范围内。",
        {
            "({lon}, {lat}) lies outside China.": "坐标（{lon}, {lat}）位于中国境外。",
            "({lon}, {lat}) is not a lon/lat pair.": "（{lon}, {lat}）不是有效的经纬度坐标。",
            "{value} is not a coordinate.": "{value} 不是坐标。",
            "{value} is not a number.": "{value} 不是数字。",
            "lon and lat must be finite numbers.": "经度 lon 和纬度 lat 必须是有限数值。",
        },
    ),
    "coordinates.swapped": (
        "经纬度顺序颠倒",
        "坐标看起来是（纬度, 经度）顺序，请按 GeoJSON 的习惯先经度后纬度。",
        {
            "({lon}, {lat}) looks like (lat, lon): send longitude first, as GeoJSON does.": "（{lon}, {lat}）看起来是（纬度, 经度）顺序：请按 GeoJSON 的习惯先发经度。",
        },
    ),
    "crs.unknown": (
        "坐标系无法识别",
        "无法识别该坐标系，请给出 EPSG 代码（如 EPSG:4490、EPSG:4547）、GCJ02 或 BD09。",
        {
            "Unknown crs {value}: give an EPSG code (e.g. EPSG:4490, EPSG:4547), GCJ02 or BD09.": "无法识别的坐标系 {value}：请给出 EPSG 代码（如 EPSG:4490、EPSG:4547）、GCJ02 或 BD09。",
            "Unknown crs {value}.": "无法识别的坐标系 {value}。",
            "EPSG:{code} ({name}) is not a 2D geographic or projected CRS.": "EPSG:{code}（{name}）不是二维地理坐标系或投影坐标系。",
            "EPSG:{code} is not a known CRS.": "EPSG:{code} 不是已知的坐标系。",
            "The file's CRS definition cannot be read.": "无法读取文件中的坐标系定义。",
            'The GeoJSON "crs" {value} is not usable: give crs.': "GeoJSON 的 “crs” {value} 无法使用：请填写 crs 参数。",
        },
    ),
    "crs.unsupported": (
        "不支持的设备坐标系",
        "该坐标系不是手机设备使用的坐标系。",
        {
            "crs {crs} is not a device coordinate system; use one of {choices}.": "坐标系 {crs} 不是设备坐标系，请使用以下之一：{choices}。",
        },
    ),
    "crs.mismatch": (
        "坐标与坐标系不符",
        "坐标与所声明的坐标系不符，请检查文件的坐标系或填写 crs 参数。",
        {
            "The coordinates (x {x0}-{x1}) do not fit {crs} nor EPSG:{candidate}; check the file's CRS or give crs.": "坐标（x {x0}-{x1}）既不符合 {crs}，也不符合 EPSG:{candidate}：请检查文件的坐标系或填写 crs 参数。",
            "The coordinates (x {x0}-{x1}) do not fit {crs}; check the file's CRS or give crs.": "坐标（x {x0}-{x1}）不符合 {crs}：请检查文件的坐标系或填写 crs 参数。",
            "{crs} coordinates are longitude/latitude in China; these are not.": "{crs} 坐标应为中国境内的经纬度，而这些坐标不是。",
        },
    ),
    "crs.datum_approximate": (
        "基准面转换为近似值",
        "该坐标系的基准面只能近似转换到 WGS84（误差可达数十米）。",
        {
            "{crs} uses the {datum} datum, which PROJ can only shift to WGS84 approximately (tens of metres); reproject to CGCS2000 in your GIS for exact boundaries.": "{crs} 使用 {datum} 基准面，PROJ 只能将其近似转换到 WGS84（误差可达数十米）；如需精确边界，请先在 GIS 软件中转换为 CGCS2000。",
        },
    ),
    "crs.gk_zone_corrected": (
        "高斯-克吕格分带已自动更正",
        "声明的坐标系与东坐标的带号不符，已按实际分带读取。",
        {
            "Declared {declared} but the eastings carry a zone prefix (x {x0}-{x1}); read as {used}.": "声明为 {declared}，但东坐标带有带号前缀（x {x0}-{x1}）；已按 {used} 读取。",
            "Declared {declared} but the eastings lack the zone prefix (x {x0}-{x1}); read as {used}.": "声明为 {declared}，但东坐标缺少带号前缀（x {x0}-{x1}）；已按 {used} 读取。",
        },
    ),
    "crs.declared_overrides_file": (
        "按所填坐标系读取",
        "已按请求中填写的坐标系读取，而非文件自带的坐标系。",
        {
            "The file says {file}; read as {declared} because crs was given.": "文件标注为 {file}；因填写了 crs 参数，已按 {declared} 读取。",
        },
    ),
    "geometry.invalid_geojson": (
        "GeoJSON 几何无效",
        "不是有效的 GeoJSON 几何对象。",
        {
            "Expected a GeoJSON geometry, got {kind} (send its geometry member).": "应为 GeoJSON 几何对象，收到的是 {kind}（请发送其中的 geometry 成员）。",
            "Expected a GeoJSON geometry, got {kind}.": "应为 GeoJSON 几何对象，收到的是 {kind}。",
            "Not a valid GeoJSON geometry: {reason}.": "不是有效的 GeoJSON 几何对象：{reason}。",
            "Coordinates must be finite numbers.": "坐标必须是有限数值。",
            "location must be a GeoJSON Point.": "location 必须是 GeoJSON 点（Point）。",
            "Point coordinates must be 2 or 3 finite numbers.": "点坐标必须是 2 个或 3 个有限数值。",
        },
    ),
    # validation findings
    "geometry.empty": (
        "几何为空",
        "要素没有几何图形。",
        {"{label} has no geometry.": "{label} 没有几何图形。"},
    ),
    "geometry.invalid": (
        "几何无效",
        "要素的几何图形无效。",
        {
            "{label} has non-finite (NaN or infinite) coordinates.": "{label} 含有非有限坐标（NaN 或无穷大）。",
            "{label} has an invalid geometry ({reason}), with no polygonal part to keep.": "{label} 的几何图形无效（{reason}），且没有可保留的面状部分。",
            "{label} has an invalid geometry ({reason}); upload again with repair to fix it automatically.": "{label} 的几何图形无效（{reason}）；勾选 repair（自动修复）后重新上传即可自动修复。",
            "{label} has a {type} geometry, not a Polygon or MultiPolygon, with no polygonal part to keep.": "{label} 是 {type} 几何，不是面（Polygon/MultiPolygon），且没有可保留的面状部分。",
            "{label} has a {type} geometry, not a Polygon or MultiPolygon; upload again with repair to fix it automatically.": "{label} 是 {type} 几何，不是面（Polygon/MultiPolygon）；勾选 repair（自动修复）后重新上传即可自动修复。",
        },
    ),
    "geometry.repaired": (
        "几何已自动修复",
        "要素的几何图形无效，已用 make_valid 修复（保留面状部分）。",
        {
            "{label} had an invalid geometry ({reason}); repaired with make_valid (polygonal parts kept).": "{label} 的几何图形无效（{reason}）；已用 make_valid 修复（保留面状部分）。",
            "{label} had a {type} geometry, not a Polygon or MultiPolygon; repaired with make_valid (polygonal parts kept).": "{label} 是 {type} 几何，不是面（Polygon/MultiPolygon）；已用 make_valid 修复（保留面状部分）。",
        },
    ),
    "code.missing": (
        "缺少编码",
        "要素没有编码。",
        {"Feature {label} has no code.": "要素 {label} 没有编码。"},
    ),
    "code.malformed": (
        "编码格式错误",
        "要素编码的格式不正确。",
        {
            "Code {code} must consist of digits only.": "编码 {code} 只能由数字组成。",
            "Code {code} has {n} digits; a {level} code has {expected}.": "编码 {code} 有 {n} 位；{level}编码应为 {expected} 位。",
            "Code {code} does not start with a province code (11–82).": "编码 {code} 不是以省级代码（11–82）开头。",
            "Code {code} names a province or prefecture, not a county.": "编码 {code} 是省级或地级编码，不是区县编码。",
            "Code {code} ends in 000, which is the code of its parent, not a {level}.": "编码 {code} 以 000 结尾，这是其上级的编码，不是{level}编码。",
        },
    ),
    "code.parent_mismatch": (
        "编码与上级不符",
        "要素编码没有以其上级编码开头。",
        {
            "{label} does not extend its parent's code {declared} (its own prefix is {prefix}); a {level} code starts with its {parent_level}'s code.": "{label} 的编码没有以上级编码 {declared} 开头（其前缀为 {prefix}）；{level}编码应以所属{parent_level}的编码开头。",
        },
    ),
    "code.duplicate": (
        "编码重复",
        "多个要素使用了同一编码，编码必须唯一。",
        {
            "Code {code} is used by {count} features ({features}); codes must be unique.": "编码 {code} 被 {count} 个要素使用（{features}）；编码必须唯一。",
        },
    ),
    "parent.unknown": (
        "上级区划不存在",
        "要素的上级区划不在现行边界中。",
        {
            "{label}'s parent {level} {parent} is not among the current {level2} boundaries.": "{label} 的上级{level} {parent} 不在现行{level2}边界中。",
        },
    ),
    "coverage.overlap": (
        "要素相互重叠",
        "两个要素相互重叠。",
        {"{a} and {b} overlap by {area}.": "{a} 与 {b} 重叠 {area}。"},
    ),
    "coverage.sliver_overlap": (
        "细小重叠",
        "两个要素有细小重叠。",
        {
            "{a} and {b} overlap by {area} (a sliver under {limit}).": "{a} 与 {b} 重叠 {area}（细小重叠，小于 {limit}）。",
        },
    ),
    "coverage.gap": (
        "存在缝隙",
        "有区域未被任何要素覆盖。",
        {
            "A gap of {area} between the layer's features is covered by no feature (next to {near}).": "图层要素之间有 {area} 的缝隙未被任何要素覆盖（邻近 {near}）。",
            "A gap of {area} between the layer's features is covered by no feature.": "图层要素之间有 {area} 的缝隙未被任何要素覆盖。",
            "A gap of {area} inside {parent} is covered by no feature (next to {near}).": "{parent} 内有 {area} 的缝隙未被任何要素覆盖（邻近 {near}）。",
            "A gap of {area} inside {parent} is covered by no feature.": "{parent} 内有 {area} 的缝隙未被任何要素覆盖。",
        },
    ),
    "coverage.sliver_gap": (
        "细小缝隙",
        "存在细小缝隙。",
        {
            "{n} sliver gap(s) between the layer's features totalling {total} (largest {largest}, each under {limit}).": "图层要素之间有 {n} 处细小缝隙，合计 {total}（最大 {largest}，每处均小于 {limit}）。",
            "{n} sliver gap(s) inside {parent} totalling {total} (largest {largest}, each under {limit}).": "{parent} 内有 {n} 处细小缝隙，合计 {total}（最大 {largest}，每处均小于 {limit}）。",
        },
    ),
    "cell.outside_parent": (
        "超出上级范围",
        "要素有部分超出其上级区划。",
        {
            "{area} of {label} ({share}) lies outside its parent {parent} (tolerance {tolerance}).": "{label} 有 {area}（{share}）超出其上级 {parent}（容差 {tolerance}）。",
        },
    ),
    "extent.swapped_axes": (
        "经纬度顺序颠倒",
        "图层坐标为（纬度, 经度）顺序，请交换坐标轴（经度在前）后重新上传。",
        {
            "The layer has (lat, lon) coordinates: {span}; swap the axes (or export lon/lat in GeoJSON order) and upload again.": "图层坐标为（纬度, 经度）顺序：{span}；请交换坐标轴（或按 GeoJSON 顺序导出经纬度）后重新上传。",
            "{label} has (lat, lon) coordinates (bounds {bounds}); swap the axes (or export lon/lat in GeoJSON order) and upload again.": "{label} 的坐标为（纬度, 经度）顺序（范围 {bounds}）；请交换坐标轴（或按 GeoJSON 顺序导出经纬度）后重新上传。",
            "The layer has (lat, lon) coordinates: bounds ({bounds}); China is lon {lon}, lat {lat}; swap the axes (lon first) and upload again.": "图层坐标为（纬度, 经度）顺序：范围（{bounds}）；中国的经度范围为 {lon}，纬度范围为 {lat}；请交换坐标轴（经度在前）后重新上传。",
        },
    ),
    "extent.outside_china": (
        "坐标位于中国境外",
        "图层坐标位于中国境外，请检查坐标系（是否为投影坐标或 EPSG 代码有误）。",
        {
            "The layer lies outside China: {span}; check the CRS (projected metres or a wrong EPSG code?).": "图层位于中国境外：{span}；请检查坐标系（是否为以米为单位的投影坐标，或 EPSG 代码有误？）。",
            "{label} lies outside China (bounds {bounds}); check the CRS (projected metres or a wrong EPSG code?).": "{label} 位于中国境外（范围 {bounds}）；请检查坐标系（是否为以米为单位的投影坐标，或 EPSG 代码有误？）。",
            "The layer lies outside China: bounds ({bounds}); China is lon {lon}, lat {lat}; check the CRS (projected metres, or a wrong EPSG code?).": "图层位于中国境外：范围（{bounds}）；中国的经度范围为 {lon}，纬度范围为 {lat}；请检查坐标系（是否为以米为单位的投影坐标，或 EPSG 代码有误？）。",
            "The layer holds non-finite coordinates: bounds ({bounds}); China is lon {lon}, lat {lat}; check the CRS (projected metres, or a wrong EPSG code?).": "图层含有非有限坐标：范围（{bounds}）；中国的经度范围为 {lon}，纬度范围为 {lat}；请检查坐标系。",
        },
    ),
    "grid.size_households": (
        "网格户数超出指导范围",
        "网格户数不在指导范围内。",
        {
            "{label} has {n} households; the guideline is {range} per grid.": "{label} 有 {n} 户；指导标准为每个网格 {range} 户。",
        },
    ),
    "grid.size_area": (
        "网格面积过大",
        "网格面积超过指导标准。",
        {
            "{label} covers {area} km², more than the {limit} km² guideline.": "{label} 面积 {area} 平方公里，超过 {limit} 平方公里的指导标准。",
        },
    ),
    # 多网合一 derivation: a grid the grouping could not bring into its size range, and why
    # (the reasons of gridsvc/geo/derive.py FLAG_REASONS, each written out).
    "grid.size_outside_target": (
        "网格规模超出目标范围",
        "该网格的户数或面积不在目标范围内。",
        {
            "{code} has {households} households ({kind}): sparse village: the grid keeps under the area cap with fewer households.": "{code} 有 {households} 户（{kind}）：村庄稀疏，为不超过面积上限，网格户数偏少。",
            "{code} has {households} households ({kind}): the whole village has fewer households than a grid's minimum.": "{code} 有 {households} 户（{kind}）：整个村（社区）的户数不足一个网格的下限。",
            "{code} has {households} households ({kind}): a single overlay piece exceeds the maximum households or area; no layer's boundary or street cuts it.": "{code} 有 {households} 户（{kind}）：单个叠加图斑已超过户数或面积上限，且没有任何图层边界或道路可将其分开。",
            "{code} has {households} households ({kind}): the pieces of the village could not be grouped closer to the range.": "{code} 有 {households} 户（{kind}）：该村（社区）的图斑无法组合得更接近目标范围。",
        },
    ),
}
