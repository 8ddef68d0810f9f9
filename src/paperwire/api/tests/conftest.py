import pytest
from huggingface_hub import HfApi
from huggingface_hub.utils import close_session

from paperwire.search.testing import (  # noqa: F401  (fixtures)
    _fresh_vector_index,
    committed_papers,
    embedded_subset,
    papers,
)


@pytest.fixture
def hub(live_server):
    """huggingface_hub's own client, pointed at the live test server."""
    yield HfApi(endpoint=live_server.url, token=False)
    # huggingface_hub keeps its HTTP connection alive, and with it the live server's
    # request thread and that thread's database connection: close it, or PostgreSQL
    # refuses to drop the test database at the end of the run.
    close_session()
