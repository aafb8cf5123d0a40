"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize(code: str) -> str:
    """Upper-case and strip blanks, which people paste in freely."""
    return "".join(code.split()).upper()


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 (all of which must be in ALPHABET)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid credit code (in Chinese), or None when it is valid."""
    code = normalize(code)
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位。"
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用I、O、S、V、Z）。"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划码（数字）。"
    if check_digit(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入。"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None
