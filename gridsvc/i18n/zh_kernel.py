"""Chinese for the shared kernel: HTTP statuses, request checks, idempotency, the server, and
the words (statuses, roles, actions) that details carry as values.

Each entry: ``code: (title, general detail, {English detail pattern: Chinese})``.
"""

STATUS_TITLES = {
    400: "请求有误",
    401: "未登录或登录已失效",
    403: "无权操作",
    404: "未找到",
    405: "不支持该请求方法",
    406: "无法提供所要求的格式",
    409: "操作冲突",
    412: "数据已被修改",
    413: "请求内容过大",
    414: "请求地址过长",
    415: "不支持的内容类型",
    422: "提交的内容有误",
    428: "缺少前提条件",
    429: "请求过于频繁",
    431: "请求头过大",
    500: "服务器内部错误",
    503: "服务暂时不可用",
}

#: Words that details carry as values (``{status}``, ``{role}``, ``{action}``), in Chinese.
VALUES = {
    # village kinds of the 多网合一 size rules
    "urban": "城镇",
    "rural": "农村",
    # incident and case statuses (DESIGN §4)
    "reported": "已上报",
    "accepted": "已立案",
    "rejected": "不予立案",
    "duplicate": "重复上报",
    "dispatched": "已派遣",
    "in_progress": "处置中",
    "resolved": "已处置",
    "verified": "已核查",
    "closed": "已结案",
    "reopened": "返工",
    "evaluated": "已评价",
    "returned": "已退回",
    "triage": "待分拨",
    # call statuses and actions
    "called": "已呼叫",
    "analysed": "已研判",
    "responded": "已答复",
    "completed": "已办结",
    "analyse": "研判",
    "rate_department": "评价部门",
    "rate_township": "评价乡镇",
    "dismiss_duplicate": "排除重复",
    "fail_verification": "核查不通过",
    "accept": "受理（立案）",
    "reject": "不予受理",
    "dispatch": "派遣",
    "assign": "指派",
    "start": "开始处置",
    "resolve": "处置反馈",
    "verify": "核查",
    "close": "结案",
    "evaluate": "评价",
    "return": "退回",
    "respond": "答复",
    "call_county": "乡呼县应",
    "mark_duplicate": "标记为重复",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "deny_extension": "驳回延期",
    # roles and parties
    "admin": "管理员",
    "supervisor": "督查员",
    "county_dispatcher": "县级调度员",
    "department_handler": "部门承办人",
    "team_lead": "队长",
    "officer": "执法队员",
    "grid_worker": "网格员",
    "gis_staff": "GIS 人员",
    "township_team": "乡镇执法队",
    "county_department": "县级部门",
    "stationed_agency": "派驻机构",
    "handler": "承办方",
    "field": "网格员",
    "township team": "乡镇执法队",
    "county department": "县级部门",
    "department": "部门",
    "township": "乡镇",
    "county": "区县",
    "global": "全局",
    "village": "村（社区）",
    "grid": "网格",
    "access": "访问",
    "refresh": "刷新",
    # marshmallow's {obj_type} and {awareness}
    "datetime": "日期时间",
    "date": "日期",
    "time": "时间",
    "aware": "带时区的",
    "naive": "不带时区的",
    "integer": "整数",
    "number": "数字",
    "string": "字符串",
    "boolean": "布尔值",
    "evidence": "处置证据",
    "report": "上报",
}

