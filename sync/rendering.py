"""Running a stream's queries and writing their JSON lines. On PostgreSQL the queries of one stream run as a single
statement (their UNION ALL, in stream order) through one server-side cursor in one transaction, each row already its
whole line (immich/json_shapes.py): an incremental sync costs a handful of round trips whatever the number of types, and a
first sync is text passed on. On SQLite each query runs in turn and Python renders its rows to the same values."""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.db import connection, transaction

from immich.json_shapes import Shape

ROWS_PER_FETCH = 2000  # rows a server-side cursor hands over at a time
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def line(entity_type: str, data: dict, ack: str) -> str:
    return json.dumps({"type": entity_type, "data": data, "ack": ack}, separators=(",", ":")) + "\n"


@dataclass(frozen=True)
class Query:
    """The rows of one entity type of a stream (or of one parent's backfill), each becoming a line."""

    type: str
    sql: str  # selects sync_xid, sync_seq, then the columns `shape` reads, in change-key order
    shape: Shape
    params: dict
    ack_parts: tuple[str, str]  # the ack's text before and after the row's change key (sync.acks.row_ack_parts)
    after_first_line: str | None = None  # a line written after the first row only


Step = Query | str  # a query's lines, or a line of its own


def rows(sql: str, params: dict) -> Iterator[tuple]:
    """The rows of a server-side cursor, a fetch at a time: memory stays flat whatever the library's size. In a
    transaction, so that the cursor is not one WITH HOLD (which PostgreSQL would materialise whole first); read-only,
    it takes no transaction id and holds no other stream back. Closing the generator (a client that went away) closes
    the cursor and ends the transaction."""
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.cursor() as settings:  # compiling a library-sized query took 2 s, more than it saved
                settings.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        while fetched := cursor.fetchmany(ROWS_PER_FETCH):
            yield from fetched


def _line_sql(query: Query, name: str) -> tuple[str, dict]:
    """The query selecting its lines, its placeholders renamed `<name>_...` (queries share one statement)."""
    before, after = query.ack_parts
    params = {
        **query.params, "line_start": f'{{"type":"{query.type}","data":', "ack_start": f',"ack":"{before}',
        "ack_end": f'{after}"}}\n',
    }  # fmt: skip
    sql = _PLACEHOLDER.sub(lambda match: f"%({name}_{match.group(1)})s", query.shape.line_sql(query.sql))
    return sql, {f"{name}_{key}": value for key, value in params.items()}


def row_lines(query: Query) -> Iterator[str]:
    """One query's lines: written by PostgreSQL, or rendered here from SQLite's rows."""
    if connection.vendor == "postgresql":
        sql, params = _line_sql(query, "q")
        for (text,) in rows(sql, params):
            yield text
        return
    before, after = query.ack_parts
    for xid, seq, *values in rows(query.sql, query.params):
        yield line(query.type, query.shape.data(tuple(values)), f"{before}{xid}.{seq}{after}")


def _lines_by_query(queries: list[Query]) -> Generator[tuple[int, Iterator[str]], None, None]:
    """(index of the query, its lines) in query order; a query without rows may be left out. PostgreSQL's Append runs
    the arms of a UNION ALL one after the other, each in its own order (a cursor's plan is never parallel)."""
    if connection.vendor != "postgresql":
        yield from enumerate(row_lines(query) for query in queries)
        return
    if not queries:
        return
    arms, params = [], {}
    for index, query in enumerate(queries):
        sql, arm_params = _line_sql(query, f"q{index}")
        arms.append(f"(SELECT {index}, arm.line FROM ({sql}) AS arm(line))")
        params.update(arm_params)
    for index, indexed_lines in groupby(rows(" UNION ALL ".join(arms), params), key=itemgetter(0)):
        yield index, (text for _, text in indexed_lines)


def step_lines(steps: list[Step]) -> Iterator[str]:
    """The lines of the steps, in order. Closing it (a client that went away) closes the cursor."""
    queries = [step for step in steps if isinstance(step, Query)]
    by_query = _lines_by_query(queries)
    try:
        pending = next(by_query, None)
        index = 0
        for step in steps:
            if isinstance(step, str):
                yield step
                continue
            if pending is not None and pending[0] == index:
                after_first_line = step.after_first_line
                for text in pending[1]:
                    yield text
                    if after_first_line is not None:  # after the first line, so that it never follows a SyncAckV1
                        yield after_first_line
                        after_first_line = None
                pending = next(by_query, None)
            index += 1
    finally:
        by_query.close()
