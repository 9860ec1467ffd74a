"""The Chinese names counties write for catalogue kinds (职权类型) and delegation forms (承接方式).

Shared by the pure decision (its trace) and the XLSX/CSV import and export; no database here.
"""

FORM_ZH = {"entrusted": "委托", "extended": "延伸", "granted": "赋权", "withdrawn": "收回"}
KIND_ZH = {
    "penalty": "行政处罚",
    "inspection": "行政检查",
    "coercion": "行政强制",
    "licensing": "行政许可",
    "public_service": "公共服务",
    "territorial": "属地责任",
    "other": "其他",
}
