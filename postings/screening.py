"""The anti-scam check run when a shoot is submitted.

Each rule looks at every text field of the shoot and its roles, in Chinese and English, and
returns flags a moderator sees in the review queue. A flagged shoot never publishes without a
moderator, whoever posted it. The rules are deliberately plain patterns: false positives cost
a short review; a missed fee scam costs a graduate their savings."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_noop

FEE_TERMS = [
    "押金",
    "培训费",
    "服装费",
    "体检费",
    "报名费",
    "保证金",
    "先交",
    "建档费",
    "场地费",
    "拍摄费",
    "资料费",
    "会员费",
    "服务费",
    "中介费",
    "交钱",
    "缴费",
    "交费",
    "定妆费",
    "试镜费",
    "入组费",
    "deposit",
    "training fee",
    "registration fee",
    "costume fee",
    "application fee",
    "medical check fee",
    "guarantee fee",
    "service fee",
    "membership fee",
    "pay upfront",
    "pay in advance",
    "upfront payment",
    "audition fee",
]
OFF_PLATFORM_TERMS = [
    "加微信",
    "加微",
    "微信号",
    "vx",
    "v信",
    "威信",
    "薇信",
    "wechat",
    "weixin",
    "qq",
    "扣扣",
    "二维码",
    "扫码",
    "加群",
    "私聊",
    "telegram",
    "whatsapp",
    "line id",
]
# Crew day rates far above what the industry pays are bait.
UNREALISTIC_DAY_RATE = 10_000
UNREALISTIC_PROJECT_RATE = 200_000

SHOOT_FIELDS = ["title", "synopsis", "base", "conditions_note"]
ROLE_FIELDS = ["title", "description", "requirements"]

RULES = {
    "fee": gettext_noop("Asks applicants for money"),
    "off_platform": gettext_noop("Moves contact off the platform"),
    "pay": gettext_noop("Unrealistic pay"),
}


def _normalise(text: str) -> str:
    # Full-width letters and digits (ＶＸ, ｑｑ) fold to ASCII; case and spacing are ignored.
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _pattern(terms: list[str]) -> re.Pattern:
    parts = []
    for term in terms:
        escaped = re.escape(term).replace(r"\ ", r"\s*")
        # Latin terms must stand as words: "vx" but not "vxlan", "qq" but not "qqq".
        parts.append(rf"(?<![a-z]){escaped}(?![a-z])" if term.isascii() else escaped)
    return re.compile("|".join(parts))


FEE = _pattern(FEE_TERMS)
OFF_PLATFORM = _pattern(OFF_PLATFORM_TERMS)
# Long digit runs that look like a phone or QQ number in free text.
NUMBER = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{6,11}(?!\d)")


def _texts(shoot, roles):
    for name in SHOOT_FIELDS:
        yield f"shoot.{name}", getattr(shoot, name) or ""
    for index, role in enumerate(roles, start=1):
        for name in ROLE_FIELDS:
            yield f"role{index}.{name}", getattr(role, name) or ""


def screen(shoot, roles) -> list[dict]:
    """Flags for a shoot and its roles: ``{"rule", "label", "field", "match"}`` each."""
    flags = []
    for field, raw in _texts(shoot, roles):
        text = _normalise(raw)
        for rule, pattern in (("fee", FEE), ("off_platform", OFF_PLATFORM)):
            if match := pattern.search(text):
                flags.append(
                    {"rule": rule, "label": RULES[rule], "field": field, "match": match.group(0)}
                )
        if rule_match := NUMBER.search(text):
            flags.append(
                {
                    "rule": "off_platform",
                    "label": RULES["off_platform"],
                    "field": field,
                    "match": rule_match.group(0),
                }
            )
    for index, role in enumerate(roles, start=1):
        limit = UNREALISTIC_DAY_RATE if role.pay_unit == "day" else UNREALISTIC_PROJECT_RATE
        top = max(role.pay_min or 0, role.pay_max or 0)
        if top > limit:
            flags.append(
                {
                    "rule": "pay",
                    "label": RULES["pay"],
                    "field": f"role{index}.pay",
                    "match": str(top),
                }
            )
    return flags
