"""The password policy: 8–128 characters, no composition rules, not a well-known password.

Length beats composition rules (NIST SP 800-63B §5.1.1.2): rules push people to ``Password1!``,
which every guessing list tries early. A bundled list of about 11,700 common passwords is refused
instead (common-passwords.txt, lower-cased; see its header for the source).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import Field
from wtforms.validators import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 128
LIST = Path(__file__).with_name("common-passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def problem(password: str, *, email: str | None = None) -> str | None:
    """Why ``password`` is refused, in Chinese; None when it is acceptable."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"密码长度应为{MIN_LENGTH}到{MAX_LENGTH}位。"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) == 1:
        return "这个密码太常见，很容易被猜中，请换一个（可以用几个词或一句话组成较长的密码）。"
    if email and lowered in {email.strip().lower(), email.strip().lower().split("@")[0]}:
        return "密码不能与登录邮箱相同。"
    return None


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-password-of-anyone", method=method)


def check_nobody(password: str, method: str) -> bool:
    """Spend the time a real password check takes, for an e-mail that has no account, so the
    answer's timing does not tell which e-mails are registered. Always False."""
    check_password_hash(_dummy_hash(method), password)
    return False


class AcceptablePassword:
    """The password policy (accounts/passwords.py) as a form validator, so the form shows the
    same message the service would raise, under the field."""

    def __init__(self, email_field: str | None = None) -> None:
        self.email_field = email_field
        self.field_flags = {"required": True}

    def __call__(self, form: FlaskForm, field: Field) -> None:
        email = form[self.email_field].data if self.email_field else None
        if found := problem(field.data or "", email=email):
            raise ValidationError(found)