MESSAGES = {
    # the HTTP statuses, when nothing more precise is known
    "request.bad_request": ("请求有误", "请求格式不正确，请检查后重试。"),
    "auth.unauthorized": ("未登录或登录已失效", "请先登录。"),
    "auth.forbidden": ("无权操作", "您没有执行此操作的权限。"),
    "not_found": ("未找到", "找不到所请求的资源，或您无权查看。"),
    "request.method_not_allowed": ("不支持该请求方法", "该地址不支持此请求方法。"),
    "request.not_acceptable": ("无法提供所要求的格式", "服务无法以请求的格式返回结果。"),
    "conflict": ("操作冲突", "该操作与当前数据状态冲突。"),
    "request.precondition_failed": ("数据已被修改", "数据在您读取后已被修改，请重新读取后再试。"),
    "request.too_large": (
        "请求内容过大",
        "请求内容超过了大小上限。",
        {
            "The request body exceeds the limit of {limit} bytes for this endpoint.": "请求内容超过本接口 {limit} 字节的上限。",
            "The request body exceeds the limit of {limit} bytes.": "请求内容超过 {limit} 字节的上限。",
        },
    ),
    "request.unsupported_media_type": ("不支持的内容类型", "不支持该请求内容类型。"),
    "request.validation_failed": (
        "提交的内容有误",
        "提交的内容未通过校验，请按 errors 中的提示修改。",
        {
            "A department entry names its department.": "由部门负责的事项必须填写负责部门。",
            "The item is not valid.": "该条目未通过校验。",
        },
    ),
    "request.precondition_required": ("缺少前提条件", "此请求需要前提条件请求头。"),
    "request.rate_limited": (
        "请求过于频繁",
        "请求过于频繁，请稍后再试。",
        {
            "Rate limit exceeded ({limit}). Try again later.": "请求过于频繁（限额：{limit}），请稍后再试。"
        },
    ),
    "server.internal_error": ("服务器内部错误", "服务器发生意外错误，已记录日志，请稍后再试。"),
    "server.unavailable": ("服务暂时不可用", "服务暂时不可用，请稍后再试。"),
    "http.414": ("请求地址过长", "请求地址（URL）过长。"),
    "http.431": ("请求头过大", "请求头过大。"),
    # the database
    "server.database_unavailable": (
        "数据库暂时无法连接",
        "数据库暂时无法连接，请按 Retry-After 给出的秒数等待后重试。",
    ),
    "server.not_ready": (
        "服务尚未就绪",
        "数据库尚未就绪，请稍后重试。",
        {"database not ready: {error}": "数据库尚未就绪：{error}"},
    ),
    "server.database_busy": ("数据库繁忙", "数据库暂时无法完成该请求，请按给出的秒数等待后重试。"),
    "server.database_timeout": (
        "数据库查询超时",
        "数据库语句执行超过时限，已被取消，请按 Retry-After 给出的秒数等待后重试。",
    ),
    # ETag / If-Match
    "request.if_match_required": (
        "缺少 If-Match 请求头",
        "修改数据时需要带上 If-Match 请求头，其值为上次读取时的 ETag。",
    ),
    "request.etag_mismatch": ("数据已被他人修改", "数据在您读取后已被修改，请重新读取后再试。"),
    # hostile or malformed input
    "request.malformed_json": (
        "JSON 格式错误",
        "请求体不是有效的 JSON。",
        {"The body is not valid JSON: {reason}.": "请求体不是有效的 JSON：{reason}。"},
    ),
    "request.too_deep": (
        "JSON 嵌套过深",
        "JSON 请求体嵌套层数过多。",
        {
            "The JSON body is nested more than {depth} levels deep.": "JSON 请求体嵌套超过 {depth} 层。"
        },
    ),
    "request.uri_too_long": (
        "网址过长",
        "请求的网址过长。",
        {
            "The URL is longer than {limit} bytes; send filters in a body.": "网址长度超过 {limit} 字节，请把筛选条件放在请求体中发送。"
        },
    ),
    "request.headers_too_large": (
        "请求头过大",
        "请求头的字段过多或过长。",
        {
            "Send at most {count} header fields of at most {size} bytes each.": "请求头最多 {count} 个字段，每个字段不超过 {size} 字节。"
        },
    ),
    "request.invalid_text": (
        "文本中含有无法保存的字符",
        "提交的文本中含有无法保存的字符。",
        {
            "The {location} parameter {name} must not contain a NUL character (U+0000).": "参数 {name}（{location}）不能包含 NUL 字符（U+0000）。",
            "The {location} parameter {name} must not contain a lone surrogate (U+D800 to U+DFFF).": "参数 {name}（{location}）不能包含孤立的代理字符（U+D800 至 U+DFFF）。",
            "The value at {pointer} has a name that must not contain a NUL character (U+0000).": "位于 {pointer} 的字段名不能包含 NUL 字符（U+0000）。",
            "The value at {pointer} has a name that must not contain a lone surrogate (U+D800 to U+DFFF).": "位于 {pointer} 的字段名不能包含孤立的代理字符（U+D800 至 U+DFFF）。",
            "The value at {pointer} must not contain a NUL character (U+0000).": "位于 {pointer} 的值不能包含 NUL 字符（U+0000）。",
            "The value at {pointer} must not contain a lone surrogate (U+D800 to U+DFFF).": "位于 {pointer} 的值不能包含孤立的代理字符（U+D800 至 U+DFFF）。",
        },
    ),
    "request.number_out_of_range": (
        "数值超出范围",
        "提交的数值超出可接受的范围。",
        {
            "The value at {pointer} is out of range (at most ±{limit}).": "位于 {pointer} 的数值超出范围（绝对值最大 {limit}）。",
            "The value at {pointer} must be a finite number.": "位于 {pointer} 的值必须是有限数值。",
        },
    ),
    "request.invalid_cursor": ("分页游标无效", "分页游标（cursor）无效，请从第一页重新读取。"),
    # idempotency
    "idempotency.key_invalid": (
        "幂等键无效",
        "Idempotency-Key 请求头格式不正确。",
        {
            "{header} must be 1-{max} printable characters (a UUID is ideal).": "{header} 必须是 1 到 {max} 个可打印字符（最好使用 UUID）。"
        },
    ),
    "idempotency.key_reused": (
        "幂等键已被使用",
        "该幂等键已用于另一个不同的请求，新数据请使用新的键。",
        {
            "This {header} was used for a different request; use a new key for new data.": "该 {header} 已用于另一个不同的请求，新数据请使用新的键。"
        },
    ),
    "idempotency.in_progress": ("请求正在处理", "使用该幂等键的请求仍在处理中，请稍后重试。"),
}
