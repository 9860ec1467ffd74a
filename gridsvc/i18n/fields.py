"""Field-level messages in Chinese: marshmallow's and webargs' own, and the rooms' short ones.

Marshmallow and webargs write their messages from templates (``Length must be between {min}
and {max}.``); the same pattern matching as the code catalogue carries the values across.
``tests/test_i18n_fields.py`` walks marshmallow's fields and validators and fails when one of
their default messages has no Chinese here.
"""

from __future__ import annotations

from gridsvc.i18n.catalogue import carried, english_pattern, fill, most_specific_first
from gridsvc.i18n.zh_kernel import VALUES

#: English template (marshmallow's own wording, its placeholders kept) -> Chinese.
FIELD_MESSAGES: dict[str, str] = {
    # marshmallow.fields: default_error_messages
    "Missing data for required field.": "缺少必填字段。",
    "Field may not be null.": "该字段不能为空（null）。",
    "Invalid value.": "值无效。",
    "Not a valid {obj_type}.": "不是有效的{obj_type}。",
    "Not a valid {awareness} {obj_type}.": "不是有效的{awareness}{obj_type}。",
    '"{input}" cannot be formatted as a {obj_type}.': "“{input}”无法格式化为{obj_type}。",
    "Not a valid boolean.": "不是有效的布尔值（true/false）。",
    "Not a valid date.": "不是有效的日期。",
    '"{input}" cannot be formatted as a date.': "“{input}”无法格式化为日期。",
    "Special numeric values (nan or infinity) are not permitted.": "不允许特殊数值（NaN 或无穷大）。",
    "Not a valid mapping type.": "不是有效的对象（键值对）。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid list.": "不是有效的列表。",
    "Invalid type.": "类型无效。",
    "Not a valid number.": "不是有效的数字。",
    "Number too large.": "数值过大。",
    "Not a valid string.": "不是有效的字符串。",
    "Not a valid utf-8 string.": "不是有效的 UTF-8 字符串。",
    "Not a valid period of time.": "不是有效的时长。",
    "{input} cannot be formatted as a timedelta.": "{input} 无法格式化为时长。",
    "Not a valid tuple.": "不是有效的元组。",
    "Not a valid UUID.": "不是有效的 UUID。",
    "Not a valid email address.": "不是有效的电子邮箱地址。",
    "Not a valid URL.": "不是有效的网址（URL）。",
    "Not a valid IP address.": "不是有效的 IP 地址。",
    "Not a valid IP interface.": "不是有效的 IP 接口。",
    "Not a valid IPv4 address.": "不是有效的 IPv4 地址。",
    "Not a valid IPv4 interface.": "不是有效的 IPv4 接口。",
    "Not a valid IPv6 address.": "不是有效的 IPv6 地址。",
    "Not a valid IPv6 interface.": "不是有效的 IPv6 接口。",
    # marshmallow.Schema
    "Invalid input type.": "输入类型无效。",
    "Unknown field.": "未知字段。",
    # marshmallow.validate
    "Must be one of: {choices}.": "必须是以下之一：{choices}。",
    "One or more of the choices you made was in: {values}.": "所选的值中有不允许的：{values}。",
    "One or more of the choices you made was not in: {choices}.": "所选的值中有不在可选范围内的：{choices}。",
    "Must be equal to {other}.": "必须等于 {other}。",
    "Shorter than minimum length {min}.": "长度不能少于 {min}。",
    "Longer than maximum length {max}.": "长度不能超过 {max}。",
    "Length must be between {min} and {max}.": "长度必须在 {min} 到 {max} 之间。",
    "Length must be {equal}.": "长度必须为 {equal}。",
    "Invalid input.": "输入无效。",
    "String does not match expected pattern.": "字符串不符合要求的格式。",
    # Range composes its message from operator words; these are all the forms it can write.
    "Must be greater than or equal to {min}.": "必须大于或等于 {min}。",
    "Must be greater than {min}.": "必须大于 {min}。",
    "Must be less than or equal to {max}.": "必须小于或等于 {max}。",
    "Must be less than {max}.": "必须小于 {max}。",
    "Must be greater than or equal to {min} and less than or equal to {max}.": "必须在 {min} 到 {max} 之间（含）。",
    "Must be greater than or equal to {min} and less than {max}.": "必须大于或等于 {min} 且小于 {max}。",
    "Must be greater than {min} and less than or equal to {max}.": "必须大于 {min} 且小于或等于 {max}。",
    "Must be greater than {min} and less than {max}.": "必须大于 {min} 且小于 {max}。",
    # webargs
    "Invalid JSON body.": "JSON 请求体无效。",
    "Not a valid delimited list.": "不是有效的分隔列表。",
    "Not a valid delimited tuple.": "不是有效的分隔元组。",
    # the rooms' own short field messages
    "required": "必填",
    "required for this action": "此操作必填",
    "required for call_county": "呼叫县级部门时必填",
    "required when rejecting": "拒绝时必填",
    "required for a township team": "乡镇队伍必填",
    "required for a global user": "全局用户必须填写",
    "required with a LineString": "道路线（LineString）必须填写",
    "required when primary_kind is department": "primary_kind 为 department 时必填",
    "1 to 5": "1 到 5",
    "between 0 and 720": "0 到 720 之间",
    "must be after today": "必须晚于今天",
    "only for level=grid": "仅 level=grid 时可填",
    "only with a LineString": "仅适用于道路线（LineString）",
    "outside the county": "不在本区县内",
    "contains the lead department": "包含了主办部门",
    "not allowed for a county department": "县级部门不可填写",
    "not an active member of the handling team": "不是承办队伍的在岗成员",
    "not an active team of this county": "不是本区县的在用队伍",
    "not a county department of this county": "不是本区县的县级部门",
    "not a county department of this county: {bad}": "不是本区县的县级部门：{bad}",
    "not a team of your county": "不是您所在区县的队伍",
    "not a current township: {code}": "不是现行的乡镇（街道）：{code}",
    "not in the category catalog": "不在事件类别目录中",
    "the responsible department cannot also cooperate": "责任部门不能同时作为协办部门",
    "at least one evidence photo of this incident": "至少需要一张本事件的处置证据照片",
    "not {kind} photos of this incident: {missing}": "不是本事件的{kind}照片：{missing}",
    "role must be one of {roles}": "角色必须是以下之一：{roles}",
    "The value {why}.": "该值{why}。",
    "The name {why}.": "该参数名{why}。",
    "an object with lon, lat and an optional id": "应为包含 lon、lat 和可选 id 的对象",
    "lon and lat must be numbers": "lon 和 lat 必须是数字",
    "lon and lat must be finite": "lon 和 lat 必须是有限数值",
    "id must be a string of at most 64 characters": "id 必须是不超过 64 个字符的字符串",
    "entry #{id} is in force and cannot change; use a later effective date": "事项 #{id} 已生效，不能修改；请使用更晚的生效日期",
    "the same category and effective date appear twice": "同一类别和生效日期出现了两次",
    "line {n}": "第 {n} 行",
    "2-32 letters, digits, _ or -": "2 到 32 个字母、数字、_ 或 -",
    "3-64 letters, digits, _ . -": "3 到 64 个字母、数字、_、. 或 -",
    "a 4-digit category code": "4 位事件类别编码",
    "a 4-digit category code, e.g. 0501": "4 位事件类别编码，如 0501",
    "a 6-digit county code": "6 位区县编码",
    "a 9-digit township code": "9 位乡镇编码",
    "a list of 1 to {max} points": "1 到 {max} 个点的列表",
    "already used for a different report": "已用于另一条不同的上报",
    "at most {days} days for patrol figures": "巡查统计最多 {days} 天",
    "at most {limit} per request": "每次请求最多 {limit} 个",
    "between {start} and now": "应介于 {start} 与当前时间之间",
    "category is inactive": "事件类别已停用",
    "digits, spaces, + - ( ), up to 32": "数字、空格及 + - ( )，最多 32 个字符",
    "each incident must be a JSON object": "每条事件必须是 JSON 对象",
    "four numbers: minlon,minlat,maxlon,maxlat": "四个数字：最小经度,最小纬度,最大经度,最大纬度",
    "give at or generation, not both": "at 和 generation 只能给出其一",
    "give ids or all=true": "请给出 ids 或 all=true",
    "has no worker profile": "没有网格员档案",
    "in the future": "在未来",
    "is this incident": "就是本事件",
    "lower-case letters, digits, _": "小写字母、数字或 _",
    "lower-case words joined by _": "用 _ 连接的小写单词",
    "me, none or a user id": "me、none 或用户编号",
    "must be >= response_hours": "必须大于或等于 response_hours",
    "must be a grid_worker": "必须是网格员",
    "must be a list of points": "必须是点的列表",
    "must be at or after {start}": "不能早于 {start}",
    "must belong to the grid's township": "必须属于该网格所在的乡镇",
    "must equal code[:2]": "必须等于 code 的前两位",
    "must lie inside county_code": "必须位于 county_code 所指区县内",
    "must not lie in the future": "不能在未来",
    "needs the columns {columns}": "需要以下列：{columns}",
    "not a team of this county": "不是本区县的队伍",
    "not a valid lon/lat box (min < max, within range)": "不是有效的经纬度范围（最小值 < 最大值，且在有效范围内）",
    "not allowed for this role": "该角色不可填写",
    "not eligible: {ids}": "不符合条件：{ids}",
    "not teams of county {county}: {item}": "不是区县 {county} 的队伍：{item}",
    "on or after from, within {days} days": "不能早于 from，且在 {days} 天之内",
    "one of {choices}": "必须是以下之一：{choices}",
    "only a department's power can be delegated": "只有部门的职权可以下放",
    "required for a global admin": "全局管理员必填",
    "required for period=custom": "period=custom 时必填",
    "required for this role": "该角色必填",
    "required: the incident is not flagged": "必填：本事件未被标记为疑似重复",
    "the account has no township": "该账号没有所属乡镇",
    "the account is deactivated": "该账号已停用",
    "too old": "时间过早",
    "unknown category": "未知的事件类别",
    "unknown grids: {grids}": "未知的网格：{grids}",
    "unknown or negative: {names}": "未知或为负数：{names}",
    "unknown status: {statuses}": "未知的状态：{statuses}",
}

#: Fragments that fill the templates above (``{obj_type}``, ``{awareness}``, ``{why}``).
_FRAGMENTS = {
    "must not contain a NUL character (U+0000)": "不能包含 NUL 字符（U+0000）",
    "must not contain a lone surrogate (U+D800 to U+DFFF)": "不能包含孤立的代理字符（U+D800 至 U+DFFF）",
    "must be a finite number": "必须是有限数值",
}


# "Not a valid integer." before "Not a valid {obj_type}.", which would read it as a type name.
_ORDERED = most_specific_first(FIELD_MESSAGES.items())


def translate_field_message(message: str) -> str:
    """The Chinese of one field message, or the message itself when the catalogue lacks it."""
    for english, chinese in _ORDERED:
        match = english_pattern(english).fullmatch(message)
        if match:
            values = {k: _FRAGMENTS.get(v, v) for k, v in carried(match.groupdict()).items()}
            return fill(chinese, values)
    return message


__all__ = ["FIELD_MESSAGES", "VALUES", "translate_field_message"]
