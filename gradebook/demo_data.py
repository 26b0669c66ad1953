"""Names, places and the THCS curriculum used by `seed_demo` (realistic, deterministic)."""

FAMILY_NAMES = [
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4), ("Phan", 4), ("Vũ", 4),
    ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1),
    ("Trịnh", 1), ("Đào", 1), ("Mai", 1), ("Tạ", 1), ("Lương", 1),
]
MALE_MIDDLE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Gia", "Thành", "Hoàng", "Anh", "Tuấn", "Công", "Đình", "Xuân", "Bảo", "Nhật", "Trọng"]
FEMALE_MIDDLE = ["Thị", "Ngọc", "Thu", "Thanh", "Bảo", "Khánh", "Phương", "Minh", "Hồng", "Mai", "Thùy", "Diệu", "Hải", "Kim", "Quỳnh", "Thị Thu"]
MALE_GIVEN = [
    "An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang", "Khoa",
    "Khôi", "Kiên", "Long", "Lâm", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Quân", "Quang", "Sơn",
    "Tài", "Thắng", "Thịnh", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Dương", "Đăng",
]
FEMALE_GIVEN = [
    "Anh", "Ánh", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hân", "Hằng", "Hạnh", "Hiền", "Hoa", "Hương", "Huyền",
    "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm",
    "Thảo", "Thư", "Thủy", "Trang", "Trâm", "Uyên", "Vân", "Vy", "Xuân", "Yến", "Ảnh", "Ân",
]
ETHNICITIES = [("Kinh", 96), ("Tày", 1), ("Mường", 1), ("Hoa", 1), ("Nùng", 1)]
PLACES = [
    "Phường Nghĩa Đô, Hà Nội", "Phường Cầu Giấy, Hà Nội", "Phường Yên Hòa, Hà Nội", "Phường Dịch Vọng, Hà Nội",
    "Xã Đông Anh, Hà Nội", "Tỉnh Ninh Bình", "Tỉnh Hưng Yên", "Tỉnh Bắc Ninh", "Tỉnh Thanh Hóa", "Tỉnh Nghệ An",
    "Tỉnh Phú Thọ", "Thành phố Hải Phòng",
]
STREETS = ["Hoàng Quốc Việt", "Nguyễn Văn Huyên", "Trần Duy Hưng", "Xuân Thủy", "Cầu Giấy", "Dương Quảng Hàm", "Nghĩa Tân", "Tô Hiệu", "Trần Quốc Hoàn", "Phạm Văn Đồng"]
OCCUPATIONS = ["Công nhân", "Kinh doanh", "Giáo viên", "Kỹ sư", "Bác sĩ", "Nhân viên văn phòng", "Nội trợ", "Công chức", "Lái xe", "Buôn bán", "Bộ đội", "Nông dân"]

# THCS subjects under TT22 / CT GDPT 2018: (code, name, short name, kind, department, periods per grade 6..9)
SUBJECTS = [
    ("ngu-van", "Ngữ văn", "Văn", "score", "Tổ Khoa học Xã hội", (140, 140, 140, 140)),
    ("toan", "Toán", "Toán", "score", "Tổ Khoa học Tự nhiên", (140, 140, 140, 140)),
    ("tieng-anh", "Tiếng Anh", "Anh", "score", "Tổ Khoa học Xã hội", (105, 105, 105, 105)),
    ("gdcd", "Giáo dục công dân", "GDCD", "score", "Tổ Khoa học Xã hội", (35, 35, 35, 35)),
    ("ls-dl", "Lịch sử và Địa lí", "LS&ĐL", "score", "Tổ Khoa học Xã hội", (105, 105, 105, 105)),
    ("khtn", "Khoa học tự nhiên", "KHTN", "score", "Tổ Khoa học Tự nhiên", (140, 140, 140, 140)),
    ("cong-nghe", "Công nghệ", "CN", "score", "Tổ Khoa học Tự nhiên", (35, 35, 52, 52)),
    ("tin-hoc", "Tin học", "Tin", "score", "Tổ Khoa học Tự nhiên", (35, 35, 35, 35)),
    ("gdtc", "Giáo dục thể chất", "GDTC", "comment", "Tổ Nghệ thuật - Thể chất", (70, 70, 70, 70)),
    ("nghe-thuat", "Nghệ thuật", "NT", "comment", "Tổ Nghệ thuật - Thể chất", (70, 70, 70, 70)),
    ("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "HĐTN", "comment", "Tổ Nghệ thuật - Thể chất", (105, 105, 105, 105)),
    ("gddp", "Nội dung giáo dục của địa phương", "GDĐP", "comment", "Tổ Nghệ thuật - Thể chất", (35, 35, 35, 35)),
]
