"""Plausible Vietnamese names, places and occupations for synthetic data."""

from __future__ import annotations

import random

SURNAMES = ["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 9 + ["Phạm"] * 7 + ["Hoàng"] * 5 + ["Huỳnh"] * 4 + \
    ["Phan"] * 4 + ["Vũ"] * 4 + ["Võ"] * 3 + ["Đặng"] * 2 + ["Bùi"] * 2 + ["Đỗ"] * 2 + ["Hồ", "Ngô", "Dương",
                                                                                  "Lý", "Đinh", "Trịnh", "Mai",
                                                                                  "Cao", "Lương", "Tạ", "Âu"]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quốc", "Gia", "Hữu", "Thành", "Anh", "Công", "Trung", "Đình", "Hoàng"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Khánh", "Bảo", "Phương", "Hải", "Diệu", "Mai", "Hồng"]
GIVEN_MALE = ["An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hoàng",
              "Huy", "Hùng", "Khang", "Khoa", "Khôi", "Kiên", "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Nhân",
              "Phát", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Tiến",
              "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Ân"]
GIVEN_FEMALE = ["Anh", "Ánh", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
                "Hương", "Huyền", "Lan", "Linh", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhi", "Nhung",
                "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thư", "Trang", "Trâm", "Uyên", "Vân", "Vy", "Yến",
                "Ân", "Đào"]
ETHNICITIES = ["Kinh"] * 95 + ["Tày", "Mường", "Hoa", "Nùng", "Sán Dìu"]
OCCUPATIONS = ["Công nhân", "Nông dân", "Kinh doanh", "Giáo viên", "Kỹ sư", "Bác sĩ", "Nhân viên văn phòng",
               "Lái xe", "Nội trợ", "Công chức", "Ngư dân", "Thợ may", "Buôn bán nhỏ"]
STREETS = ["Lạch Tray", "Trần Phú", "Lê Lợi", "Điện Biên Phủ", "Hai Bà Trưng", "Tô Hiệu", "Nguyễn Trãi",
           "Đà Nẵng", "Lê Thánh Tông", "Hoàng Văn Thụ", "Quang Trung", "Văn Cao"]
COMMUNES = ["Phường Hồng Bàng", "Phường Lê Chân", "Phường Ngô Quyền", "Phường Hải An", "Phường Kiến An",
            "Phường Đồ Sơn", "Xã An Dương", "Xã Thủy Nguyên", "Xã Tiên Lãng", "Xã Vĩnh Bảo", "Phường Dương Kinh",
            "Xã Kiến Thụy", "Phường Hải Dương", "Xã Cát Hải", "Đặc khu Bạch Long Vĩ", "Phường Lãm Hà"]
SCHOOL_NAMES = ["Chu Văn An", "Ngô Quyền", "Trần Phú", "Lê Quý Đôn", "Nguyễn Trãi", "Hồng Bàng", "Lý Tự Trọng",
                "Đình Xuyên", "Bạch Đằng", "Tô Hiệu", "Võ Thị Sáu", "Nguyễn Du", "Lê Hồng Phong", "Thái Phiên",
                "Hùng Vương", "Phan Bội Châu", "Kim Đồng", "Lương Khánh Thiện", "Quang Trung", "Đằng Hải"]
QUALIFICATIONS = ["Cử nhân sư phạm", "Thạc sĩ", "Cử nhân", "Tiến sĩ"]


def person_name(rng: random.Random, sex: str) -> str:
    if sex == "F":
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"


def address(rng: random.Random, commune: str) -> str:
    return f"Số {rng.randint(1, 300)} đường {rng.choice(STREETS)}, {commune}, TP Hải Phòng"
