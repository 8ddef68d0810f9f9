"""The recorded arXiv API answers (../shared/data/arxiv-api), served by id from a local
server, for submissions."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.tests.local_server import LocalServer


def recorded_by_id(shared_data: Path) -> dict[str, str]:
    """Atom bodies of the recorded single-id lookups, by id without version."""
    answers = {}
    for path in (shared_data / "arxiv-api").glob("id_*.json"):
        data = json.loads(path.read_text())
        ids = dict(parse_qsl(urlsplit(data["url"]).query))["id_list"].split(",")
        if len(ids) == 1 and data["status_code"] == 200:
            answers[ids[0]] = data["body"]
    empty = answers.pop("0000.0000")
    by_id = {"": empty}
    for raw, body in answers.items():
        with contextlib.suppress(InvalidArxivId):  # a recorded malformed id: not served
            by_id[parse_arxiv_id(raw).id] = body
    return by_id


def serve_arxiv(server: LocalServer, recorded: dict[str, str]) -> None:
    def respond(path, query):
        if path != "/api/query":
            return 404, ""
        wanted = query.get("id_list", "")
        body = recorded.get(wanted)
        if body is None:  # arXiv answers an unknown id with an empty feed
            body = re.sub(r"<entry>.*</entry>", "", recorded[""], flags=re.S)
        return 200, body

    server.respond = respond
