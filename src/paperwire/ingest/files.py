"""Reading JSON-lines files (plain or gzipped) line by line, in constant memory."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from paperwire.ingest.runner import Checkpoint, Item, Skip, SourceError
from paperwire.papers.records import BadRecord, PaperRecord

MAX_LINE = 1024 * 1024  # a real snapshot line is a few KB


def is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def json_line_items(
    path: Path, cursor: dict | None, to_record: Callable[[Any], PaperRecord]
) -> Iterator[Item]:
    """PaperRecords from a JSON-lines file, with a Skip for each bad line.

    The cursor is {"line": lines done, "offset": byte offset}; plain files seek straight
    to the offset, gzipped ones and pipes read past the lines already done.
    """
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    size = path.stat().st_size if path.is_file() else None
    gz = path.is_file() and is_gzip(path)
    raw = path.open("rb")
    stream = gzip.open(raw, "rb") if gz else raw  # noqa: SIM115 (closed in the finally)
    # A named pipe (or /dev/stdin fed by `zcat`) can neither seek nor tell its offset.
    can_tell = raw.seekable()
    seekable = can_tell and not gz
    line_no = 0
    try:
        if cursor:
            if seekable:
                stream.seek(cursor["offset"])
            else:
                for _ in range(cursor["line"]):
                    if not stream.readline():
                        break
            line_no = cursor["line"]
        while True:
            try:
                line = stream.readline(MAX_LINE + 1)
            except (OSError, EOFError) as e:  # a truncated or corrupt gzip stream
                yield Skip(f"line {line_no + 1}", f"unreadable: {e}")
                break
            if not line:
                break
            line_no += 1
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                # Skip the rest of an over-long line without holding it in memory.
                while (more := stream.readline(MAX_LINE)) and not more.endswith(b"\n"):
                    pass
                yield Skip(f"line {line_no}", f"line longer than {MAX_LINE} bytes")
            elif line.strip():
                yield _parse_line(line, line_no, to_record)
            yield Checkpoint(
                {"line": line_no, "offset": stream.tell() if seekable else None},
                done=raw.tell() if can_tell else None, total=size,
            )
    finally:
        stream.close()
        raw.close()


def _parse_line(line: bytes, line_no: int, to_record: Callable[[Any], PaperRecord]) -> Item:
    where = f"line {line_no}"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as e:
        return Skip(where, f"invalid UTF-8 at byte {e.start}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        # Some of json's messages end in "at" already ("Invalid control character at").
        return Skip(where, f"malformed JSON: {e.msg.removesuffix(' at')} at column {e.colno}")
    if not isinstance(data, dict):
        return Skip(where, "not a JSON object")
    try:
        record = to_record(data)
    except BadRecord as e:
        ident = data.get("id")
        return Skip(f"{where} ({ident})" if isinstance(ident, str) else where, str(e))
    return record
