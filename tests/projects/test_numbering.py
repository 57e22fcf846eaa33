"""Task numbers per project are race-safe (issue 14): writers in parallel never get the same
number, and the counter has no gaps (api.projects.numbering)."""

from __future__ import annotations

import threading

import pytest


def _allocate_in(app, project_id: int, n: int, out: list[int]) -> None:
    """`allocate` in a unit of work of its own, `n` times, in a fresh app context (so a
    session, and a connection, of its own)."""
    from api.db import unit_of_work
    from api.extensions import db
    from api.projects.numbering import allocate

    with app.app_context():
        for _ in range(n):
            with unit_of_work():
                out.append(allocate(project_id))
        db.session.remove()


def test_parallel_writers_get_distinct_numbers(app, make, db, database_url):
    if not database_url.startswith("mysql"):
        pytest.skip("SQLite has one writer at a time; the row lock is MariaDB's")
    project = make.project("RACE")
    results: list[list[int]] = [[] for _ in range(4)]
    threads = [
        threading.Thread(target=_allocate_in, args=(app, project.id, 25, out)) for out in results
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(n for out in results for n in out)
    assert numbers == list(range(1, 101))


def test_allocate_counts_up_from_one(make, db):
    from api.projects.numbering import allocate

    project = make.project("SEQ")
    assert [allocate(project.id) for _ in range(3)] == [1, 2, 3]
    db.session.rollback()
    with pytest.raises(LookupError):
        allocate(987654)
