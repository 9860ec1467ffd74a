"""The one Chinese catalogue, keyed by the stable problem/finding ``code``.

Why a plain catalogue and not Babel/flask-babel: gettext keys messages by their English text
(``msgid``), and our raise sites hand over finished English sentences with the values already
inside (f-strings in every room, and in ``gridsvc.geo``, which knows no Flask). Keyed by code,
one Python mapping holds every text; a test walks the codebase for every code raised and fails
when one has no Chinese; there is no .po → .mo compile step for the build, the container and
the tests to remember; and Chinese has no plural forms, gettext's other gift. Language
negotiation needs no Babel either (``gridsvc.i18n.negotiation``).

Each entry is a :class:`Message`: a short Chinese ``title``, a general Chinese ``detail`` and
``details``, the English sentences that code is raised with, written as patterns
(``"At most {limit} rows."``) beside their Chinese (``"最多 {limit} 行。"``). The English detail
a problem carries is matched against the patterns and the values it held are carried into the
Chinese; a sentence no pattern matches gets the general detail (the structured members of the
problem still carry the values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from gridsvc.i18n.zh_boundaries import MESSAGES as _BOUNDARIES
from gridsvc.i18n.zh_geo import MESSAGES as _GEO
from gridsvc.i18n.zh_kernel import MESSAGES as _KERNEL
from gridsvc.i18n.zh_kernel import STATUS_TITLES, VALUES
from gridsvc.i18n.zh_rooms import MESSAGES as _ROOMS
from gridsvc.i18n.zh_routing import MESSAGES as _ROUTING

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Placeholders that hold one of our words (a status, an action, a role …), named in Chinese
#: too; every other value (ids, codes, names, numbers) is carried as it is.
WORD_PLACEHOLDERS = frozenset(
    {"status", "action", "role", "roles", "level", "level2", "parent_level", "kind", "who"}
    | {"obj_type", "awareness"}  # marshmallow's
)


@dataclass(frozen=True)
class Message:
    """The Chinese of one code."""

    title: str
    detail: str
    details: dict[str, str] = field(default_factory=dict)  # English pattern -> Chinese


def _build() -> dict[str, Message]:
    merged: dict[str, Message] = {}
    for part in (_KERNEL, _GEO, _BOUNDARIES, _ROOMS, _ROUTING):
        for code, entry in part.items():
            if code in merged:
                raise ValueError(f"{code} is in the Chinese catalogue twice")
            title, detail, *rest = entry
            merged[code] = Message(title, detail, rest[0] if rest else {})
    return merged


CATALOGUE: dict[str, Message] = _build()

#: Resources whose ``<resource>.not_found`` is built from a variable (``policy.hidden(kind)``),
#: by their Chinese names: the catalogue answers every such code through this table.
RESOURCES = {
    "api_token": "API 令牌",
    "area": "区划",
    "assignment": "网格分配",
    "call": "乡呼县应呼叫",
    "case": "案件",
    "category": "事件类别",
    "collection": "要素集合",
    "county": "区县",
    "department": "部门",
    "feature": "要素",
    "generation": "边界版本",
    "grid": "网格",
    "incident": "事件",
    "merge": "多网合一合并",
    "publish": "发布任务",
    "notice": "督办通知",
    "photo": "照片",
    "power_item": "权责事项",
    "proposal": "建议方案",  # a worker-assignment proposal or a township's list proposal
    "resource": "记录",
    "responsibility": "属地管理事项",
    "team": "队伍",
    "tile_layer": "瓦片图层",
    "township": "乡镇（街道）",
    "upload": "上传",
    "user": "用户",
    "village": "村（社区）",
    "webhook": "Webhook",
    "worker": "网格员",
    "zone": "责任区域",
}


def known_codes() -> set[str]:
    """Every code the catalogue answers, the ``<resource>.not_found`` family included."""
    return set(CATALOGUE) | {f"{r}.not_found" for r in RESOURCES}


def _message(code: str) -> Message | None:
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry
    head, _, tail = code.partition(".")
    if tail == "not_found" and head in RESOURCES:
        name = RESOURCES[head]
        found_not = f"找不到该{name}，或您无权查看。"
        details = {f"{head} {{id}} not found": f"找不到{name} {{id}}，或您无权查看。"}
        return Message(f"{name}不存在", found_not, details)
    if head == "zone" and tail in CATALOGUE:  # a zone's geometry checked by the geo validator
        return CATALOGUE[tail]
    return None


def zh_title(code: str, status: int) -> str:
    """The Chinese title of ``code``, else that of the HTTP status."""
    entry = _message(code)
    return entry.title if entry else STATUS_TITLES.get(status, "请求出错")


@cache
def english_pattern(english: str) -> re.Pattern[str]:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(english):
        parts.append(re.escape(english[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.*?)")
        last = match.end()
    parts.append(re.escape(english[last:]))
    return re.compile("".join(parts), re.DOTALL)


def most_specific_first(templates):
    """(English, Chinese) pairs, those with more literal text first: "Length must be between
    {min} and {max}." must be tried before "Length must be {equal}." swallows it."""
    return sorted(templates, key=lambda pair: -len(_PLACEHOLDER.sub("", pair[0])))


def chinese_value(text: str) -> str:
    """A value carried into Chinese: statuses, roles and actions are named in Chinese too."""
    words = [w.strip() for w in text.split(",")]
    if all(w in VALUES for w in words):
        return "、".join(VALUES[w] for w in words)
    return VALUES.get(text) or VALUES.get(text.lower(), text)


def carried(values: dict[str, str]) -> dict[str, str]:
    """The values a matched English sentence held, ready for its Chinese."""
    return {k: chinese_value(v) if k in WORD_PLACEHOLDERS else v for k, v in values.items()}


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with its ``{name}`` placeholders replaced (other braces left alone)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def translate_detail(code: str, detail: str | None, status: int = 400) -> str:
    """The Chinese of one English ``detail`` raised with ``code``."""
    entry = _message(code)
    if entry is None:
        return STATUS_TITLES.get(status, "请求出错") + "。"
    if detail:
        for english, chinese in most_specific_first(entry.details.items()):
            match = english_pattern(english).fullmatch(detail)
            if match:
                return fill(chinese, carried(match.groupdict()))
    return entry.detail
