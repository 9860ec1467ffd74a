"""Chinese for boundary uploads (reading hostile files, the upload's life), generations, locate
and 多网合一 merges."""

_FORMATS = "GeoJSON、压缩的 Shapefile、GeoPackage 或 KML"

MESSAGES = {
    "upload.too_large": (
        "文件过大",
        "文件超过上传大小上限。",
        {
            "The file exceeds the upload limit of {limit} bytes.": "文件超过 {limit} 字节的上传上限。",
            "The file exceeds {limit} bytes.": "文件超过 {limit} 字节的上限。",
        },
    ),
    "upload.unsupported_format": (
        "不支持的文件格式",
        f"请上传 {_FORMATS} 文件。",
        {
            "Not a GeoJSON, zipped Shapefile, GeoPackage or KML file.": f"不是 {_FORMATS} 文件。",
            "A Shapefile is several files: zip the .shp, .shx, .dbf, .prj and .cpg together and upload the zip.": "Shapefile 由多个文件组成：请将 .shp、.shx、.dbf、.prj 和 .cpg 一起压缩成 zip 后上传。",
            "RAR and 7z are not accepted: use zip.": "不接受 RAR 和 7z 压缩包：请使用 zip。",
            "Text files must be UTF-8 encoded.": "文本文件必须使用 UTF-8 编码。",
            "GDAL VRT files are not accepted.": "不接受 GDAL VRT 文件。",
            "An SQLite file, but not a GeoPackage.": "这是 SQLite 文件，但不是 GeoPackage。",
            "The zip must hold exactly one Shapefile, GeoPackage, GeoJSON or KML file.": "zip 压缩包中必须恰好包含一个 Shapefile、GeoPackage、GeoJSON 或 KML 文件。",
            "This is {what}, not {expected}: export as GeoJSON, a zipped Shapefile, GeoPackage or KML.": f"这是 {{what}}，不是 {{expected}}：请导出为 {_FORMATS}。",
        },
    ),
    "upload.unreadable": (
        "文件无法读取",
        "文件无法读取。",
        {
            "The file could not be read: {reason}": "文件无法读取：{reason}",
            "The file is not valid JSON: {reason}.": "文件不是有效的 JSON：{reason}。",
            "The GeoPackage is damaged.": "GeoPackage 文件已损坏。",
            "The zip cannot be read: {reason}.": "zip 压缩包无法读取：{reason}。",
            "The {suffix} file in the zip is not one.": "zip 中的 {suffix} 文件并不是该格式。",
        },
    ),
    "upload.empty": (
        "文件为空",
        "文件中没有可用的数据。",
        {
            "The file has no layers.": "文件中没有图层。",
            "The file has no features.": "文件中没有要素。",
        },
    ),
    "upload.layer_missing": (
        "图层不存在",
        "文件中没有所指定的图层。",
        {"No layer {layer}; layers: {names}.": "没有图层 {layer}；现有图层：{names}。"},
    ),
    "upload.geometry_type": (
        "没有面图层",
        "文件中没有面（多边形）数据。",
        {
            "The file has no polygon layer.": "文件中没有面图层。",
            "The file holds no polygons.": "文件中没有面（多边形）要素。",
        },
    ),
    "upload.layer_required": (
        "请指定图层",
        "文件中有多个面图层，请用 layer 参数指定其中一个。",
        {
            "The file has several polygon layers ({names}): name one with layer.": "文件中有多个面图层（{names}）：请用 layer 参数指定其中一个。"
        },
    ),
    "upload.crs_required": (
        "缺少坐标系",
        "文件没有坐标系信息，请填写 crs 参数。",
        {
            "The Shapefile has no .prj: give crs (e.g. EPSG:4490, or EPSG:4547 for CGCS2000 Gauss-Krüger CM 114°E).": "Shapefile 缺少 .prj 文件：请填写 crs 参数（如 EPSG:4490；CGCS2000 高斯-克吕格 中央经线 114°E 为 EPSG:4547）。",
            "The GeoPackage layer has no CRS: give crs.": "GeoPackage 图层没有坐标系：请填写 crs 参数。",
        },
    ),
    "upload.crs_remote": (
        "拒绝外部坐标系链接",
        "GeoJSON 的 “crs” 只接受命名坐标系，不接受链接；请删除它并填写 crs 参数。",
        {
            'Only a named GeoJSON "crs" (e.g. urn:ogc:def:crs:EPSG::4490) is accepted; links are refused. Remove it and give crs instead.': "GeoJSON 的 “crs” 只接受命名坐标系（如 urn:ogc:def:crs:EPSG::4490），不接受链接。请删除它，改为填写 crs 参数。",
            'The GeoJSON "crs" points to {value}: refused.': "GeoJSON 的 “crs” 指向 {value}：已拒绝。",
        },
    ),
    "upload.too_many_features": (
        "要素过多",
        "文件中的要素数量超过上限。",
        {"{total} features; at most {limit}.": "共 {total} 个要素；最多允许 {limit} 个。"},
    ),
    "upload.too_many_vertices": (
        "要素顶点过多",
        "某个要素的顶点数超过上限。",
        {
            "Feature #{index} ({code}) has {count} vertices; at most {limit}.": "要素 #{index}（{code}）有 {count} 个顶点；最多允许 {limit} 个。",
            "Feature #{index} has {count} vertices; at most {limit}.": "要素 #{index} 有 {count} 个顶点；最多允许 {limit} 个。",
        },
    ),
    "upload.features_skipped": (
        "已跳过非面要素",
        "部分要素不是面（多边形），已跳过。",
        {
            "{n} features are not polygons and were skipped: {listed}": "{n} 个要素不是面（多边形），已跳过：{listed}"
        },
    ),
    "upload.kml_entities": (
        "拒绝含实体声明的 KML",
        "含有 DOCTYPE 或实体声明的 KML 文件会被拒绝（防范 XML 实体攻击）。",
    ),
    "upload.gpkg_view": (
        "不接受视图图层",
        "GeoPackage 图层是 SQL 视图或虚拟表，请导出为普通表。",
        {
            "Layer {name} is an SQL view or virtual table; export it as a plain table.": "图层 {name} 是 SQL 视图或虚拟表；请导出为普通表。"
        },
    ),
    "upload.zip_traversal": (
        "压缩包路径不安全",
        "zip 压缩包中含有不安全的路径。",
        {"Unsafe path in the zip: {name}.": "zip 压缩包中有不安全的路径：{name}。"},
    ),
    "upload.zip_link": (
        "压缩包含链接",
        "zip 压缩包中不允许包含链接。",
        {"Links are not allowed in zips: {name}.": "zip 压缩包中不允许包含链接：{name}。"},
    ),
    "upload.zip_encrypted": ("不接受加密压缩包", "不接受加密的 zip 压缩包。"),
    "upload.zip_nested": ("不接受嵌套压缩包", "zip 压缩包中不能再包含压缩包。"),
    "upload.zip_bomb": (
        "疑似压缩炸弹",
        "zip 压缩包解压后体积异常，疑似压缩炸弹。",
        {
            "The zip expands {ratio} times; that looks like a zip bomb.": "zip 压缩包解压后扩大 {ratio} 倍，疑似压缩炸弹。"
        },
    ),
    "upload.zip_too_large": (
        "解压后过大",
        "zip 压缩包解压后超过大小上限。",
        {
            "The zip expands to {total} bytes; at most {limit}.": "zip 压缩包解压后为 {total} 字节；最多允许 {limit} 字节。"
        },
    ),
    "upload.zip_too_many_members": (
        "压缩包文件过多",
        "zip 压缩包中的文件数量超过上限。",
        {
            "The zip holds {count} entries; at most {limit}.": "zip 压缩包中有 {count} 个条目；最多允许 {limit} 个。"
        },
    ),
    "upload.zip_many_layers": (
        "压缩包含多个图层文件",
        "zip 压缩包中有多个图层文件，请只上传一个，或用 layer 参数指定。",
        {
            "The zip holds several Shapefiles ({names}); send one, or name it with layer.": "zip 压缩包中有多个 Shapefile（{names}）；请只上传一个，或用 layer 参数指定。",
            "The zip must hold exactly one Shapefile, GeoPackage, GeoJSON or KML file.": "zip 压缩包中必须恰好包含一个 Shapefile、GeoPackage、GeoJSON 或 KML 文件。",
        },
    ),
    "upload.shapefile_incomplete": (
        "Shapefile 不完整",
        "zip 中的 Shapefile 缺少必需的文件。",
        {
            "The Shapefile in the zip lacks its {missing} file.": "zip 中的 Shapefile 缺少 {missing} 文件。"
        },
    ),
    "upload.code_field_missing": (
        "找不到编码字段",
        "没有字段包含边界编码，请用 code_field 参数指定。",
        {
            "No column holds the boundary codes; name it with code_field. Columns: {columns}.": "没有字段包含边界编码，请用 code_field 参数指定。现有字段：{columns}。"
        },
    ),
    "upload.field_missing": (
        "字段不存在",
        "文件中没有所指定的字段。",
        {
            "The file has no column {column} (given as the {role} field); columns: {columns}.": "文件中没有字段 {column}（作为 {role} 字段指定）；现有字段：{columns}。"
        },
    ),
    "upload.encoding_unknown": (
        "无法识别的编码",
        "无法识别该字符编码；中文 Shapefile 通常为 GBK 或 UTF-8。",
        {
            "Unknown encoding {encoding}; Chinese Shapefiles are usually GBK or UTF-8.": "无法识别的编码 {encoding}；中文 Shapefile 通常为 GBK 或 UTF-8。"
        },
    ),
    "upload.encoding_required": (
        "请指定字符编码",
        "属性文本不是 UTF-8，且没有 .cpg 文件说明其编码：请填写 encoding 参数。",
        {
            "The attribute text is not UTF-8 and no .cpg says what it is: give encoding (it reads as GBK, the usual Chinese Windows encoding).": "属性文本不是 UTF-8，且没有 .cpg 文件说明其编码：请填写 encoding 参数（按 GBK 可以读出，GBK 是中文 Windows 的常用编码）。",
            "The attribute text is not UTF-8 and no .cpg says what it is: give encoding.": "属性文本不是 UTF-8，且没有 .cpg 文件说明其编码：请填写 encoding 参数。",
        },
    ),
    "upload.encoding_mismatch": (
        "字符编码不符",
        "属性文本与所声明的字符编码不符。",
        {
            "The attribute text is UTF-8, not {codec} (from {source}); give encoding=UTF-8.": "属性文本是 UTF-8，不是 {codec}（依据：{source}）；请填写 encoding=UTF-8。",
            "The attribute text is not valid {codec} (from {source}); give the right encoding (often GBK or UTF-8).": "属性文本不是有效的 {codec}（依据：{source}）；请填写正确的编码（通常为 GBK 或 UTF-8）。",
        },
    ),
    "upload.encoding": (
        "属性文本编码",
        "已识别属性文本的字符编码。",
        {
            "Attributes read as {codec}, from {source}.": "属性文本按 {codec} 读取（依据：{source}）。"
        },
    ),
    "upload.layer_not_allowed": ("不能指定图层", "只有网格（level=grid）上传才能指定图层。"),
    "upload.not_ready": ("上传仍在处理中", "上传的文件仍在处理中，请稍后再试。"),
    "upload.has_errors": ("校验报告有错误", "校验报告中有错误：请修正文件后重新上传。"),
    "upload.processing_error": ("处理失败", "处理文件时发生意外错误。"),
    "upload.too_many_attempts": ("多次处理失败", "文件处理多次失败，已停止重试。"),
    "upload.level_forbidden": (
        "无权修改该级边界",
        "区县和乡镇边界由区县修改。",
        {"{level} boundaries are changed by the county.": "{level}边界由区县修改。"},
    ),
    "upload.out_of_scope": (
        "超出管辖范围",
        "部分区划超出您的管辖范围。",
        {
            "{n} area(s) lie outside your scope, e.g. {code}.": "有 {n} 个区划超出您的管辖范围，例如 {code}。"
        },
    ),
    "scope.outside": (
        "超出管辖范围",
        "该要素超出您的管辖范围。",
        {"{code} lies outside your scope ({prefix}).": "{code} 超出您的管辖范围（{prefix}）。"},
    ),
    # generations, areas, locate
    "generation.not_found": (
        "边界版本不存在",
        "找不到该边界版本。",
        {
            "generation {generation} does not exist": "边界版本 {generation} 不存在",
            "no boundaries were published before that time": "该时间之前没有发布过边界",
        },
    ),
    "locate.outside_coverage": ("不在任何区划内", "该位置不在任何已发布的边界范围内。"),
    "locate.too_many_points": (
        "点数过多",
        "单次请求的点数超过上限。",
        {"At most {limit} points per request.": "每次请求最多 {limit} 个点。"},
    ),
    # 多网合一
    "merge.several_counties": ("跨区县合并", "请一次只合并同一区县的乡镇。"),
    "merge.no_villages": ("没有村（社区）边界", "这些乡镇没有已发布的村（社区）边界。"),
    "merge.layer_invalid": ("图层不能合并", "请合并专业网格图层，而不是综合网格图层。"),
    "merge.layer_empty": (
        "图层为空",
        "该图层在此范围内没有已发布的网格。",
        {
            "Layer {layer} has no published cells there.": "图层 {layer} 在此范围内没有已发布的网格。",
            "The proposed layer has no published cells there.": "拟定图层在此范围内没有已发布的网格。",
        },
    ),
    "merge.geometry_invalid": (
        "几何数据无效",
        "随合并请求提交的道路或住户点几何数据无效。",
        {
            "{field} must hold only {kinds} geometries.": "{field} 只能包含 {kinds} 类型的几何。",
        },
    ),
    "merge.geometry_too_large": (
        "几何数据过大",
        "随合并请求提交的道路或住户点数据过大。",
        {
            "{field} has {count} vertices; at most {limit} are accepted.": "{field} 有 {count} 个节点，最多接受 {limit} 个。",
        },
    ),
    "merge.rules_invalid": (
        "网格规模规则有误",
        "网格规模规则有误，请检查户数范围和面积上限。",
        {
            "unknown size rule {key}": "未知的规模规则 {key}",
            "size rule {key}: min_households must be in 1..max_households": "规模规则 {key}：最少户数须在 1 到最多户数之间",
            "size rule {key}: max_area_km2 must be positive": "规模规则 {key}：面积上限须大于 0",
            "every village needs a code to number its grids": "每个村（社区）都须有编码，才能给网格编号",
            "no village has a usable geometry": "没有可用边界的村（社区）",
            "village {code} would get more than 999 grids": "村（社区）{code} 的网格将超过 999 个",
        },
    ),
    "merge.has_errors": ("合并结果有错误", "该合并没有生成可发布的综合网格图层（校验有错误）。"),
    "merge.nothing_to_publish": ("没有可发布的图层", "该合并没有生成可发布的综合网格图层。"),
    "merge.client_id_reused": (
        "client_id 已被使用",
        "该 client_id 已用于另一次不同的合并，新合并请生成新的 UUID。",
        {
            "client_id {id} was already used for a different merge; generate a new UUID for a "
            "new merge.": "client_id {id} 已用于另一次不同的合并；新合并请生成新的 UUID。"
        },
    ),
    "merge.no_draft": ("没有草稿", "该合并没有生成综合网格草稿，无法下载或编辑。"),
    "merge.already_published": (
        "草稿已发布",
        "该合并的草稿已经发布，不能再编辑；请将修改后的图层作为新的边界上传。",
    ),
    "merge.edit_outside_townships": (
        "超出合并范围",
        "要素超出本次合并的乡镇范围。",
        {"{code} lies outside the merged townships.": "{code} 超出本次合并的乡镇范围。"},
    ),
    "upload.merge_edit": ("请发布合并", "该上传是对合并草稿的修改，请通过合并发布。"),
    "merge.not_ready": ("合并仍在进行", "合并仍在后台进行，请在状态为完成后再试。"),
    "merge.failed": ("合并失败", "该合并失败，请查看错误原因后重新合并。"),
    "merge.processing_error": ("合并失败", "合并时发生意外错误。"),
    "merge.too_many_attempts": ("多次合并失败", "合并多次失败，已停止重试。"),
    "publish.processing_error": ("发布失败", "发布边界版本时发生意外错误。"),
    "publish.too_many_attempts": ("多次发布失败", "发布多次失败，已停止重试。"),
}
