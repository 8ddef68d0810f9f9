"""The OpenAPI description, fuzzed by schemathesis against a live server: never a 5xx.

The Hypothesis loop is written out rather than using schemathesis' pytest plugin,
whose lazy fixture loader does not run under pytest 9.
"""

from datetime import UTC, date, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from paperwire.papers.models import Paper


@pytest.fixture
def api_schema(live_server, transactional_db):
    for n, day in enumerate([date(2024, 1, 17), date(2024, 1, 18), None]):
        Paper.objects.create(
            arxiv_id=f"2401.1024{n}", title=f"Pipeline paper {n} <script>x</script>",
            abstract="Pipeline parallelism and speculative decoding.", featured_on=day,
            author_names=["Ada Lovelace"], upvotes=n,
            published_at=datetime(2024, 1, 16, tzinfo=UTC))
    Paper.objects.create(arxiv_id="hep-th/9901001", title="Old style")
    return schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_the_api_fail(api_schema, mode):
    assert {"/api/daily_papers", "/api/papers/{paper_id}", "/api/papers/search"} <= set(
        api_schema.keys())

    @given(case=api_schema.as_strategy(generation_mode=mode))
    @settings(max_examples=75, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])

    call()
