from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from undersigned.statements.models import Signature, TrendingSource
from undersigned.test import make_statement

pytestmark = pytest.mark.django_db


@override_settings(TRENDING_REPORT_MIN=2)
def test_the_worker_refreshes_the_trending_report() -> None:
    statement = make_statement()
    for i in range(2):
        Signature.sign(
            statement,
            language="en",
            name="X",
            email=f"x{i}@example.org",
            country="UA",
            source_digest="e" * 32,
        )
    call_command("worker", "--once", stdout=StringIO())
    assert TrendingSource.objects.get(kind="client").signatures == 2
