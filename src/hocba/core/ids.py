"""Số định danh cá nhân (12-digit personal ID, printed on the CCCD card) validation.

Structure (Ministry of Public Security): digits 1–3 the province where the birth was
registered; digit 4 encodes century and sex (1900s: nam 0 / nữ 1, 2000s: 2 / 3, 2100s: 4 / 5 …);
digits 5–6 the last two digits of the birth year; digits 7–12 random. An unknown province
prefix is only a warning: numbers issued before the 2025 merger stay valid and new prefixes
may appear. The number is never a primary key (it can be re-established).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

PROVINCE_CODES = {
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
    "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
    "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
    "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
    "089", "091", "092", "093", "094", "095", "096",
}
MALE, FEMALE = "M", "F"


@dataclass
class IdCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def century_sex_digit(birth_date: dt.date, sex: str) -> int:
    """The 4th digit for a person born on ``birth_date`` with ``sex`` (M/F)."""
    century_index = (birth_date.year // 100) - 19
    return century_index * 2 + (1 if sex == FEMALE else 0)


def check_personal_id(value: str, *, birth_date: dt.date | None = None, sex: str | None = None) -> IdCheck:
    """Check a personal ID against its form and, when given, the birth date and sex."""
    result = IdCheck()
    if not (len(value) == 12 and value.isascii() and value.isdigit()):
        result.errors.append("Số định danh cá nhân phải gồm đúng 12 chữ số.")
        return result
    if value[:3] not in PROVINCE_CODES:
        result.warnings.append(f"Mã tỉnh '{value[:3]}' trong số định danh không có trong danh mục đã biết.")
    if birth_date is not None and sex in (MALE, FEMALE):
        if birth_date.year < 1900 or birth_date.year > 2399:
            result.errors.append("Năm sinh nằm ngoài khoảng mà số định danh mã hoá được.")
            return result
        expected = century_sex_digit(birth_date, sex)
        if int(value[3]) != expected:
            result.errors.append(
                f"Chữ số thứ 4 của số định danh ({value[3]}) không khớp thế kỷ sinh và giới tính "
                f"(cần {expected} cho {'nữ' if sex == FEMALE else 'nam'} sinh năm {birth_date.year})."
            )
        if value[4:6] != f"{birth_date.year % 100:02d}":
            result.errors.append(
                f"Chữ số 5–6 của số định danh ({value[4:6]}) không khớp năm sinh {birth_date.year}."
            )
    return result


def make_personal_id(province: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """Build a well-formed personal ID (used for demo data; serial is the random part)."""
    return f"{province}{century_sex_digit(birth_date, sex)}{birth_date.year % 100:02d}{serial % 1_000_000:06d}"
