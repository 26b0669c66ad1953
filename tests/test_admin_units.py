"""The administrative units since 1 July 2025 (docs/glossary.md, docs/workflows.md §1): the data the
portal relies on, a school's place and managing body, the offices' scope, old years' headers."""

import pytest
from django.urls import reverse

from accounts import units
from accounts.models import Commune, Role, RoleAssignment, School
from accounts.services import AccountError, place
from tests.factories import make_school, make_user, make_year

pytestmark = pytest.mark.xdist_group("admin_units")


def test_the_package_holds_the_2025_units_and_the_old_ones():
    assert len(units.provinces()) == 34
    assert sum(len(units.communes(p.code)) for p in units.provinces()) == 3321
    assert units.find_province("Hà Nội").code == "01"
    assert units.find_commune("01", "phuong cau giay").name == "Phường Cầu Giấy"
    # Quận Cầu Giấy no longer exists; Phường Dịch Vọng was merged into Phường Cầu Giấy
    assert units.find_commune("01", "Quận Cầu Giấy") is None
    assert units.place_exists("Thành phố Hà Nội", "Phường Dịch Vọng", "Quận Cầu Giấy")
    assert not units.place_exists("Thành phố Hà Nội", "Phường Dịch Vọng", "Quận Ba Đình")
    assert units.place_exists("Thành phố Hà Nội", "Phường Cầu Giấy")
    assert not units.place_exists("Thành phố Hà Nội", "Phường Sài Gòn")


def test_place_makes_rows_only_for_real_units(db):
    province, commune = place(("01", "Thành phố Hà Nội"), ("00166", "Phường Cầu Giấy"))
    assert (province.code, commune.code, commune.kind) == ("01", "00166", "phường")
    again = place("01", "00166")
    assert again == (province, commune) and Commune.objects.count() == 1
    for bad in [
        (("01", "Tỉnh Hà Nội Cũ"), None),
        (("01", ""), ("26740", "")),
        (("01", ""), ("00166", "Xã Khác")),
    ]:
        with pytest.raises(AccountError):
            place(*bad)


def test_managing_body_and_unit_line_follow_the_year(db):
    school = make_school()  # THCS in Phường Ba Đình, formerly Quận Ba Đình
    assert school.managing_body(2026) == "Ủy ban nhân dân Phường Ba Đình"
    assert school.managing_body(2024) == "Phòng Giáo dục và Đào tạo Ba Đình"
    assert school.unit_line(2024) == ("Huyện/Quận/Thị xã/Thành phố", "Quận Ba Đình")
    assert school.unit_line(2026) == ("Xã/Phường/Đặc khu", "Phường Ba Đình")
    school.level = School.Level.THPT
    assert school.managing_body(2026) == school.managing_body(2024) == "Sở Giáo dục và Đào tạo Hà Nội"
    school.level = School.Level.MULTI
    assert school.managing_body(2026) == "Sở Giáo dục và Đào tạo Hà Nội"
    assert list(school.grades) == list(range(6, 13))


def test_offices_see_the_schools_they_oversee(db, client):
    thcs = make_school("Trường THCS Ba Đình")
    make_year(thcs)
    thpt = make_school("Trường THPT Ba Đình")
    thpt.level = School.Level.THPT
    thpt.save()
    elsewhere_province, elsewhere_commune = place("79", "26740")
    other = School.objects.create(
        province=elsewhere_province, commune=elsewhere_commune, code="HCM1", name="Trường THCS Sài Gòn"
    )
    old_district = thcs.district
    thcs.district = None  # a school set up after 2025 has no district
    thcs.save()
    commune_office = make_user("vhxh.badinh")
    RoleAssignment.objects.create(user=commune_office, role=Role.COMMUNE_OFFICE, commune=thcs.commune)
    department = make_user("sogd.hanoi")
    RoleAssignment.objects.create(user=department, role=Role.PROVINCE_OFFICE, province=thcs.province)
    district_office = make_user("phong.badinh")
    RoleAssignment.objects.create(user=district_office, role=Role.DISTRICT_OFFICE, district=old_district)

    def seen(user):
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
        page = client.get(reverse("office_overview")).content.decode()
        return {s.name for s in (thcs, thpt, other) if s.name in page}

    # the commune oversees the THCS of its commune only; the Department all its province's schools
    assert seen(commune_office) == {"Trường THCS Ba Đình"}
    assert seen(department) == {"Trường THCS Ba Đình", "Trường THPT Ba Đình"}
    assert seen(district_office) == {"Trường THPT Ba Đình"}  # the one still in its district
    client.force_login(commune_office)
    assert client.get(reverse("office_school", args=[thpt.uuid])).status_code == 404
    assert client.get(reverse("office_school", args=[other.uuid])).status_code == 404
    assert client.get(reverse("office_school", args=[thcs.uuid])).status_code == 200
