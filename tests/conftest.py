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
