from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V or Z); the last is a check
# character computed from the first 17 with these weights, modulo 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码), checked by its GB 32100-2015 check
    character."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has exactly 18 characters."), code="length"
        )
    if any(c not in CREDIT_CODE_ALPHABET for c in code):
        raise ValidationError(
            _(
                "A unified social credit code uses only digits and capital letters "
                "other than I, O, S, V and Z."
            ),
            code="alphabet",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "This unified social credit code does not add up: "
                "check it against your business licence."
            ),
            code="check_digit",
        )
