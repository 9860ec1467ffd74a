"""The catalogue covers every code and every marshmallow/webargs message; values carried across."""

from __future__ import annotations

import inspect
import re

import marshmallow
import pytest
from marshmallow import fields as ma_fields
from marshmallow import validate as ma_validate
from webargs import fields as webargs_fields

from gridsvc.i18n import CATALOGUE, known_codes, translate_detail, zh_title
from gridsvc.i18n.fields import translate_field_message
from tests.i18n.codes import domain_error_codes, every_code, raise_sites

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_raised_anywhere_has_chinese():
    codes = every_code()
    # The collector itself must see the codes of every kind of raise site, or it proves nothing.
    assert {
        "auth.invalid_credentials",  # a DomainError subclass's own code
        "incident.outside_jurisdiction",  # code= keyword
        "upload.zip_traversal",  # geo's fail(code, …)
        "coverage.gap",  # a validation finding
        "upload.out_of_scope",  # policy.forbidden(detail, code)
        "merge.has_errors",  # a variable named code
        "scope.outside",  # a finding built as a dict
        "worker.not_grid_worker",  # f"{code_prefix}.not_grid_worker", prefix from the callers
        "incident.not_found",
        "zone.not_found",  # policy.hidden("zone")
    } <= codes
    assert len(codes) > 200
    missing = sorted(codes - known_codes())
    assert not missing, f"codes without Chinese text: {missing}"


def test_every_domain_error_class_has_chinese():
    assert domain_error_codes() <= known_codes()


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_entry_is_chinese_and_its_patterns_carry_their_values(code):
    entry = CATALOGUE[code]
    assert HAN.search(entry.title)
    assert HAN.search(entry.detail)
    for english, chinese in entry.details.items():
        assert HAN.search(chinese), english
        names = set(re.findall(r"\{(\w+)\}", english))
        assert set(re.findall(r"\{(\w+)\}", chinese)) == names, (english, chinese)


def test_details_carry_their_parameters():
    assert (
        translate_detail("upload.too_large", "The file exceeds the upload limit of 1048576 bytes.")
        == "文件超过 1048576 字节的上传上限。"
    )
    assert translate_detail("incident.not_found", "incident 42 not found") == (
        "找不到事件 42，或您无权查看。"
    )
    # Statuses and actions inside a detail are named in Chinese too.
    assert translate_detail(
        "workflow.invalid_transition", "resolve is not possible while the case is reported."
    ) == ("案件处于“已上报”状态时，不能进行“处置反馈”操作。")
    finding = "430302001001 and 430302001002 overlap by 1,090,980 m² (1.09 km²)."
    assert translate_detail("coverage.overlap", finding) == (
        "430302001001 与 430302001002 重叠 1,090,980 m² (1.09 km²)。"
    )


def test_an_unmatched_sentence_gets_the_general_detail_and_an_unknown_code_its_status():
    assert translate_detail("upload.too_large", "something new") == "文件超过上传大小上限。"
    assert zh_title("zone.geometry.invalid", 422) == "几何无效"  # zone checks reuse geo's codes
    assert zh_title("no.such_code", 409) == "操作冲突"
    assert translate_detail("no.such_code", "x", 409) == "操作冲突。"


def _marshmallow_messages() -> list[str]:
    """Every default message marshmallow's and webargs' fields, schemas and validators write."""
    messages = []
    for module in (ma_fields, webargs_fields):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ma_fields.Field):
                messages += cls.default_error_messages.values()
    messages += marshmallow.Schema._default_error_messages.values()
    for _, cls in inspect.getmembers(ma_validate, inspect.isclass):
        for name, value in vars(cls).items():
            if isinstance(value, str) and (name.startswith("message") or name == "default_message"):
                messages.append(value)
    return messages


def test_every_marshmallow_and_webargs_default_message_has_chinese():
    samples = {
        "obj_type": "datetime",
        "awareness": "aware",
        "input": "x",
        "choices": "a, b",
        "values": "a",
        "other": "1",
        "min": "1",
        "max": "9",
        "equal": "3",
    }
    untranslated = []
    for template in _marshmallow_messages():
        if template in (
            "greater than or equal to",
            "greater than",
            "less than or equal to",
            "less than",
        ):
            continue  # Range's operator words, checked below inside the messages they make
        if "{min_op}" in template or "{max_op}" in template:
            continue
        message = template.replace("{input!r}", "'x'").format(**samples)
        if not HAN.search(translate_field_message(message)):
            untranslated.append(template)
    # Range composes its messages from operator words: every combination it can write.
    for validator in (
        ma_validate.Range(min=1),
        ma_validate.Range(min=1, min_inclusive=False),
        ma_validate.Range(max=9),
        ma_validate.Range(max=9, max_inclusive=False),
        ma_validate.Range(1, 9),
        ma_validate.Range(1, 9, min_inclusive=False, max_inclusive=False),
        ma_validate.Range(1, 9, min_inclusive=False),
        ma_validate.Range(1, 9, max_inclusive=False),
    ):
        with pytest.raises(marshmallow.ValidationError) as caught:
            validator(100 if validator.max is not None else -5)
        message = caught.value.messages[0]
        if not HAN.search(translate_field_message(message)):
            untranslated.append(message)
    assert not untranslated, untranslated


def test_field_messages_keep_their_values():
    assert translate_field_message("Length must be between 1 and 64.") == (
        "长度必须在 1 到 64 之间。"
    )
    assert translate_field_message("Not a valid integer.") == "不是有效的整数。"
    assert translate_field_message("Not a valid datetime.") == "不是有效的日期时间。"
    assert translate_field_message(
        "Must be greater than or equal to 1 and less than or equal to 500."
    ) == ("必须在 1 到 500 之间（含）。")
    assert translate_field_message("Something the catalogue never saw.") == (
        "Something the catalogue never saw."
    )


#: Raise sites whose interpolated values are sentence fragments ("inside 430302001", "Feature #3
#: (430302001001)"): a sample "7" cannot stand in for them; the API tests read real ones.
FRAGMENT_SITES = {"coverage.gap", "coverage.sliver_gap", "upload.too_many_vertices"}


def test_details_with_values_have_a_pattern_that_carries_them():
    """A detail raised with values in it must match one of its code's patterns, or the Chinese
    would fall back to the general detail and lose the limit, id or name the English gives."""
    sites = [s for s in raise_sites() if s.has_values and s.code not in FRAGMENT_SITES]
    assert len(sites) > 80  # the walk finds the raise sites
    general = [
        f"{s.where} {s.code}: {s.sample}"
        for s in sites
        if translate_detail(s.code, s.sample) == general_detail(s.code)
    ]
    assert not general, general


def general_detail(code: str) -> str:
    """The general detail of ``code``: what a sentence no pattern matches is answered with."""
    return translate_detail(code, None)
