"""An A-number is ASCII digits only: other scripts' digits are not read as one."""

from __future__ import annotations

import pytest

from callflows.parsers import PARSERS
from callflows.sms import parse_text
from models.custody import normalize_a_number

ARABIC_INDIC = "٢٠١٣٤٥٦٧٨"  # 201345678 in Arabic-Indic digits


@pytest.mark.parametrize("digits", [ARABIC_INDIC, "۲۰۱۳۴۵۶۷۸", "१२३४५६७८९"])
def test_other_scripts_digits_are_not_an_a_number(digits: str) -> None:
    assert parse_text(f"STATUS A{digits} MEXICO").a_number is None
    assert parse_text(f"STATUS {digits} MEXICO").a_number is None
    assert normalize_a_number(f"A{digits}") is None
    assert normalize_a_number(digits) is None
    assert PARSERS["a_number"](digits, "en", True) is None


def test_a_texter_with_arabic_indic_digits_hears_no_a_number_back(texter, custody_demo) -> None:
    (reply,) = texter("+12025550143").send(f"STATUS A{ARABIC_INDIC} MEXICO")
    assert "٦٧٨" not in reply and "ending" not in reply
