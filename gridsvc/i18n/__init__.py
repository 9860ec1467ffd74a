"""Languages of what people read: Simplified Chinese or English problem and finding texts.

Part of the shared kernel (it imports no room). Clients still switch on the stable ``code``,
which never changes with the language; ``title``, ``detail``, field-level ``errors`` and the
``detail`` of boundary validation findings follow ``Accept-Language`` (``zh``, ``zh-CN``,
``zh-Hans`` … → Chinese; ``en`` → English), else the ``DEFAULT_LANGUAGE`` setting.
"""

from gridsvc.i18n.catalogue import CATALOGUE, Message, known_codes, translate_detail, zh_title
from gridsvc.i18n.localize import (
    install_language_headers,
    localize_findings,
    localize_messages,
    localize_problem,
    localize_report,
)
from gridsvc.i18n.negotiation import SUPPORTED, request_language
from gridsvc.i18n.zh_kernel import VALUES as ZH_WORDS

__all__ = [
    "CATALOGUE",
    "SUPPORTED",
    "ZH_WORDS",
    "Message",
    "install_language_headers",
    "known_codes",
    "localize_findings",
    "localize_messages",
    "localize_problem",
    "localize_report",
    "request_language",
    "translate_detail",
    "zh_title",
]
