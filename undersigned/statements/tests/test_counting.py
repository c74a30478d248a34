"""The counting rule in Python, as ORM filters and as the hot path's SQL agree everywhere."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from undersigned.statements import counting, hotpath
from undersigned.statements.models import Signature, Visibility
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in Signature.Status]
COMBINATIONS = list(
    itertools.product(STATUSES, (False, True), (False, True), [v.value for v in Visibility])
)


def _row(
    statement: object, n: int, status: str, quarantined: bool, invalidated: bool, visibility: int
) -> Signature:
    one = counting.tally(
        status=status, quarantined=quarantined, invalidated=invalidated, visibility=visibility
    )
    return Signature.objects.create(
        statement=statement,
        version=statement.text("en"),  # type: ignore[attr-defined]
        language="en",
        status=status,
        quarantined=quarantined,
        invalidated_at=timezone.now() if invalidated else None,
        visibility=visibility,
        counted=bool(one.counted),
        email_digest=f"{n:064x}",
        country="UA",
    )


def test_the_orm_filters_select_exactly_what_the_rule_counts() -> None:
    statement = make_statement()
    expected = counting.Tally()
    for n, (status, quarantined, invalidated, visibility) in enumerate(COMBINATIONS):
        _row(statement, n, status, quarantined, invalidated, visibility)
        expected += counting.tally(
            status=status, quarantined=quarantined, invalidated=invalidated, visibility=visibility
        )
    rows = Signature.objects.filter(statement=statement)
    assert rows.filter(counting.COUNTED_Q).count() == expected.counted
    assert rows.filter(counting.LISTED_Q).count() == expected.listed
    assert rows.filter(counting.UNVERIFIED_Q).count() == expected.unverified
    assert expected.counted and expected.listed and expected.unverified


@pytest.mark.parametrize(("quarantined", "invalidated", "visibility"), [
    (q, i, v.value) for q, i, v in itertools.product((False, True), (False, True), Visibility)
])  # fmt: skip
def test_confirming_in_sql_counts_and_lists_as_the_rule_says(
    quarantined: bool, invalidated: bool, visibility: int
) -> None:
    statement = make_statement()
    row = _row(statement, 1, "pending", quarantined, invalidated, visibility)
    before = statement.counts()
    result = hotpath.confirm(row.pk, statement.pk, timezone.now())
    rule = counting.tally(
        status="confirmed", quarantined=quarantined, invalidated=invalidated, visibility=visibility
    )
    assert result == (bool(rule.counted), visibility)
    after = statement.counts()
    assert after["counted"] - before["counted"] == rule.counted
    assert after["listed"] - before["listed"] == rule.listed
    assert hotpath.confirm(row.pk, statement.pk, timezone.now()) is None  # only once


def test_a_tally_adds_and_subtracts_per_counter() -> None:
    one = counting.Tally(1, 1, 0)
    two = counting.Tally(0, 0, 1)
    assert (one + two).deltas() == {"counted": 1, "listed": 1, "unverified": 1}
    assert (-(one + two)).deltas() == {"counted": -1, "listed": -1, "unverified": -1}
    assert counting.total([one, two, one]) == counting.Tally(2, 2, 1)
