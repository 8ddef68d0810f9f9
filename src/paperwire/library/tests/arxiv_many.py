"""The recorded arXiv API answers (../shared/data/arxiv-api) served for any list of
ids, as arXiv answers an id_list: one feed with an entry for each id it knows."""

from __future__ import annotations

import re
from pathlib import Path

from paperwire.community.tests.arxiv_fake import recorded_by_id
from paperwire.lib.arxiv_ids import parse_arxiv_id
from paperwire.lib.tests.local_server import LocalServer

_ENTRY = re.compile(r"<entry>.*?</entry>", re.S)


def serve_arxiv_ids(server: LocalServer, shared_data: Path) -> None:
    recorded = recorded_by_id(shared_data)
    empty = _ENTRY.sub("", recorded[""])
    entries = {arxiv_id: _ENTRY.search(body).group(0)
               for arxiv_id, body in recorded.items() if arxiv_id and _ENTRY.search(body)}

    def respond(path, query):
        if path != "/api/query":
            return 404, ""
        wanted = [parse_arxiv_id(i).id for i in query.get("id_list", "").split(",") if i]
        found = "".join(entries[i] for i in wanted if i in entries)
        return 200, empty.replace("</feed>", found + "</feed>")

    server.respond = respond
