"""Pages speak Vietnamese, Django's own defaults included; downloaded files keep their Vietnamese
names readable in ASCII (đ as d)."""

import pytest
from django.urls import reverse

from gradebook.services import corrections
from sodiem.text import file_name
from tests.factories import print_paper
from tests.test_corrections import file_request, lock_term

pytestmark = pytest.mark.django_db


def test_file_names_write_d_for_dj():
    assert file_name("Sổ đăng bộ — Đỗ Đình Đức, lớp 6A1") == "so-dang-bo-do-dinh-duc-lop-6a1"
    assert file_name("Học bạ — Nguyễn Văn An") == "hoc-ba-nguyen-van-an"
    assert file_name("x" * 300, limit=10) == "x" * 10
    assert file_name("—") == ""


def test_the_empty_choice_of_a_select_is_vietnamese(world, login):
    lock_term(world)
    correction = file_request(world, tx1="8")
    corrections.decide_correction(world.principal, correction, approve=True)
    page = login(world.admin_board).get(reverse("correction_detail", args=[correction.uuid])).content.decode()
    assert 'id="id_witness_board"' in page
    assert "Select an option" not in page and "- Chọn -" in page


def test_a_downloaded_paper_is_named_with_d(world, login):
    lock_term(world)
    correction = file_request(world, tx1="8")
    response = print_paper(login(world.principal), reverse("correction_request_pdf", args=[correction.uuid]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith('inline; filename="giay-de-nghi-thay-doi-thong-tin-')
    assert disposition.isascii()
