"""utf8_bytes reads a TEXT column as its UTF-8 bytes (tvdbd.db.prepared): exactly the bytes
of the stored text whatever it holds, on SQLite and PostgreSQL, through Prepared and through
SQLAlchemy alike; other columns of a binary-form read keep their Python values."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, bindparam, insert, select

from tests.support import Databases, import_bundles
from tvdbd.db import catalogue
from tvdbd.db.prepared import Prepared, utf8_bytes
from tvdbd.db.schema import episode_pages

# JSON text as orjson writes it, with what a naive cast would get wrong: backslash escapes
# (PostgreSQL's text-to-bytea cast would read them as escapes), quotes, Latin-1, CJK and a
# character outside the BMP (4 bytes in UTF-8).
TEXTS = [
    '[{"episodeName":"Mon \\"premier\\" jour","overview":"a\\\\b\\nc"}]',
    '[{"episodeName":"Ma première fête","overview":"Señor Müller"}]',
    '[{"episodeName":"第一話","overview":"🎬 \\u0001"}]',
    "[]",
    "é" * 100_000,
]


@pytest.fixture(scope="module")
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    _, engine = databases.new_engine(backend)
    report = import_bundles(engine, [{"series": {"id": 1, "seriesName": "S"}}])
    assert report.ok, report.errors
    with engine.begin() as conn:
        conn.execute(
            insert(episode_pages),
            [
                dict(
                    series_id=1,
                    language="en",
                    page=page,
                    first_id=page,
                    last_id=page * 10,
                    name_missing=page % 2 == 0,
                    records=text,
                )
                for page, text in enumerate(TEXTS, start=1)
            ],
        )
    yield engine
    engine.dispose()


READ = Prepared(
    select(
        episode_pages.c.first_id,
        episode_pages.c.name_missing,
        utf8_bytes(episode_pages.c.records),
    ).where(episode_pages.c.page == bindparam("page")),
    binary=True,
)


@pytest.mark.parametrize("page", range(1, len(TEXTS) + 1))
def test_a_prepared_read_gives_the_utf8_bytes_of_the_stored_text(engine: Engine, page: int) -> None:
    with engine.connect() as conn:
        [(first_id, missing, records)] = READ.rows(conn, page=page)
    assert bytes(records) == TEXTS[page - 1].encode()
    assert first_id == page and isinstance(first_id, int)
    assert bool(missing) is (page % 2 == 0)


def test_sqlalchemy_reads_utf8_bytes_as_bytes_too(engine: Engine) -> None:
    query = select(utf8_bytes(episode_pages.c.records)).order_by(episode_pages.c.page)
    with engine.connect() as conn:
        assert list(conn.execute(query).scalars()) == [text.encode() for text in TEXTS]


def test_a_stored_page_is_read_as_bytes_and_a_missing_one_as_none(engine: Engine) -> None:
    with engine.connect() as conn:
        assert catalogue.stored_page(conn, 1, "en", 2) == (2, 20, True, TEXTS[1].encode())
        assert catalogue.stored_page(conn, 1, "fr", 2) is None
        assert catalogue.stored_page(conn, 1, "en", 99) is None
