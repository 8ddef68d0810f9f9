import pytest

from paperwire.lib.tests.local_server import LocalServer


@pytest.fixture
def local_server():
    with LocalServer() as server:
        yield server
