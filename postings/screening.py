"""The anti-scam check run when a shoot is submitted.

Each rule looks at every text field of the shoot and its roles, in Chinese and English, and
returns flags a moderator sees in the review queue. A flagged shoot never publishes without a
moderator, whoever posted it. The rules are deliberately plain patterns: false positives cost
a short review; a missed fee scam costs a graduate their savings."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_noop

# Full-width letters fold to ASCII and case is ignored (``spaced``). Chinese terms are matched
# against the text with every space, punctuation mark, symbol and invisible character taken
# out (``compact``): "押 金", "押-金", "加*微*信" read as the terms. Latin terms must stand as
# words, with anything but letters and digits allowed between their letters: "w e c h a t",
# "w.e.c.h.a.t" and "w\u200bechat" read as "wechat", "vxlan" does not read as "vx".
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
    "押金费",
    "上岗费",
    "工装费",
    "制卡费",
    "打款",
    "转账给",
    "deposit",
    "trainingfee",
    "registrationfee",
    "costumefee",
    "applicationfee",
    "medicalcheckfee",
    "guaranteefee",
    "servicefee",
    "membershipfee",
    "payupfront",
    "payinadvance",
    "upfrontpayment",
    "auditionfee",
    "joiningfee",
]
OFF_PLATFORM_TERMS = [
    "加微信",
    "加微(?!电影|短剧|剧|博|视频|课|小|型|距|调)",
    "微信号",
    "微信联系",
    "微信详聊",
    "微信详谈",
    # "add me on WeChat / QQ" (加我微信, 加我vx, 加我q): the most common way off a platform.
    "加我(?:微|v(?![a-z])|wx|vx|qq|q(?![a-z])|扣)",
    "微x",
    "v信",
    "威信",
    "薇信",
    "徽信",
    "维信",
    "vx",
    "wx",
    "加v(?![a-z])",
    "wechat",
    "weixin",
    "qq",
    "扣扣",
    "企鹅号",
    "q群",
    "加q(?![a-z])",
    "二维码",
    "扫码",
    "加群",
    "进群",
    "私聊",
    "私信我",
    "telegram",
    "whatsapp",
    "lineid",
    "电报",
]
# Phrases that say no money is asked ("no deposit required", 无需押金): taken out before the
# fee terms are looked for. Matched against the spaced text (``spaced``).
NOT_ASKED = re.compile(
    r"(无需|无须|不需要?|不用|不收取?|不会收取?|绝不收取?|从不收取?|免收?|零|没有|拒绝|谢绝|不交|无)"
    r"(任何)?(押金|保证金|[\u4e00-\u9fff]{0,3}费)"
    r"|\b(no|never|zero|without|free\s+of)\s+(any\s+)?(\w+\s+)?(deposits?|fees?|upfront\s+payment)\b"
    r"|\b(deposits?|fees?)\s+(is\s+|are\s+)?(not\s+required|free)\b"
    r"|\bnever\s+(ask|charge)\w*\s+(\w+\s+){0,4}(for\s+)?(a\s+|any\s+)?(deposits?|fees?|money)\b"
)
# Chinese numerals written for digits, as phone numbers are to slip past a digit check.
DIGITS = str.maketrans("零〇一二三四五六七八九幺壹贰叁肆伍陆柒捌玖两", "0012345678911234567892")
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


def spaced(text: str) -> str:
    """Full-width letters and digits folded to ASCII (NFKC), lower case, invisible characters
    (zero-width spaces and joiners, soft hyphens) taken out, runs of spaces made one."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def compact(text: str) -> str:
    """``spaced`` without any space, punctuation mark or symbol: "加 微 信", "加-微-信" and
    "w.e.c.h.a.t" read as "加微信" and "wechat"."""
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def _patterns(terms: list[str]) -> tuple[re.Pattern, re.Pattern]:
    """The terms as two patterns: Chinese ones for ``compact`` text, Latin ones for
    ``spaced`` text."""
    chinese = [term for term in terms if not term.isascii()]
    latin = [
        r"(?<![a-z])" + r"[^a-z0-9]*".join(term) + r"(?![a-z])" for term in terms if term.isascii()
    ]
    return re.compile("|".join(chinese)), re.compile("|".join(latin))


FEE = _patterns(FEE_TERMS)
OFF_PLATFORM = _patterns(OFF_PLATFORM_TERMS)
# Long digit runs that look like a phone or QQ number in free text (looked for with spaces and
# invisible characters taken out, and Chinese numerals read as digits).
NUMBER = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{6,11}(?!\d)")


def findings(raw: str) -> list[tuple[str, str]]:
    """The (rule, matched text) pairs that a text trips."""
    text = spaced(raw)
    found = []
    for rule, (chinese, latin), where in (
        ("fee", FEE, NOT_ASKED.sub(" ", text)),
        ("off_platform", OFF_PLATFORM, text),
    ):
        if match := chinese.search(compact(where)) or latin.search(where):
            found.append((rule, match.group(0)))
    if match := NUMBER.search(text.replace(" ", "").translate(DIGITS)):
        found.append(("off_platform", match.group(0)))
    return found


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
        for rule, match in findings(raw):
            flags.append({"rule": rule, "label": RULES[rule], "field": field, "match": match})
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
