import pytest


@pytest.fixture
def world(db):
    from tests.factories import SchoolWorld

    return SchoolWorld("Trường THCS Thử Nghiệm A", "a")


@pytest.fixture
def other_world(db):
    from tests.factories import SchoolWorld

    return SchoolWorld("Trường THCS Thử Nghiệm B", "b")


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


# the class whose students hit every branch of the results (Xuất sắc, retest, summer training,
# retained), shared by the results and the printed-books tests
from tests.test_class_results import klass  # noqa: E402, F401
