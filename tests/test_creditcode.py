"""统一社会信用代码 checksum validation (GB 32100-2015)."""

import pytest

from matchmaker.accounts import creditcode

VALID = "91350100M000100Y43"  # a published example code


def test_valid_code_passes_and_is_normalised() -> None:
    assert creditcode.is_valid(VALID)
    assert creditcode.is_valid(" 91350100m000100y43 ")


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "校验位"),
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y433", "18位"),
        ("91350100M0001O0Y43", "不允许的字符"),
        ("91ABCDEFM000100Y43", "行政区划"),
    ],
)
def test_invalid_codes_say_why_in_chinese(code: str, fragment: str) -> None:
    problem = creditcode.problem(code)
    assert problem is not None and fragment in problem


def test_check_digit_round_trip() -> None:
    first17 = "91321023MA0000001"
    assert creditcode.is_valid(first17 + creditcode.check_digit(first17))
