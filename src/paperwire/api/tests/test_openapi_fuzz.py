"""The OpenAPI description, fuzzed by schemathesis against a live server: never a 5xx.

Its alphabet holds NUL, and the values it draws are spiked with NUL and lone surrogates
(schemathesis leaves lone surrogates out, since a URL or header cannot carry them; a JSON
body can, as a "\\ud800" escape). Half the calls carry a real user's token, so the writes
(comment, upvote, submit) run as well as their 401. Run it on both backends.

The Hypothesis loop is written out rather than using schemathesis' pytest plugin,
whose lazy fixture loader does not run under pytest 9.
"""

import json
from datetime import UTC, date, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from paperwire.community.models import ApiToken
from paperwire.community.tests.arxiv_fake import recorded_by_id, serve_arxiv
from paperwire.community.tests.conftest import make_user
from paperwire.papers.models import Paper

STORED_IDS = ["2401.10240", "2401.10241", "2401.10242", "hep-th/9901001"]
BAD_CHARACTERS = ["\x00", "\ud800", "\udfff", "\ud83d"]  # NUL, lone high and low halves


@pytest.fixture
def api_schema(live_server, transactional_db, local_server, shared_data, settings):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    serve_arxiv(local_server, recorded_by_id(shared_data))
    for n, day in enumerate([date(2024, 1, 17), date(2024, 1, 18), None]):
        Paper.objects.create(
            arxiv_id=f"2401.1024{n}", title=f"Pipeline paper {n} <script>x</script>",
            abstract="Pipeline parallelism and speculative decoding.", featured_on=day,
            author_names=["Ada Lovelace"], upvotes=n, submitter="Ada Lovelace",
            published_at=datetime(2024, 1, 16, tzinfo=UTC))
    Paper.objects.create(arxiv_id="hep-th/9901001", title="Old style")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")
    schema.config.generation.update(allow_x00=True, codec=None)
    return schema


@st.composite
def spiked(draw, value, *, surrogates: bool, keys: bool = True):
    """`value` with NUL (and, where the wire can carry them, lone surrogates) slipped into
    some of its strings (and its keys, unless they name path parameters)."""
    if isinstance(value, str):
        if draw(st.integers(0, 3)) != 0:
            return value
        bad = draw(st.sampled_from(BAD_CHARACTERS if surrogates else BAD_CHARACTERS[:1]))
        at = draw(st.integers(0, len(value)))
        return value[:at] + bad + value[at:]
    if isinstance(value, dict):
        return {draw(spiked(k, surrogates=surrogates)) if keys and isinstance(k, str) else k:
                draw(spiked(v, surrogates=surrogates)) for k, v in value.items()}
    if isinstance(value, list):
        return [draw(spiked(v, surrogates=surrogates)) for v in value]
    return value


def body_is_encodable(body) -> bool:
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_the_api_fail(api_schema, mode):
    assert {"/api/daily_papers", "/api/papers/{paper_id}", "/api/papers/search",
            "/api/papers/{paper_id}/comments"} <= set(api_schema.keys())
    token = ApiToken.objects.issue(make_user("ada@example.org", "Ada"), "fuzz")

    @given(case=api_schema.as_strategy(generation_mode=mode), data=st.data())
    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case, data):
        send = {}
        if isinstance(case.body, dict | list | str):
            body = data.draw(spiked(case.body, surrogates=case.media_type == "application/json"))
            if body_is_encodable(body):
                case.body = body
            else:
                # schemathesis cannot validate a lone surrogate (no UTF-8 form): the body
                # goes out as JSON text, where "\ud800" is an escape.
                send["data"] = json.dumps(body)
        if case.query:
            case.query = data.draw(spiked(case.query, surrogates=False))
        if "paper_id" in (case.path_parameters or {}) and data.draw(st.integers(0, 3)):
            # A random id finds no paper; a stored one reaches the writes behind it.
            case.path_parameters["paper_id"] = data.draw(st.sampled_from(STORED_IDS))
        if case.path_parameters:
            case.path_parameters = data.draw(spiked(case.path_parameters, surrogates=False,
                                                          keys=False))
        if data.draw(st.integers(0, 2)):
            # On the case itself: schemathesis' own Authorization would win over call()'s.
            case.headers = {k: v for k, v in (case.headers or {}).items()
                            if k.lower() != "authorization"}
            case.headers["Authorization"] = f"Bearer {token}"
        response = case.call(**send)
        case.validate_response(response, checks=[not_a_server_error])

    call()
