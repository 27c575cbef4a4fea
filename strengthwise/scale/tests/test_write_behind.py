"""`bulk.write_behind`: on PostgreSQL, outside a transaction, a batch's writes go to one thread
with its own connection, a transaction per batch, in order; a failed batch is rolled back,
nothing after it is written, and its error reaches the caller. Elsewhere, writes are in line."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from strengthwise.accounts.models import Agency
from strengthwise.scale.bulk import InLine, WriteBehind, defer, insert_rows, write_behind

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="writing behind is PostgreSQL's"
)
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _agencies(prefix: str, n: int) -> list[int]:
    return insert_rows(
        Agency, ("name", "slug"), [(f"{prefix} {i}", f"{prefix}-{i}") for i in range(n)]
    )


def _slugs(prefix: str) -> list[str]:
    return sorted(
        Agency.objects.filter(slug__startswith=f"{prefix}-").values_list("slug", flat=True)
    )


class Refused(Exception):
    pass


def _refuse() -> None:
    raise Refused("no")


@postgres_only
@committed
def test_batches_are_written_by_the_writer_with_the_keys_given_to_the_caller():
    with write_behind() as writer:
        assert isinstance(writer, WriteBehind)
        with CaptureQueriesContext(connection) as caller, writer.batch():
            ids = _agencies("wb-one", 3)
        # The caller's connection only took the keys from the sequence; it wrote nothing.
        sqls = [q["sql"] for q in caller.captured_queries]
        assert len(sqls) == 1 and sqls[0].startswith("SELECT nextval("), sqls
        with writer.batch():
            _agencies("wb-two", 2)
    assert _slugs("wb-one") == ["wb-one-0", "wb-one-1", "wb-one-2"]
    assert _slugs("wb-two") == ["wb-two-0", "wb-two-1"]
    assert sorted(
        Agency.objects.filter(slug__startswith="wb-one-").values_list("id", flat=True)
    ) == sorted(ids)


@postgres_only
@committed
def test_a_failed_batch_is_rolled_back_and_nothing_after_it_is_written():
    with pytest.raises(Refused), write_behind() as writer:
        with writer.batch():
            _agencies("wb-before", 1)
        with writer.batch():
            _agencies("wb-failed", 2)
            defer(_refuse)
        with writer.batch():  # handed over before the writer reached the failed batch, or refused
            _agencies("wb-after", 1)
    assert _slugs("wb-before") == ["wb-before-0"]
    assert _slugs("wb-failed") == []  # the whole batch, not only the failing write
    assert _slugs("wb-after") == []


@postgres_only
@committed
def test_the_callers_error_wins_and_what_was_handed_over_is_written():
    with pytest.raises(KeyError), write_behind() as writer:
        with writer.batch():
            _agencies("wb-kept", 1)
        with writer.batch():
            _agencies("wb-dropped", 1)
            raise KeyError("the caller's")
    assert _slugs("wb-kept") == ["wb-kept-0"]
    assert _slugs("wb-dropped") == []  # the batch the caller did not finish is not written


@pytest.mark.django_db
def test_inside_a_transaction_or_on_sqlite_batches_are_written_in_line():
    assert connection.in_atomic_block  # the test's own transaction
    with write_behind() as writer:
        assert isinstance(writer, InLine)
        with writer.batch():
            _agencies("wb-inline", 2)
            assert _slugs("wb-inline") == ["wb-inline-0", "wb-inline-1"]
        with pytest.raises(Refused), writer.batch():
            _agencies("wb-undone", 1)
            defer(_refuse)
    assert _slugs("wb-undone") == []  # the batch's own transaction was rolled back
    assert _slugs("wb-inline") == ["wb-inline-0", "wb-inline-1"]
    assert transaction.get_connection().in_atomic_block
