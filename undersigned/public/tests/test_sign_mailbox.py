"""Issue 14, item 1: every spelling of one mailbox signs once (promise P3)."""

from __future__ import annotations

import unicodedata

import pytest
from django.core import mail
from django.test import Client

from undersigned.delivery.emails import deliver_all
from undersigned.statements.models import Signature
from undersigned.test import RELAXED_LIMITS, make_statement, sign_form

pytestmark = pytest.mark.django_db

SPELLINGS = [
    "same@exämple.org",
    "same@xn--exmple-cua.org",
    unicodedata.normalize("NFD", "same@exämple.org"),
    "same@example.org",
    "same@ｅｘａｍｐｌｅ.org",
]


@pytest.fixture(autouse=True)
def _relaxed(settings: object) -> None:
    for name, value in RELAXED_LIMITS.items():
        setattr(settings, name, value if "/" in value else int(value))


def test_five_spellings_of_two_mailboxes_make_two_signatures() -> None:
    make_statement()
    for address in SPELLINGS:
        response = Client().post(
            "/en/stop-the-war/sign/", sign_form(address), HTTP_ORIGIN="http://testserver"
        )
        assert response.status_code == 302
    assert Signature.objects.count() == 2
    deliver_all()
    assert sorted({m.to[0] for m in mail.outbox}) == [
        "same@example.org",
        "same@xn--exmple-cua.org",
    ]


def test_an_address_whose_domain_is_not_a_domain_is_refused() -> None:
    make_statement()
    response = Client().post(
        "/en/stop-the-war/sign/",
        sign_form("anna@xn--zz.org"),
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 400
    assert Signature.objects.count() == 0
