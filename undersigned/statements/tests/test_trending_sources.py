"""Which flyer brought signers: source tags (lib/sourcetags.py) from the QR code to the
trending report, through the cached page, counted apart from any signature."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.test import Client

from undersigned.lib import sourcetags
from undersigned.public.screening import started_token
from undersigned.statements import caches
from undersigned.statements.models import Signature, SourceCount
from undersigned.statements.trending import report_trending
from undersigned.test import make_statement, personas, staff_client

pytestmark = pytest.mark.django_db

PAGE = "/en/stop-the-war/"
PICKET = sourcetags.issue(settings.SECRET_KEY, "picket-kyiv")
FORM = {"name": "Olena", "country": "UA", "city": "", "affiliation": "", "visibility": "4"}


def sign(email: str, **extra: str) -> int:
    data = {**FORM, "email": email, "started": started_token(time.time() - 10), **extra}
    # Each from its own address, so that the address limits quarantine none of them.
    address = f"192.0.2.{ord((email or '-')[0])}"
    response = Client().post(
        PAGE + "sign/", data, HTTP_ORIGIN="http://testserver", REMOTE_ADDR=address
    )
    return response.status_code


def test_only_a_tag_the_site_issued_gets_a_cached_copy_of_its_own() -> None:
    assert caches.response_query(PAGE, f"src={PICKET}") == "src=picket-kyiv"
    assert caches.response_query(PAGE, f"page=2&src={PICKET}") == "page=2&src=picket-kyiv"
    for made_up in ("picket-kyiv", "picket-kyiv.aaaaaaaa", "x" * 500, PICKET + "x"):
        assert caches.response_query(PAGE, f"src={made_up}&utm=1") == ""
    assert caches.response_query("/count/stop-the-war.json", f"src={PICKET}") == ""


def test_the_page_opened_from_a_flyer_carries_its_tag_in_the_form() -> None:
    make_statement()
    tagged = Client().get(PAGE, {"src": PICKET}).content.decode()
    assert f'name="src" value="{PICKET}"' in tagged
    for other in ({}, {"src": "picket-kyiv.aaaaaaaa"}, {"src": "<b>"}):
        html = Client().get(PAGE, other).content.decode()
        assert 'name="src"' not in html, other
    # The plain page's cached copy did not take the tagged one's place, nor the other way.
    assert f'value="{PICKET}"' in Client().get(PAGE, {"src": PICKET}).content.decode()


def test_a_signature_through_a_tag_is_counted_by_hour_and_not_on_the_signature() -> None:
    make_statement()
    assert sign("a@example.org", src=PICKET) == 302
    assert sign("b@example.org", src=PICKET) == 302
    assert sign("c@example.org", src="picket-kyiv.aaaaaaaa") == 302, "a bad tag is no error"
    assert sign("d@example.org") == 302
    assert sign("a2@example.org", src=PICKET) == 302, "from a's address again: quarantined"
    (row,) = SourceCount.objects.all()
    assert (row.tag, row.signatures, row.quarantined) == ("picket-kyiv", 3, 1)
    assert row.hour.minute == 0 and Signature.objects.count() == 5
    signature_columns = {f.attname for f in Signature._meta.concrete_fields}
    assert not {"src", "source", "tag"} & signature_columns


def test_the_trending_report_shows_signatures_by_source_tag_to_staff_only() -> None:
    make_statement()
    sign("a@example.org", src=PICKET)
    html = staff_client(personas()["moderator"]).get("/control/trending/").content.decode()
    assert "Submissions by source tag" in html
    assert "<code>picket-kyiv</code>" in html
    assert Client().get("/control/trending/").status_code == 302


def test_an_address_that_signs_again_is_counted_as_a_submission_too() -> None:
    """Counting only new signatures would take time that tells a probe which is which."""
    make_statement()
    assert sign("a@example.org", src=PICKET) == 302
    assert sign("a@example.org", src=PICKET) == 302  # already signed: the same answer
    (row,) = SourceCount.objects.all()
    assert (row.signatures, Signature.objects.count()) == (2, 1)


def test_a_signature_without_email_through_a_tag_is_counted() -> None:
    make_statement(allow_no_email=True)
    assert sign("", src=PICKET) == 302
    assert Signature.objects.get().status == "unverified"
    assert SourceCount.objects.get().signatures == 1


def test_source_counts_are_deleted_after_the_trending_retention() -> None:
    statement = make_statement()
    now = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)
    days = dt.timedelta(days=settings.TRENDING_RETENTION_DAYS)
    for hour in (now - days - dt.timedelta(hours=1), now - days + dt.timedelta(hours=1)):
        SourceCount.objects.create(statement=statement, hour=hour, tag="picket-kyiv")
    report_trending(now=now)
    (kept,) = SourceCount.objects.all()
    assert kept.hour == now - days + dt.timedelta(hours=1)


def test_the_staff_report_calls_them_submissions() -> None:
    make_statement()
    sign("a@example.org", src=PICKET)
    html = staff_client(personas()["moderator"]).get("/control/trending/").content.decode()
    assert "Submissions by source tag" in html
    assert '<th scope="col">Submissions</th>' in html
