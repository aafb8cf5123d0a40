"""Specifications in supply-chain text: tolerances, hours of salt spray, sheet thickness, monthly
capacity, material grades, model codes and certifications, found by general patterns of how such
figures are written (a number and its unit, a letter-and-digit code, a standard's prefix, a
machine's size in tonnes of force next to the machine's name), never
by lists of the postings' own words.

Two postings' specifications *agree* when the offering side meets what the asking side states (a
tolerance at least as tight, at least as many hours, the same thickness or one inside the offered
range, the same code or certificate); agreements are evidence for a proposal and are shown on the
page. A capacity clearly below what a need asks for (less than half of it a month), or machines
smaller than the need asks for (300吨以上的冲床 against 冲床45-200T), *conflicts* and rules the
pair out. Everything else says nothing either way. Trade knowledge used here is general
and documented: 1 丝 (also 道) = 0.01 mm in Chinese machining; 万 = 10⁴, 千 = 10³; a year is 12
months and a month 30 days; a certificate is a code with a standards body's prefix (ISO, IATF,
IEC, UL, GB …) or one of the marks and schemes 3C/CCC, CE, RoHS, REACH, NADCAP (aerospace special
processes), HACCP and BRC (food safety), FSC (forestry), GMP; wrought aluminium grades are four
digits (5052, 6061-T6) next to 铝, stainless grades three (304, 316L) after SUS or before 不锈钢,
alloy steels two digits and element symbols (40Cr, 42CrMo, GB/T 3077).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

NUMERALS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "半": 0.5,
}
NUM = r"(\d+(?:\.\d+)?|[一二两三四五六七八九十半]{1,3})"
TOLERANCE = re.compile(r"(?:±|\+/-|正负|公差)\s*" + NUM + r"\s*(mm|毫米|μm|um|微米|丝|道|°c?|c|%|度)?")
BOUND = re.compile(
    r"(?:≤|<=|小于|不大于|不超过)\s*(0\.\d+)\s*(?:mm|毫米)"
)  # 变形≤0.02mm: a deviation's bound
SILK = re.compile(r"(?<![\d.])" + NUM + r"\s*(?:个)?(丝|道)(?!网|杠|锥|印|绸|袜|带|巾)")
HOURS = re.compile(r"(\d+)\s*(?:h|小时|个小时)")
THICKNESS = re.compile(
    r"(?:料厚|板厚|壁厚|厚度|厚)\s*(?:为|是|约|在)?\s*(\d+(?:\.\d+)?)(?:\s*[-~～至到]\s*(\d+(?:\.\d+)?))?\s*(?:mm|毫米)?(?![\d.])"
    r"|(\d+(?:\.\d+)?)(?:\s*[-~～至到]\s*(\d+(?:\.\d+)?))?\s*(?:mm|毫米)\s*(?:以内|以下)?\s*(?:的)?(?:料厚|板厚|壁厚|厚)"
)
CAPACITY = re.compile(
    r"(月|年|日|天|每月|每年|每天)\s*(?:产|产能|供|供货|需|需求|用量|需要|要|采购|订|出货|量|处理|加工)*\s*(?:能力)?\s*(?:约|达|超|为|在|可达|能到|大概|大约|近)?\s*"
    r"(\d+(?:\.\d+)?|[一二两三四五六七八九十半]{1,3})\s*(万|千|k)?\s*(?:余|多)?\s*(件|套|个|只|pcs|吨|t|台|面|米|m|片|支|根|公斤|kg)(?![a-z])"
)
CODE = re.compile(
    r"(?<![a-z0-9])([a-z]{1,5}\d{2,6}[a-z]?\d*(?:-[a-z]?\d+[a-z]?)?|\d{4}-t\d{1,2}|\d{3}l?(?=不锈钢))(?![a-z0-9])"
)
ALLOY = re.compile(
    r"(?<![a-z0-9.])(\d{2}(?:cr|mn|mo|ni|si|ti|v|w)+\d*)(?![a-z0-9])"
)  # GB/T 3077 alloy steels: 40cr, 42crmo
BLEND = re.compile(
    r"(?<![a-z])([a-z]{2,4})\s*[+/]\s*([a-z]{2,4})(?![a-z])"
)  # polymer blends: pc+abs = pc/abs
ALUMINIUM = re.compile(
    r"(?<![\d.])[1-8]\d{3}(?![\d.]|\s*(?:[吨件个套台元万千米平方年月日天片支根克]|kg|t\b|m))"
)  # a wrought aluminium grade, when 铝 stands near
MACHINE = r"(冲床|压力机|注塑机|压铸机|折弯机|液压机|锻压机|油压机)"
TONNAGE = re.compile(  # a machine's size in tonnes of force: 冲床45-200T, 注塑机至650T, 300吨以上的冲床
    MACHINE + r"\s*(?:吨位)?\s*(?:为|在|至|达|到|可达)?\s*(?:(\d+)\s*[-~～至到]\s*)?(\d+)\s*(?:t|吨)(?![a-z])"
    r"|(?<![\d.])(?:(\d+)\s*[-~～至到]\s*)?(\d+)\s*(?:t|吨)\s*(?:以上|及以上)?\s*(?:的)?\s*(?:以上)?"
    + MACHINE
)
# Plastics by their ISO 1043-1 abbreviations and their Chinese names (GB/T 1844.1): a need writes
# 聚丙烯 or 尼龙, an offer 改性PP or PA66. An abbreviation counts only beside a plastics word.
POLYMERS = {
    "聚丙烯": "pp",
    "聚乙烯": "pe",
    "聚氯乙烯": "pvc",
    "聚苯乙烯": "ps",
    "聚碳酸酯": "pc",
    "聚酰胺": "pa",
    "尼龙": "pa",
    "聚甲醛": "pom",
    "聚对苯二甲酸乙二醇酯": "pet",
    "聚对苯二甲酸丁二醇酯": "pbt",
    "聚甲基丙烯酸甲酯": "pmma",
    "亚克力": "pmma",
    "聚苯硫醚": "pps",
    "聚四氟乙烯": "ptfe",
    "聚醚醚酮": "peek",
    "热塑性聚氨酯": "tpu",
}
POLYMER_NAME = re.compile("|".join(sorted(POLYMERS, key=len, reverse=True)))
POLYMER_CODE = re.compile(
    r"(?<![a-z])(pp|pe|pvc|ps|pc|pa|pom|pet|pbt|pmma|pps|ptfe|peek|tpu|abs)(?:\d{1,3})?(?![a-z])"
)
PLASTICS = re.compile(r"塑|料|改性|注塑|挤出|吹塑|颗粒|树脂|合金")
SUS = re.compile(r"(?<![a-z0-9])(?:sus|ss)\s?(\d{3}l?)(?![a-z0-9])")
MARKS = re.compile(r"(?<![a-z0-9])(3c|ccc|ce|rohs|reach|nadcap|haccp|brc|fsc|gmp)(?![a-z0-9])")
CERT_PREFIX = ("iso", "iatf", "iec", "ul", "gb", "en", "ts", "ohsas", "api", "asme", "gjb", "as", "sa", "qc")
NOT_CODES = re.compile(r"^(?:m|mm|cm|km|kg)\d$")  # units with an exponent: m2, m3
PIECES = {"件", "套", "个", "只", "pcs", "片", "支", "根", "面", "台"}
MASS = {"吨": 1000.0, "t": 1000.0, "公斤": 1.0, "kg": 1.0}
PER_MONTH = {"月": 1.0, "每月": 1.0, "年": 1 / 12, "每年": 1 / 12, "日": 30.0, "天": 30.0, "每天": 30.0}
CLEAR_SHORTFALL = 0.5  # an offer making less than half the monthly quantity asked for is ruled out


def _number(text: str) -> float:
    if text[0].isdigit():
        return float(text)
    if text == "十":
        return 10.0
    if text.startswith("十"):  # 十二 = 12
        return 10 + NUMERALS.get(text[1:], 0)
    if "十" in text:  # 二十, 二十五
        tens, _, ones = text.partition("十")
        return NUMERALS.get(tens, 1) * 10 + (NUMERALS.get(ones, 0) if ones else 0)
    return float(NUMERALS.get(text, 0))


@dataclass(frozen=True)
class Specs:
    """What a text states: tolerances (mm), salt-spray hours, thicknesses (mm, as ranges), monthly
    capacities (amount, unit family), and codes (grades, models) and certificates."""

    tolerances: tuple[float, ...] = ()
    salt_hours: tuple[int, ...] = ()
    thickness: tuple[tuple[float, float], ...] = ()
    capacity: tuple[tuple[float, str], ...] = ()
    codes: frozenset[str] = frozenset()
    certificates: frozenset[str] = frozenset()

    standard_numbers: frozenset[str] = frozenset()  # 4–6 digit numbers, which may name a standard
    tonnage: tuple[float, ...] = ()  # the largest machine size stated, in tonnes (冲床至400T)

    @property
    def certificate_numbers(self) -> frozenset[str]:
        return frozenset(re.sub(r"^[a-z]+", "", c) for c in self.certificates)

    def __bool__(self) -> bool:
        return bool(
            self.tolerances
            or self.salt_hours
            or self.thickness
            or self.capacity
            or self.codes
            or self.certificates
            or self.standard_numbers
            or self.tonnage
        )


@lru_cache(maxsize=8192)
def extract(text: str) -> Specs:
    """The specifications ``text`` states (see the module's docstring)."""
    t = unicodedata.normalize("NFKC", text).lower()
    tolerances = []
    for m in TOLERANCE.finditer(t):
        value, unit = _number(m.group(1)), m.group(2) or "mm"
        if unit in ("丝", "道"):
            value *= 0.01
        elif unit in ("μm", "um", "微米"):
            value /= 1000
        elif unit in ("c", "°c", "°", "%", "度"):  # ±2℃, ±5% are no dimensional tolerance
            continue
        if 0 < value < 5:
            tolerances.append(round(value, 4))
    for m in BOUND.finditer(t):
        tolerances.append(round(float(m.group(1)), 4))
    for m in SILK.finditer(t):
        value = _number(m.group(1)) * 0.01
        if 0 < value < 1:
            tolerances.append(round(value, 4))
    hours = [
        int(m.group(1))
        for m in HOURS.finditer(t)
        if "盐雾" in t[max(0, m.start() - 12) : m.end() + 8] and 0 < int(m.group(1)) <= 10000
    ]
    thickness = []
    for m in THICKNESS.finditer(t):
        low, high = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        a = float(low)
        b = float(high) if high else a
        if 0 < a <= b < 200:
            thickness.append((a, b))
    capacity = []
    for m in CAPACITY.finditer(t):
        period, amount, scale, unit = m.group(1), _number(m.group(2)), m.group(3), m.group(4)
        amount *= {"万": 10000, "千": 1000, "k": 1000}.get(scale or "", 1)
        if unit in PIECES:
            family = "件"
        elif unit in MASS:
            family, amount = "kg", amount * MASS[unit]
        else:
            family = unit if unit not in ("m",) else "米"
        if amount > 0:
            capacity.append((amount * PER_MONTH[period], family))
    codes, certificates = set(), set()
    for m in CODE.finditer(t):
        code = m.group(1)
        unit_like = NOT_CODES.match(code) or re.fullmatch(r"\d+", code.replace("-", ""))
        if unit_like and not re.fullmatch(r"\d{3}l?", code):
            continue
        if code.startswith(CERT_PREFIX) and re.match(r"^[a-z]+\d{3,}", code):
            certificates.add(re.sub(r"-.*$", "", code) if code.startswith("iso") else code)
        else:
            codes.add(code)
    for m in ALLOY.finditer(t):
        codes.add(m.group(1))
    for m in BLEND.finditer(t):
        codes.add(m.group(1) + "+" + m.group(2))
    for m in ALUMINIUM.finditer(t):
        if "铝" in t[max(0, m.start() - 12) : m.end() + 4]:
            codes.add(m.group(0))
    tonnage = []
    for m in TONNAGE.finditer(t):
        value = float(m.group(3) or m.group(5))
        if 10 <= value <= 20000:
            tonnage.append(value)
    for m in SUS.finditer(t):
        codes.add(m.group(1))
    for m in POLYMER_NAME.finditer(t):
        codes.add(POLYMERS[m.group(0)])
    for m in POLYMER_CODE.finditer(t):
        if PLASTICS.search(t[max(0, m.start() - 8) : m.end() + 8]):
            codes.add(m.group(1))
    for m in MARKS.finditer(t):
        certificates.add("3c" if m.group(1) == "ccc" else m.group(1))
    return Specs(
        tuple(sorted(set(tolerances))),
        tuple(sorted(set(hours))),
        tuple(sorted(set(thickness))),
        tuple(sorted(set(capacity))),
        frozenset(codes),
        frozenset(certificates),
        frozenset(re.findall(r"(?<![\d.])\d{4,6}(?![\d.])", t))
        - {m for m in re.findall(r"\d{4}", t) if m.startswith(("19", "20"))},
        tuple(sorted(set(tonnage))),
    )


@dataclass(frozen=True)
class Agreement:
    """Which of the stated specifications agree (labels to show), and whether any clearly conflicts."""

    agreed: tuple[str, ...]
    conflict: str | None


def _mm(value: float) -> str:
    return f"{value:g}mm"


def compare(asked: Specs, offered: Specs) -> Agreement:
    """``asked`` is the need's side (研发需求, 配套需求), ``offered`` the other posting's."""
    agreed: list[str] = []
    if asked.tolerances and offered.tolerances and min(offered.tolerances) <= min(asked.tolerances) + 1e-9:
        agreed.append(f"公差±{_mm(min(asked.tolerances))}")
    if asked.salt_hours and offered.salt_hours and max(offered.salt_hours) >= max(asked.salt_hours):
        agreed.append(f"盐雾{max(asked.salt_hours)}h")
    for a, b in asked.thickness:
        if any(lo - 1e-9 <= a and b <= hi + 1e-9 for lo, hi in offered.thickness):
            agreed.append(f"厚度{_mm(a) if a == b else f'{a:g}-{_mm(b)}'}")
            break
    conflict = None
    if asked.tonnage and offered.tonnage:  # a press or moulding machine at least as large, or none
        if max(offered.tonnage) >= max(asked.tonnage):
            agreed.append(f"设备≥{max(asked.tonnage):g}T")
        else:
            conflict = f"需要{max(asked.tonnage):g}T以上设备，对方最大{max(offered.tonnage):g}T"
    for code in sorted(asked.codes & offered.codes):
        agreed.append(code.upper())
    for cert in sorted(asked.certificates & offered.certificates):
        agreed.append(cert.upper())
    numbers = {re.sub(r"^[a-z]+", "", c): c for c in offered.certificates}
    for number in sorted(asked.standard_numbers - asked.certificate_numbers):
        if number in numbers:  # 16949 alone names IATF16949
            agreed.append(numbers[number].upper())
    for amount, family in asked.capacity:
        offers = [a for a, f in offered.capacity if f == family]
        if offers and max(offers) < CLEAR_SHORTFALL * amount and not conflict:
            conflict = f"月需求约{amount:g}{family}，对方产能约{max(offers):g}{family}/月"
            break
        if offers and max(offers) >= amount:
            agreed.append(f"产能≥{amount:g}{family}/月")
    return Agreement(tuple(agreed), conflict)
